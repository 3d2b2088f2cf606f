import type { EcomCustomer, EcomOrder, EcomOrderLine, EcomOrderStatus } from '../generator/model.js';
import { ApiError, type ErrorDetail } from './apiError.js';
import { formatCents, parseCents } from './decimalCents.js';
import type { EcommerceStore } from './ecommerceStore.js';

/** The one currency the shop sells in; every product's price is in it too. */
export const SHOP_CURRENCY = 'EUR';

/** A new order as the client asked for it, checked: all but what the platform assigns (id, number, times). */
export type OrderDraft = Omit<EcomOrder, 'id' | 'number' | 'placed_at' | 'updated_at'>;

/** The statuses an order may be created in: paid online already, or not yet. */
export const NEW_ORDER_STATUSES = ['pending', 'paid'] as const satisfies readonly EcomOrderStatus[];
const FULFILMENT_TYPES = ['home_delivery', 'click_and_collect'] as const satisfies readonly EcomOrder['fulfilment']['type'][];

const ORDER_FIELDS = ['customer_id', 'currency', 'lines', 'total', 'status', 'fulfilment', 'quote_number', 'coupon_code', 'delivery'];
const LINE_FIELDS = ['sku', 'quantity', 'unit_price', 'discount'];
const FULFILMENT_FIELDS = ['type', 'store_code'];
const DELIVERY_FIELDS = ['first_name', 'last_name', 'phone'];

type Json = Record<string, unknown>;

/**
 * Checks a `POST /orders` body against the records, the whole of it before refusing: every
 * problem of every line is reported at once, each with the field it is about (`lines[2].sku`)
 * and a reason code (`unknown_sku`), in one 422. SKUs compare exactly, as everywhere on the
 * platform. A line without `unit_price` is at the product's web price; one with it keeps that
 * price (agreed elsewhere, a store quote's). `total` must be what the lines come to, in cents:
 * it is checked once every line is valid. Nothing is read but the records: no write, no clock.
 */
export function checkOrderRequest(body: Json, store: EcommerceStore): OrderDraft {
  const problems = new Problems();
  problems.unknownFields(body, ORDER_FIELDS, '');

  const customer = checkCustomer(body.customer_id, store, problems);
  const currency = checkCurrency(body.currency, problems);
  const lines = checkLines(body.lines, currency, store, problems);
  const total = problems.decimal(body.total, 'total', true);
  if (lines !== undefined && total !== undefined) {
    const expected = lines.reduce((sum, line) => sum + line.cents, 0n);
    if (total !== null && total.cents !== expected) {
      problems.add(
        'total',
        'total_mismatch',
        `total is ${JSON.stringify(total.text)} but the lines come to ${formatCents(expected)} (sum of quantity × unit_price − discount)`,
        formatCents(expected),
      );
    }
  }
  const status = problems.choice(body.status, 'status', NEW_ORDER_STATUSES, 'the status of a new order') ?? 'pending';
  const fulfilment = checkFulfilment(body.fulfilment, problems);
  const quoteNumber = problems.optionalText(body.quote_number, 'quote_number');
  const couponCode = problems.optionalText(body.coupon_code, 'coupon_code');
  const delivery = checkDelivery(body.delivery, customer, problems);

  if (problems.details.length > 0) throw ApiError.invalid('the order', problems.details);
  return {
    customer_id: customer!.id,
    status,
    currency: currency!,
    fulfilment: fulfilment!,
    quote_number: quoteNumber ?? null,
    coupon_code: couponCode ?? null,
    delivery: delivery!,
    lines: lines!.map(({ line }) => line),
    total: total!.text,
  };
}

function checkCustomer(value: unknown, store: EcommerceStore, problems: Problems): EcomCustomer | undefined {
  if (value === undefined) return problems.add('customer_id', 'required', 'customer_id is required');
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    return problems.add('customer_id', 'invalid_type', `customer_id must be an integer id, got ${show(value)}`);
  }
  return store.customer(value) ?? problems.add('customer_id', 'unknown_customer', `no customer with id ${value}`);
}

