import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import { controllerFor, HttpRefusal, readBody, sendRefusal, toGraphQLRequest, writeGraphQLResponse } from '../subgraphs/shared/graphqlHttp.js';
import { loggerFor, requestLineWriter, scrubPersonalData } from '../subgraphs/shared/logger.js';
import type { Principal } from '../subgraphs/shared/principal.js';
import { requestLog } from '../subgraphs/shared/requestLogger.js';
import { countShared } from '../subgraphs/shared/metrics.js';
import { measuring, recordRequest, refusalCodes, type RequestMeasure } from '../subgraphs/shared/requestMetrics.js';
import { runInRequestScope } from '../subgraphs/shared/requestScope.js';
import { ATTR_HTTP_METHOD, ATTR_HTTP_ROUTE, ATTR_REQUEST_ID, endServerSpan, requestTracer, startServerSpan, withSpan } from '../subgraphs/shared/tracing.js';
import type { AccessContext, AccessDecider } from './accessPolicy.js';
import type { Authenticator } from './authenticate.js';
import { COALESCED_HEADER, untilAnswered, type Coalescer, type SharedAnswer } from './coalesce.js';
import type { CorsDecision } from './cors.js';
import type { Explorer } from './explorer.js';
import { BoundedMap } from '../subgraphs/shared/boundedMap.js';
import { createLocalAnswers } from './localAnswer.js';
import { analyseOperationRemembered, checkOperationLimits, parseOperation, type CostDirectives, type OperationLimits, type OperationShape } from './operationLimits.js';
import type { RateLimiter } from './rateLimit.js';
import { applySafelist, type Safelists } from './safelist.js';
import type { FetchContext } from './subgraphDataSource.js';

/** The context of one gateway request. */
export interface GatewayContext extends FetchContext, AccessContext {}

export interface GatewayHandlerOptions {
  server: ApolloServer<GatewayContext>;
  /** The API schema, to measure operations before Apollo Server validates them. */
  schema: () => GraphQLSchema;
  authenticator: Authenticator;
  cors: (req: IncomingMessage) => CorsDecision;
  rateLimiter: RateLimiter;
  safelists: Safelists;
  limits: OperationLimits;
  costDirectives: CostDirectives;
  /** The supergraph's `@access`: what it denies a principal in a measured operation. */
  access: AccessDecider;
  maxBodyBytes: number;
  requestDeadlineMs: number;
  /** Identical queries in flight at once answered once (coalesce.ts); none: each is answered on its own. */
  coalescer?: Coalescer;
  /** The explorer's page and assets, served before any token is asked for; none: the gateway serves no page. */
  explorer?: Explorer;
  /**
   * With tracing on, continue a caller's trace (`traceparent`) rather than start one per request
   * linked to it. Off by default: a client would choose the trace id and the sampling decision.
   */
  trustTraceparent?: boolean;
}

const log = loggerFor('gateway');
/** The line each request leaves in the log (`msg: "request"`). */
const requestLine = requestLineWriter('gateway', 'request');

/** Operation text the parse cache keeps at most (UTF-16 code units): some 30 MiB of heap. */
const DOCUMENT_CACHE_TEXT = 4 * 1024 * 1024;

/**
 * A caller's request id is kept when it is a plain token that carries nothing the log
 * scrubber would take for personal data (it is logged as it is, and travels to every
 * subgraph); otherwise one is made.
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) && scrubPersonalData(given) === given ? given : randomUUID();
}

/** The name of a document's operation when it has one operation, named. */
function soleOperationName(document: DocumentNode): string | undefined {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.length === 1 && operations[0]!.kind === Kind.OPERATION_DEFINITION ? operations[0]!.name?.value : undefined;
}

/**
 * Why no operation of `document` can be run under `name` (an unknown name, several and no
 * name, none at all), in graphql-js's words; undefined when one can.
 */
function unresolvedOperation(document: DocumentNode, name: string | undefined): string | undefined {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (name !== undefined) return operations.some((o) => o.name?.value === name) ? undefined : `Unknown operation named "${name}".`;
  if (operations.length === 0) return 'Must provide an operation.';
  return operations.length > 1 ? 'Must provide operation name if query contains multiple operations.' : undefined;
}

