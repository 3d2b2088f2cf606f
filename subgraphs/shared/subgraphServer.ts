import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { ApolloServer, type ApolloServerPlugin, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { GraphQLError, Kind, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { enforceAccess, readAccessPolicy, withAccessDirectives, type ConsentCheck } from './access.js';
import { controllerFor, HttpRefusal, listenGraphQL, readBody, toGraphQLRequest, writeGraphQLResponse, type ListeningServer } from './graphqlHttp.js';
import { loggerFor } from './logger.js';
import type { Readiness } from './operations.js';
import { ANONYMOUS, GrantRefused, internalKey, PRINCIPAL_HEADER, verifyGrant, type InternalGrant, type Principal } from './principal.js';
import { apolloLogger, requestLog } from './requestLogger.js';
import { measuring, recordRequest, refusalCodes, useRequestMetrics, type RequestMeasure } from './requestMetrics.js';
import { currentRequestScope, runInRequestScope } from './requestScope.js';
import { useStaleNotice } from './staleness.js';
import { ATTR_SUBGRAPH, endServerSpan, requestTracer, startServerSpan, withSpan } from './tracing.js';

/** What every subgraph module exports, so tests can compose in-process and production can serve it. */
export interface SubgraphModule<TContext = BaseContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  /** For `@contact` fields: whether the customer behind the parent consented to marketing on a channel. */
  contactConsent?: ConsentCheck<TContext>;
}

/**
 * Reads a subgraph's SDL file next to the calling module (`new URL('./schema.graphql', import.meta.url)`),
 * with the access directives every subgraph declares.
 */
export function readSdl(url: URL): DocumentNode {
  return withAccessDirectives(readFileSync(url, 'utf8'));
}

/** Codes our resolvers set on purpose; any other error is unexpected and masked for clients. */
const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'SOURCE_UNAVAILABLE',
  'SOURCE_TIMEOUT',
  'SOURCE_RATE_LIMITED',
  'SOURCE_BAD_RESPONSE',
  'SOURCE_BAD_REQUEST',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'CONSENT_REQUIRED',
  'CUSTOMER_MERGED',
  'DEADLINE_EXCEEDED',
  'SUBGRAPH_TIMEOUT',
  'SUBGRAPH_UNAVAILABLE',
  'DOWNSTREAM_SERVICE_ERROR',
  // A cross-system write refused for a reason the caller can act on (journeys/).
  'QUOTE_NOT_FOUND',
  'QUOTE_NOT_OPEN',
  'QUOTE_EXPIRED',
  'QUOTE_HOLDER_UNKNOWN',
  'QUOTE_ALREADY_FINISHING',
  'WEB_ACCOUNT_REQUIRED',
  'WEB_ACCOUNT_AMBIGUOUS',
  'WEB_ACCOUNT_NOT_THE_CUSTOMERS',
  'NOTHING_SOLD_ONLINE',
  'WEB_ORDER_REFUSED',
  'STORE_NOT_CLICK_AND_COLLECT',
  'RETURN_REFUSED',
  // Contact choices (crosscanal contact/).
  'CUSTOMER_NOT_FOUND',
  'CONTACT_DECISION_CONFLICT',
]);

/**
 * Coded errors that say something on our side broke (a legacy system, a subgraph, the time a
 * request had): logged at `warn`. The other coded errors are the caller's own (input, access,
 * consent) and only logged at `debug`; every error is counted by code in the metrics anyway.
 */
function isOurFailure(code: string): boolean {
  return code.startsWith('SOURCE_') || code.startsWith('SUBGRAPH_') || code === 'DEADLINE_EXCEEDED' || code === 'DOWNSTREAM_SERVICE_ERROR';
}

/**
 * Keeps coded errors as they are and hides the rest, unless `development`. Each error is
 * logged to `logger` with the request's id: a coded one with its code, source or subgraph and
 * path (never the variables; the logger's scrubber guards the message), an unexpected one at
 * `error` with what was masked.
 */
