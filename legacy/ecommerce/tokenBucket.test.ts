import { TokenBucket } from './tokenBucket.js';

test('allows a burst of the rate, then refills continuously', () => {
  let now = 0;
  const bucket = new TokenBucket(5, () => now);
  expect(Array.from({ length: 6 }, () => bucket.take())).toEqual([0, 0, 0, 0, 0, 1]);
  now += 199;
  expect(bucket.take()).toBe(1);
  now += 1;
  expect(bucket.take()).toBe(0);
  now += 60_000;
  expect(Array.from({ length: 6 }, () => bucket.take())).toEqual([0, 0, 0, 0, 0, 1]);
});

test('a rate under one per second still lets one request through, and says how long to wait', () => {
  let now = 0;
  const bucket = new TokenBucket(0.1, () => now);
  expect(bucket.take()).toBe(0);
  expect(bucket.take()).toBe(10);
  now += 9_500;
  expect(bucket.take()).toBe(1);
  now += 500;
  expect(bucket.take()).toBe(0);
});

test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a rate of %p', (rate) => {
  expect(() => new TokenBucket(rate)).toThrow(`rate limit must be a positive number of requests per second, got ${rate}`);
});
