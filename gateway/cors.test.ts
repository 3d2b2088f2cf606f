import type { IncomingMessage } from 'node:http';
import { HttpRefusal } from '../subgraphs/shared/graphqlHttp.js';
import { useCors, type CorsDecision } from './cors.js';

function request(method: string, headers: Record<string, string>): IncomingMessage {
  return { method, headers } as unknown as IncomingMessage;
}

function refusalOf(run: () => CorsDecision): HttpRefusal {
  let decision: CorsDecision;
  try {
    decision = run();
  } catch (error) {
    if (error instanceof HttpRefusal) return error;
    throw error;
  }
  throw new Error(`expected a CORS refusal, got ${JSON.stringify(decision)}`);
}

const APP = 'https://app.example.test';
const GATEWAY_HOST = 'graph.example.test';

const preflightHeaders = (origin: string) => ({
  'access-control-allow-origin': origin,
  vary: 'Origin',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id',
  'access-control-max-age': '600',
});

const simpleHeaders = (origin: string) => ({
  'access-control-allow-origin': origin,
  vary: 'Origin',
  'access-control-expose-headers': 'x-request-id, retry-after',
});

describe('useCors', () => {
  const cors = useCors([APP, 'http://localhost:5173']);

  it('adds no CORS headers to a request without Origin, preflight or not', () => {
    expect(cors(request('POST', { host: GATEWAY_HOST }))).toEqual({ headers: {}, preflight: false });
    expect(cors(request('OPTIONS', { host: GATEWAY_HOST }))).toEqual({ headers: {}, preflight: true });
  });

  it("answers a page of the gateway's own origin without an allow-list", () => {
    const none = useCors([]);
    const own = `https://${GATEWAY_HOST}`;
    expect(none(request('POST', { host: GATEWAY_HOST, origin: own }))).toEqual({ headers: simpleHeaders(own), preflight: false });
    expect(none(request('OPTIONS', { host: 'localhost:4000', origin: 'http://localhost:4000' }))).toEqual({
      headers: preflightHeaders('http://localhost:4000'),
      preflight: true,
    });
    // Another port is another origin.
    expect(refusalOf(() => none(request('POST', { host: 'localhost:4000', origin: 'http://localhost:4001' }))).code).toBe('CORS_ORIGIN_NOT_ALLOWED');
  });

  it('echoes a listed origin with vary: Origin', () => {
    expect(cors(request('POST', { host: GATEWAY_HOST, origin: APP }))).toEqual({ headers: simpleHeaders(APP), preflight: false });
    expect(cors(request('GET', { host: GATEWAY_HOST, origin: 'http://localhost:5173' }))).toEqual({
      headers: simpleHeaders('http://localhost:5173'),
      preflight: false,
    });
  });

  it('answers a preflight from a listed origin with the methods, headers and max age', () => {
    expect(cors(request('OPTIONS', { host: GATEWAY_HOST, origin: APP, 'access-control-request-method': 'POST' }))).toEqual({
      headers: preflightHeaders(APP),
      preflight: true,
    });
  });

  it('matches origins without regard to case, and echoes the origin as sent', () => {
    const shouted = 'HTTPS://APP.EXAMPLE.TEST';
    expect(cors(request('POST', { host: GATEWAY_HOST, origin: shouted })).headers['access-control-allow-origin']).toBe(shouted);
    expect(useCors(['HTTPS://App.Example.Test'])(request('POST', { host: GATEWAY_HOST, origin: APP })).headers['access-control-allow-origin']).toBe(APP);
  });

  it('refuses an unlisted origin with 403 CORS_ORIGIN_NOT_ALLOWED, preflight or not', () => {
    for (const method of ['OPTIONS', 'POST', 'GET']) {
      const refusal = refusalOf(() => cors(request(method, { host: GATEWAY_HOST, origin: 'https://evil.example.test' })));
      expect(refusal.status).toBe(403);
      expect(refusal.code).toBe('CORS_ORIGIN_NOT_ALLOWED');
      expect(refusal.message).toBe('pages from "https://evil.example.test" may not call this graph (GATEWAY_CORS_ORIGINS lists those that may)');
    }
  });

  it('refuses an origin that only resembles a listed one', () => {
    for (const origin of [`${APP}.evil.test`, 'http://app.example.test', `${APP}:8443`, `${APP}/`]) {
      expect(refusalOf(() => cors(request('POST', { host: GATEWAY_HOST, origin }))).code).toBe('CORS_ORIGIN_NOT_ALLOWED');
    }
  });

  it('never answers *: a * in the list allows no origin, and no credentials are offered', () => {
    const star = useCors(['*']);
    expect(refusalOf(() => star(request('POST', { host: GATEWAY_HOST, origin: APP }))).code).toBe('CORS_ORIGIN_NOT_ALLOWED');
    for (const method of ['OPTIONS', 'POST']) {
      const { headers } = cors(request(method, { host: GATEWAY_HOST, origin: APP }));
      expect(headers['access-control-allow-origin']).not.toBe('*');
      expect(Object.keys(headers)).not.toContain('access-control-allow-credentials');
    }
  });

  it('refuses a malformed or opaque Origin, cutting a long one short in the message', () => {
    for (const origin of ['not a url', 'null', '://graph.example.test', '']) {
      const refusal = refusalOf(() => cors(request('POST', { host: GATEWAY_HOST, origin })));
      expect(refusal.status).toBe(403);
      expect(refusal.code).toBe('CORS_ORIGIN_NOT_ALLOWED');
      expect(refusal.message).toBe(`pages from ${JSON.stringify(origin)} may not call this graph (GATEWAY_CORS_ORIGINS lists those that may)`);
    }
    const long = `https://${'a'.repeat(300)}.test`;
    const refusal = refusalOf(() => cors(request('OPTIONS', { host: GATEWAY_HOST, origin: long })));
    expect(refusal.message).toBe(`pages from "${long.slice(0, 100)}" may not call this graph (GATEWAY_CORS_ORIGINS lists those that may)`);
  });

  it('refuses a foreign origin when the request carries no Host', () => {
    expect(refusalOf(() => useCors([])(request('POST', { origin: APP }))).code).toBe('CORS_ORIGIN_NOT_ALLOWED');
  });
});