export function maskErrors(development: boolean, logger: Logger = loggerFor('errors')) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const log = requestLog(logger);
    const coded = typeof code === 'string' && PUBLIC_CODES.has(code);
    if (typeof code === 'string' && (development || coded)) {
      const where = { code, source: formatted.extensions?.source, subgraph: formatted.extensions?.serviceName, path: formatted.path };
      if (isOurFailure(code)) log.warn({ ...where, message: formatted.message }, 'coded error');
      else log.debug(where, 'coded error');
    }
    if (development) return formatted;
    if (coded) {
      // Outside development a coded error says what broke, never where in the code nor at
      // which internal address (the gateway copies a subgraph's HTTP answer into `response`).
      const { stacktrace: _, response: __, exception: ___, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const original = error instanceof GraphQLError ? error.originalError : error;
    log.error({ err: original ?? error, path: formatted.path }, 'unexpected error masked');
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** What every subgraph context carries: who the request acts for, as the gateway vouched. */
export interface RequestIdentity {
  principal: Principal;
  requestId: string;
}

/** Root fields a caller without the gateway's grant may still ask: composition and a liveness probe. */
const OPEN_ROOT_FIELDS = new Set(['_service', '__typename']);

/**
 * Refuses any operation but composition's `_service` and `__typename` from a caller the gateway
 * did not vouch for: the subgraphs are reachable on the network, `_entities` included.
 */
function useGrantRequired<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (currentRequestScope()?.batched && operation?.operation !== 'query') {
            throw new GraphQLError('a batch holds reads only: send a mutation on its own', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
          if (granted.has((contextValue as Partial<RequestIdentity>).principal ?? ANONYMOUS)) return;
          const open = operation !== undefined && operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && OPEN_ROOT_FIELDS.has(s.name.value));
          if (!open) {
            throw new GraphQLError('this subgraph answers the gateway only: the request carries no principal token', {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            });
          }
        },
      };
    },
  };
}

/**
 * Principals that came with a valid grant (each grant makes a new principal object; Apollo
 * Server hands plugins a copy of the context, so the principal is what identifies the request).
 */
const granted = new WeakSet<Principal>();

/** What listenSubgraph needs to know of a server createSubgraphServer made: its name and logger. */
const served = new WeakMap<object, { name: string; logger: Logger }>();

export interface SubgraphServerOptions {
  /** Show unexpected errors and stack traces. Default: NODE_ENV === 'development'. */
  development?: boolean;
}

/** An Apollo Server over the module's federated schema, with its `@access` enforced; it does not listen. */
export function createSubgraphServer<TContext extends BaseContext>(
  module: SubgraphModule<TContext>,
  { development = process.env.NODE_ENV === 'development' }: SubgraphServerOptions = {},
): ApolloServer<TContext> {
  const schema = buildSubgraphSchema({ typeDefs: module.typeDefs, resolvers: module.resolvers as GraphQLResolverMap<unknown> });
  const logger = loggerFor(`subgraph-${module.name}`);
  const server = new ApolloServer<TContext>({
    schema: enforceAccess(schema, readAccessPolicy(module.typeDefs), module.contactConsent),
    logger: apolloLogger(logger),
    formatError: maskErrors(development, logger),
    includeStacktraceInErrorResponses: development,
    // The gateway plans from the checked-in supergraph; nobody needs to introspect a subgraph.
    introspection: development,
    // Inline traces (ftv1) cost throughput on every request; nothing here reads them. Nor do
    // cache hints: no schema declares one and no resolver sets one, so every answer's policy
    // is "not cacheable", the same without the plugin, which wraps every field's resolver to
    // work that out (the gateway reads an answer without cache-control as maxAge 0).
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), useGrantRequired<TContext>(), useRequestMetrics<TContext>(), useStaleNotice<TContext>()],
    // The process's index.ts owns SIGTERM/SIGINT: it drains, then exits 0.
    stopOnTerminationSignals: false,
  });
  served.set(server, { name: module.name, logger });
  return server;
}

/** Every subgraph answer: personal data and per-principal answers, kept by no cache on the way. */
const NOT_CACHEABLE: Readonly<Record<string, string>> = { 'cache-control': 'no-store' };

/** A listening subgraph: where it answers, and how to stop it. */
export type ListeningSubgraph = Pick<ListeningServer, 'url' | 'stop'>;

