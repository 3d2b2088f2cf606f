import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { composeServices, type CompositionSuccess } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { printSchema } from 'graphql';
import { withAccessDirectives } from '../subgraphs/shared/access.js';
import { SUBGRAPHS, type SubgraphEntry } from './subgraphs.js';

/**
 * Hints that do not matter: they describe a deliberate choice of this graph. Any other hint
 * fails the composition test, so that a new one is read and either fixed or added here
 * with its reason.
 */
export const ACCEPTED_HINTS: Readonly<Record<string, string>> = {
  // A key field is non-null where a system resolves the entity by it (POS by GTIN, e-commerce
  // by web SKU) and nullable in the catalogue, which has products without one of them.
  INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE: 'a key is non-null only in the system that resolves by it',
  // The crosswalk names orders (`Customer.orders`, `order`) without describing them: its
  // `Order` has the number only, and the planner asks the owners for the rest.
  INCONSISTENT_INTERFACE_VALUE_TYPE_FIELD: 'the crosswalk names orders by number and leaves their fields to their owners',
};

export interface Composed {
  supergraphSdl: string;
  /** The API schema: the supergraph as clients see it, without federation's types and directives. */
  apiSdl: string;
  /** Hints not in {@link ACCEPTED_HINTS}, formatted. */
  hints: string[];
  /** All hints, accepted ones included. */
  allHints: CompositionSuccess['hints'];
}

/** Reads every subgraph's SDL from `root` and composes; throws with every error listed. */
export async function composeSupergraph(root: string, subgraphs: readonly SubgraphEntry[] = SUBGRAPHS): Promise<Composed> {
  const services = await Promise.all(
    subgraphs.map(async ({ name, sdl, url }) => ({ name, url, typeDefs: withAccessDirectives(await readFile(join(root, sdl), 'utf8')) })),
  );
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  const hints = result.hints.filter((hint) => !(hint.definition.code in ACCEPTED_HINTS)).map((hint) => `${hint.definition.code}: ${hint.message}`);
  const supergraphSdl = `${result.supergraphSdl.trimEnd()}\n`;
  return { supergraphSdl, apiSdl: apiSchemaSdl(supergraphSdl), hints, allHints: result.hints };
}

/**
 * The API schema of a supergraph, built the way the gateway builds the schema it serves, and
 * printed as introspection shows it (graphql-js's printer: no applied directives but
 * `@deprecated`, types in the supergraph's order).
 */
export function apiSchemaSdl(supergraphSdl: string): string {
  return `${printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema()).trimEnd()}\n`;
}
