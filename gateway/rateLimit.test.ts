import { HttpRefusal } from '../subgraphs/shared/graphqlHttp.js';
import { createRateLimiter, type RateLimiter } from './rateLimit.js';

function refusalOf(limiter: RateLimiter, key: string): HttpRefusal {
  try {
    limiter.take(key);
  } catch (error) {
    if (error instanceof HttpRefusal) return error;
    throw error;
  }
  throw new Error(`expected ${key} to be refused`);
}

/** A limiter on a clock the test moves by hand. */
function limiterAt(options: { perMinute: number; burst: number }) {
  const clock = { now: 1_700_000_000_000 };
  const limiter = createRateLimiter({ ...options, now: () => clock.now });
  return { limiter, clock, advance: (ms: number) => (clock.now += ms) };
}

describe('createRateLimiter', () => {
  it('lets a burst through, then refuses with 429 RATE_LIMITED and Retry-After in whole seconds', () => {
    // 12 a minute is one token every 5 s.
    const { limiter, advance } = limiterAt({ perMinute: 12, burst: 3 });
    for (let n = 0; n < 3; n++) limiter.take('client-a');
    const refusal = refusalOf(limiter, 'client-a');
    expect(refusal.status).toBe(429);
    expect(refusal.code).toBe('RATE_LIMITED');
    expect(refusal.headers).toEqual({ 'retry-after': '5' });
    expect(refusal.message).toBe('too many requests from this client: 12 a minute; retry in 5 s');
    // One second on, a fifth of a token has come back: four seconds to go for a whole one.
    advance(1000);
    expect(refusalOf(limiter, 'client-a').headers).toEqual({ 'retry-after': '4' });
    // 3.9 s after that, 0.02 token (0.1 s) is missing: rounded up to a whole second.
    advance(3900);
    expect(refusalOf(limiter, 'client-a').headers).toEqual({ 'retry-after': '1' });
  });

  it('rounds a wait up, never down to 0', () => {
    // 7 a minute: a token every 60/7 s = 8.571… s, so Retry-After is 9.
    const { limiter, advance } = limiterAt({ perMinute: 7, burst: 1 });
    limiter.take('k');
    expect(refusalOf(limiter, 'k').headers['retry-after']).toBe('9');
    advance(8_570);
    expect(refusalOf(limiter, 'k').headers['retry-after']).toBe('1');
  });

  it('lets the client in again after the Retry-After it was given', () => {
    const { limiter, advance } = limiterAt({ perMinute: 12, burst: 2 });
    limiter.take('c');
    limiter.take('c');
    advance(1000);
    const seconds = Number(refusalOf(limiter, 'c').headers['retry-after']);
    expect(seconds).toBe(4);
    advance(seconds * 1000);
    expect(() => limiter.take('c')).not.toThrow();
    expect(refusalOf(limiter, 'c').code).toBe('RATE_LIMITED');
  });

  it('refills one token per 60/perMinute seconds, up to the burst and no further', () => {
    const { limiter, advance } = limiterAt({ perMinute: 60, burst: 5 });
    for (let n = 0; n < 5; n++) limiter.take('k');
    expect(refusalOf(limiter, 'k').code).toBe('RATE_LIMITED');
    advance(2000);
    limiter.take('k');
    limiter.take('k');
    expect(refusalOf(limiter, 'k').code).toBe('RATE_LIMITED');
    // An hour idle brings back the burst, not 3,600 tokens.
    advance(3_600_000);
    for (let n = 0; n < 5; n++) limiter.take('k');
    expect(refusalOf(limiter, 'k').code).toBe('RATE_LIMITED');
  });

  it('does not charge refused requests', () => {
    const { limiter, advance } = limiterAt({ perMinute: 60, burst: 1 });
    limiter.take('k');
    for (let n = 0; n < 10; n++) {
      advance(50);
      refusalOf(limiter, 'k');
    }
    // 500 ms passed in refusals; 500 ms more makes a whole token.
    advance(500);
    expect(() => limiter.take('k')).not.toThrow();
  });

  it('keeps a bucket per key', () => {
    const { limiter } = limiterAt({ perMinute: 60, burst: 2 });
    limiter.take('client-a');
    limiter.take('client-a');
    expect(refusalOf(limiter, 'client-a').code).toBe('RATE_LIMITED');
    expect(() => {
      limiter.take('client-b');
      limiter.take('client-b');
    }).not.toThrow();
    expect(refusalOf(limiter, 'client-b').code).toBe('RATE_LIMITED');
    expect(refusalOf(limiter, 'client-a').code).toBe('RATE_LIMITED');
  });

  it('never refuses with perMinute 0', () => {
    const { limiter } = limiterAt({ perMinute: 0, burst: 1 });
    expect(() => {
      for (let n = 0; n < 10_000; n++) limiter.take('k');
    }).not.toThrow();
  });
});