export interface ListenSubgraphOptions<TContext> {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The secret shared with the gateway, which signs each request's principal with it. */
  internalSecret: string;
  /** The request's context, from who it acts for. */
  context: (request: RequestIdentity) => Promise<TContext>;
  /** Largest body accepted; the gateway's entity batches are the biggest. Default 8 MiB. */
  maxBodyBytes?: number;
  /**
   * What `/readyz` checks beyond the subgraph serving (a legacy subgraph: its source's breaker,
   * `sourcesReadiness`; the crosswalk: its store and syncs). Without, ready whenever it serves.
   */
  readiness?: Readiness;
  /** How long requests in flight may take to finish once `stop` has started the drain. Default 20 s. */
  drainGraceMs?: number;
}

/**
 * The client's operation name in the name the gateway gives a subgraph fetch
 * (`<operation>__<subgraph>__<step>`), so that a subgraph's series line up with the gateway's
 * and its plan's steps do not multiply the metric's labels.
 */
export function clientOperationName(name: string | undefined, subgraph: string): string | undefined {
  const suffix = new RegExp(`__${subgraph.replace(/[^A-Za-z0-9_]/g, '')}__\\d+$`);
  return name?.replace(suffix, '') || undefined;
}

/**
 * Operations one batch may hold: the gateway sends at most 32 at once (SHARED_BATCH_OPERATIONS),
 * and a batch is refused past this, before any of it runs.
 */
export const MAX_BATCH_OPERATIONS = 64;

/**
 * How a subgraph answers a batch of operations: one line per operation as soon as it is
 * answered, in the order they finish, each its index in the batch, a space, and its answer's
 * JSON (which holds no raw line break). A batch is never held back by its slowest operation.
 */
export const BATCH_ANSWER_TYPE = 'application/x-crosscanal-batch';

/** An operation's answer as one line of a batch's answer. */
function batchLine(index: number, answer: HTTPGraphQLResponse): string {
  const body =
    answer.body.kind === 'complete'
      ? answer.body.string.trimEnd()
      : JSON.stringify({ errors: [{ message: 'an operation of a batch cannot be answered incrementally', extensions: { code: 'BAD_REQUEST' } }] });
  return `${index} ${body}\n`;
}

/** How long a request without a grant (composition) may run. */
const UNGRANTED_DEADLINE_MS = 30_000;

/**
 * Listens on `port`. Each request's principal comes from the gateway's grant; the request
 * runs within its deadline, and its legacy calls are abandoned when the gateway gives up
 * (deadline, or the gateway's connection closing). `/healthz`, `/readyz` and `/metrics` are
 * answered before the grant is looked at. Each request is counted and timed under the
 * subgraph's name, and logged at `debug` with the gateway's request id. With tracing on, each
 * is a server span, in the gateway's trace only when the gateway's grant vouched for it. `stop`
 * drains in-flight requests first.
 */
