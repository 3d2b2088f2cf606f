import type { ConsentRecord } from '../generator/model.js';
import type { Journal } from '../shared/journal.js';
import type { LoyaltyStore } from './store.js';

/** An `UpdateConsent` the service acknowledged, as its journal keeps it. */
export interface ConsentWrite {
  kind: 'UpdateConsent';
  /** The consent record stored, as it is served back. */
  record: ConsentRecord;
  /** The service's clock when it stored the record: the member's new `updatedAt`. */
  at: string;
}

/**
 * How each write the loyalty service acknowledges is applied to its store: when it is
 * recorded, and when the journal is replayed at start. `UpdateConsent` is its only write.
 */
export function loyaltyWrites(store: LoyaltyStore) {
  return {
    UpdateConsent: (entry: ConsentWrite): ConsentRecord => store.addConsent(entry.record, entry.at),
  };
}

export type LoyaltyJournal = Journal<ReturnType<typeof loyaltyWrites>>;
