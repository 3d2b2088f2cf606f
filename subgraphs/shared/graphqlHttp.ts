import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ApolloServer, BaseContext, HTTPGraphQLRequest, HTTPGraphQLResponse } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { HeaderMap } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { answerOperations, Lifecycle, type LifecycleState, type Readiness } from './operations.js';
import { RequestController } from './requestScope.js';

/**
 * The HTTP side of every GraphQL server here (the gateway and the subgraphs), in place of
 * Apollo's standalone server, whose body parser takes 50 MB, whose CORS answers `*` and whose
 * errors are HTML pages with a stack trace. Here a body has a size limit, every refusal is a
 * JSON body with a code, and a request's context is built by the server that owns it.
 */

/** A request refused before GraphQL sees it: the status, a code and a message for the client. */
export class HttpRefusal extends Error {
  override name = 'HttpRefusal';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** Every error when there are several (operation limits); the first is `code` and `message`. */
    readonly errors?: readonly GraphQLFormattedError[],
  ) {
    super(message);
  }
}

/** The body of a refusal, shaped as a GraphQL response so that every client can read it. */
export function refusalBody(refusal: HttpRefusal): string {
  return JSON.stringify({ errors: refusal.errors ?? [{ message: refusal.message, extensions: { code: refusal.code } }] });
}

export function sendRefusal(res: ServerResponse, refusal: HttpRefusal, extraHeaders: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(refusal.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extraHeaders, ...refusal.headers });
  res.end(refusalBody(refusal));
}

function tooLarge(message: string, limit: number, found: number | null): HttpRefusal {
  return new HttpRefusal(413, 'BODY_TOO_LARGE', message, {}, [{ message, extensions: { code: 'BODY_TOO_LARGE', limit, found } }]);
}

/** Reads the whole body, refusing past `limit` bytes without reading the rest. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(tooLarge(`the request body is ${declared} bytes; the limit is ${limit}`, limit, declared));
  }
  // Already whole (a small body comes in the packet of its headers, and is parsed before the
  // handler's first await returns; the parser may not have marked the message complete yet, but
  // the bytes its length declares are in): taken from the buffer as it is, without listeners.
  const inBuffer = req.complete || (Number.isFinite(declared) && req.readableLength === declared);
  if (inBuffer && req.readableFlowing === null && req.readableEncoding === null) {
    const body = (req.read() as Buffer | null) ?? Buffer.alloc(0);
    if (body.length > limit) return Promise.reject(tooLarge(`the request body passed the limit of ${limit} bytes`, limit, null));
    return Promise.resolve(body);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(`the request body passed the limit of ${limit} bytes`, limit, null));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    // A client that leaves half-way through its body: nothing is waited for.
    req.on('close', () => {
      if (!req.complete) reject(new HttpRefusal(400, 'BAD_REQUEST', 'the request body was cut short'));
    });
  });
}

/** JSON nested deeper than this in a body is refused: graphql-js coerces variables recursively. */
const MAX_JSON_DEPTH = 64;

function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Turns a Node request and its body into Apollo's HTTP request: POST bodies must be JSON
 * (`application/json`) and parse; GET passes its query string through.
 */
export function toGraphQLRequest(req: IncomingMessage, body: Buffer): HTTPGraphQLRequest {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = req.url ?? '/';
  const search = url.includes('?') ? url.slice(url.indexOf('?')) : '';
  if (method !== 'POST') return new NodeGraphQLRequest(req, method, search, undefined);
  const contentType = req.headers['content-type'] ?? '';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && type !== 'application/graphql-response+json') {
    throw new HttpRefusal(415, 'UNSUPPORTED_MEDIA_TYPE', `a POST must send its operation as application/json, got ${JSON.stringify(type || 'no content type')}`);
  }
  const charset = /charset=([^;]+)/i.exec(contentType)?.[1]?.trim().toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpRefusal(415, 'UNSUPPORTED_MEDIA_TYPE', `the body must be UTF-8, got charset ${JSON.stringify(charset)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpRefusal(400, 'BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message.slice(0, 120)}`);
  }
  if (depthOf(parsed) > MAX_JSON_DEPTH) {
    const message = `the body nests JSON deeper than ${MAX_JSON_DEPTH} levels`;
    throw new HttpRefusal(400, 'BAD_REQUEST', message, {}, [{ message, extensions: { code: 'BAD_REQUEST', limit: MAX_JSON_DEPTH } }]);
  }
  return new NodeGraphQLRequest(req, method, search, parsed);
}

