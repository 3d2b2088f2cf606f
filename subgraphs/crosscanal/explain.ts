import type { CustomerLink } from './matching/plan.js';
import { parseRecordId, type RecordKey } from './matching/records.js';
import type { Evidence } from './matching/rules.js';

const FIELD: Readonly<Record<Evidence['field'], string>> = {
  CARD_NUMBER: 'card number',
  EMAIL: 'email',
  PHONE: 'phone',
  FIRST_NAME: 'first name',
  LAST_NAME: 'last name',
};

/** A record named for people: `web account 10023`, `till phone +33612345678 (NRD)`. */
export function describeRecord(key: RecordKey): string {
  const where = key.franchise ? ` (${key.franchise})` : '';
  if (key.system === 'ECOMMERCE') return `web account ${key.localId}`;
  if (key.system === 'LOYALTY') return `loyalty member ${key.localId}`;
  const [kind, value] = [key.localId.slice(0, key.localId.indexOf(':')), key.localId.slice(key.localId.indexOf(':') + 1)];
  if (kind === 'card') return `card ${value} seen at a till`;
  if (kind === 'phone') return `phone ${value} keyed at a till${where}`;
  return `till client ${value}${where}`;
}

/** A link's rule and evidence in one sentence. */
export function explainLink(link: CustomerLink): string {
  if (link.rule === 'ORIGIN') return `the customer was created from this record (${describeRecord(parseRecordId(link.record))})`;
  const evidence = link.evidence.map((e) => `${FIELD[e.field]} ${e.value}`).join(', ');
  const other = link.matchedWith ? describeRecord(parseRecordId(link.matchedWith)) : 'a steward';
  if (link.rule === 'MANUAL') return `linked by ${link.linkedBy}${evidence ? ` (${evidence})` : ''}`;
  return `${link.rule}: ${evidence || 'no value'} shared with ${other}`;
}