function checkCurrency(value: unknown, problems: Problems): string | undefined {
  const currency = problems.text(value, 'currency');
  if (currency === undefined || currency === SHOP_CURRENCY) return currency;
  return problems.add('currency', 'unsupported_currency', `the shop sells in ${SHOP_CURRENCY} only, got ${show(currency)}`);
}

/** The lines as stored, each with its amount in cents; undefined when any line has a problem. */
function checkLines(
  value: unknown,
  currency: string | undefined,
  store: EcommerceStore,
  problems: Problems,
): { line: EcomOrderLine; cents: bigint }[] | undefined {
  if (value === undefined) return problems.add('lines', 'required', 'lines is required');
  if (!Array.isArray(value)) return problems.add('lines', 'invalid_type', `lines must be an array of order lines, got ${show(value)}`);
  if (value.length === 0) return problems.add('lines', 'empty_lines', 'an order needs at least one line');
  const lines = value.map((line: unknown, index) => checkLine(line, `lines[${index}]`, currency, store, problems));
  return lines.every((line) => line !== undefined) ? (lines as { line: EcomOrderLine; cents: bigint }[]) : undefined;
}

function checkLine(
  value: unknown,
  at: string,
  currency: string | undefined,
  store: EcommerceStore,
  problems: Problems,
): { line: EcomOrderLine; cents: bigint } | undefined {
  if (!isObject(value)) return problems.add(at, 'invalid_type', `${at} must be an object with sku and quantity, got ${show(value)}`);
  const before = problems.details.length;
  problems.unknownFields(value, LINE_FIELDS, `${at}.`);

  const sku = problems.text(value.sku, `${at}.sku`);
  const product = sku === undefined ? undefined : store.product(sku);
  if (sku !== undefined && !product) {
    problems.add(`${at}.sku`, 'unknown_sku', `no product with sku ${show(sku)} (SKUs compare exactly, case included)`);
  } else if (product && !product.active) {
    problems.add(`${at}.sku`, 'not_sold_online', `product ${show(product.sku)} is not sold online (inactive)`);
  } else if (product && currency !== undefined && product.currency !== currency) {
    problems.add(`${at}.sku`, 'currency_mismatch', `product ${show(product.sku)} is priced in ${product.currency}, the order is in ${currency}`);
  }

  const quantity = value.quantity;
  if (quantity === undefined) {
    problems.add(`${at}.quantity`, 'required', `${at}.quantity is required`);
  } else if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) {
    problems.add(`${at}.quantity`, 'invalid_quantity', `quantity must be a positive integer, got ${show(quantity)}`);
  }
  const unitPrice = problems.decimal(value.unit_price, `${at}.unit_price`, false);
  const discount = problems.decimal(value.discount, `${at}.discount`, false);
  if (problems.details.length > before || !product || unitPrice === undefined || discount === undefined) return undefined;

  const price = unitPrice ?? webPrice(product.sku, product.price);
  const gross = BigInt(quantity as number) * price.cents;
  const off = discount?.cents ?? 0n;
  if (off > gross) {
    return problems.add(`${at}.discount`, 'discount_exceeds_line', `discount ${discount!.text} is more than the line's ${formatCents(gross)} (quantity × unit_price)`);
  }
  return {
    line: { sku: product.sku, quantity: quantity as number, unit_price: price.text, discount: discount?.text ?? '0.00' },
    cents: gross - off,
  };
}

function webPrice(sku: string, text: string): { text: string; cents: bigint } {
  const cents = parseCents(text);
  // The platform's own data, not the client's request: a 500, not a 422.
  if (cents === undefined) throw new Error(`product ${JSON.stringify(sku)} has price ${JSON.stringify(text)}, not a decimal string`);
  return { text, cents };
}

