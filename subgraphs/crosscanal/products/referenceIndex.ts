import type { CrosswalkStore } from '../store/crosswalkStore.js';
import { matchReference, type ReferenceMatch } from './lookup.js';
import { ProductReferenceStore } from './referenceStore.js';
import { readReference, recordedForm, lookupCode, catalogueRefOf, gtinKeyOf } from './references.js';

const stores = new WeakMap<CrosswalkStore, ProductReferenceStore>();

/** The reference index in a crosswalk's database; one per store, made on first use. */
export function referenceStoreOf(crosswalk: CrosswalkStore): ProductReferenceStore {
  let index = stores.get(crosswalk);
  if (index === undefined) {
    index = new ProductReferenceStore(crosswalk.db);
    stores.set(crosswalk, index);
  }
  return index;
}

/** A reference as asked: the text typed (trimmed) and the franchise it was asked in, checked by the caller. */
export interface ReferenceRequest {
  ref: string;
  franchise: string | null;
}

/**
 * Answers several references in one pass over the index (one set of statements for them
 * all), in request order. A reference that names nothing is recorded as a miss, under the
 * form its ways of typing share, so that the unmapped-codes report counts it.
 */
export async function resolveReferences(index: ProductReferenceStore, requests: readonly ReferenceRequest[], at: string): Promise<(ReferenceMatch | null)[]> {
  const readings = requests.map((request) => readReference(request.ref, request.franchise));
  const hits = await index.lookup(readings.flat());
  const matches = requests.map((request, i) => matchReference(request.ref, readings[i]!, hits));
  for (const [i, match] of matches.entries()) {
    if (match !== null) continue;
    const { ref, franchise } = requests[i]!;
    await index.recordMiss(missCode(ref), recordedForm(ref), franchise, at);
  }
  return matches;
}

/** The lookup form a miss is kept under: what the index compares its codes by. */
function missCode(ref: string): string {
  const catalogueRef = catalogueRefOf(ref);
  if (catalogueRef !== null) return catalogueRef;
  return gtinKeyOf(ref) ?? lookupCode(ref);
}
