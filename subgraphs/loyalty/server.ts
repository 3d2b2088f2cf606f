import type Keyv from 'keyv';
import { closeCache, createCache } from '../shared/cache.js';
import { sourcesReadiness } from '../shared/operations.js';
import { LegacySource, type SourceOptions } from '../shared/source.js';
import { createSubgraphServer, listenSubgraph, readSdl, type ListeningSubgraph, type RequestIdentity, type SubgraphModule } from '../shared/subgraphServer.js';
import { LoyaltyClient } from './client.js';
import { createLoaders, DEFAULT_CACHE_KINDS, type LoyaltyBackend, type LoyaltyCacheKinds } from './loaders.js';
import type { MembershipRecord } from './mappers.js';
import { resolvers, type LoyaltyContext } from './resolvers.js';

export type { LoyaltyContext } from './resolvers.js';

/** The keyv namespace of the subgraph's cache, apart from the other subgraphs' in a shared Redis. */
export const CACHE_NAMESPACE = 'subgraph-loyalty';

/** The loyalty subgraph: members, cards, tiers, points, sizes, contact consent and member offers. */
export const subgraph: SubgraphModule<LoyaltyContext> = {
  name: 'loyalty',
  typeDefs: readSdl(new URL('./schema.graphql', import.meta.url)),
  resolvers,
  // The programme's own record of the member's marketing consent on the channel.
  contactConsent: async (membership, channel, { loaders }) =>
    (await loaders.freshConsents.load((membership as MembershipRecord).memberId)).some((consent) => consent.channel === channel && consent.status === 'SUBSCRIBED'),
};

export interface LoyaltySubgraphOptions {
  /** The loyalty system's SOAP endpoint, e.g. `http://127.0.0.1:4102/LoyaltyService`. */
  endpoint: string;
  /** The secret shared with the gateway, which signs each request's principal with it (CROSSCANAL_INTERNAL_SECRET). */
  internalSecret: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Per-attempt timeout of a legacy call, in milliseconds. Default: LegacySource's (3 s). */
  timeoutMs?: number;
  /** Retries, back-off, circuit breaker and stale-if-error of the legacy calls. */
  source?: Omit<SourceOptions, 'cache' | 'timeoutMs'>;
  /** Shared cache across replicas; in-process memory when absent. */
  redisUrl?: string;
  /** A cache to use instead of creating one (tests); `false` turns cross-request caching off. */
  cache?: Keyv | false;
  /** Freshness per kind of record; defaults to {@link DEFAULT_CACHE_KINDS}. */
  cacheKinds?: Partial<LoyaltyCacheKinds>;
  /** The subgraph's clock: when a consent is captured, which offers are still valid. */
  now?: () => Date;
  /** Show unexpected errors. Default: NODE_ENV === 'development'. */
  development?: boolean;
}

export interface RunningLoyaltySubgraph extends ListeningSubgraph {
  /** The legacy source, for health checks (breaker state) and tests. */
  source: LegacySource;
}

/** Builds the process-wide part of the subgraph: source, cache and SOAP client. */
export function createBackend(options: Omit<LoyaltySubgraphOptions, 'internalSecret' | 'port' | 'host' | 'development'>): LoyaltyBackend {
  const url = new URL(options.endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`loyalty endpoint must be an http(s) URL, got ${JSON.stringify(options.endpoint)}`);
  const cache = options.cache === false ? undefined : (options.cache ?? createCache(CACHE_NAMESPACE, { redisUrl: options.redisUrl }));
  const source = new LegacySource('loyalty', {
    ...options.source,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(cache ? { cache } : {}),
  });
  return {
    client: new LoyaltyClient(url.toString(), source),
    source,
    cache,
    kinds: { ...DEFAULT_CACHE_KINDS, ...options.cacheKinds },
    now: options.now ?? (() => new Date()),
  };
}

/** Starts the loyalty subgraph over HTTP; `stop` drains in-flight requests, then closes the cache. */
export async function startLoyaltySubgraph(options: LoyaltySubgraphOptions): Promise<RunningLoyaltySubgraph> {
  const backend = createBackend(options);
  const server = createSubgraphServer(subgraph, options.development === undefined ? {} : { development: options.development });
  const context = async (identity: RequestIdentity): Promise<LoyaltyContext> => ({ ...identity, backend, loaders: createLoaders(backend) });
  const listening = await listenSubgraph(server, {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    internalSecret: options.internalSecret,
    context,
    readiness: sourcesReadiness([backend.source]),
  });
  const ownsCache = options.cache === undefined;
  return {
    url: listening.url,
    source: backend.source,
    stop: async () => {
      await listening.stop();
      if (ownsCache) await closeCache(backend.cache);
    },
  };
}
