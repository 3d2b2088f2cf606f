/**
 * A token bucket: holds up to `ratePerSecond` tokens (at least one), refills continuously at
 * that rate, and each request takes one. A full bucket allows a burst of `ratePerSecond` requests.
 */
export class TokenBucket {
  private readonly capacity: number;
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly ratePerSecond: number,
    /** Milliseconds since any fixed origin; injectable so that tests need no waiting. */
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
      throw new Error(`rate limit must be a positive number of requests per second, got ${ratePerSecond}`);
    }
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = this.capacity;
    this.refilledAt = now();
  }

  /**
   * Takes a token if there is one. Returns 0 when the request may go ahead, otherwise the
   * whole number of seconds (at least 1) after which a token will be there.
   */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerSecond));
  }
}
