import { parseIsoInstant } from '../../../utilities/isoInstant.js';
import { PosWriteRefused } from './posWriteRefused.js';

/** One line taken back: the item as the till knows it (its EAN or the franchise's own code, one of them). */
export interface ReturnLineInput {
  ean?: string | null;
  localCode?: string | null;
  /** Items taken back, above 0. */
  quantity: number;
  /** Refunded for the line, in cents, 0 or more. */
  refundCents: number;
  /** Put back on the shelf. */
  restock: boolean;
}

/** A return taken at a store's till, against a receipt of any franchise or a web order. */
export interface RecordReturnInput {
  /** The store taking the items back; its franchise's tills record the return. */
  storeCode: string;
  /** A seller of that store. */
  sellerCode: string;
  /**
   * When the return was taken, an ISO 8601 instant with its zone. The caller fixes it once, when
   * it records its intent, and sends the same again on a retry: a return of the same receipt
   * or web order at the same store and instant is the same return.
   */
  returnedAt: string;
  /** The receipt the items were bought on; exactly one of this and `webOrderNumber`. */
  receiptNumber?: string | null;
  /** The web order the items were bought on; exactly one of this and `receiptNumber`. */
  webOrderNumber?: string | null;
  /** A loyalty card shown at the till. */
  cardNumber?: string | null;
  lines: ReturnLineInput[];
}

/** A return as it will be written: checked, the instant normalised, the total computed. */
export interface ReturnToRecord {
  storeCode: string;
  sellerCode: string;
  /** ISO 8601 in UTC, to the millisecond. */
  returnedAt: string;
  receiptNumber: string | null;
  webOrderNumber: string | null;
  cardNumber: string | null;
  lines: Array<{ ean: string | null; localCode: string | null; quantity: number; refundCents: number; restock: boolean }>;
  totalCents: number;
}

/** The largest amount every layout stores (NRD's and OUE's `integer` cents). */
const MAX_CENTS = 2_147_483_647;

/**
 * Checks a return before anything is asked of the tills. Throws {@link PosWriteRefused}
 * `INVALID_RETURN`, its details naming the field (`lines[1].quantity`) and showing the value.
 */
export function checkReturn(input: RecordReturnInput): ReturnToRecord {
  const value = (input ?? {}) as Partial<RecordReturnInput>;
  const storeCode = code(value.storeCode, 'storeCode');
  const sellerCode = code(value.sellerCode, 'sellerCode');
  const receiptNumber = optionalCode(value.receiptNumber, 'receiptNumber');
  const webOrderNumber = optionalCode(value.webOrderNumber, 'webOrderNumber');
  if ((receiptNumber === null) === (webOrderNumber === null)) {
    throw invalid('receiptNumber', { receiptNumber: value.receiptNumber ?? null, webOrderNumber: value.webOrderNumber ?? null }, 'give exactly one of receiptNumber and webOrderNumber');
  }
  const returnedAt = value.returnedAt;
  const instant = typeof returnedAt === 'string' && returnedAt.includes('T') ? parseIsoInstant(returnedAt) : null;
  if (instant === null) throw invalid('returnedAt', returnedAt, 'must be an ISO 8601 date and time with its zone, e.g. 2026-10-30T15:45:00Z');

  if (!Array.isArray(value.lines) || value.lines.length === 0) throw invalid('lines', value.lines, 'must list at least one line');
  const lines = value.lines.map((line, i) => {
    const at = `lines[${i}]`;
    if (typeof line !== 'object' || line === null) throw invalid(at, line, 'must be an object');
    const ean = optionalCode(line.ean, `${at}.ean`);
    const localCode = optionalCode(line.localCode, `${at}.localCode`);
    if ((ean === null) === (localCode === null)) {
      throw invalid(`${at}.ean`, { ean: line.ean ?? null, localCode: line.localCode ?? null }, 'give exactly one of ean and localCode');
    }
    if (!Number.isInteger(line.quantity) || line.quantity <= 0 || line.quantity > MAX_CENTS) throw invalid(`${at}.quantity`, line.quantity, 'must be a whole number above 0');
    if (!Number.isInteger(line.refundCents) || line.refundCents < 0 || line.refundCents > MAX_CENTS) {
      throw invalid(`${at}.refundCents`, line.refundCents, `must be a whole number of cents from 0 to ${MAX_CENTS}`);
    }
    if (typeof line.restock !== 'boolean') throw invalid(`${at}.restock`, line.restock, 'must be true or false');
    return { ean, localCode, quantity: line.quantity, refundCents: line.refundCents, restock: line.restock };
  });
  const totalCents = lines.reduce((sum, line) => sum + line.refundCents, 0);
  if (totalCents > MAX_CENTS) throw invalid('lines', totalCents, `the refunds add up to more than the tills can store (${MAX_CENTS} cents)`);

  const cardNumber = optionalCode(value.cardNumber, 'cardNumber');
  return { storeCode, sellerCode, returnedAt: new Date(instant).toISOString(), receiptNumber, webOrderNumber, cardNumber, lines, totalCents };
}

function invalid(field: string, value: unknown, contract: string): PosWriteRefused {
  return new PosWriteRefused('INVALID_RETURN', `${field} ${contract}, got ${JSON.stringify(value) ?? 'undefined'}`, { field, value: value ?? null });
}

/** A code as the tills key it: text, not blank, without spaces around it (a repeat must match it exactly). */
function code(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value !== value.trim()) throw invalid(field, value, 'must be a non-empty text without surrounding spaces');
  return value;
}

function optionalCode(value: unknown, field: string): string | null {
  return value === undefined || value === null ? null : code(value, field);
}
