import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { GraphQLError } from 'graphql';
import type Keyv from 'keyv';
import { SourceFailure, sourceError, type SourceName } from './errors.js';
import { countCacheLookups, observeLegacyCall, setBreakerState, watchBreaker, type LegacyOutcome } from './metrics.js';
import { currentRequestScope, noteStale, RequestAborted, type RequestScope } from './requestScope.js';
import { cacheStore } from './cache.js';
import {
  ATTR_CACHE_FOUND,
  ATTR_CACHE_KEYS,
  ATTR_CACHE_KIND,
  ATTR_DB_SYSTEM,
  endLegacySpan,
  inStoreSpan,
  requestTracer,
  startLegacySpan,
  startStoreSpan,
} from './tracing.js';

/** A circuit breaker's state, as health checks report it. */
export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit first stays open before one trial call; later openings wait longer, with jitter. Default 1 s. */
  resetAfterMs?: number;
  /** The longest an open circuit waits before a trial: how long a system back up may go unused at most. Default 5 s. */
  maxResetAfterMs?: number;
}

export interface SourceOptions {
  /** Per attempt. Default 3 s. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls that failed as unavailable, timed out or rate-limited. Default 2. */
  retries?: number;
  /** First back-off, doubled each retry, with jitter. Default 50 ms. */
  retryBaseMs?: number;
  /** A `Retry-After` longer than this is not waited for: the caller gets SOURCE_RATE_LIMITED. Default 1 s. */
  maxRetryAfterMs?: number;
  breaker?: BreakerOptions;
  /** Calls in flight to the system at most (bulkhead); more wait in a queue. Default 32. */
  concurrency?: number;
  /** Calls waiting for a slot at most; past it a call fails at once. Default 512. */
  queue?: number;
  /** Cross-request cache; omitted = no caching. Give each subgraph its own keyv namespace (createCache does). */
  cache?: Keyv;
  /** How long past its TTL a cached value may still be served when the system fails. Default 5 min. */
  staleIfErrorMs?: number;
  /** How long a cache read or write may take before it counts as a miss (a Redis unreachable must not hold requests). Default 250 ms. */
  cacheTimeoutMs?: number;
}

/** What a cache entry holds: the value and when it was fetched, for stale-if-error. */
interface Cached<V> {
  value: V;
  fetchedAt: number;
}

/** A kind of cached record: its name (part of the cache key) and how long it stays fresh. */
export interface CacheKind {
  name: string;
  ttlMs: number;
}

/** A request given up (deadline, caller gone) while a call of it was under way: nobody's fault. */
class GivenUp extends Error {
  override name = 'GivenUp';
  constructor(readonly gone: boolean) {
    super(gone ? 'the caller went away' : "the request's deadline passed");
  }
}

const OUTCOMES: Readonly<Record<SourceFailure['kind'], LegacyOutcome>> = {
  unavailable: 'unavailable',
  timeout: 'unavailable',
  rateLimited: 'rate_limited',
  badResponse: 'bad_response',
  badRequest: 'bad_request',
};

const CIRCUIT_STATES: Readonly<Record<CircuitState, BreakerState>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'halfOpen',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/**
 * A cached value with a top-level object (or array) of its own: the in-process cache hands
 * every reader the same frozen tree (cache.ts), and Apollo's entity resolution marks the
 * object a reference resolves to with its `__typename`. What lies below stays shared and frozen.
 * A value that is not frozen (read from Redis) is already the reader's own.
 */
function ownTop<V>(value: V): V {
  if (!Object.isFrozen(value)) return value;
  if (Array.isArray(value)) return [...value] as V;
  if (value !== null && typeof value === 'object') return { ...value };
  return value;
}

/**
 * Everything between a subgraph and one legacy system, one resilience policy per system
 * (cockatiel): each attempt has a timeout, cut short by the request's deadline; idempotent
 * calls are retried when the system was unavailable, slow or rate-limited, after a jittered
 * back-off or the system's own `Retry-After`, and never past the deadline; a circuit breaker
 * opens after consecutive failures and tries again after a jittered, growing pause, so that a
 * flapping system is caught in one of its up windows; a bulkhead bounds the calls in flight.
 * A client wraps each protocol call in {@link call}; loaders wrap batched lookups in
 * {@link cachedBatch}, which serves stale records when the system fails and says so.
 * Failures leave as coded GraphQL errors.
 */
