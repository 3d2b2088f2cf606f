import { withoutTrailingZeros } from '../../utilities/decimal.js';
import { displayEmail, emailKey } from '../../utilities/email.js';
import { isValidGtin } from '../../utilities/gtin.js';
import { parseIsoInstant } from '../../utilities/isoInstant.js';
import { moneyFromDecimal, type Money } from '../../utilities/money.js';
import { toE164 } from '../../utilities/phone.js';
import { promotionOf, runsAt, scopeOf, stageOf, type Promotion, type PromotionKind } from '../shared/promotions.js';
import type { WireAddress, WireCartRule, WireCustomer, WireOrder, WireProduct, WireReview, WireServiceContact } from './client.js';

/*
 * The one place where the web shop's records become the graph's: emails trimmed (and a
 * lower-cased key), phones in E.164, decimal prices in integer minor units, instants in ISO
 * 8601 UTC, EANs checked. A record that breaks the platform's own contract is refused with
 * a MalformedRecord, which the loaders turn into SOURCE_BAD_RESPONSE for that record alone.
 */

/** A record the platform sent that cannot be read. */
export class MalformedRecord extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedRecord';
  }
}

export interface ContactConsent {
  channel: 'EMAIL';
  status: 'SUBSCRIBED' | 'UNSUBSCRIBED';
  capturedAt: string | null;
  source: string;
  system: 'ECOMMERCE';
}

export interface WebAccount {
  id: string;
  email: string | null;
  emailKey: string | null;
  firstName: string;
  lastName: string;
  phone: string | null;
  newsletter: ContactConsent;
  createdAt: string;
  updatedAt: string;
}

export interface WebAddress {
  id: string;
  customerId: string;
  kind: 'BILLING' | 'SHIPPING';
  line1: string;
  line2: string | null;
  postcode: string;
  city: string;
  country: string;
}

/** An order line; `gtin`, `label` and `localCode` come from the product, when asked for. */
export interface WebOrderLine {
  lineNumber: number;
  product: { webSku: string };
  sku: string;
  quantity: number;
  unitPrice: Money;
  discount: Money;
  lineTotal: Money;
}

export type WebOrderStatus = 'PENDING' | 'PAID' | 'SHIPPED' | 'DELIVERED' | 'READY_FOR_PICKUP' | 'COLLECTED' | 'CANCELLED';

export interface WebOrder {
  id: string;
  number: string;
  channel: 'WEB';
  status: WebOrderStatus;
  placedAt: string;
  updatedAt: string;
  total: Money;
  lines: WebOrderLine[];
  fulfilment: { kind: 'HOME_DELIVERY' | 'CLICK_AND_COLLECT'; store: { code: string } | null };
  quote: { number: string } | null;
  couponCode: string | null;
  delivery: DeliveryContact | null;
  accountId: string;
}

/** Who receives (or collects) the order and the phone the carrier or store texts, in E.164. */
export interface DeliveryContact {
  firstName: string;
  lastName: string;
  phone: string | null;
}

export interface WebProduct {
  webSku: string;
  webTitle: string;
  webPrice: Money;
  webAvailable: boolean;
  /** The EAN when its check digit holds, else null. */
  gtin: string | null;
  /** An EAN that is not a valid GTIN, kept as the platform's own code. */
  localCode: string | null;
}

/**
 * What a product's web fields resolve from: a line or a representation names it by its SKU
 * (null for a store-only range), or the platform's record describes it.
 */
export type ProductParent = { webSku: string | null } | WebProduct;

export type { Promotion };

/** A cart rule: the promotion it shows, and what decides whether it covers a product now. */
export interface CartRule {
  promotion: Promotion;
  /** Null: every product. */
  skus: ReadonlySet<string> | null;
  startsAtMs: number;
  endsAtMs: number | null;
}

/** Where the newsletter choice was given, in the words consents use across systems (WEB, APP, STORE:<code>…). */
const NEWSLETTER_SOURCE = 'WEB';

