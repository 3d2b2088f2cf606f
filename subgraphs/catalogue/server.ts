import type Keyv from 'keyv';
import type { BreakerOptions } from '../shared/source.js';
import { closeCache, createCache } from '../shared/cache.js';
import { sourcesReadiness } from '../shared/operations.js';
import { LegacySource } from '../shared/source.js';
import { createSubgraphServer, listenSubgraph, readSdl, type ListeningSubgraph, type SubgraphModule } from '../shared/subgraphServer.js';
import { CatalogueClient } from './client.js';
import { createContext, type CatalogueContext } from './context.js';
import type { CatalogueTtls } from './loaders.js';
import { resolvers } from './resolvers.js';

export type { CatalogueContext } from './context.js';

export const subgraph: SubgraphModule<CatalogueContext> = {
  name: 'catalogue',
  typeDefs: readSdl(new URL('./schema.graphql', import.meta.url)),
  resolvers,
};

/** The namespace of the subgraph's own cache. */
export const CACHE_NAMESPACE = 'subgraph-catalogue';

export interface CatalogueSubgraphOptions {
  /** The PIM's base address, e.g. `http://127.0.0.1:4104`. */
  pimUrl: string;
  /** The secret shared with the gateway, which signs each request's principal with it (CROSSCANAL_INTERNAL_SECRET). */
  internalSecret: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Per PIM call attempt, in milliseconds. Default 3000. */
  timeoutMs?: number;
  /** Extra attempts for a PIM call that failed as unavailable. Default 2. */
  retries?: number;
  /** First retry back-off in milliseconds. Default 50. */
  retryBaseMs?: number;
  breaker?: BreakerOptions;
  /**
   * Cross-request cache. Default: one of our own (Redis at `redisUrl`, else memory), closed
   * on `stop`; `false`: none, every request asks the PIM.
   */
  cache?: Keyv | false;
  /** Used when `cache` is not given. */
  redisUrl?: string;
  ttls?: CatalogueTtls;
  /** Show unexpected errors unmasked. Default: NODE_ENV === 'development'. */
  development?: boolean;
}

/** The PIM client of one process: its source holds the timeouts, the circuit breaker and the cache. */
export function createCatalogueClient({ pimUrl, timeoutMs, retries, retryBaseMs, breaker, cache }: Omit<CatalogueSubgraphOptions, 'cache'> & { cache?: Keyv }): CatalogueClient {
  const source = new LegacySource('catalogue', { timeoutMs, retries, retryBaseMs, breaker, cache });
  return new CatalogueClient(pimUrl, source);
}

/** Builds and starts the catalogue subgraph; index.ts is what reads the environment. */
export async function startCatalogueSubgraph(options: CatalogueSubgraphOptions): Promise<ListeningSubgraph> {
  // Not "catalogue": the source already starts its keys with "catalogue:", and keyv 5.6 leaves a
  // key that starts with its namespace unprefixed on set but prefixes it on getMany, so every
  // batched read would miss.
  const ownCache = options.cache === undefined ? createCache(CACHE_NAMESPACE, { redisUrl: options.redisUrl }) : undefined;
  const cache = options.cache === false ? undefined : (options.cache ?? ownCache);
  const client = createCatalogueClient({ ...options, cache });
  const server = createSubgraphServer(subgraph, { development: options.development });
  try {
    const listening = await listenSubgraph(server, {
      port: options.port ?? 0,
      host: options.host,
      internalSecret: options.internalSecret,
      context: async (identity) => ({ ...identity, ...createContext(client, options.ttls) }),
      readiness: sourcesReadiness([client.source]),
    });
    return {
      url: listening.url,
      stop: async () => {
        await listening.stop();
        await closeCache(ownCache);
      },
    };
  } catch (error) {
    await closeCache(ownCache);
    throw error;
  }
}
