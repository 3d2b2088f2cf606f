import type { DocumentStore } from '@apollo/server';
import { Kind, visit, type DocumentNode } from 'graphql';
import { BoundedMap } from '../subgraphs/shared/boundedMap.js';

/**
 * Apollo Server keeps each operation it has parsed and validated, by the hash of its text, so
 * that the next request of the same text skips both. The gateway keeps more beside each of
 * those documents, weakly, for as long as the document is kept: federation's form of the
 * operation (`operationCache.ts`), its compiled walk (`resultShaping.ts`), and its measures for
 * the limits and the access policy. For a large operation that is several times the document: a
 * partner's day of 260 aliased receipts (7,123 nodes) keeps 2 to 5 MiB in all (bench/RESULTS.md).
 * Apollo Server's own store bounds its documents by the length of their JSON (30 MiB of it),
 * which counts none of that, and writes each new document out as JSON to measure it (1 MB for
 * that partner's day).
 *
 * {@link GatewayDocumentStore} bounds what the documents hold together with what is kept beside
 * them, in bytes: each document weighs {@link BYTES_PER_NODE} per node of its syntax tree (its
 * fields, arguments, values, fragments…), counted once when it is stored. The least recently
 * used documents go first; with them goes everything kept beside them, once no request in
 * flight holds them. A document heavier than the whole budget is not kept (each request of it
 * is parsed and validated again). Always ready: a read never waits.
 */
export class GatewayDocumentStore implements DocumentStore {
  private readonly documents: BoundedMap<string, DocumentNode>;

  constructor(readonly maxBytes: number) {
    this.documents = new BoundedMap(Number.MAX_SAFE_INTEGER, { weigh: (_, document) => documentWeight(document), maxWeight: maxBytes });
  }

  async get(key: string): Promise<DocumentNode | undefined> {
    // Read again, it becomes the most recent: the map forgets from its oldest insertion.
    this.documents.touch(key);
    return this.documents.get(key);
  }

  async set(key: string, document: DocumentNode): Promise<void> {
    this.documents.set(key, document);
  }

  async delete(key: string): Promise<boolean> {
    return this.documents.delete(key);
  }

  /** Bytes held by the documents kept, as weighed. */
  get bytes(): number {
    return this.documents.weight;
  }

  get size(): number {
    return this.documents.size;
  }
}

/**
 * Bytes a parsed and validated document and what the gateway keeps beside it hold, per node of
 * its syntax tree: 300 to 700 measured on the partner day's operations, the largest the bench
 * sends, with every keeping on (bench/RESULTS.md, "the document store").
 */
export const BYTES_PER_NODE = 512;

/** A document's weight: {@link BYTES_PER_NODE} per node of its tree. */
export function documentWeight(document: DocumentNode): number {
  let nodes = 0;
  visit(document, {
    enter(node) {
      // Names are part of the node that holds them.
      if (node.kind !== Kind.NAME) nodes += 1;
    },
  });
  return nodes * BYTES_PER_NODE;
}