/**
 * Apollo's request over a Node request, its headers made into a `HeaderMap` the first time
 * they are read: a request the gateway answers itself (`{ __typename }`) never reads them. A
 * copy must name `headers` (a spread leaves the getter behind).
 */
class NodeGraphQLRequest implements HTTPGraphQLRequest {
  #headers: HeaderMap | undefined;
  constructor(
    private readonly req: IncomingMessage,
    readonly method: string,
    readonly search: string,
    readonly body: unknown,
  ) {}

  get headers(): HeaderMap {
    if (!this.#headers) {
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(this.req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      this.#headers = headers;
    }
    return this.#headers;
  }
}

/**
 * The controller of the request `res` answers: aborts at `deadline`, or when the connection
 * closes before the answer is written (the caller went away); its timer ends with the response.
 */
export function controllerFor(res: ServerResponse, deadline: number): RequestController {
  const controller = new RequestController(deadline);
  res.once('close', () => {
    if (!res.writableFinished) controller.gone();
    controller.dispose();
  });
  return controller;
}

/** Writes Apollo's answer; a chunked body is streamed. */
export async function writeGraphQLResponse(res: ServerResponse, response: HTTPGraphQLResponse, extraHeaders: Readonly<Record<string, string>> = {}): Promise<void> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  for (const [key, value] of Object.entries(extraHeaders)) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * What Node's HTTP parser refuses before any handler runs (headers over its 16 KiB limit, a
 * request that is not HTTP, one too slow to arrive) is answered in JSON with a code too.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'the request headers are larger than the server accepts (16 KiB)']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'REQUEST_TIMEOUT', 'the request did not arrive in time']
        : [400, 'Bad Request', 'BAD_REQUEST', 'the request is not well-formed HTTP'];
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export interface ListeningServer {
  url: string;
  httpServer: Server;
  /** `serving` until `stop` starts the drain. */
  readonly state: LifecycleState;
  /**
   * Drains, then stops the server: `/healthz` answers 503 and `/readyz` not ready from the
   * first moment, the listener closes (no new connections), idle connections close, requests
   * in flight finish (for up to the drain grace, then their connections are cut), and Apollo
   * Server stops.
   */
  stop(): Promise<void>;
}

export interface ListenOptions {
  port: number;
  host: string;
  path?: string;
  /** The server's readiness checks for `/readyz`; without, ready whenever it serves. */
  readiness?: Readiness;
  /**
   * How long in-flight requests may take to finish once the drain has started, before their
   * connections are cut. Set it past the longest a request may run (the gateway: its request
   * deadline). Default 20 s.
   */
  drainGraceMs?: number;
}

/**
 * Starts `server` behind `handler` on `port` (0: any free port). The operations endpoints
 * (`/healthz`, `/readyz`, `/metrics`: operations.ts) are answered before `handler` sees
 * anything. The drain plugin is added so that `stop` lets in-flight requests finish and
 * closes idle connections.
 */
export async function listenGraphQL<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  { port, host, path = '/', readiness, drainGraceMs = 20_000 }: ListenOptions,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<ListeningServer> {
  const lifecycle = new Lifecycle();
  const fail = (res: ServerResponse) => (error: unknown) => {
    sendRefusal(res, error instanceof HttpRefusal ? error : new HttpRefusal(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'));
  };
  const httpServer = createServer((req, res) => {
    answerOperations(req, res, lifecycle, readiness).then((answered) => (answered ? undefined : handler(req, res)), fail(res)).catch(fail(res));
  });
  // Slow clients must not hold sockets for ever: a request has 30 s to arrive whole.
  httpServer.requestTimeout = 30_000;
  httpServer.headersTimeout = 10_000;
  httpServer.on('clientError', answerClientError);
  server.addPlugin(ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: drainGraceMs }));
  await server.start();
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  lifecycle.state = 'serving';
  const address = httpServer.address() as AddressInfo;
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const shownHost = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}${path}`,
    httpServer,
    get state() {
      return lifecycle.state;
    },
    stop: () => {
      stopping ??= (async () => {
        lifecycle.state = 'draining';
        try {
          await server.stop();
        } finally {
          lifecycle.state = 'stopped';
        }
      })();
      return stopping;
    },
  };
}