export function toWebAccount(raw: WireCustomer): WebAccount {
  const what = `customer ${describeId(raw)}`;
  const read = reader(raw, what);
  const optIn = read.flag('newsletter_opt_in');
  return {
    id: String(read.integer('id')),
    email: displayEmail(read.text('email')),
    emailKey: emailKey(read.text('email')),
    firstName: read.text('first_name'),
    lastName: read.text('last_name'),
    phone: toE164(read.optionalText('phone')),
    newsletter: {
      channel: 'EMAIL',
      status: optIn ? 'SUBSCRIBED' : 'UNSUBSCRIBED',
      capturedAt: read.optionalInstant('newsletter_opt_in_at'),
      source: NEWSLETTER_SOURCE,
      system: 'ECOMMERCE',
    },
    createdAt: read.instant('created_at'),
    updatedAt: read.instant('updated_at'),
  };
}

export function toWebAddress(raw: WireAddress): WebAddress {
  const read = reader(raw, `address ${describeId(raw)}`);
  const kind = read.text('kind');
  if (kind !== 'billing' && kind !== 'shipping') throw new MalformedRecord(`address ${describeId(raw)}: kind must be billing or shipping, got ${JSON.stringify(kind)}`);
  return {
    id: String(read.integer('id')),
    customerId: String(read.integer('customer_id')),
    kind: kind === 'billing' ? 'BILLING' : 'SHIPPING',
    line1: read.text('line1'),
    line2: read.optionalText('line2'),
    postcode: read.text('postcode'),
    city: read.text('city'),
    country: read.text('country'),
  };
}

const ORDER_STATUSES: Readonly<Record<string, WebOrderStatus>> = {
  pending: 'PENDING',
  paid: 'PAID',
  shipped: 'SHIPPED',
  delivered: 'DELIVERED',
  ready_for_pickup: 'READY_FOR_PICKUP',
  collected: 'COLLECTED',
  cancelled: 'CANCELLED',
};

export function toWebOrder(raw: WireOrder): WebOrder {
  const what = `order ${describeId(raw)}`;
  const read = reader(raw, what);
  const currency = read.text('currency');
  const status = ORDER_STATUSES[read.text('status')];
  if (!status) throw new MalformedRecord(`${what}: unknown status ${JSON.stringify(raw.status)}`);
  const fulfilment = raw.fulfilment as unknown;
  if (typeof fulfilment !== 'object' || fulfilment === null) throw new MalformedRecord(`${what}: fulfilment must be an object`);
  const delivery = reader(fulfilment, `${what} fulfilment`);
  const type = delivery.text('type');
  let store: { code: string } | null = null;
  if (type === 'click_and_collect') store = { code: delivery.text('store_code') };
  else if (type !== 'home_delivery') throw new MalformedRecord(`${what}: unknown fulfilment type ${JSON.stringify(type)}`);
  if (!Array.isArray(raw.lines)) throw new MalformedRecord(`${what}: lines must be a list`);
  const quoteNumber = read.optionalText('quote_number');
  return {
    id: String(read.integer('id')),
    number: read.text('number'),
    channel: 'WEB',
    status,
    placedAt: read.instant('placed_at'),
    updatedAt: read.instant('updated_at'),
    total: read.money('total', currency),
    lines: raw.lines.map((line, index) => toWebOrderLine(line, index, currency, () => `${what} line ${index + 1}`)),
    fulfilment: { kind: store ? 'CLICK_AND_COLLECT' : 'HOME_DELIVERY', store },
    quote: quoteNumber === null ? null : { number: quoteNumber },
    couponCode: read.optionalText('coupon_code'),
    delivery: toDeliveryContact(raw.delivery as unknown, what),
    accountId: String(read.integer('customer_id')),
  };
}

/** Null when the platform sent no recipient; a phone that cannot be read is null, never the raw text. */
function toDeliveryContact(raw: unknown, what: string): DeliveryContact | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object') throw new MalformedRecord(`${what}: delivery must be an object, got ${JSON.stringify(raw)}`);
  const read = reader(raw, `${what} delivery`);
  return { firstName: read.text('first_name'), lastName: read.text('last_name'), phone: toE164(read.optionalText('phone')) };
}

function toWebOrderLine(raw: unknown, index: number, currency: string, what: () => string): WebOrderLine {
  if (typeof raw !== 'object' || raw === null) throw new MalformedRecord(`${what()}: must be an object`);
  const read = reader(raw, what);
  const sku = read.text('sku');
  const quantity = read.integer('quantity');
  const unitPrice = read.money('unit_price', currency);
  const discount = read.money('discount', currency);
  const lineTotal = unitPrice.amount * quantity - discount.amount;
  if (!Number.isSafeInteger(lineTotal)) throw new MalformedRecord(`${what()}: line total out of range`);
  return { lineNumber: index + 1, product: { webSku: sku }, sku, quantity, unitPrice, discount, lineTotal: { amount: lineTotal, currency } };
}

