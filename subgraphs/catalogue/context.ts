import type { CatalogueClient } from './client.js';
import { createLoaders, type CatalogueLoaders, type CatalogueTtls } from './loaders.js';

/** What every resolver of one request gets. */
export interface CatalogueContext {
  client: CatalogueClient;
  /** Created for this request only: their memo never outlives it. */
  loaders: CatalogueLoaders;
  /** The request's "now" in epoch milliseconds, so that every product sees the same active campaigns. */
  now: number;
}

/** The context factory: fresh loaders per request over the process-wide client (and its cache and breaker). */
export function createContext(client: CatalogueClient, ttls?: CatalogueTtls): CatalogueContext {
  return { client, loaders: createLoaders(client, ttls), now: Date.now() };
}
