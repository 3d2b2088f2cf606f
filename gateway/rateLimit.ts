import { HttpRefusal } from '../subgraphs/shared/graphqlHttp.js';

/**
 * A token bucket per client: `perMinute` requests a minute on average, up to `burst` at once.
 * Kept in the gateway process: each replica limits what reaches it, so behind N replicas a
 * client gets up to N times the rate (docs/access.md). Idle buckets are forgotten.
 */
export interface RateLimiter {
  /** Takes one request from `key`'s bucket, or throws a 429 refusal saying when to retry. */
  take(key: string): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 100_000;

export function createRateLimiter({ perMinute, burst, now = Date.now }: { perMinute: number; burst: number; now?: () => number }): RateLimiter {
  if (perMinute === 0) return { take: () => undefined };
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  return {
    take(key) {
      const at = now();
      let bucket = buckets.get(key);
      if (bucket) {
        bucket.tokens = Math.min(burst, bucket.tokens + (at - bucket.at) * perMs);
        bucket.at = at;
        // Most recently used last: the oldest buckets are the first forgotten.
        buckets.delete(key);
        buckets.set(key, bucket);
      } else {
        if (buckets.size >= MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
        bucket = { tokens: burst, at };
        buckets.set(key, bucket);
      }
      if (bucket.tokens < 1) {
        const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
        throw new HttpRefusal(429, 'RATE_LIMITED', `too many requests from this client: ${perMinute} a minute; retry in ${seconds} s`, { 'retry-after': String(seconds) });
      }
      bucket.tokens -= 1;
    },
  };
}