/** The type of the operation a document runs (`query`, `mutation`), when it can be told. */
function operationTypeOf(document: DocumentNode, name: string | undefined): string | undefined {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = name === undefined && operations.length === 1 ? operations[0] : operations.find((o) => o.kind === Kind.OPERATION_DEFINITION && o.name?.value === name);
  return operation?.kind === Kind.OPERATION_DEFINITION ? operation.operation : undefined;
}

/** Whose bucket a request draws on: the client and subject of its token, or its address. */
function rateKey(principal: Principal, req: IncomingMessage): string {
  return principal.role === 'anonymous' ? `addr:${req.socket.remoteAddress ?? 'unknown'}` : `sub:${principal.client ?? ''}:${principal.actor}`;
}

/** The operation a request carries, as a JSON body or as GET parameters. */
function payloadOf(request: HTTPGraphQLRequest): Record<string, unknown> {
  if (request.method === 'POST') {
    if (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body)) {
      throw new HttpRefusal(400, 'BAD_REQUEST', 'the body must be a JSON object with a `query` (batches are not accepted)');
    }
    return request.body as Record<string, unknown>;
  }
  const payload: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(request.search)) {
    if (name === 'variables' || name === 'extensions') {
      try {
        payload[name] = JSON.parse(value);
      } catch {
        throw new HttpRefusal(400, 'BAD_REQUEST', `the ${name} parameter is not valid JSON`);
      }
    } else {
      payload[name] = value;
    }
  }
  return payload;
}

/** Codes of GraphQL over HTTP's request errors: a document that does not parse or validate, variables that do not coerce. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE']);

/** The media ranges an Accept header names, each with its q and position. */
function acceptedTypes(accept: string | undefined): Map<string, { q: number; at: number }> {
  const named = new Map<string, { q: number; at: number }>();
  (accept ?? '').split(',').forEach((range, at) => {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    if (!named.has(type)) named.set(type, { q: q === undefined ? 1 : Number(q.slice(2)) || 0, at });
  });
  return named;
}

/** Whether an Accept header names application/json itself (a wildcard does not), with a q above 0. */
function namesJson(accept: string | undefined): boolean {
  return (acceptedTypes(accept).get('application/json')?.q ?? 0) > 0;
}

/**
 * Whether a client prefers application/graphql-response+json to application/json, as Apollo
 * Server negotiates its own answers: the higher q; on a tie, the type named before the other,
 * or named rather than matched by a wildcard. Refusals go out in the type it prefers, so that a
 * client of GraphQL over HTTP (Apollo Client 4) reads their coded errors as GraphQL errors.
 */
function prefersGraphQLResponse(accept: string | undefined): boolean {
  const named = acceptedTypes(accept);
  const modern = named.get('application/graphql-response+json');
  if (!modern || modern.q <= 0) return false;
  const legacy = named.get('application/json');
  if (legacy) return modern.q > legacy.q || (modern.q === legacy.q && modern.at < legacy.at);
  const wildcard = named.get('application/*') ?? named.get('*/*');
  return !wildcard || modern.q >= wildcard.q;
}

/**
 * The status of Apollo Server's answer. GraphQL over HTTP: an answer in application/json SHOULD
 * be 200 whatever request error it carries (a client of that older media type may take any other
 * status for a failure of the transport); one in application/graphql-response+json uses 400, as
 * Apollo Server does for both. So a client that names application/json in its Accept header gets
 * its request errors with 200. One that accepts anything (a wildcard, the default of fetch and
 * curl, or no Accept) keeps the 400, so that a script sees the failure in the status; and the
 * gateway's own refusals (token, rate, limits, safelist, access, CSRF) keep theirs.
 */
