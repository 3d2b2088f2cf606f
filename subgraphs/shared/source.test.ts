import Keyv from 'keyv';
import { GraphQLError } from 'graphql';
import { CircuitBreaker } from './breaker.js';
import { SourceFailure } from './errors.js';
import { httpFailure, LegacySource } from './source.js';

const fast = { retryBaseMs: 1, timeoutMs: 200 };

describe('LegacySource.call', () => {
  it('retries an idempotent call that failed as unavailable, then succeeds', async () => {
    const source = new LegacySource('ecommerce', fast);
    let attempts = 0;
    const result = await source.call('getThing', async () => {
      attempts += 1;
      if (attempts < 3) throw new SourceFailure('unavailable', 'HTTP 503');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(attempts).toBe(3);
  });

  it('does not retry a non-idempotent call, nor a bad request, and codes the error with its source', async () => {
    const source = new LegacySource('loyalty', fast);
    let attempts = 0;
    const failing = () =>
      source.call('UpdateConsent', async () => {
        attempts += 1;
        throw new SourceFailure('unavailable', 'HTTP 500');
      }, { idempotent: false });
    await expect(failing()).rejects.toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE', source: 'loyalty' } });
    expect(attempts).toBe(1);
    await expect(source.call('GetMember', async () => { attempts += 1; throw new SourceFailure('badRequest', 'HTTP 400 bad id'); }))
      .rejects.toMatchObject({ message: 'loyalty: GetMember: HTTP 400 bad id', extensions: { code: 'SOURCE_BAD_REQUEST' } });
    expect(attempts).toBe(2);
  });

  it('times out an attempt through its AbortSignal', async () => {
    const source = new LegacySource('catalogue', { ...fast, retries: 0, timeoutMs: 30 });
    const hang = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    await expect(source.call('getProducts', hang)).rejects.toMatchObject({
      message: expect.stringContaining('no answer within 30 ms'),
      extensions: { code: 'SOURCE_UNAVAILABLE', source: 'catalogue' },
    });
  });

  it('gives up on a Retry-After longer than it will wait', async () => {
    const source = new LegacySource('ecommerce', { ...fast, maxRetryAfterMs: 100 });
    let attempts = 0;
    await expect(source.call('list', async () => { attempts += 1; throw httpFailure(429, '30', 'slow down'); }))
      .rejects.toMatchObject({ extensions: { code: 'SOURCE_RATE_LIMITED' } });
    expect(attempts).toBe(1);
  });

  it('opens its circuit after repeated failures and fails fast without calling', async () => {
    const source = new LegacySource('pos', { ...fast, retries: 0, breaker: { failureThreshold: 2, resetAfterMs: 60_000 } });
    let attempts = 0;
    const down = async () => { attempts += 1; throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }); };
    await expect(source.call('q', down)).rejects.toMatchObject({ message: 'pos: q: ECONNREFUSED' });
    await expect(source.call('q', down)).rejects.toBeInstanceOf(GraphQLError);
    await expect(source.call('q', down)).rejects.toMatchObject({ message: expect.stringContaining('circuit open') });
    expect(attempts).toBe(2);
    expect(source.breaker.state).toBe('open');
  });
});

describe('CircuitBreaker', () => {
  it('half-opens after the reset delay, lets one trial through, and closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetAfterMs: 1000, now: () => now });
    breaker.failed();
    expect(breaker.tryAcquire()).toBe(false);
    now = 1000;
    expect(breaker.state).toBe('halfOpen');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
  });
  it('re-opens when the trial fails', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, resetAfterMs: 1000, now: () => now });
    breaker.failed(); breaker.failed(); breaker.failed();
    now = 1500;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failed();
    expect(breaker.state).toBe('open');
  });
});

describe('LegacySource.cachedBatch', () => {
  const kind = { name: 'member', ttlMs: 60_000 };

  it('fetches only what the cache lacks, in key order, null for unknown keys', async () => {
    const source = new LegacySource('loyalty', { ...fast, cache: new Keyv() });
    const calls: string[][] = [];
    const fetch = async (keys: string[]) => {
      calls.push(keys);
      return new Map(keys.filter((k) => k !== 'x').map((k) => [k, `member ${k}`]));
    };
    expect(await source.cachedBatch(kind, ['1', '2', 'x', '1'], fetch)).toEqual(['member 1', 'member 2', null, 'member 1']);
    expect(await source.cachedBatch(kind, ['2', '3'], fetch)).toEqual(['member 2', 'member 3']);
    expect(calls).toEqual([['1', '2', 'x'], ['3']]);
  });

  it('serves a stale value when the system fails, and the error for keys it never had', async () => {
    let now = 1_000_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const source = new LegacySource('loyalty', { ...fast, cache: new Keyv(), staleIfErrorMs: 600_000 });
      await source.cachedBatch(kind, ['1'], async (keys) => new Map(keys.map((k) => [k, `member ${k}`])));
      now += 120_000;
      const down = async (): Promise<Map<string, string>> => {
        throw new GraphQLError('loyalty: down', { extensions: { code: 'SOURCE_UNAVAILABLE' } });
      };
      const [stale, missing] = await source.cachedBatch(kind, ['1', '2'], down);
      expect(stale).toBe('member 1');
      expect(missing).toBeInstanceOf(GraphQLError);
    } finally {
      Date.now = realNow;
    }
  });
});

describe('httpFailure', () => {
  it('classifies statuses the way a client must react to them', () => {
    expect(httpFailure(429, '2', '')).toMatchObject({ kind: 'rateLimited', retryAfterMs: 2000 });
    expect(httpFailure(503, null, 'maintenance')).toMatchObject({ kind: 'unavailable', message: 'HTTP 503 maintenance' });
    expect(httpFailure(404, null, '')).toMatchObject({ kind: 'badRequest' });
  });
});

describe('LegacySource.cachedBatch with a namespaced cache', () => {
  it('finds what it stored when the keyv namespace is the source name', async () => {
    const source = new LegacySource('catalogue', { ...fast, cache: new Keyv({ namespace: 'catalogue' }) });
    let calls = 0;
    const fetch = async (keys: string[]) => {
      calls += 1;
      return new Map(keys.map((k) => [k, k.toUpperCase()]));
    };
    await source.cachedBatch({ name: 'product', ttlMs: 60_000 }, ['a', 'b'], fetch);
    expect(await source.cachedBatch({ name: 'product', ttlMs: 60_000 }, ['a', 'b'], fetch)).toEqual(['A', 'B']);
    expect(calls).toBe(1);
  });
});
