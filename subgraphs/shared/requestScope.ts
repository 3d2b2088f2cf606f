import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';

/**
 * What outlives a function call but not a request: its id, its deadline and a signal that
 * fires when the deadline passes or the caller goes away. Held in an AsyncLocalStorage so that
 * a legacy call deep in a DataLoader batch can give up with its request, without every
 * client method taking a signal.
 */
export interface RequestScope {
  requestId: string;
  /** Milliseconds since the epoch. */
  deadline: number;
  signal: AbortSignal;
  /** Records served from cache past their freshness because their system failed: the answer says so. */
  stale?: StaleRead[];
  /** An operation of a batch (one HTTP request carrying several, which share a context): reads only. */
  batched?: boolean;
}

/** A kind of record a source served stale in this request, and the age of the oldest. */
export interface StaleRead {
  source: string;
  kind: string;
  /** Milliseconds since the oldest of them was fetched. */
  ageMs: number;
}

/** Notes that `source` served records of `kind` fetched `ageMs` ago, in the current request. */
export function noteStale(read: StaleRead): void {
  const scope = currentRequestScope();
  if (!scope) return;
  const reads = (scope.stale ??= []);
  const known = reads.find((r) => r.source === read.source && r.kind === read.kind);
  if (known) known.ageMs = Math.max(known.ageMs, read.ageMs);
  else reads.push({ ...read });
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `work` within `scope`: every asynchronous continuation of it sees the scope. */
export function runInRequestScope<T>(scope: RequestScope, work: () => T): T {
  return storage.run(scope, work);
}

/** The scope of the request being served; undefined outside one (syncs, tests). */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

/** Why a request was given up: `deadline` when its time ran out, `gone` when its caller left. */
export class RequestAborted extends Error {
  override name = 'RequestAborted';
  constructor(readonly reason: 'deadline' | 'gone') {
    super(reason === 'deadline' ? 'the request passed its deadline' : 'the caller went away');
  }
}

/**
 * A controller for one request: aborts at `deadline` (one timer) or when {@link RequestController.gone}
 * is called; `dispose` clears the timer once the answer is sent.
 */
export class RequestController {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly deadline: number) {
    // Each legacy call in flight listens on the signal until it ends (its timeout); a request
    // whose independent reads go out together holds more than Node's default warning level of
    // 10 at once (an order history: a dozen statements and calls). Still bounded, so that a
    // real leak is reported.
    setMaxListeners(256, this.controller.signal);
    this.timer = setTimeout(() => this.controller.abort(new RequestAborted('deadline')), Math.max(0, deadline - Date.now()));
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  gone(): void {
    if (!this.controller.signal.aborted) this.controller.abort(new RequestAborted('gone'));
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/**
 * Headers that carry the current request's id to a legacy system over HTTP, so that its logs
 * and ours can be read side by side; none outside a request (syncs).
 */
export function requestIdHeaders(): Record<string, string> {
  const requestId = currentRequestScope()?.requestId;
  return requestId ? { 'x-request-id': requestId } : {};
}
