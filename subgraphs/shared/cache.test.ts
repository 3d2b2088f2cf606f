import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
import { closeCache, createCache, MemoryCacheStore } from './cache.js';
import { RequestController, runInRequestScope, type RequestScope } from './requestScope.js';
import { SourceFailure } from './errors.js';
import { LegacySource } from './source.js';

// One contract for the subgraphs' cross-request cache, run over every backend it has: the
// in-process one of `npm start` and the Redis that replicas share (with REDIS_URL, as CI
// sets it). What a source caches, how long it serves it, stale-if-error and forgetting after
// a write must not depend on where the cache lives.
const redisUrl = process.env.REDIS_URL || undefined;
const backends: Array<[string, string | undefined]> = [['memory', undefined], ...(redisUrl ? ([['redis', redisUrl]] as Array<[string, string]>) : [])];

describe.each(backends)('the legacy cache, in %s', (_, url) => {
  const caches: Keyv[] = [];
  /** A cache of a namespace no other run uses: runs may share one Redis. */
  const cache = (namespace = `test-${randomBytes(4).toString('hex')}`) => {
    const made = createCache(namespace, url ? { redisUrl: url } : {});
    caches.push(made);
    return made;
  };
  afterAll(async () => {
    await Promise.all(caches.map(async (c) => {
      await c.clear().catch(() => undefined);
      await closeCache(c);
    }));
  });

  const fast = { retries: 0, retryBaseMs: 1 };
  /** A fetch that answers from `records` and counts what it was asked. */
  function system(records: Record<string, string>) {
    const asked: string[][] = [];
    let failing = false;
    return {
      asked,
      fail: (on: boolean) => (failing = on),
      fetch: async (keys: string[]) => {
        asked.push(keys);
        if (failing) throw new SourceFailure('unavailable', 'HTTP 503');
        return new Map(keys.filter((key) => key in records).map((key) => [key, records[key]!]));
      },
    };
  }
  const viaSource = (source: LegacySource, fetch: (keys: string[]) => Promise<ReadonlyMap<string, string>>) => (keys: string[]) => source.call('get', () => fetch(keys));

  it('answers again from the cache, in key order, and asks only for what it lacks', async () => {
    const source = new LegacySource('loyalty', { ...fast, cache: cache() });
    const kind = { name: 'member', ttlMs: 60_000 };
    const s = system({ a: 'A', b: 'B', c: 'C' });
    expect(await source.cachedBatch(kind, ['b', 'a'], viaSource(source, s.fetch))).toEqual(['B', 'A']);
    expect(await source.cachedBatch(kind, ['a', 'c', 'b', 'x'], viaSource(source, s.fetch))).toEqual(['A', 'C', 'B', null]);
    // The unknown key is not kept: a record created meanwhile is found next time.
    expect(s.asked).toEqual([['b', 'a'], ['c', 'x']]);
    await source.cachedBatch(kind, ['x'], viaSource(source, s.fetch));
    expect(s.asked.at(-1)).toEqual(['x']);
  });

  it('serves a record past its freshness while the system fails, and the request notes it stale', async () => {
    const source = new LegacySource('loyalty', { ...fast, cache: cache(), staleIfErrorMs: 60_000 });
    const kind = { name: 'member', ttlMs: 20 };
    const s = system({ a: 'A' });
    await source.cachedBatch(kind, ['a'], viaSource(source, s.fetch));
    await new Promise((resolve) => setTimeout(resolve, 40));
    s.fail(true);
    const controller = new RequestController(Date.now() + 10_000);
    const scope: RequestScope = { requestId: 'r', deadline: controller.deadline, signal: controller.signal };
    const answer = await runInRequestScope(scope, () => source.cachedBatch(kind, ['a', 'b'], viaSource(source, s.fetch)));
    controller.dispose();
    expect(answer[0]).toBe('A');
    expect(answer[1]).toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE', source: 'loyalty' } });
    expect(scope.stale).toEqual([{ source: 'loyalty', kind: 'member', ageMs: expect.any(Number) }]);
    expect(scope.stale![0]!.ageMs).toBeGreaterThanOrEqual(40);
    // Asked not to, it serves nothing stale.
    const strict = await source.cachedBatch(kind, ['a'], viaSource(source, s.fetch), { serveStale: false });
    expect(strict[0]).toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE' } });
  });

  it('serves nothing past the stale window', async () => {
    const source = new LegacySource('pos', { ...fast, cache: cache(), staleIfErrorMs: 20 });
    const kind = { name: 'stock', ttlMs: 10 };
    const s = system({ a: 'A' });
    await source.cachedBatch(kind, ['a'], viaSource(source, s.fetch));
    await new Promise((resolve) => setTimeout(resolve, 60));
    s.fail(true);
    const [answer] = await source.cachedBatch(kind, ['a'], viaSource(source, s.fetch));
    expect(answer).toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE' } });
  });

  it('forgets what a write changed', async () => {
    const source = new LegacySource('loyalty', { ...fast, cache: cache() });
    const kind = { name: 'consent', ttlMs: 60_000 };
    const records: Record<string, string> = { a: 'OPT_IN' };
    const s = system(records);
    await source.cachedBatch(kind, ['a'], viaSource(source, s.fetch));
    records.a = 'OPT_OUT';
    expect(await source.cachedBatch(kind, ['a'], viaSource(source, s.fetch))).toEqual(['OPT_IN']);
    await source.invalidate(kind, ['a']);
    expect(await source.cachedBatch(kind, ['a'], viaSource(source, s.fetch))).toEqual(['OPT_OUT']);
  });

  it('gives back what JSON would: dates as text, no undefined fields, nothing the caller changed after', async () => {
    const source = new LegacySource('ecommerce', { ...fast, cache: cache() });
    const kind = { name: 'order', ttlMs: 60_000 };
    const record = { number: 'W1', placedAt: new Date('2026-12-01T10:00:00Z'), note: undefined, lines: [{ sku: 'A', quantity: 2 }] };
    const fetch = async (keys: string[]) => new Map(keys.map((key) => [key, record]));
    await source.cachedBatch(kind, ['W1'], (keys) => source.call('get', () => fetch(keys)));
    // The fetched record changes after it was kept: the cache holds it as it was.
    record.lines[0]!.quantity = 5;
    const [again] = await source.cachedBatch(kind, ['W1'], async () => {
      throw new Error('asked the system for a fresh record');
    });
    expect(again).toEqual({ number: 'W1', placedAt: '2026-12-01T10:00:00.000Z', lines: [{ sku: 'A', quantity: 2 }] });
    expect(Object.keys(again as object)).not.toContain('note');
  });

  it("keeps each subgraph's keys apart when they share a store", async () => {
    const kind = { name: 'product', ttlMs: 60_000 };
    const first = new LegacySource('catalogue', { ...fast, cache: cache(`test-shared-${randomBytes(3).toString('hex')}-a`) });
    const second = new LegacySource('catalogue', { ...fast, cache: cache(`test-shared-${randomBytes(3).toString('hex')}-b`) });
    await first.cachedBatch(kind, ['p'], viaSource(first, system({ p: 'from the first' }).fetch));
    const other = system({ p: 'from the second' });
    expect(await second.cachedBatch(kind, ['p'], viaSource(second, other.fetch))).toEqual(['from the second']);
    expect(other.asked).toEqual([['p']]);
  });
});

