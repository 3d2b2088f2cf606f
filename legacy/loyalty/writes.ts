import type { ConsentRecord, LoyaltyMember, PointsMovement } from '../generator/model.js';
import type { Journal } from '../shared/journal.js';
import type { LoyaltyStore, MemberErasure, PurchaseCredit } from './store.js';

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
 * An `UpdateSizes` that changed something, as its journal keeps it: the member's whole sizes
 * after the change (what was given merged over what was stored), so that replaying it sets
 * them whatever the entries before it left.
 */
export interface SizesWrite {
  kind: 'UpdateSizes';
  member_id: string;
  sizes: LoyaltyMember['sizes'];
  /** Where the sizes were recorded: WEB, APP, CALLCENTER or STORE:<store code>. */
  updated_by: string;
  /** The service's clock when it stored the sizes: the member's new `updatedAt`. */
  at: string;
}

/**
 * An `EraseMember` that erased a member, as its journal keeps it: the member, the caller's
 * request id (a repeat of it after a restart is answered from it) and when. A repeat is not
 * recorded: replaying the entry erases the member again, as it was erased.
 */
export interface ErasureWrite extends MemberErasure {
  kind: 'EraseMember';
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
    UpdateSizes: (entry: SizesWrite): LoyaltyMember => store.setSizes(entry.member_id, entry.sizes, entry.at),
    EraseMember: (entry: ErasureWrite): MemberErasure => store.eraseMember({ member_id: entry.member_id, request_id: entry.request_id, at: entry.at }),
  };
}

export type LoyaltyJournal = Journal<ReturnType<typeof loyaltyWrites>>;
