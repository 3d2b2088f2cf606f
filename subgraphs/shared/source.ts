import { GraphQLError } from 'graphql';
import type Keyv from 'keyv';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
import { SourceFailure, sourceError, type SourceName } from './errors.js';
import { currentRequestScope, RequestAborted, type RequestScope } from './requestScope.js';

export interface SourceOptions {
  /** Per attempt. Default 3 s. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls that failed as `unavailable` or `rateLimited`. Default 2. */
  retries?: number;
  /** First back-off, doubled each retry, with jitter. Default 50 ms. */
  retryBaseMs?: number;
  /** A `Retry-After` longer than this is not waited for: the caller gets SOURCE_RATE_LIMITED. Default 1 s. */
  maxRetryAfterMs?: number;
  breaker?: BreakerOptions;
  /** Cross-request cache; omitted = no caching. Give each subgraph its own keyv namespace (createCache does). */
  cache?: Keyv;
  /** How long past its TTL a cached value may still be served when the system fails. Default 5 min. */
  staleIfErrorMs?: number;
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

/**
 * Everything between a subgraph and one legacy system: timeouts, retries where safe, a
 * circuit breaker and the keyv cache. A client wraps each protocol call in {@link call};
 * loaders wrap batched lookups in {@link cachedBatch}. Failures leave as coded GraphQL errors.
 */
export class LegacySource {
  readonly breaker: CircuitBreaker;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly cache: Keyv | undefined;
  private readonly staleIfErrorMs: number;

  constructor(
    readonly name: SourceName,
    options: SourceOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.retries = options.retries ?? 2;
    this.retryBaseMs = options.retryBaseMs ?? 50;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 1000;
    this.breaker = new CircuitBreaker(options.breaker);
    this.cache = options.cache;
    this.staleIfErrorMs = options.staleIfErrorMs ?? 300_000;
  }

  /** What readiness reports of this source: its name and its circuit breaker's state. */
  health(): { source: SourceName; breaker: BreakerState } {
    return { source: this.name, breaker: this.breaker.state };
  }

