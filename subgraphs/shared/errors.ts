import { GraphQLError } from 'graphql';

/** The legacy systems, as `extensions.source` names them. */
export type SourceName = 'ecommerce' | 'loyalty' | 'pos' | 'catalogue' | 'crosscanal';

/** How a call to a legacy system failed, which decides retries and the code clients see. */
export type FailureKind =
  /** Down, 5xx, connection refused, circuit open: retried when safe. */
  | 'unavailable'
  /** No answer within the attempt's timeout: retried when safe. */
  | 'timeout'
  /** 429 or the like: retried after the system's own delay when it is short. */
  | 'rateLimited'
  /** The system answered something we cannot read: not retried. */
  | 'badResponse'
  /** The system refused our request as malformed: our bug or the caller's value, not retried. */
  | 'badRequest';

const CODES: Readonly<Record<FailureKind, string>> = {
  unavailable: 'SOURCE_UNAVAILABLE',
  timeout: 'SOURCE_TIMEOUT',
  rateLimited: 'SOURCE_RATE_LIMITED',
  badResponse: 'SOURCE_BAD_RESPONSE',
  badRequest: 'SOURCE_BAD_REQUEST',
};

/** A failed legacy call, thrown by a client and turned into a coded GraphQL error. */
export class SourceFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** How long the system asked us to wait (429 `Retry-After`), in milliseconds. */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SourceFailure';
  }
}

/** A coded error for clients: `extensions.code` and `extensions.source`, no legacy internals. */
export function sourceError(source: SourceName, failure: SourceFailure): GraphQLError {
  return new GraphQLError(`${source}: ${failure.message}`, {
    extensions: { code: CODES[failure.kind], source },
    originalError: failure,
  });
}

/** The caller's value is malformed: the message states the contract and shows the value. */
export function badUserInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(argument ? { argument } : {}) } });
}

/**
 * The first error of a kind in an error's chain: a `GraphQLError`'s `originalError`, then each
 * `cause`. A legacy source wraps what its call threw (a `SourceFailure` with the original as
 * its cause) in a coded `GraphQLError`; writers look through it for what the system said.
 */
export function inChain<T extends Error>(error: unknown, kind: abstract new (...args: never[]) => T): T | null {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof kind) return current;
    current = current instanceof GraphQLError && current.originalError ? current.originalError : (current as Error & { cause?: unknown }).cause;
  }
  return null;
}

/**
 * Whether a write that failed may succeed if tried again: the system was down, slow or busy,
 * or the request ran out of time. A refusal on the merits (`badRequest`) or an unreadable
 * answer is not.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof GraphQLError && error.extensions?.code === 'DEADLINE_EXCEEDED') return true;
  const failure = inChain(error, SourceFailure);
  return failure !== null && failure.kind !== 'badRequest' && failure.kind !== 'badResponse';
}
