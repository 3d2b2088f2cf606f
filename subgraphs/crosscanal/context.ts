import type { RequestIdentity } from '../shared/subgraphServer.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { EstateLoaders, EstateReads } from './orders/estate.js';
import type { CrosswalkStore } from './store/crosswalkStore.js';

export interface Context extends RequestIdentity {
  store: CrosswalkStore;
  loaders: Loaders;
  /** This request's loaders over the systems that own orders, made on first use. */
  estate(): EstateLoaders;
}

const NO_ESTATE: EstateLoaders = { ecommerce: null, pos: null };

/** A request's context: fresh loaders over the shared store, and who acts (stewardship records them). */
export function createContext(store: CrosswalkStore, identity: RequestIdentity, estate?: EstateReads): Context {
  let loaders: EstateLoaders | undefined;
  return { ...identity, store, loaders: createLoaders(store), estate: () => (loaders ??= estate?.loaders() ?? NO_ESTATE) };
}