describe('a cache that cannot be reached', () => {
  it('is a cache miss, never a failed request, nor a request held waiting', async () => {
    const started = Date.now();
    const errors: unknown[] = [];
    const unreachable = createCache('test-unreachable', { redisUrl: 'redis://127.0.0.1:1', onError: (error) => errors.push(error) });
    try {
      const source = new LegacySource('ecommerce', { retries: 0, cache: unreachable });
      const kind = { name: 'account', ttlMs: 60_000 };
      const answer = await source.cachedBatch(kind, ['1'], (keys) => source.call('get', async () => new Map(keys.map((key) => [key, `account ${key}`]))));
      expect(answer).toEqual(['account 1']);
      // One bounded read and one bounded write (250 ms each), not a wait for Redis to come back.
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await closeCache(unreachable, 100);
    }
  });
});

describe('the in-process cache', () => {
  it('hands every reader the same frozen record: a reader that changes it fails, and the next reader gets it whole', async () => {
    const cache = createCache('test-frozen');
    await cache.set('k', { lines: [{ quantity: 1 }] });
    const first = (await cache.get('k')) as { lines: Array<{ quantity: number }> };
    expect(() => {
      first.lines[0]!.quantity = 9;
    }).toThrow(TypeError);
    expect(() => first.lines.push({ quantity: 2 })).toThrow(TypeError);
    expect(await cache.getMany(['k', 'missing'])).toEqual([{ lines: [{ quantity: 1 }] }, undefined]);
  });

  it('copies nothing for a store that keeps nothing, and keeps again once it does', async () => {
    class Paused extends MemoryCacheStore {
      paused = true;
      given: unknown[] = [];
      override get keeping(): boolean {
        return !this.paused;
      }
      override set(key: string, value: unknown): this {
        this.given.push(value);
        return this.paused ? this : super.set(key, value);
      }
    }
    const store = new Paused();
    const cache = createCache('test-paused', { store });
    const record = { lines: [{ quantity: 1 }] };
    await cache.set('k', record);
    // keyv hands the store its entry, `{ value, expires }`: the value as it was, neither
    // copied nor frozen, and dropped.
    const given = (i: number) => (store.given[i] as { value: unknown }).value;
    expect(given(0)).toBe(record);
    expect(Object.isFrozen(record)).toBe(false);
    expect(await cache.get('k')).toBeUndefined();
    store.paused = false;
    await cache.set('k', record);
    expect(given(1)).not.toBe(record);
    expect(Object.isFrozen(given(1))).toBe(true);
    expect(await cache.get('k')).toEqual(record);
  });

  it('forgets its oldest entries past its count', async () => {
    const store = new MemoryCacheStore({ maxEntries: 3, maxBytes: 1024 * 1024 });
    const cache = createCache('test-count', { store });
    for (const key of ['a', 'b', 'c', 'd']) await cache.set(key, { key });
    expect(await cache.getMany(['a', 'b', 'c', 'd'])).toEqual([undefined, { key: 'b' }, { key: 'c' }, { key: 'd' }]);
    expect(store.size).toBe(3);
  });

  it('forgets its oldest entries past the size of what it holds, and keeps no value larger than its whole bound', async () => {
    // Each entry: a 1,000-character text in JSON, about 2 KB.
    const store = new MemoryCacheStore({ maxEntries: 1000, maxBytes: 5000 });
    const cache = createCache('test-bytes', { store });
    const text = 'x'.repeat(1000);
    await cache.set('a', { text });
    await cache.set('b', { text });
    expect(store.size).toBe(2);
    await cache.set('c', { text });
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual([undefined, { text }, { text }]);
    expect(store.weight).toBeLessThanOrEqual(5000);
    expect(store.weight).toBeGreaterThan(4000);
    await cache.set('huge', { text: 'y'.repeat(3000) });
    expect(await cache.get('huge')).toBeUndefined();
    expect(await cache.getMany(['b', 'c'])).toEqual([{ text }, { text }]);
  });

  it('forgets an entry past its time, and what a write deleted', async () => {
    const cache = createCache('test-ttl');
    await cache.set('short', { v: 1 }, 20);
    await cache.set('kept', { v: 2 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await cache.getMany(['short', 'kept'])).toEqual([undefined, { v: 2 }]);
    await cache.deleteMany(['kept']);
    expect(await cache.get('kept')).toBeUndefined();
  });
});
