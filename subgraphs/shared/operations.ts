import type { IncomingMessage, ServerResponse } from 'node:http';
import { registry } from './metrics.js';

/**
 * The operations endpoints every server here answers on its own port, before anything else
 * it does to a request (CORS, tokens, rate limits and body reading at the gateway, the grant
 * check in a subgraph), so that a probe needs no token, spends no client's rate and reaches
 * no legacy system:
 *
 * - `GET /healthz`: liveness. 200 `{"status":"alive"}` while the process serves, 503
 *   `{"status":"draining"}` once it has started to shut down, so that a load balancer stops
 *   sending it new work while its in-flight requests finish.
 * - `GET /readyz`: readiness, 200 or 503 with `{ ready, checks }`: the server's own checks
 *   (see {@link Readiness}), never ready while draining.
 * - `GET /metrics`: the process's Prometheus metrics (text exposition).
 *
 * `/readyz` and `/metrics` describe the deployment (subgraphs, sources, sync times, traffic):
 * an ingress must not publish them to the internet, only to the probes and the scraper.
 */

/** What a server reports of its readiness: whether to send it traffic, and what it checked. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, unknown>;
}

/** A server's own readiness checks; each should bound its own waits (a probe times out). */
export type Readiness = () => Promise<ReadinessReport>;

/** Where a server is in its life: it answers `serving` until its stop starts the drain. */
export type LifecycleState = 'starting' | 'serving' | 'draining' | 'stopped';

/**
 * Set when the process received its stop signal (`drainOnSignals`): every server in it
 * answers as draining from then on, while it may still accept requests for the drain delay.
 */
let processDraining = false;

/** Marks the whole process as draining: `/healthz` 503 and `/readyz` not ready on every server. */
export function markProcessDraining(): void {
  processDraining = true;
}

/** A server's lifecycle, as explicit state: the operations endpoints read it, `stop` moves it. */
export class Lifecycle {
  state: LifecycleState = 'starting';

  get draining(): boolean {
    return processDraining || this.state === 'draining' || this.state === 'stopped';
  }
}

export const OPERATIONS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

/** A readiness check that does not answer within this is reported as failed. */
const READINESS_TIMEOUT_MS = 3000;

function sendJson(res: ServerResponse, status: number, body: unknown, head: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

async function readinessOf(lifecycle: Lifecycle, readiness: Readiness | undefined): Promise<ReadinessReport> {
  if (lifecycle.draining && lifecycle.state === 'serving') return { ready: false, checks: { state: 'draining' } };
  if (lifecycle.state !== 'serving') return { ready: false, checks: { state: lifecycle.state } };
  if (!readiness) return { ready: true, checks: { state: lifecycle.state } };
  let timer: NodeJS.Timeout | undefined;
  try {
    const report = await Promise.race([
      readiness(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the readiness checks did not answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
      }),
    ]);
    // A drain that started while the checks ran wins.
    const serving = !lifecycle.draining;
    return { ready: serving && report.ready, checks: { state: serving ? lifecycle.state : 'draining', ...report.checks } };
  } catch (error) {
    return { ready: false, checks: { state: lifecycle.state, error: (error as Error).message } };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Answers `req` when it asks for an operations endpoint and returns true; returns false for
 * anything else, which the server's own handler then takes.
 */
export async function answerOperations(req: IncomingMessage, res: ServerResponse, lifecycle: Lifecycle, readiness?: Readiness): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  if (!(OPERATIONS_PATHS as readonly string[]).includes(path!)) return false;
  const method = (req.method ?? 'GET').toUpperCase();
  const head = method === 'HEAD';
  if (method !== 'GET' && !head) {
    const body = JSON.stringify({ errors: [{ message: `${path} answers GET only, got ${method.slice(0, 16)}`, extensions: { code: 'METHOD_NOT_ALLOWED' } }] });
    res.writeHead(405, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', allow: 'GET, HEAD' });
    res.end(body);
    // What a probe sends with its request is not read: the socket must not keep it.
    req.resume();
    return true;
  }
  req.resume();
  if (path === '/healthz') {
    sendJson(res, lifecycle.draining ? 503 : 200, { status: lifecycle.draining ? 'draining' : 'alive' }, head);
  } else if (path === '/readyz') {
    const report = await readinessOf(lifecycle, readiness);
    sendJson(res, report.ready ? 200 : 503, report, head);
  } else {
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    res.end(head ? undefined : text);
  }
  return true;
}

/** Something that reports its legacy system's health: a `LegacySource`. */
export interface SourceHealth {
  health(): { source: string; breaker: string };
}

/**
 * A legacy subgraph's readiness: it is ready whenever it serves (it holds no state of its
 * own), and it lists each source's circuit breaker. An open breaker is a degraded answer
 * (fields of that system come back null with a coded error), not a reason to take the
 * subgraph out of rotation: every replica shares the same system, and none would do better.
 */
export function sourcesReadiness(sources: readonly SourceHealth[]): Readiness {
  return async () => {
    const health = sources.map((source) => source.health());
    return { ready: true, checks: { sources: health, degraded: health.some((h) => h.breaker !== 'closed') } };
  };
}