  /**
   * Runs one protocol call. `attempt` gets an AbortSignal that fires at the timeout and must
   * throw a {@link SourceFailure} for a failure it understands; anything else it throws is
   * treated as the system being unavailable. Throws a coded GraphQLError.
   */
  async call<T>(operation: string, attempt: (signal: AbortSignal) => Promise<T>, { idempotent = true } = {}): Promise<T> {
    const scope = currentRequestScope();
    for (let tries = 0; ; tries++) {
      if (scope?.signal.aborted) throw this.givenUp(operation, scope.signal);
      if (!this.breaker.tryAcquire()) {
        throw sourceError(this.name, new SourceFailure('unavailable', `${operation}: circuit open after repeated failures, not calling`));
      }
      let failure: SourceFailure;
      // When the deadline comes before the source's own timeout, the attempt's timer is the
      // deadline's: its firing means the request ran out of time, whichever timer fired first.
      const deadlineBound = scope !== undefined && scope.deadline - Date.now() < this.timeoutMs;
      try {
        const result = await attempt(this.attemptSignal(scope));
        this.breaker.succeeded();
        return result;
      } catch (error) {
        // The request was given up (deadline, caller gone): the system is not to blame.
        if (scope && (scope.signal.aborted || (deadlineBound && Date.now() >= scope.deadline - 2))) {
          this.breaker.abandoned();
          throw this.givenUp(operation, scope.signal);
        }
        failure = this.classify(operation, error);
      }
      if (failure.kind === 'unavailable') this.breaker.failed();
      else this.breaker.succeeded();
      const retryable = idempotent && (failure.kind === 'unavailable' || failure.kind === 'rateLimited') && tries < this.retries;
      const wait = failure.retryAfterMs ?? this.retryBaseMs * 2 ** tries * (0.5 + Math.random());
      if (!retryable || wait > this.maxRetryAfterMs || (scope && Date.now() + wait >= scope.deadline)) throw sourceError(this.name, failure);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** An attempt stops at its timeout, at the request's deadline if sooner, or when the request is given up. */
  private attemptSignal(scope: RequestScope | undefined): AbortSignal {
    if (!scope) return AbortSignal.timeout(this.timeoutMs);
    const left = scope.deadline - Date.now();
    return AbortSignal.any([scope.signal, AbortSignal.timeout(Math.max(1, Math.min(this.timeoutMs, left)))]);
  }

  private givenUp(operation: string, signal: AbortSignal): GraphQLError {
    const reason = signal.reason instanceof RequestAborted ? signal.reason.reason : 'deadline';
    return new GraphQLError(`${this.name}: ${operation}: not finished, ${reason === 'gone' ? 'the caller went away' : "the request's deadline passed"}`, {
      extensions: { code: 'DEADLINE_EXCEEDED', source: this.name },
    });
  }

  /**
   * Answers a batch of keys from the cache where fresh, fetches the rest in one call, and
   * caches what was found. When the fetch fails, keys with a stale cached value get it and
   * the others get the coded error. The result is in key order, one entry per key: the
   * value, null for a key the system does not know, or an Error (DataLoader's contract).
   */
  async cachedBatch<V>(
    kind: CacheKind,
    keys: readonly string[],
    fetch: (keys: string[]) => Promise<ReadonlyMap<string, V>>,
  ): Promise<Array<V | null | GraphQLError>> {
    const now = Date.now();
    const cacheKeys = keys.map((key) => this.cacheKey(kind, key));
    const cached: Array<Cached<V> | undefined> = this.cache ? await this.readCache<V>(cacheKeys) : keys.map(() => undefined);
    const missing = [...new Set(keys.filter((_, i) => !cached[i] || now - cached[i]!.fetchedAt > kind.ttlMs))];
    let fetched: ReadonlyMap<string, V> = new Map();
    let failure: GraphQLError | undefined;
    if (missing.length > 0) {
      try {
        fetched = await fetch(missing);
      } catch (error) {
        failure = error as GraphQLError;
      }
      if (!failure && this.cache) {
        const entries = missing.filter((key) => fetched.has(key)).map((key) => ({
          key: this.cacheKey(kind, key),
          value: { value: fetched.get(key)!, fetchedAt: now } satisfies Cached<V>,
          ttl: kind.ttlMs + this.staleIfErrorMs,
        }));
        if (entries.length > 0) await this.cache.setMany(entries).catch(() => undefined);
      }
    }
    const missingSet = new Set(missing);
    return keys.map((key, i) => {
      if (!missingSet.has(key)) return cached[i]!.value;
      if (!failure) return fetched.get(key) ?? null;
      return cached[i] ? cached[i]!.value : failure;
    });
  }

  /**
   * Forgets cached records of `kind` after a write, so that the next read asks the system.
   * A cache that fails to forget serves the old record until its TTL; the write stands.
   */
  async invalidate(kind: CacheKind, keys: readonly string[]): Promise<void> {
    if (!this.cache || keys.length === 0) return;
    await this.cache.deleteMany(keys.map((key) => this.cacheKey(kind, key))).catch(() => undefined);
  }

  private cacheKey(kind: CacheKind, key: string): string {
    return `${kind.name}:${key}`;
  }

  private async readCache<V>(keys: string[]): Promise<Array<Cached<V> | undefined>> {
    try {
      return (await this.cache!.getMany<Cached<V>>(keys)) as Array<Cached<V> | undefined>;
    } catch {
      // A cache that fails is a cache miss, never a failed request.
      return keys.map(() => undefined);
    }
  }

  private classify(operation: string, error: unknown): SourceFailure {
    if (error instanceof SourceFailure) return new SourceFailure(error.kind, `${operation}: ${error.message}`, error.retryAfterMs, { cause: error });
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new SourceFailure('unavailable', `${operation}: no answer within ${this.timeoutMs} ms`, undefined, { cause: error });
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