export class LegacySource {
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly cache: Keyv | undefined;
  private readonly cacheTimeoutMs: number;
  private readonly staleIfErrorMs: number;
  /** Tracing on when the source was built: each call is a client span of the request's. */
  private readonly tracer = requestTracer();

  constructor(
    readonly name: SourceName,
    options: SourceOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.retries = options.retries ?? 2;
    this.retryBaseMs = options.retryBaseMs ?? 50;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 1000;
    const { failureThreshold = 5, resetAfterMs = 1000, maxResetAfterMs = 5000 } = options.breaker ?? {};
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) throw new RangeError(`failureThreshold must be a positive integer, got ${failureThreshold}`);
    // Only the system failing opens the circuit: not a request refused as malformed, nor one given up.
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof SourceFailure && (error.kind === 'unavailable' || error.kind === 'timeout')),
      { breaker: new ConsecutiveBreaker(failureThreshold), halfOpenAfter: new ExponentialBackoff({ initialDelay: resetAfterMs, maxDelay: Math.max(resetAfterMs, maxResetAfterMs) }) },
    );
    this.breaker.onStateChange((state) => setBreakerState(this.name, CIRCUIT_STATES[state]));
    watchBreaker(this.name, () => this.breakerState);
    this.bulkhead = bulkhead(options.concurrency ?? 32, options.queue ?? 512);
    this.cache = options.cache;
    this.cacheTimeoutMs = options.cacheTimeoutMs ?? 250;
    this.staleIfErrorMs = options.staleIfErrorMs ?? 300_000;
  }

  /** The circuit breaker's state: `open` until a call comes after its pause, which it lets through as the trial. */
  get breakerState(): BreakerState {
    return CIRCUIT_STATES[this.breaker.state];
  }

  /** What readiness reports of this source: its name and its circuit breaker's state. */
  health(): { source: SourceName; breaker: BreakerState } {
    return { source: this.name, breaker: this.breakerState };
  }

  /**
   * Runs one protocol call. `attempt` gets an AbortSignal that fires at the timeout (or the
   * request's deadline, or when its caller goes away) and must throw a {@link SourceFailure}
   * for a failure it understands; anything else it throws is taken as the system being
   * unavailable. Throws a coded GraphQLError. Measured, and traced as one span (retries
   * included) named by `operation`, which must therefore name no id nor value.
   */
  async call<T>(operation: string, attempt: (signal: AbortSignal) => Promise<T>, { idempotent = true } = {}): Promise<T> {
    const scope = currentRequestScope();
    const started = performance.now();
    const span = this.tracer && startLegacySpan(this.tracer, this.name, operation, scope?.requestId);
    let attempts = 0;
    const retries = retry(
      handleWhen((error) => idempotent && this.retryable(error, scope)),
      { maxAttempts: this.retries, backoff: new DelegateBackoff((context) => this.pause(context.attempt, (context.result as { error?: unknown }).error)) },
    );
    try {
      const value = await retries.execute(() =>
        this.breaker.execute(() =>
          this.bulkhead.execute(() => {
            attempts += 1;
            return this.once(operation, attempt, scope);
          }),
        ),
      );
      observeLegacyCall(this.name, operation, 'ok', (performance.now() - started) / 1000);
      if (span) endLegacySpan(span, 'ok', attempts);
      return value;
    } catch (error) {
      const { outcome, failure } = this.explain(operation, error, scope);
      observeLegacyCall(this.name, operation, outcome, (performance.now() - started) / 1000);
      if (span) endLegacySpan(span, outcome, attempts, String(failure.extensions.code));
      throw failure;
    }
  }

  /** One attempt, within its timeout and the request's deadline. */
  private async once<T>(operation: string, attempt: (signal: AbortSignal) => Promise<T>, scope: RequestScope | undefined): Promise<T> {
    if (scope?.signal.aborted) throw new GivenUp(this.goneReason(scope));
    const left = scope ? scope.deadline - Date.now() : Infinity;
    // When the deadline comes before the source's own timeout, the timeout is the deadline's.
    const deadlineBound = left < this.timeoutMs;
    const limit = timeout(Math.max(1, Math.min(this.timeoutMs, left)), TimeoutStrategy.Aggressive);
    try {
      return await limit.execute(({ signal }) => attempt(signal), scope?.signal);
    } catch (error) {
      if (scope && (scope.signal.aborted || (deadlineBound && Date.now() >= scope.deadline - 2))) throw new GivenUp(this.goneReason(scope));
      throw this.classify(operation, error);
    }
  }

  private goneReason(scope: RequestScope): boolean {
    return scope.signal.reason instanceof RequestAborted && scope.signal.reason.reason === 'gone';
  }

  /** Worth another attempt: the system was down, slow or busy, it asked for a short wait, and the request has time for it. */
  private retryable(error: unknown, scope: RequestScope | undefined): boolean {
    if (!(error instanceof SourceFailure) || (error.kind !== 'unavailable' && error.kind !== 'timeout' && error.kind !== 'rateLimited')) return false;
    if (error.retryAfterMs !== undefined && error.retryAfterMs > this.maxRetryAfterMs) return false;
    // The longest the pause can be (back-off jitter tops out at 1.5 times the base).
    const longest = error.retryAfterMs ?? this.retryBaseMs * 2 ** this.retries * 1.5;
    return !scope || Date.now() + longest < scope.deadline;
  }

  /** The pause before retry `attempt` (1 for the first retry): the system's Retry-After, else a jittered exponential back-off. */
  private pause(attempt: number, error: unknown): number {
    if (error instanceof SourceFailure && error.retryAfterMs !== undefined) return error.retryAfterMs;
    return this.retryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random());
  }

  /** The coded error a failed call leaves with, and how the metrics count it. */
  private explain(operation: string, error: unknown, scope: RequestScope | undefined): { outcome: LegacyOutcome; failure: GraphQLError } {
    if (error instanceof GivenUp || (scope?.signal.aborted && !(error instanceof SourceFailure))) {
      const gone = error instanceof GivenUp ? error.gone : this.goneReason(scope!);
      return {
        outcome: 'given_up',
        failure: new GraphQLError(`${this.name}: ${operation}: not finished, ${gone ? 'the caller went away' : "the request's deadline passed"}`, {
          extensions: { code: 'DEADLINE_EXCEEDED', source: this.name },
        }),
      };
    }
    if (error instanceof BrokenCircuitError) {
      return { outcome: 'short_circuit', failure: sourceError(this.name, new SourceFailure('unavailable', `${operation}: circuit open after repeated failures, not calling`)) };
    }
    if (error instanceof BulkheadRejectedError) {
      return { outcome: 'short_circuit', failure: sourceError(this.name, new SourceFailure('unavailable', `${operation}: too many calls to ${this.name} in flight, not queuing more`)) };
    }
    const failure = error instanceof SourceFailure ? error : this.classify(operation, error);
    return { outcome: OUTCOMES[failure.kind], failure: sourceError(this.name, failure) };
  }

  /**
   * Answers a batch of keys from the cache where fresh, fetches the rest in one call, and
   * caches what was found. When the fetch fails, keys with a stale cached value get it (the
   * request notes it, and the answer says so in `extensions.stale`) and the others get the
   * coded error; with `serveStale: false` they all get the error. The result is in key order,
   * one entry per key: the value, null for a key the system does not know, or an Error
   * (DataLoader's contract).
   */
  async cachedBatch<V>(
    kind: CacheKind,
    keys: readonly string[],
    fetch: (keys: string[]) => Promise<ReadonlyMap<string, V>>,
    { serveStale = true }: { serveStale?: boolean } = {},
  ): Promise<Array<V | null | GraphQLError>> {
    const now = Date.now();
    const cacheKeys = keys.map((key) => this.cacheKey(kind, key));
    const cached: Array<Cached<V> | undefined> = this.cache
      ? await inStoreSpan(this.cacheSpan('read', kind, keys.length), () => this.readCache<V>(cacheKeys), (found) => ({
          [ATTR_CACHE_FOUND]: found.filter((entry) => entry !== undefined).length,
        }))
      : keys.map(() => undefined);
    const missing = [...new Set(keys.filter((_, i) => !cached[i] || now - cached[i]!.fetchedAt > kind.ttlMs))];
    let fetched: ReadonlyMap<string, V> = new Map();
    let failure: GraphQLError | undefined;
    if (missing.length > 0) {
      try {
        fetched = await fetch(missing);
      } catch (error) {
        failure = error as GraphQLError;
      }
      // A kind kept neither fresh nor stale is not kept (keyv reads a TTL of 0 as "for ever").
      if (!failure && this.cache && kind.ttlMs + this.staleIfErrorMs > 0) {
        const entries = missing.filter((key) => fetched.has(key)).map((key) => ({
          key: this.cacheKey(kind, key),
          value: { value: fetched.get(key)!, fetchedAt: now } satisfies Cached<V>,
          ttl: kind.ttlMs + this.staleIfErrorMs,
        }));
        if (entries.length > 0) {
          const cache = this.cache;
          await inStoreSpan(this.cacheSpan('write', kind, entries.length), () => bounded(cache.setMany(entries), this.cacheTimeoutMs)).catch(() => undefined);
        }
      }
    }
    const missingSet = new Set(missing);
    let stale = 0;
    let oldest = now;
    const answers = keys.map((key, i) => {
      if (!missingSet.has(key)) return ownTop(cached[i]!.value);
      if (!failure) return fetched.get(key) ?? null;
      if (!cached[i] || !serveStale || now - cached[i]!.fetchedAt > kind.ttlMs + this.staleIfErrorMs) return failure;
      stale += 1;
      oldest = Math.min(oldest, cached[i]!.fetchedAt);
      return ownTop(cached[i]!.value);
    });
    countCacheLookups(this.name, kind.name, 'fresh', keys.length - missing.length);
    countCacheLookups(this.name, kind.name, 'miss', missing.length - stale);
    countCacheLookups(this.name, kind.name, 'stale', stale);
    if (stale > 0) noteStale({ source: this.name, kind: kind.name, ageMs: now - oldest });
    return answers;
  }

  /**
   * Forgets cached records of `kind` after a write, so that the next read asks the system.
   * A cache that fails to forget serves the old record until its TTL; the write stands.
   */
  async invalidate(kind: CacheKind, keys: readonly string[]): Promise<void> {
    if (!this.cache || keys.length === 0) return;
    await bounded(this.cache.deleteMany(keys.map((key) => this.cacheKey(kind, key))), this.cacheTimeoutMs).catch(() => undefined);
  }

  /** A span for one read or write of the cache, within a traced request; the keys are counted, never named. */
  private cacheSpan(action: 'read' | 'write', kind: CacheKind, keys: number) {
    if (!this.tracer) return undefined;
    const store = cacheStore(this.cache!);
    return startStoreSpan(
      this.tracer,
      `cache ${action} ${this.name}`,
      { [ATTR_CACHE_KIND]: kind.name, [ATTR_CACHE_KEYS]: keys, ...(store === 'redis' ? { [ATTR_DB_SYSTEM]: 'redis' } : {}) },
      currentRequestScope()?.requestId,
    );
  }

  private cacheKey(kind: CacheKind, key: string): string {
    return `${kind.name}:${key}`;
  }

  private async readCache<V>(keys: string[]): Promise<Array<Cached<V> | undefined>> {
    try {
      return (await bounded(this.cache!.getMany<Cached<V>>(keys), this.cacheTimeoutMs)) as Array<Cached<V> | undefined>;
    } catch {
      // A cache that fails is a cache miss, never a failed request.
      return keys.map(() => undefined);
    }
  }

  private classify(operation: string, error: unknown): SourceFailure {
    if (error instanceof SourceFailure) return new SourceFailure(error.kind, `${operation}: ${error.message}`, error.retryAfterMs, { cause: error });
    const name = (error as Error)?.name;
    if (error instanceof TaskCancelledError || name === 'TimeoutError' || name === 'AbortError') {
      return new SourceFailure('timeout', `${operation}: no answer within ${this.timeoutMs} ms`, undefined, { cause: error });
    }
    const cause = (error as { cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
    return new SourceFailure('unavailable', `${operation}: ${cause ?? (error as Error)?.message ?? String(error)}`, undefined, { cause: error });
  }
}

/**
 * Classifies an HTTP answer that is not a success: 429 and 503 with `Retry-After` as rate
 * limiting, 5xx and 408 as unavailable, other 4xx as a bad request. `detail` should be the
 * system's own error text, trimmed to something short.
 */
export function httpFailure(status: number, retryAfter: string | null, detail: string): SourceFailure {
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : undefined;
  if (status === 429) return new SourceFailure('rateLimited', `HTTP 429 ${detail}`.trim(), seconds ?? 1000);
  if (status >= 500 || status === 408) return new SourceFailure('unavailable', `HTTP ${status} ${detail}`.trim(), seconds);
  return new SourceFailure('badRequest', `HTTP ${status} ${detail}`.trim());
}

/** The promise, or a rejection once `ms` have passed: for a cache, a late answer is a miss. */
function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the cache did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
