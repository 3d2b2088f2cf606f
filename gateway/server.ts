import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { maskErrors } from '../subgraphs/shared/subgraphServer.js';
import type { GatewayConfig } from './config.js';

export interface RunningGateway {
  url: string;
  /** Drains in-flight requests, then stops the gateway. */
  stop(): Promise<void>;
}

/** What the gateway keeps of an incoming request for the subgraph fetches it makes. */
export interface GatewayContext {
  headers: IncomingHttpHeaders;
}

/** Headers that say who acts, passed on to every subgraph: the crosswalk's stewardship checks them. */
export const FORWARDED_HEADERS: readonly string[] = ['x-crosscanal-actor', 'x-crosscanal-role'];

/** A fetch that gives up on a subgraph after `timeoutMs` (the gateway's default has no limit). */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs) });
}

/** The gateway over the checked-in supergraph, routing each subgraph to its configured URL. */
export async function createGateway(
  config: Pick<GatewayConfig, 'supergraphPath' | 'subgraphUrls' | 'subgraphTimeoutMs' | 'development'>,
): Promise<ApolloServer<GatewayContext>> {
  const supergraphSdl = await readFile(config.supergraphPath, 'utf8');
  const fetcher = fetchWithTimeout(config.subgraphTimeoutMs);
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const routed = config.subgraphUrls[name] ?? url;
      if (!routed) throw new Error(`no URL for subgraph ${JSON.stringify(name)}: set SUBGRAPH_${name.toUpperCase()}_URL`);
      return new RemoteGraphQLDataSource<GatewayContext>({
        url: routed,
        fetcher: fetcher as never,
        willSendRequest({ request, context }) {
          for (const name of FORWARDED_HEADERS) {
            const value = (context as Partial<GatewayContext>).headers?.[name];
            if (value !== undefined) request.http?.headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
        },
      });
    },
  });
  return new ApolloServer<GatewayContext>({ gateway, stopOnTerminationSignals: false, formatError: maskErrors(config.development), includeStacktraceInErrorResponses: config.development });
}

/** Starts the gateway on `config.port` (0 = any free port). */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const server = await createGateway(config);
  const { url } = await startStandaloneServer(server, { listen: { port: config.port, host: config.host }, context: async ({ req }) => ({ headers: req.headers }) });
  return { url, stop: () => server.stop() };
}
