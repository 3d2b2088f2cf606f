import { isValidGtin, toGtin14 } from '../../utilities/gtin.js';
import { moneyFromDecimal, moneyFromMinor, type Money } from '../../utilities/money.js';
import { parseIsoInstant } from '../../utilities/isoInstant.js';
import { toE164 } from '../../utilities/phone.js';
import { promotionOf, scopeOf, stageOf, type Promotion } from '../shared/promotions.js';
import type { OrderLineRecord, PromotionTerms, SellerRecord, TillProduct } from './records.js';

/**
 * What the layout mappers share: the graph's formats (docs/graph-vocabulary.md) applied to
 * till values, whichever layout they came from.
 */

/** The POS keeps prices, quotes and refunds without a currency: the franchisees trade in euros. */
export const POS_CURRENCY = 'EUR';

/**
 * An instant from a `timestamptz` column: node-postgres reads it as a Date; inside a JSON
 * value (`json_build_object`) PostgreSQL writes it in ISO 8601 with its offset.
 */
export function instant(value: unknown, column: string): string {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  const millis = typeof value === 'string' ? parseIsoInstant(value.trim()) : null;
  if (millis !== null && /T/.test(value as string)) return new Date(millis).toISOString();
  throw new RangeError(`${column}: expected a timestamp with time zone, got ${JSON.stringify(value)}`);
}

/** A value the till may have left blank or padded: trimmed, null when empty. */
export function optionalText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

/** A phone keyed at a till, in E.164; national numbers are read in the store's country. */
export function phoneOf(raw: unknown, country: string): string | null {
  const text = optionalText(raw);
  if (text === null) return null;
  try {
    return toE164(text, country);
  } catch {
    // A country without a known calling code: only international forms can be read.
    return /^\s*(\+|00)/.test(text) ? toE164(text) : null;
  }
}

/** Integer cents in `currency`. */
export function cents(value: unknown, currency: string): Money {
  return moneyFromMinor(Number(value), currency);
}

/** A decimal amount (`numeric(10,2)` read as text) in `currency`. */
export function decimal(value: unknown, currency: string): Money {
  if (typeof value !== 'string' && typeof value !== 'number') throw new RangeError(`expected a decimal amount, got ${JSON.stringify(value)}`);
  return moneyFromDecimal(value, currency);
}

/** The product reference of a till code: a valid GTIN names a product, anything else is a local code. */
export function itemCode(ean: unknown, localCode: unknown, franchise: string): { product: TillProduct | null; gtin: string | null; localCode: string | null } {
  const code = optionalText(ean);
  const local = optionalText(localCode);
  if (code !== null && isValidGtin(code)) return { product: { gtin: code, tillRef: `${franchise}:${code}` }, gtin: code, localCode: local };
  const own = local ?? code;
  return { product: own === null ? null : { gtin: null, tillRef: `${franchise}:${own}` }, gtin: null, localCode: own };
}

/** A GTIN in its 14-digit form, or null when the code is not a valid GTIN. */
export function gtin14Of(ean: unknown): string | null {
  const code = optionalText(ean);
  return code !== null && isValidGtin(code) ? toGtin14(code) : null;
}

/** An order line; the line total is what the till charged, quantity × unit price less the discount. */
export function orderLine(
  line: { lineNumber: number; ean: unknown; localCode: unknown; label: unknown; quantity: unknown; franchise: string },
  unitPrice: Money,
  discount: Money | null,
): OrderLineRecord {
  const quantity = Number(line.quantity);
  if (!Number.isInteger(quantity)) throw new RangeError(`line ${line.lineNumber}: quantity must be an integer, got ${JSON.stringify(line.quantity)}`);
  const off = discount?.amount ?? 0;
  return {
    lineNumber: line.lineNumber,
    ...itemCode(line.ean, line.localCode, line.franchise),
    sku: null,
    label: optionalText(line.label),
    quantity,
    unitPrice,
    discount: off === 0 ? null : discount,
    lineTotal: { amount: quantity * unitPrice.amount - off, currency: unitPrice.currency },
  };
}

