/**
 * The composition config: which subgraphs make the supergraph, where their SDL lives, and
 * the URL recorded in the supergraph for a local run. The gateway overrides URLs from its
 * configuration; these are only the defaults `npm start` uses.
 */
export interface SubgraphEntry {
  name: string;
  /** Path of the SDL, relative to the repository root. */
  sdl: string;
  /** Default routing URL, written into the supergraph. */
  url: string;
}

export const SUBGRAPHS: readonly SubgraphEntry[] = [
  { name: 'catalogue', sdl: 'subgraphs/catalogue/schema.graphql', url: 'http://127.0.0.1:4204/' },
  { name: 'crosscanal', sdl: 'subgraphs/crosscanal/schema.graphql', url: 'http://127.0.0.1:4205/' },
  { name: 'ecommerce', sdl: 'subgraphs/ecommerce/schema.graphql', url: 'http://127.0.0.1:4201/' },
  { name: 'loyalty', sdl: 'subgraphs/loyalty/schema.graphql', url: 'http://127.0.0.1:4202/' },
  { name: 'pos', sdl: 'subgraphs/pos/schema.graphql', url: 'http://127.0.0.1:4203/' },
];

/** Where the composed supergraph is checked in, relative to the repository root. */
export const SUPERGRAPH_PATH = 'schema/supergraph.graphql';

/** Where the API schema (the supergraph as clients see it) is checked in, relative to the repository root. */
export const API_SCHEMA_PATH = 'schema/api.graphql';
