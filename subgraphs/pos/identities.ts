import { badUserInput } from '../shared/errors.js';
import { toE164 } from '../../utilities/phone.js';
import type { Holder } from './records.js';

/** An `Identity` as the planner hands it over in a `Customer` representation. */
export interface IdentityInput {
  system: string;
  localId: string;
  franchise?: string | null;
}

/**
 * What POS records a customer identity stands for: a loyalty card scanned at any till, a
 * phone keyed at a till, or a row of OUE's customer table. A franchise narrows the search to
 * that franchise's database; without one, cards and phones are looked for in every franchise.
 */
export type PosLookup =
  | { kind: 'card'; card: string; franchise: string | null }
  | { kind: 'phone'; phone: string; franchise: string | null }
  | { kind: 'client'; clientId: number; franchise: string };

const CARD = /^[0-9A-Za-z]{1,32}$/;
const CLIENT_ID = /^[1-9]\d{0,9}$/;

/** The loader key of a lookup: `card:2900001234566`, `phone:+33612345678@NRD`, `client:101@OUE`. */
export function lookupKey(lookup: PosLookup): string {
  const value = lookup.kind === 'card' ? lookup.card : lookup.kind === 'phone' ? lookup.phone : String(lookup.clientId);
  return lookup.franchise ? `${lookup.kind}:${value}@${lookup.franchise}` : `${lookup.kind}:${value}`;
}

/** The inverse of {@link lookupKey}, for keys it made. */
export function parseLookupKey(key: string): PosLookup {
  const match = /^(card|phone|client):([^@]+)(?:@(.+))?$/.exec(key);
  if (!match) throw new Error(`not a POS lookup key: ${JSON.stringify(key)}`);
  const [, kind, value, franchise = null] = match;
  if (kind === 'client') {
    if (!franchise) throw new Error(`a client lookup needs its franchise: ${JSON.stringify(key)}`);
    return { kind, clientId: Number(value), franchise };
  }
  return kind === 'card' ? { kind, card: value!, franchise } : { kind: 'phone', phone: value!, franchise };
}

/** Whether a value can be a loyalty card number as the tills scan it. */
export function isCardNumber(value: unknown): value is string {
  return typeof value === 'string' && CARD.test(value.trim());
}

/** A loyalty card number as a lookup; BAD_USER_INPUT when it cannot be one. */
export function cardLookup(number: string): PosLookup {
  const card = number.trim();
  if (!CARD.test(card)) throw badUserInput(`a loyalty card number is 1 to 32 letters or digits, got ${JSON.stringify(number)}`, 'number');
  return { kind: 'card', card, franchise: null };
}

/**
 * The lookups of a customer's POS identities (`system: POS`; the others belong to other
 * subgraphs and are skipped), without duplicates. A malformed POS `localId` is refused with
 * BAD_USER_INPUT showing it.
 */
export function lookupsOf(identities: readonly IdentityInput[] | null | undefined): PosLookup[] {
  const byKey = new Map<string, PosLookup>();
  for (const identity of identities ?? []) {
    if (identity.system !== 'POS') continue;
    const lookup = parseIdentity(identity);
    byKey.set(lookupKey(lookup), lookup);
  }
  return [...byKey.values()];
}

function parseIdentity({ localId, franchise }: IdentityInput): PosLookup {
  const at = localId.indexOf(':');
  const form = at < 0 ? '' : localId.slice(0, at);
  const value = localId.slice(at + 1).trim();
  const scope = franchise?.trim() || null;
  if (form === 'card' && CARD.test(value)) return { kind: 'card', card: value, franchise: scope };
  if (form === 'phone') {
    const phone = toE164(value);
    if (phone) return { kind: 'phone', phone, franchise: scope };
  }
  if (form === 'client' && CLIENT_ID.test(value)) {
    if (!scope) throw badUserInput(`a POS identity client:<id> names its franchise, got localId ${JSON.stringify(localId)} without one`);
    return { kind: 'client', clientId: Number(value), franchise: scope };
  }
  throw badUserInput(
    `a POS identity localId is card:<card number>, phone:<E.164> or client:<client id>, got ${JSON.stringify(localId)}`,
  );
}

/** Whether a record of `franchise` held by `holder` belongs to the lookup. */
export function matches(lookup: PosLookup, franchise: string, holder: Holder): boolean {
  if (lookup.franchise && lookup.franchise !== franchise) return false;
  switch (lookup.kind) {
    case 'card':
      return holder.cards.includes(lookup.card);
    case 'phone':
      return holder.phone === lookup.phone;
    case 'client':
      return holder.clientId === lookup.clientId;
  }
}

/** The token a lookup finds its holders by (the franchise apart). */
function lookupToken(lookup: PosLookup): string {
  switch (lookup.kind) {
    case 'card':
      return `card:${lookup.card}`;
    case 'phone':
      return `phone:${lookup.phone}`;
    case 'client':
      return `client:${lookup.clientId}`;
  }
}

/** The tokens a holder is found by: each card, the phone, the client id. */
function holderTokens(holder: Holder): string[] {
  const tokens = holder.cards.map((card) => `card:${card}`);
  if (holder.phone !== null) tokens.push(`phone:${holder.phone}`);
  if (holder.clientId !== null) tokens.push(`client:${holder.clientId}`);
  return tokens;
}

/**
 * For each lookup, the records of `franchise` it {@link matches}, in the records' order. Found
 * through an index of the records' holders: a filter of every record for every lookup costs a
 * batch's lookups times its records, and both grow with what a client asks at once.
 */
export function matchAll<R extends { holder: Holder }>(lookups: readonly PosLookup[], franchise: string, records: readonly R[]): R[][] {
  const index = new Map<string, R[]>();
  for (const record of records) {
    for (const token of new Set(holderTokens(record.holder))) {
      const held = index.get(token);
      if (held) held.push(record);
      else index.set(token, [record]);
    }
  }
  return lookups.map((lookup) => (lookup.franchise && lookup.franchise !== franchise ? [] : [...(index.get(lookupToken(lookup)) ?? [])]));
}

/**
 * The forms an E.164 number takes once a till's separators are stripped (`+33612345678`,
 * `0033612345678`, `+330612345678`, `0612345678`), for an SQL filter on the stripped column.
 * The national form is read in the store's country afterwards: the filter narrows, the
 * mapper's E.164 decides.
 */
export function phoneVariants(e164: string): string[] {
  const digits = e164.slice(1);
  const variants = [`+${digits}`, `00${digits}`];
  for (const length of [1, 2, 3]) {
    const code = digits.slice(0, length);
    const national = digits.slice(length);
    variants.push(`+${code}0${national}`, `00${code}0${national}`, `0${national}`);
  }
  return [...new Set(variants)];
}
