// The module's exports object (CommonJS), where `@apollo/gateway` reads the function from on each call.
import operationsModule from '@apollo/federation-internals/dist/operations.js';
import type { DefinitionNode, DocumentNode } from 'graphql';

/**
 * `@apollo/gateway` builds federation's form of the operation (an `Operation`) from the
 * request's document for every request it executes, to shape the subgraphs' data into the
 * answer, although the document is the same parsed object for every request of the same text
 * (Apollo Server keeps parsed documents) and the query plan is already kept. For a large
 * operation that is a large share of what the gateway allocates: a partner's day of 260 aliased
 * receipts builds about 4 MiB of it per request, a quarter of the gateway's allocations under
 * that load (bench/RESULTS.md), and its collections hold up every request in flight.
 *
 * {@link keepResponseOperations} keeps each built `Operation` beside the parsed definitions it
 * was built from, for as long as they live (weakly: when Apollo Server's document cache lets a
 * document go, its operation goes with it), and hands it back when the same definitions of the
 * same schema are asked for again. Only the call the executor makes to shape a response (all of
 * the document's definitions, no operation name, not validated again) is kept; planning, which
 * happens once per plan, and anything else goes through as before. The `Operation` is only read
 * afterwards. A document that fails to build is not kept.
 */

type OperationFromDocument = (schema: object, document: DocumentNode, options?: { operationName?: string; validate?: boolean }) => unknown;

interface Kept {
  /** The definitions (operation and fragments) the operation was built from, by identity. */
  definitions: readonly DefinitionNode[];
  schema: object;
  operation: unknown;
}

export interface KeptOperations {
  /** Responses shaped with an operation built before. */
  hits: number;
  /** Operations built (and kept). */
  builds: number;
}

const stats: KeptOperations = { hits: 0, builds: 0 };
const KEPT = Symbol.for('crosscanal.keptResponseOperations');

/**
 * Installs the keeping in this process (once; later calls only return the counts). Process-wide,
 * as `@apollo/gateway` reads the function from the module on each call. Returns the counts, or
 * undefined when `@apollo/federation-internals` no longer has the function where it is looked
 * for (the gateway then works as it did, building each time).
 */
export function keepResponseOperations(): KeptOperations | undefined {
  const operations = operationsModule as unknown as { operationFromDocument?: OperationFromDocument & { [KEPT]?: KeptOperations } };
  const build = operations.operationFromDocument;
  if (typeof build !== 'function') return undefined;
  if (build[KEPT]) return build[KEPT];
  const byDefinition = new WeakMap<DefinitionNode, Kept>();
  const kept: OperationFromDocument & { [KEPT]?: KeptOperations } = (schema, document, options) => {
    const { definitions } = document;
    const first = definitions[0];
    if (!first || options?.validate !== false || options.operationName !== undefined) return build(schema, document, options);
    const known = byDefinition.get(first);
    if (known && known.schema === schema && known.definitions.length === definitions.length && known.definitions.every((d, i) => d === definitions[i])) {
      stats.hits += 1;
      return known.operation;
    }
    const operation = build(schema, document, options);
    stats.builds += 1;
    byDefinition.set(first, { definitions, schema, operation });
    return operation;
  };
  kept[KEPT] = stats;
  operations.operationFromDocument = kept;
  return stats;
}
