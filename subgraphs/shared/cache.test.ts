import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
import { closeCache, createCache } from './cache.js';
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
