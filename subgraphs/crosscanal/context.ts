import { createLoaders, type Loaders } from './loaders.js';
import type { CrosswalkStore } from './store/crosswalkStore.js';

export interface Context {
  store: CrosswalkStore;
  loaders: Loaders;
}

/** A request's context: fresh loaders over the shared store. */
export function createContext(store: CrosswalkStore): Context {
  return { store, loaders: createLoaders(store) };
}