export function toWebProduct(raw: WireProduct): WebProduct {
  const read = reader(raw, () => `product ${JSON.stringify((raw as { sku?: unknown }).sku)}`);
  const ean = read.optionalText('ean');
  const valid = ean !== null && isValidGtin(ean);
  return {
    webSku: read.text('sku'),
    webTitle: read.text('title'),
    webPrice: read.money('price', read.text('currency')),
    webAvailable: read.flag('active'),
    gtin: valid ? ean : null,
    localCode: ean !== null && !valid ? ean : null,
  };
}

/** The platform's rule types, as the promotion kinds they are. */
const RULE_KINDS: Readonly<Record<string, PromotionKind>> = {
  percent: 'PERCENT_OFF',
  amount: 'AMOUNT_OFF',
  free_shipping: 'FREE_DELIVERY',
};

/**
 * A cart rule as a promotion (docs/pricing.md): a web cart promotion (stage CART; free shipping
 * DELIVERY), in the cart's order (`priority`), stopping the later ones unless `stackable`. The
 * platform's rules carry no currency: an amount or a minimum subtotal is in the shop's
 * currency, which the subgraph is told. A coupon code, a minimum subtotal and a first-order
 * flag are conditions. A rule type the subgraph does not know is OTHER, its value unread,
 * rather than guessed.
 */
export function toCartRule(raw: WireCartRule, shopCurrency: string): CartRule {
  const what = `cart rule ${describeId(raw)}`;
  const read = reader(raw, what);
  const kind = RULE_KINDS[read.text('type')] ?? 'OTHER';
  const scope = raw.scope as unknown;
  if (typeof scope !== 'object' || scope === null) throw new MalformedRecord(`${what}: scope must be an object`);
  const inScope = reader(scope, `${what} scope`);
  const skus = (scope as { skus?: unknown }).skus;
  if (skus !== null && !(Array.isArray(skus) && skus.every((sku) => typeof sku === 'string'))) {
    throw new MalformedRecord(`${what}: scope.skus must be a list of SKUs or null`);
  }
  const firstOrder = (scope as { first_order?: unknown }).first_order;
  if (firstOrder !== undefined && firstOrder !== null && typeof firstOrder !== 'boolean') {
    throw new MalformedRecord(`${what}: scope.first_order must be true or false, got ${JSON.stringify(firstOrder)}`);
  }
  const startsAt = read.instant('starts_at');
  const endsAt = read.optionalInstant('ends_at');
  const promotion = promotionOf({
    id: `web:${read.integer('id')}`,
    system: 'ECOMMERCE',
    title: read.text('name'),
    kind,
    percentOff: kind === 'PERCENT_OFF' ? hundredths(read.text('value'), `${what}: value`) : null,
    amountOff: kind === 'AMOUNT_OFF' ? read.money('value', shopCurrency) : null,
    channels: ['WEB'],
    stage: stageOf(kind, 'CART'),
    priority: read.integer('priority'),
    stackable: read.flag('stackable'),
    scope: scopeOf({ allProducts: skus === null, webSkus: skus === null ? [] : [...new Set(skus as string[])] }),
    conditions: {
      couponCode: read.optionalText('code'),
      minimumBasket: inScope.optionalText('min_subtotal') === null ? null : inScope.money('min_subtotal', shopCurrency),
      firstOrderOnly: firstOrder === true,
      membersOnly: false,
      marketingOnly: false,
    },
    startsAt,
    endsAt,
  });
  return {
    promotion,
    skus: skus === null ? null : new Set(skus as string[]),
    startsAtMs: Date.parse(startsAt),
    endsAtMs: endsAt === null ? null : Date.parse(endsAt),
  };
}

/** Whether the rule runs at `atMs` (start included, end excluded, as the platform reads it) and covers `sku`. */
export function ruleCovers(rule: CartRule, sku: string, atMs: number): boolean {
  return runsAt(rule.promotion, atMs) && (rule.skus === null || rule.skus.has(sku));
}

/**
 * Whether the rule lowers the price of the product `sku` by itself, at `atMs`: it runs then,
 * it is not a delivery offer, it asks for no minimum basket, and either its scope names the
 * SKU, or it is automatic (no coupon code, not for a first order only) and covers every
 * product. Basket-wide coupons, delivery offers and rules with a minimum basket are the
 * cart's: `Product.webPromotions` leaves them to the root `webPromotions`.
 */
