import type Keyv from 'keyv';
import type { BreakerOptions } from '../shared/source.js';
import { closeCache, createCache } from '../shared/cache.js';
import { sourcesReadiness } from '../shared/operations.js';
import { LegacySource } from '../shared/source.js';
import { createSubgraphServer, listenSubgraph, readSdl, type ListeningSubgraph, type SubgraphModule } from '../shared/subgraphServer.js';
import { PosClient } from './client.js';
import { HeldDirectory, type HeldDirectoryOptions } from './heldDirectory.js';
import { createLoaders } from './loaders.js';
import { resolvers, type PosContext } from './resolvers.js';

export type { PosContext } from './resolvers.js';

/** The POS subgraph's schema and resolvers, for composition and serving. */
export const subgraph: SubgraphModule<PosContext> = {
  name: 'pos',
  typeDefs: readSdl(new URL('./schema.graphql', import.meta.url)),
  resolvers,
};

export interface PosSubgraphOptions {
  /** The POS database, `postgres://…`. */
  legacyUrl: string;
  /** Put in front of the POS schema names, as the database was loaded. Default ''. */
  schemaPrefix?: string;
  /** The secret shared with the gateway, which signs each request's principal with it (CROSSCANAL_INTERNAL_SECRET). */
  internalSecret: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Per statement. Default 3000 ms. */
  timeoutMs?: number;
  /** Connections to the POS database at most. Default 10. */
  poolSize?: number;
  /** Keys per statement. Default 500. */
  batchSize?: number;
  /** Cross-request cache; default: Redis at `redisUrl`, else in-process memory. */
  cache?: Keyv;
  redisUrl?: string;
  /** Extra attempts for a failed statement. Default 2. */
  retries?: number;
  breaker?: BreakerOptions;
  /** Show unexpected errors to clients. */
  development?: boolean;
  /** How the store directory held in process is kept fresh (`HeldDirectory`): background reads, re-reads on a miss. */
  directory?: HeldDirectoryOptions;
}

/** Builds and starts the POS subgraph over HTTP; `stop` drains requests, then closes the database pool. */
export async function startPosSubgraph(options: PosSubgraphOptions): Promise<ListeningSubgraph> {
  const ownCache = options.cache === undefined;
  // Not `pos`: keyv 5.6 leaves keys that already start with `<namespace>:` unprefixed in
  // set() but prefixes them in getMany(), and the source's keys start with `pos:`.
  const cache = options.cache ?? createCache('subgraph-pos', { redisUrl: options.redisUrl });
  const timeoutMs = options.timeoutMs ?? 3000;
  const source = new LegacySource('pos', { timeoutMs, retries: options.retries, breaker: options.breaker, cache });
  const client = new PosClient(source, { url: options.legacyUrl, schemaPrefix: options.schemaPrefix, timeoutMs, poolSize: options.poolSize });
  const server = createSubgraphServer(subgraph, { development: options.development });
  // Read before the first request, so that none waits for it (see HeldDirectory).
  const directory = new HeldDirectory(client, options.directory);
  let listening: ListeningSubgraph;
  try {
    await directory.start();
    listening = await listenSubgraph(server, {
      port: options.port ?? 0,
      host: options.host,
      internalSecret: options.internalSecret,
      context: async (identity) => ({ ...identity, loaders: createLoaders(client, source, directory, { batchSize: options.batchSize }) }),
      readiness: sourcesReadiness([source]),
    });
  } catch (error) {
    directory.stop();
    await client.close();
    if (ownCache) await closeCache(cache);
    throw error;
  }
  return {
    url: listening.url,
    stop: async () => {
      await listening.stop();
      directory.stop();
      await client.close();
      if (ownCache) await closeCache(cache);
    },
  };
}
