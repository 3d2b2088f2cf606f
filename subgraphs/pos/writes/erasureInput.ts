import { toE164 } from '../../../utilities/phone.js';
import { PosWriteRefused } from './posWriteRefused.js';

/** A row of a franchise's customer table (OUE's `clients`): an id means something in its franchise only. */
export interface ClientRef {
  franchise: string;
  clientId: number;
}

/**
 * A person to erase from the tills (the right to erasure): every card, phone and customer-table
 * row that is theirs, as the crosswalk knows them. A phone is erased wherever it was keyed,
 * whoever keyed it: a landline a household shares goes for every member of it, so the caller
 * sends the numbers that are the person's.
 */
export interface EraseCustomerInput {
  /** One franchise's tills, by code (`OUE`); absent: every franchise of the directory. */
  franchise?: string;
  /** Loyalty card numbers as the tills scan them (compared exactly, as the POS subgraph reads them). */
  cardNumbers: readonly string[];
  /** Phones in E.164; a number a till keyed matches when it reads as one of them in the store's country. */
  phones: readonly string[];
  /** Rows of a franchise's customer table, blanked and detached whatever phone they hold now. */
  clientIds?: readonly ClientRef[];
}

/** The erasure as it will be run: checked, each list without repeats. */
export interface ErasureToRun {
  franchise: string | null;
  cardNumbers: string[];
  phones: string[];
  clientIds: ClientRef[];
}

/** As the POS subgraph takes a card number (`identities.ts`). */
const CARD = /^[0-9A-Za-z]{1,32}$/;
/** The client ids a till's `integer` column can hold. */
const MAX_CLIENT_ID = 2_147_483_647;
/** More values than this in one list is not one person. */
const MAX_VALUES = 100;

/**
 * Checks an erasure before anything is asked of the tills. Throws {@link PosWriteRefused}
 * `INVALID_ERASURE`, its details naming the field (`phones[1]`) and showing the value.
 */
export function checkErasure(input: EraseCustomerInput): ErasureToRun {
  const value = (input ?? {}) as Partial<EraseCustomerInput>;
  const franchise = value.franchise === undefined || value.franchise === null ? null : text(value.franchise, 'franchise');
  const cardNumbers = list(value.cardNumbers, 'cardNumbers', (card, field) => {
    if (typeof card !== 'string' || !CARD.test(card)) throw invalid(field, card, 'must be a loyalty card number: 1 to 32 letters or digits, no spaces');
    return card;
  });
  const phones = list(value.phones, 'phones', (phone, field) => {
    if (typeof phone !== 'string' || toE164(phone) !== phone) throw invalid(field, phone, 'must be a phone number in E.164, e.g. +33612345678');
    return phone;
  });
  const clientIds = list(value.clientIds ?? [], 'clientIds', (ref, field) => {
    if (typeof ref !== 'object' || ref === null) throw invalid(field, ref, 'must be { franchise, clientId }');
    const { franchise: of, clientId } = ref as Partial<ClientRef>;
    if (!Number.isInteger(clientId) || clientId! < 1 || clientId! > MAX_CLIENT_ID) throw invalid(`${field}.clientId`, clientId, 'must be a whole number above 0');
    const refFranchise = text(of, `${field}.franchise`);
    if (franchise !== null && refFranchise !== franchise) throw invalid(`${field}.franchise`, of, `must be the franchise erased from, ${franchise}`);
    return { franchise: refFranchise, clientId: clientId! };
  });
  if (cardNumbers.length + phones.length + clientIds.length === 0) {
    throw invalid('cardNumbers', value.cardNumbers, 'or phones or clientIds must name what to erase; all three are empty');
  }
  const uniqueClients = [...new Map(clientIds.map((ref) => [`${ref.franchise}:${ref.clientId}`, ref])).values()];
  return { franchise, cardNumbers: [...new Set(cardNumbers)], phones: [...new Set(phones)], clientIds: uniqueClients };
}

function list<T>(value: unknown, field: string, check: (item: unknown, field: string) => T): T[] {
  if (!Array.isArray(value)) throw invalid(field, value, 'must be a list (empty when there is none)');
  if (value.length > MAX_VALUES) throw invalid(field, value.length, `must hold at most ${MAX_VALUES} values`);
  return value.map((item, i) => check(item, `${field}[${i}]`));
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value !== value.trim()) throw invalid(field, value, 'must be a non-empty text without surrounding spaces');
  return value;
}

function invalid(field: string, value: unknown, contract: string): PosWriteRefused {
  return new PosWriteRefused('INVALID_ERASURE', `${field} ${contract}, got ${JSON.stringify(value) ?? 'undefined'}`, { field, value: value ?? null });
}
