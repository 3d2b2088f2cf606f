import type { RequestIdentity } from '../shared/subgraphServer.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { CrosswalkStore } from './store/crosswalkStore.js';

export interface Context extends RequestIdentity {
  store: CrosswalkStore;
  loaders: Loaders;
}

/** A request's context: fresh loaders over the shared store, and who acts (stewardship records them). */
export function createContext(store: CrosswalkStore, identity: RequestIdentity): Context {
  return { ...identity, store, loaders: createLoaders(store) };
}
