import type Keyv from 'keyv';
import { closeCache, createCache } from '../../shared/cache.js';
import { LegacySource, type BreakerOptions } from '../../shared/source.js';
import { EcommerceClient } from '../../ecommerce/client.js';
import { createLoaders as createEcommerceLoaders, type EcommerceLoaders } from '../../ecommerce/loaders.js';
import { PosClient } from '../../pos/client.js';
import { HeldDirectory } from '../../pos/heldDirectory.js';
import { createLoaders as createPosLoaders, type PosLoaders } from '../../pos/loaders.js';
import { CatalogueClient } from '../../catalogue/client.js';
import { createLoaders as createCatalogueLoaders, type CatalogueLoaders } from '../../catalogue/loaders.js';
import { createBackend as createLoyaltyBackend } from '../../loyalty/server.js';
import { createLoaders as createLoyaltyLoaders, type LoyaltyBackend, type LoyaltyLoaders } from '../../loyalty/loaders.js';

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
  /** The PIM's base URL (without /pim/v2): list prices, categories and campaigns, for the price story. */
  catalogueUrl?: string;
  /** The loyalty SOAP endpoint: tiers, member offers and consents, for the price story. */
  loyaltyUrl?: string;
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
  catalogue: CatalogueLoaders | null;
  loyalty: LoyaltyLoaders | null;
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
  let pos: { client: PosClient; source: LegacySource; directory: HeldDirectory } | null = null;
  if (options.posUrl) {
    const source = new LegacySource('pos', { ...common, cache: cache('pos') });
    sources.push(source);
    // As many connections as the POS subgraph's: one order history sends three statements per
    // franchise at once (receipts, returns, returns of web orders), nine with three franchises,
    // and with four connections they queued and ran in three rounds.
    const client = new PosClient(source, { url: options.posUrl, schemaPrefix: options.posSchemaPrefix, timeoutMs, poolSize: 10 });
    // The tills' store directory, held in process as the POS subgraph holds it; read now, in the
    // background (a failure is logged and the first request reads it).
    const directory = new HeldDirectory(client);
    void directory.start();
    pos = { client, source, directory };
  }
  let catalogue: CatalogueClient | null = null;
  if (options.catalogueUrl) {
    const source = new LegacySource('catalogue', { ...common, cache: cache('catalogue') });
    sources.push(source);
    catalogue = new CatalogueClient(options.catalogueUrl, source);
  }
  let loyalty: LoyaltyBackend | null = null;
  if (options.loyaltyUrl) {
    loyalty = createLoyaltyBackend({
      endpoint: options.loyaltyUrl,
      timeoutMs,
      source: { retries: options.retries, breaker: options.breaker },
      cache: cache('loyalty'),
      // Consents decide marketing offers: read fresh, as a withdrawal counts at once.
      cacheKinds: { consent: { name: 'consent', ttlMs: 0 } },
    });
    sources.push(loyalty.source);
  }
  const shopCurrency = options.shopCurrency ?? 'EUR';
  return {
    loaders: () => ({
      ecommerce: ecommerce ? createEcommerceLoaders(ecommerce, { shopCurrency }) : null,
      pos: pos ? createPosLoaders(pos.client, pos.source, pos.directory) : null,
      catalogue: catalogue ? createCatalogueLoaders(catalogue) : null,
      loyalty: loyalty ? createLoyaltyLoaders(loyalty) : null,
    }),
    sources,
    posSource: pos?.source ?? null,
    close: async () => {
      pos?.directory.stop();
      await pos?.client.close();
      await Promise.all(caches.map((c) => closeCache(c)));
    },
  };
}
