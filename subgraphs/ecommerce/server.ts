import type Keyv from 'keyv';
import { createCache } from '../shared/cache.js';
import { sourcesReadiness } from '../shared/operations.js';
import { LegacySource, type SourceOptions } from '../shared/source.js';
import { createSubgraphServer, listenSubgraph, readSdl, type ListeningSubgraph, type SubgraphModule } from '../shared/subgraphServer.js';
import { EcommerceClient } from './client.js';
import { createLoaders } from './loaders.js';
import type { WebAccount } from './mappers.js';
import { resolvers, type EcommerceContext } from './resolvers.js';

export type { EcommerceContext } from './resolvers.js';

/** The e-commerce subgraph: web accounts, web orders, web prices and cart rules. */
export const subgraph: SubgraphModule<EcommerceContext> = {
  name: 'ecommerce',
  typeDefs: readSdl(new URL('./schema.graphql', import.meta.url)),
  resolvers,
  // The web shop's only contact consent is its newsletter, by email.
  contactConsent: (account, channel) => channel === 'EMAIL' && (account as WebAccount).newsletter.status === 'SUBSCRIBED',
};

export interface EcommerceSubgraphOptions {
  /** The platform's base URL, without `/api/v1` (e.g. http://127.0.0.1:4101). */
  legacyUrl: string;
  /** The secret shared with the gateway, which signs each request's principal with it (CROSSCANAL_INTERNAL_SECRET). */
  internalSecret: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** The cross-request cache; default an in-process one of its own. */
  cache?: Keyv;
  /** Timeouts, retries, breaker and stale-if-error for calls to the platform. */
  source?: Omit<SourceOptions, 'cache'>;
  /** The currency of the shop's amount cart rules, which carry none; default EUR. */
  shopCurrency?: string;
  /** Show unexpected errors instead of masking them; default NODE_ENV === 'development'. */
  development?: boolean;
  /** Epoch milliseconds, for which cart rules are running now; default `Date.now`. */
  clock?: () => number;
}

export interface RunningEcommerceSubgraph extends ListeningSubgraph {
  /** The client's link to the platform, whose breaker state health checks can read. */
  source: LegacySource;
}

/** Builds the subgraph over the platform at `legacyUrl` and listens; `stop` drains in-flight requests. */
export async function startEcommerceSubgraph({
  legacyUrl,
  internalSecret,
  port = 0,
  host = '127.0.0.1',
  cache = createCache('subgraph-ecommerce'),
  source: sourceOptions = {},
  shopCurrency = 'EUR',
  development,
  clock = Date.now,
}: EcommerceSubgraphOptions): Promise<RunningEcommerceSubgraph> {
  const source = new LegacySource('ecommerce', { ...sourceOptions, cache });
  const client = new EcommerceClient(legacyUrl, source);
  const server = createSubgraphServer(subgraph, development === undefined ? {} : { development });
  const listening = await listenSubgraph(server, {
    port,
    host,
    internalSecret,
    context: async (identity) => ({ ...identity, loaders: createLoaders(client, { shopCurrency }), now: clock }),
    readiness: sourcesReadiness([source]),
  });
  return { ...listening, source };
}
