import { createLoaders, type Loaders } from './loaders.js';
import type { RequestHeaders } from './stewardship.js';
import type { CrosswalkStore } from './store/crosswalkStore.js';

export interface Context {
  store: CrosswalkStore;
  loaders: Loaders;
  /** The request's headers: stewardship reads who acts from them. */
  headers: RequestHeaders;
}

/** A request's context: fresh loaders over the shared store. */
export function createContext(store: CrosswalkStore, headers: RequestHeaders = {}): Context {
  return { store, loaders: createLoaders(store), headers };
}
