import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallCounter } from './counters.js';
import type { FaultConfig, FaultInjector } from './faults.js';
import { BodyTooLargeError, readBody } from './http.js';

/** The run-time controls every stand-in shares. */
export interface Controls {
  /** The system's name, as reported by the admin endpoint. */
  system: string;
  counter: CallCounter;
  faults: FaultInjector;
}

export const ADMIN_PREFIX = '/__admin';

/**
 * Serves the admin endpoint that every stand-in has, beside its own protocol:
 *
 * - `GET /__admin/calls`: the call counts; `DELETE /__admin/calls` resets them.
 * - `GET /__admin/faults`: the injected faults; `PUT` (or `PATCH`) a JSON object with any of
 *   `latencyMs`, `jitterMs`, `errorRate`, `down` to change them; `DELETE` restores the
 *   start-up values.
 * - `GET /__admin/health`: `{ system, status: "up" | "down" }`.
 *
 * Admin calls are never counted nor faulted. Returns false when the request is not for it.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, controls: Controls): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path !== ADMIN_PREFIX && !path.startsWith(`${ADMIN_PREFIX}/`)) return false;
  const method = req.method ?? 'GET';
  const { counter, faults, system } = controls;

  if (path === `${ADMIN_PREFIX}/calls`) {
    if (method === 'GET') return sendJson(res, 200, { system, ...counter.snapshot() });
    if (method === 'DELETE') {
      counter.reset();
      return sendJson(res, 200, { system, ...counter.snapshot() });
    }
    return methodNotAllowed(res, method, ['GET', 'DELETE']);
  }

  if (path === `${ADMIN_PREFIX}/faults`) {
    if (method === 'GET') return sendJson(res, 200, { system, ...faults.config });
    if (method === 'DELETE') return sendJson(res, 200, { system, ...faults.reset() });
    if (method === 'PUT' || method === 'PATCH') {
      let patch: unknown;
      try {
        patch = JSON.parse(await readBody(req, 64 * 1024));
      } catch (error) {
        const message = error instanceof BodyTooLargeError ? error.message : 'body is not valid JSON';
        return sendJson(res, 400, { error: 'BAD_REQUEST', message });
      }
      try {
        return sendJson(res, 200, { system, ...faults.set(patch as Partial<FaultConfig>) });
      } catch (error) {
        return sendJson(res, 400, { error: 'BAD_REQUEST', message: (error as Error).message });
      }
    }
    return methodNotAllowed(res, method, ['GET', 'PUT', 'PATCH', 'DELETE']);
  }

  if (path === `${ADMIN_PREFIX}/health`) {
    if (method !== 'GET') return methodNotAllowed(res, method, ['GET']);
    return sendJson(res, 200, { system, status: faults.config.down ? 'down' : 'up' });
  }

  return sendJson(res, 404, { error: 'NOT_FOUND', message: `no admin resource at ${path}` });
}

function sendJson(res: ServerResponse, status: number, body: unknown): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return true;
}

function methodNotAllowed(res: ServerResponse, method: string, allowed: string[]): true {
  res.setHeader('allow', allowed.join(', '));
  return sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed here; use ${allowed.join(' or ')}` });
}

/**
 * Runs the fault decision for one protocol call. `down` drops the connection without an
 * answer (as an unreachable host would look to a client); `error` lets the caller answer
 * with the system's own kind of server error. Counts faulted calls.
 */
export async function applyFaults(req: IncomingMessage, controls: Controls): Promise<'ok' | 'error' | 'dropped'> {
  const decision = await controls.faults.decide();
  if (decision === 'ok') return 'ok';
  controls.counter.recordFault();
  if (decision === 'down') {
    req.socket.destroy();
    return 'dropped';
  }
  return 'error';
}