/** The sum of the lines' totals, for records that keep no total of their own. */
export function sumOfLines(lines: readonly OrderLineRecord[], currency: string): Money {
  return { amount: lines.reduce((sum, line) => sum + line.lineTotal.amount, 0), currency };
}

export function seller(code: unknown, name: unknown): SellerRecord | null {
  const sellerCode = optionalText(code);
  return sellerCode === null ? null : { code: sellerCode, name: optionalText(name) };
}

/** The cards on a record, blanks dropped. */
export function cards(...values: unknown[]): string[] {
  return [...new Set(values.map(optionalText).filter((card): card is string => card !== null))];
}

/** A JSON array aggregated by the statement (`json_agg`), as rows. */
export function jsonRows<T>(value: unknown, column: string): T[] {
  if (!Array.isArray(value)) throw new RangeError(`${column}: expected a JSON array, got ${JSON.stringify(value)}`);
  return value as T[];
}

/**
 * A franchise promotion as the graph's `Promotion` (docs/pricing.md): `pos:<franchise>:<id>`,
 * a product promotion (stage PRODUCT) in stores only, for one store or every store of the
 * franchise (`storeCodes` empty), on the items it lists (`gtins`, as the till keeps them),
 * applied by itself (no condition), best deal among product promotions (not stackable).
 */
export function posPromotion(fields: {
  franchise: string;
  id: string;
  title: unknown;
  terms: PromotionTerms;
  storeCode: string | null;
  items: readonly string[];
  startsAt: string;
  endsAt: string;
}): Promotion {
  const { franchise, id, terms } = fields;
  return promotionOf({
    id: `pos:${franchise}:${id}`,
    system: 'POS',
    title: optionalText(fields.title) ?? id,
    ...terms,
    channels: ['STORE'],
    stage: stageOf(terms.kind, 'PRODUCT'),
    priority: 0,
    stackable: false,
    scope: scopeOf({ franchise, storeCodes: fields.storeCode === null ? [] : [fields.storeCode], gtins: [...new Set(fields.items)] }),
    startsAt: fields.startsAt,
    endsAt: fields.endsAt,
  });
}

/** The item codes a promotion lists, as aggregated by the statement (a JSON array), blanks dropped. */
export function promotionItems(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  return [...new Set(jsonRows<unknown>(value, 'promotion.items').map(optionalText).filter((code): code is string => code !== null))];
}

/** A row value as an integer (OUE's client id, a line number). */
export function integer(value: unknown, column: string): number {
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw new RangeError(`${column}: expected an integer, got ${JSON.stringify(value)}`);
  return number;
}

export function optionalInteger(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : integer(value, column);
}

export function required(value: unknown, column: string): string {
  const text = optionalText(value);
  if (text === null) throw new RangeError(`${column}: expected a value, got ${JSON.stringify(value)}`);
  return text;
}

/** A multibuy of `n` ("3 pour 2": n = 3): buy n, pay n − 1; anything below 2 items is no multibuy the graph can read (OTHER). */
export function multibuy(n: number): PromotionTerms {
  return Number.isSafeInteger(n) && n >= 2 ? { kind: 'BUY_N_PAY_M', buyQuantity: n, payQuantity: n - 1 } : { kind: 'OTHER' };
}

/**
 * A promotion kind as NRD's and OUE's tills record it, with an integer value: PERCENT in whole
 * percent (PERCENT_OFF, in hundredths), AMOUNT in cents (AMOUNT_OFF), MULTIBUY as the number of
 * items bought for one free (BUY_N_PAY_M). A kind the graph does not know is OTHER, its value unread.
 */
export function centsPromotion(kind: string, value: unknown): PromotionTerms {
  switch (kind) {
    case 'PERCENT':
      return { kind: 'PERCENT_OFF', percentOff: integer(value, 'promotion.value') * 100 };
    case 'AMOUNT':
      return { kind: 'AMOUNT_OFF', amountOff: moneyFromMinor(integer(value, 'promotion.value'), POS_CURRENCY) };
    case 'MULTIBUY':
      return multibuy(integer(value, 'promotion.value'));
    default:
      return { kind: 'OTHER' };
  }
}
