import { isPersonalLine, nameKey } from './matching/keys.js';
import { phonesOf, type RecordSystem, type SourceRecord } from './matching/records.js';

/** How a displayed value was chosen among a customer's records. */
export type SurvivorshipPolicy =
  /** Names: the loyalty programme's (keyed at the desk from an ID), then the web account's, then the till's. */
  | 'TRUSTED_SOURCE'
  /** Email: the address on the most recently updated record. */
  | 'MOST_RECENT'
  /** Phone: a mobile before a landline, then the most recently updated record. */
  | 'PERSONAL_LINE';

/** One record's value for a field. */
export interface SourcedValue {
  value: string;
  record: SourceRecord;
}

/** The value shown for a field, where it comes from and why it won. */
export interface Survivor extends SourcedValue {
  policy: SurvivorshipPolicy;
  reason: string;
  /** Every record's value, the winner first. */
  values: SourcedValue[];
}

export interface Survivors {
  firstName: Survivor | null;
  lastName: Survivor | null;
  displayName: Survivor | null;
  email: Survivor | null;
  phone: Survivor | null;
}

const NAME_TRUST: readonly RecordSystem[] = ['LOYALTY', 'ECOMMERCE', 'POS'];
const SYSTEM_LABEL: Readonly<Record<RecordSystem, string>> = { LOYALTY: 'loyalty member', ECOMMERCE: 'web account', POS: 'till record' };

/** Picks the displayed name, email and phone of a customer from its records. */
export function survivors(records: readonly SourceRecord[]): Survivors {
  const firstName = nameSurvivor(records, (r) => r.firstName, 'first name');
  const lastName = nameSurvivor(records, (r) => r.lastName, 'last name');
  return {
    firstName,
    lastName,
    displayName: displayName(firstName, lastName),
    email: emailSurvivor(records),
    phone: phoneSurvivor(records),
  };
}

/**
 * The most trusted system's name (then its most recent record); written the best way any
 * record writes that same name, since desks key capitals and web forms drop accents.
 */
function nameSurvivor(records: readonly SourceRecord[], pick: (r: SourceRecord) => string | null, label: string): Survivor | null {
  const values = records.flatMap((record) => {
    const value = pick(record);
    return value === null || nameKey(value) === null ? [] : [{ value, record }];
  });
  if (values.length === 0) return null;
  values.sort((a, b) => NAME_TRUST.indexOf(a.record.system) - NAME_TRUST.indexOf(b.record.system) || newerFirst(a.record, b.record));
  const trusted = values[0]!;
  const key = nameKey(trusted.value);
  const best = values.filter((v) => nameKey(v.value) === key).sort((a, b) => writingScore(b.value) - writingScore(a.value))[0]!;
  const why = `${label} of the ${SYSTEM_LABEL[trusted.record.system]} ${trusted.record.localId}, the most trusted source holding one`;
  const reason = best.record === trusted.record ? why : `${why}; written as the ${SYSTEM_LABEL[best.record.system]} ${best.record.localId} writes it`;
  return { value: best.value, record: trusted.record, policy: 'TRUSTED_SOURCE', reason, values: [trusted, ...values.filter((v) => v !== trusted)] };
}

/** Mixed case beats capitals, and accents beat none: the better written of two equal names. */
function writingScore(value: string): number {
  const mixedCase = value !== value.toUpperCase() && value !== value.toLowerCase() ? 2 : 0;
  const accents = value.normalize('NFD') !== value ? 1 : 0;
  return mixedCase + accents;
}

function displayName(first: Survivor | null, last: Survivor | null): Survivor | null {
  const main = first ?? last;
  if (!main) return null;
  const value = [first?.value, last?.value].filter(Boolean).join(' ');
  return { value, record: main.record, policy: 'TRUSTED_SOURCE', reason: 'the surviving first and last names', values: [{ value, record: main.record }] };
}

function emailSurvivor(records: readonly SourceRecord[]): Survivor | null {
  const values = records.flatMap((record) => (record.email === null ? [] : [{ value: record.email, record }]));
  if (values.length === 0) return null;
  values.sort((a, b) => newerFirst(a.record, b.record) || (a.record.system === 'ECOMMERCE' ? -1 : b.record.system === 'ECOMMERCE' ? 1 : 0));
  const winner = values[0]!;
  return {
    ...winner,
    policy: 'MOST_RECENT',
    reason: `email of the most recently updated record holding one, the ${SYSTEM_LABEL[winner.record.system]} ${winner.record.localId}`,
    values,
  };
}

function phoneSurvivor(records: readonly SourceRecord[]): Survivor | null {
  const values = records.flatMap((record) => phonesOf(record).map((value) => ({ value, record })));
  if (values.length === 0) return null;
  values.sort((a, b) => Number(isPersonalLine(b.value)) - Number(isPersonalLine(a.value)) || newerFirst(a.record, b.record));
  const winner = values[0]!;
  const kind = isPersonalLine(winner.value) ? 'a mobile number, preferred to a landline' : 'no mobile number known: the landline';
  return {
    ...winner,
    policy: 'PERSONAL_LINE',
    reason: `${kind}, from the most recently updated record holding it, the ${SYSTEM_LABEL[winner.record.system]} ${winner.record.localId}`,
    values,
  };
}

function newerFirst(a: SourceRecord, b: SourceRecord): number {
  const ta = a.updatedAt ? Date.parse(a.updatedAt) : 0;
  const tb = b.updatedAt ? Date.parse(b.updatedAt) : 0;
  return tb - ta;
}