export function lowersProductPrice(rule: CartRule, sku: string, atMs: number): boolean {
  const { promotion } = rule;
  if (!runsAt(promotion, atMs) || promotion.stage === 'DELIVERY' || promotion.stage === 'POINTS') return false;
  if (promotion.conditions.minimumBasket !== null) return false;
  if (rule.skus !== null) return rule.skus.has(sku);
  return promotion.conditions.couponCode === null && !promotion.conditions.firstOrderOnly;
}

/** Most recent first; the platform's ids break ties, the newest id first. */
export function byMostRecent(a: WebOrder, b: WebOrder): number {
  return b.placedAt.localeCompare(a.placedAt) || Number(b.id) - Number(a.id);
}

/** A percentage written as a decimal (`"12.5"`) in hundredths of a percent (1250). */
function hundredths(value: string, what: string): number {
  const match = /^(\d{1,7})(?:\.(\d+))?$/.exec(value.trim());
  const fraction = withoutTrailingZeros(match?.[2] ?? '');
  if (!match || fraction.length > 2) throw new MalformedRecord(`${what} must be a percentage with at most two decimals, got ${JSON.stringify(value)}`);
  return Number(match[1]) * 100 + Number(fraction.padEnd(2, '0'));
}

function describeId(raw: unknown): string {
  return JSON.stringify((raw as { id?: unknown } | null)?.id ?? null);
}

/** What a record is, for an error about it: a text, or a function that writes it, only then. */
type Described = string | (() => string);

const described = (what: Described): string => (typeof what === 'string' ? what : what());

/**
 * Typed reads of one record's fields, each refusing a value of the wrong shape with the record
 * named. Its reads are methods, not closures made for each record, and the record's name is
 * written only for an error: a page of products or an order's lines is read without either.
 */
class RecordReader {
  private readonly record: Record<string, unknown>;

  constructor(
    raw: object,
    private readonly what: Described,
  ) {
    this.record = raw as Record<string, unknown>;
  }

  private refuse(name: string, expected: string): never {
    throw new MalformedRecord(`${described(this.what)}: ${name} must be ${expected}, got ${JSON.stringify(this.record[name]) ?? 'nothing'}`);
  }

  text(name: string): string {
    const value = this.record[name];
    return typeof value === 'string' ? value : this.refuse(name, 'a string');
  }

  optionalText(name: string): string | null {
    const value = this.record[name];
    return value === null || value === undefined ? null : this.text(name);
  }

  instant(name: string): string {
    const value = this.record[name];
    const millis = typeof value === 'string' ? parseIsoInstant(value) : null;
    return millis === null ? this.refuse(name, 'an ISO 8601 instant') : new Date(millis).toISOString();
  }

  optionalInstant(name: string): string | null {
    const value = this.record[name];
    return value === null || value === undefined ? null : this.instant(name);
  }

  integer(name: string): number {
    const value = this.record[name];
    return Number.isSafeInteger(value) ? (value as number) : this.refuse(name, 'an integer');
  }

  flag(name: string): boolean {
    const value = this.record[name];
    return typeof value === 'boolean' ? value : this.refuse(name, 'true or false');
  }

  money(name: string, currency: string): Money {
    const text = this.text(name);
    try {
      return moneyFromDecimal(text, currency);
    } catch (error) {
      throw new MalformedRecord(`${described(this.what)}: ${name} is not an amount in ${currency}: ${(error as Error).message}`);
    }
  }
}

function reader(raw: object, what: Described): RecordReader {
  return new RecordReader(raw, what);
}

// ---------------------------------------------------------------- voice of the customer

export type ReviewStatus = 'PUBLISHED' | 'PENDING' | 'REJECTED';

/** A review as the graph shows it. `reviewer` is the name the shop prints: first name and initial. */
export interface WebReview {
  id: string;
  sku: string;
  accountId: string;
  orderNumber: string;
  reviewer: string;
  rating: number;
  title: string;
  body: string;
  status: ReviewStatus;
  createdAt: string;
}

export type ServiceChannel = 'PHONE' | 'EMAIL' | 'CHAT';
export type ServiceReason = 'DELIVERY' | 'RETURN' | 'REFUND' | 'PRODUCT' | 'ACCOUNT' | 'PAYMENT' | 'OTHER';

