import { getMaxListeners } from 'node:events';
import { jest } from '@jest/globals';
import Keyv from 'keyv';
import { GraphQLError } from 'graphql';
import { SourceFailure } from './errors.js';
import { httpFailure, LegacySource } from './source.js';
import { RequestController, runInRequestScope, type RequestScope } from './requestScope.js';

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
      extensions: { code: 'SOURCE_TIMEOUT', source: 'catalogue' },
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
    expect(source.breakerState).toBe('open');
  });
});

describe("a source's circuit breaker", () => {
  /** Moves the clock the breaker reads (cockatiel's Date.now) without touching timers. */
  function clock() {
    const real = Date.now.bind(Date);
    let offset = 0;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => real() + offset);
    return { advance: (ms: number) => (offset += ms), restore: () => spy.mockRestore() };
  }
  const failing = async () => {
    throw new SourceFailure('unavailable', 'HTTP 503');
  };

  it('lets one trial through after its pause, and closes when the trial succeeds', async () => {
    const time = clock();
    try {
      const source = new LegacySource('pos', { ...fast, retries: 0, breaker: { failureThreshold: 1, resetAfterMs: 1000 } });
      await expect(source.call('q', failing)).rejects.toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE' } });
      expect(source.breakerState).toBe('open');
      let attempts = 0;
      const ok = async () => {
        attempts += 1;
        return 'ok';
      };
      await expect(source.call('q', ok)).rejects.toMatchObject({ message: expect.stringContaining('circuit open') });
      expect(attempts).toBe(0);
      // The first pause is the reset delay, give or take the jitter (decorrelated, at most its double).
      time.advance(2001);
      expect(await source.call('q', ok)).toBe('ok');
      expect(attempts).toBe(1);
      expect(source.breakerState).toBe('closed');
    } finally {
      time.restore();
    }
  });

  it('opens again when the trial fails, and waits longer before the next one', async () => {
    const time = clock();
    try {
      const source = new LegacySource('pos', { ...fast, retries: 0, breaker: { failureThreshold: 1, resetAfterMs: 1000, maxResetAfterMs: 60_000 } });
      await expect(source.call('q', failing)).rejects.toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE' } });
      time.advance(2001);
      await expect(source.call('q', failing)).rejects.toMatchObject({ message: 'pos: q: HTTP 503' });
      expect(source.breakerState).toBe('open');
      // Right after a failed trial the circuit is open for longer than the first pause.
      time.advance(1);
      await expect(source.call('q', failing)).rejects.toMatchObject({ message: expect.stringContaining('circuit open') });
    } finally {
      time.restore();
    }
  });

  it('is not opened by answers the system gave (a bad request), only by its failing', async () => {
    const source = new LegacySource('ecommerce', { ...fast, retries: 0, breaker: { failureThreshold: 1 } });
    for (let n = 0; n < 3; n++) {
      await expect(source.call('q', async () => { throw new SourceFailure('badRequest', 'HTTP 400'); })).rejects.toMatchObject({ extensions: { code: 'SOURCE_BAD_REQUEST' } });
    }
    expect(source.breakerState).toBe('closed');
  });

  it('bounds the calls in flight, failing the ones past its queue at once', async () => {
    const source = new LegacySource('loyalty', { ...fast, retries: 0, concurrency: 1, queue: 1 });
    let release!: () => void;
    const held = new Promise<string>((resolve) => (release = () => resolve('first')));
    const first = source.call('q', () => held);
    const second = source.call('q', async () => 'second');
    await expect(source.call('q', async () => 'third')).rejects.toMatchObject({
      message: 'loyalty: q: too many calls to loyalty in flight, not queuing more',
      extensions: { code: 'SOURCE_UNAVAILABLE', source: 'loyalty' },
    });
    release();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
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

describe('LegacySource.call within a request scope', () => {
  /** An attempt that answers only its signal, recording when and why it was stopped. */
  function hanging() {
    const seen: Array<{ signal: AbortSignal; abortedAt?: number; reason?: unknown }> = [];
    const attempt = (signal: AbortSignal) =>
      new Promise<never>((_, reject) => {
        const entry: (typeof seen)[number] = { signal };
        seen.push(entry);
        signal.addEventListener('abort', () => {
          entry.abortedAt = Date.now();
          entry.reason = signal.reason;
          reject(signal.reason);
        });
      });
    return { attempt, seen };
  }

  /** Runs `work` in the scope of `controller`, disposing of it after. */
  async function inScope<T>(controller: RequestController, work: () => Promise<T>): Promise<T> {
    const scope: RequestScope = { requestId: 'req-1', deadline: controller.deadline, signal: controller.signal };
    try {
      return await runInRequestScope(scope, work);
    } finally {
      controller.dispose();
    }
  }

  /** Resolves once `seen` holds `count` attempts. */
  async function attemptsStarted(seen: unknown[], count = 1): Promise<void> {
    while (seen.length < count) await new Promise((resolve) => setImmediate(resolve));
  }

  it("gives an attempt a signal that fires at the request's deadline when that comes before the source's timeout", async () => {
    const source = new LegacySource('pos', { timeoutMs: 5000, retries: 0 });
    const { attempt, seen } = hanging();
    // A scope whose own signal stays quiet: whatever stops the attempt is the attempt's signal.
    const deadline = Date.now() + 60;
    const scope: RequestScope = { requestId: 'req-1', deadline, signal: new AbortController().signal };
    await expect(runInRequestScope(scope, () => source.call('stock', attempt))).rejects.toBeInstanceOf(GraphQLError);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.abortedAt).toBeGreaterThanOrEqual(deadline - 2);
    expect(seen[0]!.abortedAt).toBeLessThan(deadline + 1000);
  });

  it('keeps the source timeout when the deadline is further away', async () => {
    const source = new LegacySource('pos', { timeoutMs: 40, retries: 0 });
    const { attempt, seen } = hanging();
    const started = Date.now();
    await expect(inScope(new RequestController(Date.now() + 60_000), () => source.call('stock', attempt))).rejects.toMatchObject({
      extensions: { code: 'SOURCE_TIMEOUT', source: 'pos' },
    });
    expect(seen[0]!.abortedAt! - started).toBeLessThan(1000);
  });

  it("codes a call stopped at the deadline DEADLINE_EXCEEDED and does not count it against the breaker, whichever of the deadline's timers fires first", async () => {
    // The request's controller and the attempt's own deadline timer fire at the same
    // millisecond, in either order. Here the attempt's fires first, as it does in some runs
    // with a real RequestController: the call still ran out of the request's time, not of
    // the system's.
    const source = new LegacySource('pos', { timeoutMs: 5000, retries: 0, breaker: { failureThreshold: 1 } });
    const { attempt } = hanging();
    const scope: RequestScope = { requestId: 'req-1', deadline: Date.now() + 30, signal: new AbortController().signal };
    await expect(runInRequestScope(scope, () => source.call('stock', attempt))).rejects.toMatchObject({
      message: "pos: stock: not finished, the request's deadline passed",
      extensions: { code: 'DEADLINE_EXCEEDED', source: 'pos' },
    });
    expect(source.breakerState).toBe('closed');
  });

  it('ends a call whose caller went away with DEADLINE_EXCEEDED and its source, without retrying', async () => {
    const source = new LegacySource('ecommerce', { timeoutMs: 5000, retries: 2, retryBaseMs: 1 });
    const { attempt, seen } = hanging();
    const controller = new RequestController(Date.now() + 60_000);
    const call = inScope(controller, () => source.call('getOrders', attempt));
    await attemptsStarted(seen);
    controller.gone();
    await expect(call).rejects.toMatchObject({
      message: 'ecommerce: getOrders: not finished, the caller went away',
      extensions: { code: 'DEADLINE_EXCEEDED', source: 'ecommerce' },
    });
    await expect(call).rejects.toBeInstanceOf(GraphQLError);
    expect(seen).toHaveLength(1);
  });

  it('takes a dozen calls of one request in flight at once, each listening on its signal, and ends them all when the caller goes', async () => {
    const source = new LegacySource('pos', { timeoutMs: 5000, retries: 0, concurrency: 64 });
    const { attempt, seen } = hanging();
    const controller = new RequestController(Date.now() + 60_000);
    // Above Node's default of 10, past which it warns of a leak (the calls' listeners go as they end).
    expect(getMaxListeners(controller.signal)).toBeGreaterThanOrEqual(64);
    const calls = inScope(controller, () => Promise.allSettled(Array.from({ length: 12 }, (_, i) => source.call(`statement ${i}`, attempt))));
    await attemptsStarted(seen, 12);
    controller.gone();
    const settled = await calls;
    expect(settled.map((r) => (r.status === 'rejected' ? (r.reason as GraphQLError).extensions.code : r.status))).toEqual(Array(12).fill('DEADLINE_EXCEEDED'));
  });

  it('does not call a system at all for a request already given up', async () => {
    const source = new LegacySource('loyalty', fast);
    const controller = new RequestController(Date.now() + 60_000);
    controller.gone();
    let attempts = 0;
    await expect(inScope(controller, () => source.call('GetMember', async () => { attempts += 1; return 'member'; }))).rejects.toMatchObject({
      extensions: { code: 'DEADLINE_EXCEEDED', source: 'loyalty' },
    });
    expect(attempts).toBe(0);
  });

  it('does not count calls given up by their caller against the circuit breaker', async () => {
    const source = new LegacySource('loyalty', { timeoutMs: 5000, retries: 0, breaker: { failureThreshold: 2 } });
    for (let n = 0; n < 5; n++) {
      const { attempt, seen } = hanging();
      const controller = new RequestController(Date.now() + 60_000);
      const call = inScope(controller, () => source.call('GetMember', attempt));
      await attemptsStarted(seen);
      controller.gone();
      await expect(call).rejects.toMatchObject({ extensions: { code: 'DEADLINE_EXCEEDED' } });
    }
    expect(source.breakerState).toBe('closed');
    expect(await source.call('GetMember', async () => 'member')).toBe('member');
  });

  it('closes the circuit when its half-open trial is given up: the next call goes to the system', async () => {
    const real = Date.now.bind(Date);
    let offset = 0;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => real() + offset);
    try {
      const source = new LegacySource('pos', { timeoutMs: 5000, retries: 0, breaker: { failureThreshold: 1, resetAfterMs: 1000 } });
      await expect(source.call('q', async () => { throw new SourceFailure('unavailable', 'HTTP 503'); })).rejects.toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE' } });
      expect(source.breakerState).toBe('open');
      offset += 2001;
      const { attempt, seen } = hanging();
      const controller = new RequestController(Date.now() + 60_000);
      const trial = inScope(controller, () => source.call('q', attempt));
      await attemptsStarted(seen);
      expect(source.breakerState).toBe('halfOpen');
      controller.gone();
      await expect(trial).rejects.toMatchObject({ extensions: { code: 'DEADLINE_EXCEEDED' } });
      // A trial that says nothing of the system closes the circuit (cockatiel's rule): the next
      // call is a real one, and a system still down opens it again after the threshold.
      let attempts = 0;
      expect(await source.call('q', async () => { attempts += 1; return 'ok'; })).toBe('ok');
      expect(attempts).toBe(1);
      expect(source.breakerState).toBe('closed');
    } finally {
      spy.mockRestore();
    }
  });

  it('schedules no retry that would end past the deadline', async () => {
    // The system asks for 300 ms; the request has 100 ms left: the call fails now rather than
    // waiting for an answer nobody will read.
    const source = new LegacySource('ecommerce', { timeoutMs: 5000, retries: 2, maxRetryAfterMs: 1000 });
    let attempts = 0;
    const limited = async () => { attempts += 1; throw new SourceFailure('rateLimited', 'HTTP 429', 300); };
    const started = Date.now();
    await expect(inScope(new RequestController(Date.now() + 100), () => source.call('list', limited))).rejects.toMatchObject({
      extensions: { code: 'SOURCE_RATE_LIMITED', source: 'ecommerce' },
    });
    expect(attempts).toBe(1);
    expect(Date.now() - started).toBeLessThan(100);

    // A back-off of 500 to 1,500 ms against 200 ms left.
    const backingOff = new LegacySource('ecommerce', { timeoutMs: 5000, retries: 2, retryBaseMs: 1000, maxRetryAfterMs: 5000 });
    attempts = 0;
    const down = async () => { attempts += 1; throw new SourceFailure('unavailable', 'HTTP 503'); };
    await expect(inScope(new RequestController(Date.now() + 200), () => backingOff.call('list', down))).rejects.toMatchObject({
      extensions: { code: 'SOURCE_UNAVAILABLE', source: 'ecommerce' },
    });
    expect(attempts).toBe(1);
  });

  it('still retries when the wait ends before the deadline', async () => {
    const source = new LegacySource('ecommerce', { timeoutMs: 5000, retries: 2, maxRetryAfterMs: 1000 });
    let attempts = 0;
    const result = await inScope(new RequestController(Date.now() + 10_000), () =>
      source.call('list', async () => {
        attempts += 1;
        if (attempts === 1) throw new SourceFailure('rateLimited', 'HTTP 429', 20);
        return 'listed';
      }),
    );
    expect(result).toBe('listed');
    expect(attempts).toBe(2);
  });
});
