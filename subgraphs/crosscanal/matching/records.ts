/**
 * The crosswalk's view of one local customer record, normalised at the edge: what every
 * source reader produces and what the match rules compare. Values keep their display form
 * where the graph shows them (names, email as typed but trimmed); the keys used for matching
 * are derived in {@link ./keys.ts}.
 */

/** The systems that hold customer records, as the graph's `SourceSystem` names them. */
export type RecordSystem = 'ECOMMERCE' | 'LOYALTY' | 'POS';

/** What a POS record is: a loyalty card seen at a till, a phone keyed at a till, or an OUE client row. */
export type PosRecordKind = 'card' | 'phone' | 'client';

/** One local record's identity: the graph's `Identity { system localId franchise }`. */
export interface RecordKey {
  system: RecordSystem;
  /** E-commerce `"<customer id>"`, loyalty `"<member id>"`, POS `card:<n>`, `phone:<E.164>` or `client:<id>`. */
  localId: string;
  /** The franchise of a POS phone or client record; null otherwise. */
  franchise: string | null;
}

export interface LoyaltyCardRef {
  number: string;
  status: string;
}

export interface SourceRecord extends RecordKey {
  firstName: string | null;
  lastName: string | null;
  /** Trimmed, as typed; null when absent or not an address. */
  email: string | null;
  /** E.164; null when absent or unparseable. */
  phone: string | null;
  /**
   * A second E.164 number the system holds for the person, when it differs from `phone`
   * (loyalty: the mobile the offers are texted to, beside the number given at enrolment).
   * Null or absent elsewhere.
   */
  secondPhone?: string | null;
  /** Loyalty: every card of the member, whatever its status. Empty elsewhere (a POS card record is named by its number). */
  cards: LoyaltyCardRef[];
  postcode: string | null;
  birthDate: string | null;
  /** When the record was created in its system (enrolment, sign-up, first seen at a till). */
  createdAt: string | null;
  /** When its system last changed it (last seen at a till for POS records). */
  updatedAt: string | null;
}

/** Every E.164 number a record carries, without repeats. */
export function phonesOf(record: Pick<SourceRecord, 'phone' | 'secondPhone'>): string[] {
  const phones: string[] = [];
  if (record.phone) phones.push(record.phone);
  if (record.secondPhone && record.secondPhone !== record.phone) phones.push(record.secondPhone);
  return phones;
}

/** `system|franchise|localId`: one string per record, for maps and sets. */
export function recordId(key: RecordKey): string {
  return `${key.system}|${key.franchise ?? ''}|${key.localId}`;
}

/** The inverse of {@link recordId}. */
export function parseRecordId(id: string): RecordKey {
  const first = id.indexOf('|');
  const second = id.indexOf('|', first + 1);
  const franchise = id.slice(first + 1, second);
  return { system: id.slice(0, first) as RecordSystem, franchise: franchise === '' ? null : franchise, localId: id.slice(second + 1) };
}

/** The kind of a POS record, from its local id. */
export function posKind(localId: string): PosRecordKind | null {
  const prefix = localId.slice(0, localId.indexOf(':'));
  return prefix === 'card' || prefix === 'phone' || prefix === 'client' ? prefix : null;
}

const numeric = new Intl.Collator('en', { numeric: true });

/** Orders records deterministically: by system, franchise, then local id (numbers numerically). */
export function compareKeys(a: RecordKey, b: RecordKey): number {
  return compareText(a.system, b.system) || compareText(a.franchise ?? '', b.franchise ?? '') || numeric.compare(a.localId, b.localId);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
