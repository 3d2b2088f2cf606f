import type { ConsentRecord, PointsMovement } from '../generator/model.js';
import type { Journal } from '../shared/journal.js';
import type { LoyaltyStore, PurchaseCredit } from './store.js';

/** An `UpdateConsent` the service acknowledged, as its journal keeps it. */
export interface ConsentWrite {
  kind: 'UpdateConsent';
  /** The consent record stored, as it is served back. */
  record: ConsentRecord;
  /** The service's clock when it stored the record: the member's new `updatedAt`. */
  at: string;
}

/**
 * A `CreditExternalPurchase` the service acknowledged, as its journal keeps it: the movement
 * (its id included, so that a replay gives it the same one) and what the purchase was, which a
 * repeat of its transaction id is compared with after a restart.
 */
export interface CreditWrite extends PurchaseCredit {
  kind: 'CreditExternalPurchase';
  /** The service's clock when it credited the purchase: the member's new `updatedAt`. */
  at: string;
}

/**
 * How each write the loyalty service acknowledges is applied to its store: when it is
 * recorded, and when the journal is replayed at start.
 */
export function loyaltyWrites(store: LoyaltyStore) {
  return {
    UpdateConsent: (entry: ConsentWrite): ConsentRecord => store.addConsent(entry.record, entry.at),
    CreditExternalPurchase: (entry: CreditWrite): PointsMovement =>
      store.addCredit({ movement: entry.movement, amount: entry.amount, currency: entry.currency }, entry.at),
  };
}

export type LoyaltyJournal = Journal<ReturnType<typeof loyaltyWrites>>;
