import type Keyv from 'keyv';
import { closeCache, createCache } from '../../shared/cache.js';
import { LegacySource, type BreakerOptions } from '../../shared/source.js';
import { EcommerceClient } from '../../ecommerce/client.js';
import { createLoaders as createEcommerceLoaders, type EcommerceLoaders } from '../../ecommerce/loaders.js';
import { PosClient } from '../../pos/client.js';
import { createLoaders as createPosLoaders, type PosLoaders } from '../../pos/loaders.js';

/**
 * The crosswalk's live reads of the systems that own orders, for the views that need more
 * than one of them (`Customer.orders`, `order(number:)`). They go through the same clients,
 * loaders and resilience as the web shop's and the tills' subgraphs (batching, cache,
 * timeouts, breaker), each system behind a source of its own; nothing is copied into the
 * crosswalk. A system left unconfigured reads as unavailable.
 */
export interface EstateReadOptions {
  /** The web shop's base URL (without /api/v1). */
  ecommerceUrl?: string;
  /** The POS database URL. */
  posUrl?: string;
  posSchemaPrefix?: string;
  /** Per call. Default 3 s: these reads answer a client waiting for them. */
  timeoutMs?: number;
  retries?: number;
  breaker?: BreakerOptions;
  /** Cross-request cache; default Redis at `redisUrl`, else in-process memory. */
  redisUrl?: string;
  /** The shop's currency, for cart rules without one. Default EUR. */
  shopCurrency?: string;
}

/** One request's loaders over the systems configured; null for a system that is not. */
export interface EstateLoaders {
  ecommerce: EcommerceLoaders | null;
  pos: PosLoaders | null;
}

export interface EstateReads {
  /** Fresh loaders, for one request. */
  loaders(): EstateLoaders;
  /** The sources, for readiness and metrics. */
  sources: LegacySource[];
  /** The tills' source, with the cache these reads keep: a writer given it forgets what it changes. */
  posSource: LegacySource | null;
  close(): Promise<void>;
}

export function openEstateReads(options: EstateReadOptions): EstateReads {
  const timeoutMs = options.timeoutMs ?? 3000;
  const common = { timeoutMs, retries: options.retries, breaker: options.breaker };
  const caches: Keyv[] = [];
  const cache = (name: string) => {
    const created = createCache(`crosscanal-${name}`, { redisUrl: options.redisUrl });
    caches.push(created);
    return created;
  };
  const sources: LegacySource[] = [];
  let ecommerce: EcommerceClient | null = null;
  if (options.ecommerceUrl) {
    const source = new LegacySource('ecommerce', { ...common, cache: cache('ecommerce') });
    sources.push(source);
    ecommerce = new EcommerceClient(options.ecommerceUrl, source);
  }
  let pos: { client: PosClient; source: LegacySource } | null = null;
  if (options.posUrl) {
    const source = new LegacySource('pos', { ...common, cache: cache('pos') });
    sources.push(source);
    pos = { client: new PosClient(source, { url: options.posUrl, schemaPrefix: options.posSchemaPrefix, timeoutMs, poolSize: 4 }), source };
  }
  const shopCurrency = options.shopCurrency ?? 'EUR';
  return {
    loaders: () => ({
      ecommerce: ecommerce ? createEcommerceLoaders(ecommerce, { shopCurrency }) : null,
      pos: pos ? createPosLoaders(pos.client, pos.source) : null,
    }),
    sources,
    posSource: pos?.source ?? null,
    close: async () => {
      await pos?.client.close();
      await Promise.all(caches.map((c) => closeCache(c)));
    },
  };
}