function checkFulfilment(value: unknown, problems: Problems): EcomOrder['fulfilment'] | undefined {
  if (value === undefined) return problems.add('fulfilment', 'required', 'fulfilment is required');
  if (!isObject(value)) {
    return problems.add('fulfilment', 'invalid_type', `fulfilment must be an object with type and store_code, got ${show(value)}`);
  }
  problems.unknownFields(value, FULFILMENT_FIELDS, 'fulfilment.');
  const type = problems.choice(value.type, 'fulfilment.type', FULFILMENT_TYPES, 'fulfilment.type', true);
  const storeCode = problems.optionalText(value.store_code, 'fulfilment.store_code');
  if (type === undefined || storeCode === undefined) return undefined;
  if (type === 'click_and_collect' && storeCode === null) {
    return problems.add('fulfilment.store_code', 'store_code_required', 'click_and_collect needs the store_code of the store that hands the order over');
  }
  if (type === 'home_delivery' && storeCode !== null) {
    return problems.add('fulfilment.store_code', 'store_code_not_allowed', `home_delivery takes no store_code (null), got ${show(storeCode)}`);
  }
  return { type, store_code: storeCode };
}

/** The recipient as keyed at checkout; when left out, the account holder as the account has them. */
function checkDelivery(value: unknown, customer: EcomCustomer | undefined, problems: Problems): EcomOrder['delivery'] | undefined {
  if (value === undefined) {
    return customer && { first_name: customer.first_name, last_name: customer.last_name, phone: customer.phone };
  }
  if (!isObject(value)) {
    return problems.add('delivery', 'invalid_type', `delivery must be an object with first_name, last_name and phone, got ${show(value)}`);
  }
  problems.unknownFields(value, DELIVERY_FIELDS, 'delivery.');
  const firstName = problems.text(value.first_name, 'delivery.first_name');
  const lastName = problems.text(value.last_name, 'delivery.last_name');
  const phone = problems.optionalText(value.phone, 'delivery.phone');
  if (firstName === undefined || lastName === undefined || phone === undefined) return undefined;
  return { first_name: firstName, last_name: lastName, phone };
}

/**
 * The problems found so far, in a fixed order: unknown top-level fields, then customer_id,
 * currency, lines (by index), total, status, fulfilment, quote_number, coupon_code, delivery.
 */
class Problems {
  readonly details: ErrorDetail[] = [];

  /** Notes a problem; returns undefined, for the reader that found it to return. */
  add(field: string, code: string, message: string, expected?: string): undefined {
    this.details.push({ field, code, message, ...(expected === undefined ? {} : { expected }) });
    return undefined;
  }

  unknownFields(value: Json, known: readonly string[], prefix: string): void {
    for (const name of Object.keys(value)) {
      if (!known.includes(name)) this.add(`${prefix}${name}`, 'unknown_field', `unknown field ${show(name)}; expected one of ${known.join(', ')}`);
    }
  }

  /** A required, non-empty string. */
  text(value: unknown, field: string): string | undefined {
    if (value === undefined) return this.add(field, 'required', `${field} is required`);
    if (typeof value !== 'string') return this.add(field, 'invalid_type', `${field} must be a string, got ${show(value)}`);
    if (value === '') return this.add(field, 'invalid_value', `${field} must not be empty`);
    return value;
  }

  /** A non-empty string or null; absent is null. Undefined when refused. */
  optionalText(value: unknown, field: string): string | null | undefined {
    return value === undefined || value === null ? null : this.text(value, field);
  }

  /** One of `choices`; absent is undefined unless `required`. */
  choice<T extends string>(value: unknown, field: string, choices: readonly T[], what: string, required = false): T | undefined {
    if (value === undefined) return required ? this.add(field, 'required', `${field} is required`) : undefined;
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    return this.add(field, 'invalid_value', `${what} must be one of ${choices.join(', ')}, got ${show(value)}`);
  }

  /**
   * A decimal string (`decimalCents`), with its amount. Absent: null when optional. Undefined
   * when refused.
   */
  decimal(value: unknown, field: string, required: boolean): { text: string; cents: bigint } | null | undefined {
    if (value === undefined) return required ? this.add(field, 'required', `${field} is required`) : null;
    const cents = typeof value === 'string' ? parseCents(value) : undefined;
    if (cents === undefined) {
      return this.add(field, 'malformed_decimal', `${field} must be a decimal string with at most 2 decimals, such as "9.99", got ${show(value)}`);
    }
    return { text: value as string, cents };
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