function statusFor(req: IncomingMessage, response: HTTPGraphQLResponse): number {
  const status = response.status ?? 200;
  if (status !== 400 || response.body.kind !== 'complete' || !namesJson(req.headers.accept)) return status;
  if (!(response.headers.get('content-type') ?? '').startsWith('application/json')) return status;
  let errors: unknown;
  try {
    errors = (JSON.parse(response.body.string) as { errors?: unknown }).errors;
  } catch {
    return status;
  }
  const requestErrors = Array.isArray(errors) && errors.length > 0 && errors.every((error: { extensions?: { code?: unknown } } | null) => REQUEST_ERROR_CODES.has(String(error?.extensions?.code)));
  return requestErrors ? 200 : status;
}

/**
 * The media type of an answer the gateway writes itself, chosen as Apollo Server chooses it
 * (see {@link prefersGraphQLResponse}); undefined for an Accept header it may refuse or read
 * otherwise (neither JSON type named, parameters other than q): Apollo Server answers those.
 */
function localAnswerType(accept: string | undefined): string | undefined {
  if (accept !== undefined && accept.trim() !== '') {
    if (accept.includes('charset') || accept.includes('level')) return undefined;
    const named = acceptedTypes(accept);
    const json = (named.get('application/json')?.q ?? 0) > 0;
    const modern = (named.get('application/graphql-response+json')?.q ?? 0) > 0;
    if (!json && !modern && accept.trim() !== '*/*') return undefined;
  }
  return prefersGraphQLResponse(accept) ? 'application/graphql-response+json; charset=utf-8' : 'application/json; charset=utf-8';
}

/** Variables a document without variable definitions may come with: none, or an empty object. */
function noVariables(variables: unknown): boolean {
  return variables === undefined || variables === null || (typeof variables === 'object' && !Array.isArray(variables) && Object.keys(variables).length === 0);
}

function withPayload(request: HTTPGraphQLRequest, payload: Record<string, unknown>): HTTPGraphQLRequest {
  const { method, headers, search } = request;
  if (method === 'POST') return { method, headers, search, body: payload };
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(payload)) params.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  return { method, headers, search: `?${params}`, body: request.body };
}

/**
 * The gateway's front door, in order: CORS, the bearer token, the client's rate, the body
 * (size, JSON), the client's safelist, the operation's size and shape (before Apollo Server
 * validates it: validation itself is what a hostile document would make expensive), then
 * execution within the request's deadline, cancelled with its subgraph fetches when the client
 * goes away. Every refusal is JSON with a code; one log line per request, without personal data.
 * With tracing on (tracing.ts), one server span per request, under which Apollo's spans nest.
 */
