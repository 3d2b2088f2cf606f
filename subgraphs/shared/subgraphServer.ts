import { readFileSync } from 'node:fs';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { GraphQLError, parse, type DocumentNode, type GraphQLFormattedError } from 'graphql';

/** What every subgraph module exports, so tests can compose in-process and production can serve it. */
export interface SubgraphModule<TContext = BaseContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
}

/** Reads a subgraph's SDL file next to the calling module (`new URL('./schema.graphql', import.meta.url)`). */
export function readSdl(url: URL): DocumentNode {
  return parse(readFileSync(url, 'utf8'));
}

/** Codes our resolvers set on purpose; any other error is unexpected and masked for clients. */
const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'SOURCE_UNAVAILABLE',
  'SOURCE_RATE_LIMITED',
  'SOURCE_BAD_RESPONSE',
  'SOURCE_BAD_REQUEST',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'DOWNSTREAM_SERVICE_ERROR',
]);

/** Keeps coded errors as they are and hides the rest, unless `development`. */
export function maskErrors(development: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (development || (typeof code === 'string' && PUBLIC_CODES.has(code))) return formatted;
    const original = error instanceof GraphQLError ? error.originalError : error;
    process.emitWarning(`unexpected error masked: ${(original as Error)?.stack ?? String(original)}`);
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

export interface SubgraphServerOptions {
  /** Show unexpected errors and stack traces. Default: NODE_ENV === 'development'. */
  development?: boolean;
}

/** An Apollo Server over the module's federated schema; it does not listen. */
export function createSubgraphServer<TContext extends BaseContext>(
  module: SubgraphModule<TContext>,
  { development = process.env.NODE_ENV === 'development' }: SubgraphServerOptions = {},
): ApolloServer<TContext> {
  return new ApolloServer<TContext>({
    schema: buildSubgraphSchema({ typeDefs: module.typeDefs, resolvers: module.resolvers as GraphQLResolverMap<unknown> }),
    formatError: maskErrors(development),
    includeStacktraceInErrorResponses: development,
    // Inline traces (ftv1) cost throughput on every request; nothing here reads them.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    // The process's index.ts owns SIGTERM/SIGINT: it drains, then exits 0.
    stopOnTerminationSignals: false,
  });
}

export interface ListeningSubgraph {
  url: string;
  stop(): Promise<void>;
}

/** Listens on `port` (0 = any free port); `stop` drains in-flight requests first. */
export async function listenSubgraph<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  { port = 0, host = '127.0.0.1', context }: { port?: number; host?: string; context: () => Promise<TContext> },
): Promise<ListeningSubgraph> {
  const { url } = await startStandaloneServer(server, { listen: { port, host }, context });
  return { url, stop: () => server.stop() };
}