export interface ServiceContact {
  id: string;
  ticketNumber: string;
  accountId: string;
  channel: ServiceChannel;
  reason: ServiceReason;
  orderNumber: string | null;
  summary: string;
  openedAt: string;
  closedAt: string | null;
  /** The post-contact survey's 1–5, null when unanswered. */
  satisfaction: number | null;
}

const REVIEW_STATUSES: Readonly<Record<string, ReviewStatus>> = { published: 'PUBLISHED', pending: 'PENDING', rejected: 'REJECTED' };
const SERVICE_CHANNELS: Readonly<Record<string, ServiceChannel>> = { phone: 'PHONE', email: 'EMAIL', chat: 'CHAT' };
const SERVICE_REASONS: readonly ServiceReason[] = ['DELIVERY', 'RETURN', 'REFUND', 'PRODUCT', 'ACCOUNT', 'PAYMENT', 'OTHER'];

export function toWebReview(raw: WireReview): WebReview {
  const r = reader(raw, `review ${describeId(raw)}`);
  const rating = r.integer('rating');
  if (rating < 1 || rating > 5) throw new MalformedRecord(`review ${describeId(raw)}: rating must be 1 to 5, got ${rating}`);
  const status = REVIEW_STATUSES[r.text('status')];
  if (!status) throw new MalformedRecord(`review ${describeId(raw)}: status must be published, pending or rejected, got ${JSON.stringify(raw.status)}`);
  return {
    id: String(r.integer('id')),
    sku: r.text('sku'),
    accountId: String(r.integer('customer_id')),
    orderNumber: r.text('order_number'),
    reviewer: reviewerName(r.text('author_name')),
    rating,
    title: r.text('title'),
    body: r.text('body'),
    status,
    createdAt: r.instant('created_at'),
  };
}

/**
 * The reviewer as a public page may show them: the first word and the initial of the next one,
 * whatever the platform stored ("Jean D.", or "Jean Dupont" on an older review: still "Jean D.").
 */
export function reviewerName(authorName: string): string {
  const [first = '', second] = authorName.trim().split(/\s+/);
  const initial = second ? [...second][0]!.toUpperCase() : '';
  return initial ? `${first} ${initial}.` : first;
}

export function toServiceContact(raw: WireServiceContact): ServiceContact {
  const what = `service contact ${describeId(raw)}`;
  const r = reader(raw, what);
  const channel = SERVICE_CHANNELS[r.text('channel')];
  if (!channel) throw new MalformedRecord(`${what}: channel must be phone, email or chat, got ${JSON.stringify(raw.channel)}`);
  const reasonText = r.text('reason').toUpperCase();
  // A reason the helpdesk added later is OTHER, not a failure.
  const reason = (SERVICE_REASONS as readonly string[]).includes(reasonText) ? (reasonText as ServiceReason) : 'OTHER';
  const satisfaction = raw.satisfaction === null || raw.satisfaction === undefined ? null : r.integer('satisfaction');
  if (satisfaction !== null && (satisfaction < 1 || satisfaction > 5)) throw new MalformedRecord(`${what}: satisfaction must be 1 to 5 or null, got ${satisfaction}`);
  return {
    id: String(r.integer('id')),
    ticketNumber: r.text('ticket_number'),
    accountId: String(r.integer('customer_id')),
    channel,
    reason,
    orderNumber: r.optionalText('order_number'),
    summary: r.text('summary'),
    openedAt: r.instant('opened_at'),
    closedAt: r.optionalInstant('closed_at'),
    satisfaction,
  };
}

/** Newest first, then the higher id: the order a product page and a timeline show. */
export function reviewsNewestFirst(a: WebReview, b: WebReview): number {
  return b.createdAt.localeCompare(a.createdAt) || Number(b.id) - Number(a.id);
}

/** count, average (null without any) and distribution (index 0: one star … 4: five stars) of published reviews. */
export function reviewSummary(reviews: readonly WebReview[]): { count: number; average: number | null; distribution: number[] } {
  const published = reviews.filter((r) => r.status === 'PUBLISHED');
  const distribution = [0, 0, 0, 0, 0];
  for (const review of published) distribution[review.rating - 1]! += 1;
  const total = published.reduce((sum, r) => sum + r.rating, 0);
  return { count: published.length, average: published.length === 0 ? null : Math.round((total / published.length) * 100) / 100, distribution };
}