export function gatewayHandler(options: GatewayHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { server, authenticator, rateLimiter, safelists, limits, costDirectives, access } = options;
  const local = createLocalAnswers();
  /**
   * Documents parsed, by their text: clients send the same few operations again and again. A
   * document is the same object each time, which lets its measure be remembered too. A syntax
   * error gives undefined: Apollo Server reports it, in the media type the client accepts.
   * Bounded by the text it holds as well as by count: operations range from `{ __typename }` to a
   * partner's day of 260 aliased receipts (50 KB), and a parsed document (without locations)
   * plus its remembered measures takes some 7 to 8 times its text in heap, so 1,000 large ones
   * would hold hundreds of MiB.
   */
  const documents = new BoundedMap<string, DocumentNode>(1000, { weigh: (query) => query.length, maxWeight: DOCUMENT_CACHE_TEXT });
  const parsed = (query: string): DocumentNode | undefined => {
    let document = documents.get(query);
    if (!document) {
      try {
        document = parseOperation(query, limits);
      } catch (error) {
        if (error instanceof GraphQLError && error.extensions.code === 'GRAPHQL_PARSE_FAILED') return undefined;
        throw error;
      }
      if (query.length <= 64 * 1024) documents.set(query, document);
    }
    return document;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse, span?: Span): Promise<void> => {
    const started = performance.now();
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    span?.setAttribute(ATTR_REQUEST_ID, requestId);
    let operationType: string | undefined;
    let principal: Principal | undefined;
    let operationName: string | undefined;
    let corsHeaders: Record<string, string> = {};
    let outcome: string[] = [];
    let preflight = false;
    /** The explorer's page or an asset: logged, not counted as a GraphQL request. */
    let explorerFile = false;
    const measure: RequestMeasure = { codes: [] };
    /** The key under which identical queries in flight wait for this one's answer, when it is a query that may share one. */
    let coalesceKey: string | undefined;
    /** Given this request's answer (or undefined) when others wait for it. */
    let settle: ((answer: SharedAnswer | undefined) => void) | undefined;
    try {
      const cors = options.cors(req);
      corsHeaders = cors.headers;
      if (cors.preflight) {
        preflight = true;
        res.writeHead(204, corsHeaders).end();
        return;
      }
      if (await options.explorer?.serve(req, res)) {
        explorerFile = true;
        outcome = [String(res.statusCode)];
        return;
      }
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/' && path !== '/graphql') throw new HttpRefusal(404, 'NOT_FOUND', `nothing is served at ${JSON.stringify(path!.slice(0, 100))}: the graph is at /`);
      principal = await authenticator.authenticate(req.headers.authorization);
      rateLimiter.take(rateKey(principal, req));
      let request = toGraphQLRequest(req, await readBody(req, options.maxBodyBytes));
      let shape: OperationShape | undefined;
      const wantsPage = request.method === 'GET' && request.search === '' && (req.headers.accept ?? '').includes('text/html');
      if (!wantsPage) {
        let payload = payloadOf(request);
        const safelist = safelists.forPrincipal(principal);
        if (safelist) {
          payload = applySafelist(safelist, payload);
          request = withPayload(request, payload);
        }
        operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;
        const document = typeof payload.query === 'string' ? parsed(payload.query) : undefined;
        if (document) {
          // Named for the metrics and the log even when refused before Apollo Server names it.
          measure.operationName = operationName ?? soleOperationName(document);
          if (span) operationType = operationTypeOf(document, operationName);
          const variables = payload.variables !== null && typeof payload.variables === 'object' ? (payload.variables as Record<string, unknown>) : null;
          // An operation that cannot be chosen is the request's error, not the server's (Apollo
          // Gateway would throw it from its executor, a 500): 400, or 200 to a client of plain
          // application/json, as for the other request errors (see statusFor).
          const unresolved = unresolvedOperation(document, operationName);
          if (unresolved) {
            const legacyJson = namesJson(req.headers.accept) && !prefersGraphQLResponse(req.headers.accept);
            throw new HttpRefusal(legacyJson ? 200 : 400, 'OPERATION_RESOLUTION_FAILURE', unresolved);
          }
          shape = analyseOperationRemembered(options.schema(), document, { operationName, variables, costDirectives, defaultListSize: limits.defaultListSize }) ?? undefined;
          const broken = shape ? checkOperationLimits(shape, limits) : [];
          if (broken.length > 0) {
            throw new HttpRefusal(400, String(broken[0]!.extensions.code), broken[0]!.message, {}, broken.map((error) => error.toJSON()));
          }
          // `{ __typename }` and the like, once every check above has passed and the access
          // policy denies nothing: answered here, as Apollo Server would, without its pipeline.
          // Anything it might refuse or read otherwise (a GET, an APQ, variables, an operation
          // name of the wrong type, an Accept header) goes on to it.
          if (request.method === 'POST' && shape && payload.extensions === undefined && noVariables(payload.variables) && (payload.operationName ?? undefined) === operationName) {
            const body = local.answer(options.schema(), document, operationName);
            const type = body === undefined ? undefined : localAnswerType(req.headers.accept);
            if (body !== undefined && type !== undefined && access(shape, principal).length === 0) {
              res.setHeader('cache-control', 'no-store');
              res.setHeader('content-type', type);
              for (const [key, value] of Object.entries(corsHeaders)) res.setHeader(key, value);
              res.statusCode = 200;
              res.end(body);
              outcome = ['200'];
              return;
            }
          }
          if (options.coalescer && request.method === 'POST' && operationTypeOf(document, operationName) === 'query') {
            coalesceKey = options.coalescer.keyOf({ document, principal, accept: req.headers.accept, operationName, variables: payload.variables, extensions: payload.extensions });
          }
        }
      }
      const controller = controllerFor(res, Date.now() + options.requestDeadlineMs);
      if (coalesceKey !== undefined) {
        const joined = options.coalescer!.join(coalesceKey);
        if ('wait' in joined) {
          const shared = await untilAnswered(joined.wait, controller.signal);
          if (shared) {
            countShared('coalesced');
            measure.operationName = shared.operationName;
            measure.codes.push(...shared.codes);
            outcome = [String(shared.status)];
            const headers = new HeaderMap([...shared.headers, [COALESCED_HEADER, 'yes']]);
            await writeGraphQLResponse(res, { status: shared.status, headers, body: { kind: 'complete', string: shared.body } }, corsHeaders);
            return;
          }
          // The request waited for ended without an answer to share: this one answers on its own.
        } else {
          settle = joined.settle;
          // Its client gone or its deadline passed, those waiting answer on their own at once.
          controller.signal.addEventListener('abort', () => settle?.(undefined), { once: true });
        }
      }
      const context: GatewayContext = { principal, requestId, deadline: controller.deadline, ...(shape ? { shape } : {}) };
      const response = await runInRequestScope({ requestId, deadline: controller.deadline, signal: controller.signal }, () =>
        measuring(measure, () => server.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: async () => context })),
      );
      const status = statusFor(req, response);
      outcome = [String(status)];
      // Shared before it is written: those waiting are answered in the same turn.
      settle?.(
        response.body.kind === 'complete' && !controller.signal.aborted
          ? { status, headers: [...response.headers], body: response.body.string, operationName: measure.operationName, codes: [...measure.codes] }
          : undefined,
      );
      await writeGraphQLResponse(res, { ...response, status }, corsHeaders);
    } catch (error) {
      // A coded GraphQLError (a parse refused for its size) keeps every extension it carries.
      const refusal =
        error instanceof HttpRefusal
          ? error
          : error instanceof GraphQLError && typeof error.extensions.code === 'string'
            ? new HttpRefusal(400, error.extensions.code, error.message, {}, [error.toJSON()])
            : undefined;
      if (!refusal) requestLog(log, requestId).error({ err: error }, 'request failed');
      const sent = refusal ?? new HttpRefusal(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      outcome = [String(sent.status), sent.code];
      measure.codes.push(...refusalCodes(sent));
      sendRefusal(res, sent, prefersGraphQLResponse(req.headers.accept) ? { ...corsHeaders, 'content-type': 'application/graphql-response+json; charset=utf-8' } : corsHeaders);
    } finally {
      settle?.(undefined);
      const seconds = (performance.now() - started) / 1000;
      // A preflight is the browser asking about CORS, not a GraphQL request: logged, not counted.
      measure.operationName ??= operationName;
      if (!preflight && !explorerFile) recordRequest('gateway', measure, outcome[1] ?? outcome[0] ?? 'unknown', seconds);
      requestLine(requestId, {
        method: req.method,
        role: principal?.role,
        client: principal?.client,
        op: measure.operationName,
        outcome,
        errors: measure.codes.length > 0 ? [...new Set(measure.codes)] : undefined,
        ms: Math.round(seconds * 1000),
      });
      if (span) {
        endServerSpan(span, { status: res.statusCode, role: principal?.role, client: principal?.client, operationName: measure.operationName, operationType, codes: measure.codes });
      }
    }
  };
  const tracer = requestTracer();
  if (!tracer) return handle;
  const trustCaller = options.trustTraceparent ?? false;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = path === '/' || path === '/graphql' ? path : undefined;
    const method = req.method ?? 'GET';
    const span = startServerSpan(tracer, route ? `${method} ${route}` : method, req.headers, {
      trustCaller,
      linkCaller: true,
      attributes: { [ATTR_HTTP_METHOD]: method, ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}) },
    });
    return withSpan(span, () => handle(req, res, span));
  };
}
