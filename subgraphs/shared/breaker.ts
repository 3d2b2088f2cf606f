/** Circuit breaker state, explicit so that health checks can report it. */
export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before letting one trial through. Default 10 s. */
  resetAfterMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Stops hammering a system that is down: after `failureThreshold` consecutive failures every
 * call fails fast for `resetAfterMs`, then one trial call decides whether to close again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: BreakerState = 'closed';
  private readonly threshold: number;
  private readonly resetAfterMs: number;
  private readonly now: () => number;

  constructor({ failureThreshold = 5, resetAfterMs = 10_000, now = Date.now }: BreakerOptions = {}) {
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) throw new RangeError(`failureThreshold must be a positive integer, got ${failureThreshold}`);
    this.threshold = failureThreshold;
    this.resetAfterMs = resetAfterMs;
    this.now = now;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.resetAfterMs) return 'halfOpen';
    return this.current;
  }

  /** Whether a call may go out now; a half-open circuit lets exactly one through. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  succeeded(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.current = 'closed';
  }

  /** A call given up by its caller says nothing of the system: a trial it held goes to the next call. */
  abandoned(): void {
    this.trialInFlight = false;
  }

  failed(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.current !== 'closed' || this.failures >= this.threshold) {
      this.current = 'open';
      this.openedAt = this.now();
    }
  }
}