export async function listenSubgraph<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  { port = 0, host = '127.0.0.1', internalSecret, context, maxBodyBytes = 8 * 1024 * 1024, readiness, drainGraceMs }: ListenSubgraphOptions<TContext>,
): Promise<ListeningSubgraph> {
  const key = internalKey(internalSecret);
  const { name, logger } = served.get(server) ?? { name: 'subgraph', logger: loggerFor('subgraph') };
  const tracer = requestTracer();
  /**
   * The request's span. Only a request whose grant verified continues the trace its
   * `traceparent` names (the gateway's fetch): from anyone else, a trace of its own, linked to
   * nothing, so that a forged header attaches to no trace.
   */
  const spanFor = (req: IncomingMessage, grant: InternalGrant | null): Span | undefined =>
    tracer && startServerSpan(tracer, `subgraph ${name}`, req.headers, { trustCaller: grant !== null, attributes: { [ATTR_SUBGRAPH]: name } });
  return listenGraphQL(server, { port, host, readiness, drainGraceMs }, async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const measure: RequestMeasure = { codes: [] };
    let outcome = 'INTERNAL_SERVER_ERROR';
    let status: number | undefined;
    let grant: InternalGrant | null = null;
    let span: Span | undefined;
    try {
      const token = req.headers[PRINCIPAL_HEADER];
      if (typeof token === 'string') grant = verifyGrant(key, token);
      else if (token !== undefined) throw new GrantRefused(`${PRINCIPAL_HEADER} must be sent once`);
      span = spanFor(req, grant);
      const body = await readBody(req, maxBodyBytes);
      const httpGraphQLRequest = toGraphQLRequest(req, body);
      const batch = Array.isArray(httpGraphQLRequest.body) ? (httpGraphQLRequest.body as unknown[]) : undefined;
      if (batch && (batch.length === 0 || batch.length > MAX_BATCH_OPERATIONS)) {
        throw new HttpRefusal(400, 'BAD_REQUEST', `a batch holds 1 to ${MAX_BATCH_OPERATIONS} operations, got ${batch.length}`);
      }
      const controller = controllerFor(res, grant?.deadline ?? Date.now() + UNGRANTED_DEADLINE_MS);
      const identity: RequestIdentity = { principal: grant?.principal ?? ANONYMOUS, requestId: grant?.requestId ?? '' };
      if (grant) granted.add(grant.principal);
      const scope = { requestId: identity.requestId, deadline: controller.deadline, signal: controller.signal };
      // The operations of a batch (the gateway's reads of one operation for requests served at
      // once, for one principal) run at once with one context, so that their loaders, and the
      // statements and legacy calls behind them, are shared; each in a scope of its own, so
      // that what one served stale is said in its answer only.
      let shared: Promise<TContext> | undefined;
      const inBatch = (body: unknown) =>
        runInRequestScope({ ...scope, batched: true }, () =>
          server.executeHTTPGraphQLRequest({ httpGraphQLRequest: { method: httpGraphQLRequest.method, headers: httpGraphQLRequest.headers, search: httpGraphQLRequest.search, body }, context: () => (shared ??= context(identity)) }),
        );
      if (batch) {
        status = 200;
        outcome = '200';
        res.writeHead(200, { 'content-type': `${BATCH_ANSWER_TYPE}; charset=utf-8`, ...NOT_CACHEABLE });
        const answerAll = () =>
          measuring(measure, () =>
            Promise.all(
              batch.map((body, i) =>
                inBatch(body).then(
                  (answer) => void res.write(batchLine(i, answer)),
                  (error: unknown) => {
                    requestLog(logger, grant?.requestId).error({ err: error }, 'batch operation failed');
                    res.write(`${i} ${JSON.stringify({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] })}\n`);
                  },
                ),
              ),
            ),
          );
        await (span ? withSpan(span, answerAll) : answerAll());
        res.end();
        return;
      }
      const execute = () => measuring(measure, () => runInRequestScope(scope, () => server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => context(identity) })));
      const response = await (span ? withSpan(span, execute) : execute());
      status = response.status ?? 200;
      outcome = String(status);
      // What the cache control plugin said of every answer, without its cost (createSubgraphServer).
      await writeGraphQLResponse(res, response, NOT_CACHEABLE);
    } catch (error) {
      const refusal = error instanceof GrantRefused ? new HttpRefusal(401, 'UNAUTHENTICATED', error.message) : error;
      // A grant refused: the request is traced, in a trace of its own.
      span ??= spanFor(req, null);
      if (refusal instanceof HttpRefusal) {
        outcome = refusal.code;
        status = refusal.status;
        measure.codes.push(...refusalCodes(refusal));
      } else {
        status = 500;
        measure.codes.push('INTERNAL_SERVER_ERROR');
        // Within the request's span, so that the line carries its trace.
        inSpan(span, () => requestLog(logger, grant?.requestId).error({ err: error }, 'request failed'));
      }
      throw refusal;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      measure.operationName = clientOperationName(measure.operationName, name);
      recordRequest(name, measure, outcome, seconds);
      if (logger.isLevelEnabled('debug')) {
        inSpan(span, () =>
          requestLog(logger, grant?.requestId).debug({ op: measure.operationName, outcome, errors: [...new Set(measure.codes)], ms: Math.round(seconds * 1000) }, 'subgraph request'),
        );
      }
      if (span) {
        const principal = grant?.principal;
        endServerSpan(span, { status, requestId: grant?.requestId, role: principal?.role, client: principal?.client, operationName: measure.operationName, codes: measure.codes });
      }
    }
  });
}

/** Runs `work` with `span` current when there is one (a log line written in it carries its trace). */
function inSpan(span: Span | undefined, work: () => void): void {
  if (span) withSpan(span, work);
  else work();
}
