import type { IncomingMessage } from 'node:http';
import { HttpRefusal } from '../subgraphs/shared/graphqlHttp.js';

/** Headers a browser page may send: the token, JSON, Apollo's CSRF header, a request id. */
const ALLOWED_HEADERS = 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id';

export interface CorsDecision {
  /** Headers to add to the answer. */
  headers: Record<string, string>;
  /** True for a preflight, answered here with no body. */
  preflight: boolean;
}

/**
 * CORS from an allow-list. A request without `Origin` (servers, curl) or from the gateway's own
 * origin needs no CORS; one from an origin outside the list is refused outright, preflight or
 * not, so that no page elsewhere can drive the graph from a visitor's browser. No credentials:
 * the graph takes bearer tokens, never cookies.
 */
export function useCors(allowList: readonly string[]): (req: IncomingMessage) => CorsDecision {
  const allowed = new Set(allowList.map((origin) => origin.toLowerCase()));
  return (req) => {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS';
    if (origin === undefined) return { headers: {}, preflight };
    const host = req.headers.host?.toLowerCase();
    let sameOrigin = false;
    try {
      sameOrigin = host !== undefined && new URL(origin).host.toLowerCase() === host;
    } catch {
      sameOrigin = false;
    }
    if (!sameOrigin && !allowed.has(origin.toLowerCase())) {
      throw new HttpRefusal(403, 'CORS_ORIGIN_NOT_ALLOWED', `pages from ${JSON.stringify(origin.slice(0, 100))} may not call this graph (GATEWAY_CORS_ORIGINS lists those that may)`);
    }
    const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (preflight) {
      headers['access-control-allow-methods'] = 'GET, POST, OPTIONS';
      headers['access-control-allow-headers'] = ALLOWED_HEADERS;
      headers['access-control-max-age'] = '600';
    } else {
      headers['access-control-expose-headers'] = 'x-request-id, retry-after';
    }
    return { headers, preflight };
  };
}
