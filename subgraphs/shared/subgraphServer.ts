import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { GraphQLError, Kind, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { enforceAccess, readAccessPolicy, withAccessDirectives, type ConsentCheck } from './access.js';
import { HttpRefusal, listenGraphQL, readBody, toGraphQLRequest, writeGraphQLResponse, type ListeningServer } from './graphqlHttp.js';
import { loggerFor } from './logger.js';
import { ANONYMOUS, GrantRefused, internalKey, PRINCIPAL_HEADER, verifyGrant, type InternalGrant, type Principal } from './principal.js';
import { RequestController, runInRequestScope } from './requestScope.js';

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
]);

const log = loggerFor('errors');

/** Keeps coded errors as they are and hides the rest, unless `development`. */
export function maskErrors(development: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (development || (typeof code === 'string' && PUBLIC_CODES.has(code))) {
      if (development) return formatted;
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
  return new ApolloServer<TContext>({
    schema: enforceAccess(schema, readAccessPolicy(module.typeDefs), module.contactConsent),
    formatError: maskErrors(development),
    includeStacktraceInErrorResponses: development,
    // The gateway plans from the checked-in supergraph; nobody needs to introspect a subgraph.
    introspection: development,
    // Inline traces (ftv1) cost throughput on every request; nothing here reads them.
    plugins: [ApolloServerPluginInlineTraceDisabled(), useGrantRequired<TContext>()],
    // The process's index.ts owns SIGTERM/SIGINT: it drains, then exits 0.
    stopOnTerminationSignals: false,
  });
}

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
}

/** How long a request without a grant (composition) may run. */
const UNGRANTED_DEADLINE_MS = 30_000;

/**
 * Listens on `port`. Each request's principal comes from the gateway's grant; the request
 * runs within its deadline, and its legacy calls are abandoned when the gateway gives up
 * (deadline, or the gateway's connection closing). `stop` drains in-flight requests first.
 */
export async function listenSubgraph<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  { port = 0, host = '127.0.0.1', internalSecret, context, maxBodyBytes = 8 * 1024 * 1024 }: ListenSubgraphOptions<TContext>,
): Promise<ListeningSubgraph> {
  const key = internalKey(internalSecret);
  return listenGraphQL(server, { port, host }, async (req: IncomingMessage, res: ServerResponse) => {
    let grant: InternalGrant | null = null;
    try {
      const token = req.headers[PRINCIPAL_HEADER];
      if (typeof token === 'string') grant = await verifyGrant(key, token);
      else if (token !== undefined) throw new GrantRefused(`${PRINCIPAL_HEADER} must be sent once`);
      const body = await readBody(req, maxBodyBytes);
      const httpGraphQLRequest = toGraphQLRequest(req, body);
      const controller = new RequestController(grant?.deadline ?? Date.now() + UNGRANTED_DEADLINE_MS);
      res.once('close', () => {
        if (!res.writableFinished) controller.gone();
        controller.dispose();
      });
      const identity: RequestIdentity = { principal: grant?.principal ?? ANONYMOUS, requestId: grant?.requestId ?? '' };
      if (grant) granted.add(grant.principal);
      const response = await runInRequestScope({ requestId: identity.requestId, deadline: controller.deadline, signal: controller.signal }, () =>
        server.executeHTTPGraphQLRequest({
          httpGraphQLRequest,
          context: () => context(identity),
        }),
      );
      await writeGraphQLResponse(res, response);
    } catch (error) {
      if (error instanceof GrantRefused) throw new HttpRefusal(401, 'UNAUTHENTICATED', error.message);
      throw error;
    }
  });
}
