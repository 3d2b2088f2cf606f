import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { badUserInput, inChain, isTransient, SourceFailure } from '../../shared/errors.js';
import { loggerFor } from '../../shared/logger.js';
import { accessDenied } from '../../shared/principal.js';
import { OrderRefused, type EcommerceClient, type NewOrder, type WireOrder } from '../../ecommerce/client.js';
import type { QuoteRecord } from '../../pos/records.js';
import type { Context } from '../context.js';
import { parseRecordId } from '../matching/records.js';
import { customerOfHolder } from '../orders/holders.js';
import { matchReference } from '../products/lookup.js';
import { referenceStoreOf } from '../products/referenceIndex.js';
import { readReference } from '../products/references.js';
import type { SqlSession } from '../store/database.js';
import type { ReturnWriter } from './returnAnywhere.js';
import type { CrosswalkStore } from '../store/crosswalkStore.js';
import { iso } from '../store/instants.js';

/**
 * A quote prepared in a store, finished online (the kitchen, the sofa): the crosswalk turns it
 * into a web order for the customer, marks the quote in its franchise's tills with that order,
 * and credits the sale to the store and the seller who prepared it.
 *
 * Before anything is written, every quote line is mapped to a web SKU the shop sells; lines it
 * cannot sell are reported and nothing happens unless the caller agrees to leave them out.
 * The request is then recorded (`quote_conversion`), and applied step by step — web order
 * (under an idempotency key of the quote's own, so a retry never makes two), the quote's
 * mark, the attribution — each step recorded once acknowledged. A step that fails for want of
 * a system leaves the request pending: a retry of the mutation, or the crosswalk's schedule,
 * takes it on from where it stopped.
 */

const log = loggerFor('quote-online');

/** Marks a quote finished online in its franchise's tills. */
export interface QuoteMarker {
  markQuoteConvertedOnline(args: { quoteNumber: string; webOrderNumber: string }): Promise<{ outcome: 'MARKED' | 'ALREADY_MARKED' }>;
}

/** What the journeys write to: the web shop's orders, the tills' quotes and returns. */
export interface QuoteJourneySystems {
  ecommerce: Pick<EcommerceClient, 'createOrder'> | null;
  marker: QuoteMarker | null;
  returns: ReturnWriter | null;
}

export interface FinishQuoteInput {
  quoteNumber: string;
  idempotencyKey: string;
  fulfilment: { kind: 'HOME_DELIVERY' | 'CLICK_AND_COLLECT'; storeCode?: string | null };
  webAccountId?: string | null;
  withoutStoreOnlyLines?: boolean | null;
}

type State = 'RECORDED' | 'ORDER_CREATED' | 'QUOTE_MARKED' | 'DONE' | 'MARK_REFUSED';

interface SellableLine {
  lineNumber: number;
  sku: string;
  quantity: number;
  unitPrice: number;
}

interface StoreOnlyLine {
  lineNumber: number;
  gtin: string | null;
  localCode: string | null;
  quantity: number;
  lineTotal: number;
  reason: 'NO_WEB_SKU' | 'NOT_SOLD_ONLINE';
}

/** What the caller asked, as recorded: what a retry must ask again to be the same request. */
interface ConversionRequest {
  accountId: string;
  fulfilment: { kind: 'HOME_DELIVERY' | 'CLICK_AND_COLLECT'; storeCode: string | null };
  lines: SellableLine[];
  leftOut: StoreOnlyLine[];
  currency: string;
  quoteTotal: number;
  store: { code: string; franchise: string };
  seller: { code: string; name: string | null } | null;
}

interface ConversionRow {
  quoteNumber: string;
  idempotencyKey: string;
  fingerprint: string;
  request: ConversionRequest;
  state: State;
  customerId: string;
  accountId: string;
  webOrderNumber: string | null;
  attempts: number;
  lastError: string | null;
  actor: string;
  role: string;
}

export interface FinishQuoteResult {
  status: 'DONE' | 'PENDING' | 'NEEDS_CONFIRMATION';
  quote: { number: string };
  webOrder: { number: string } | null;
  storeOnlyLines: StoreOnlyLine[];
  quoteMarked: boolean;
  attribution: AttributionRow | null;
  pendingReason: string | null;
}

export interface AttributionRow {
  webOrderNumber: string;
  rule: 'QUOTE' | 'SERVED_IN_STORE';
  storeCode: string;
  franchise: string;
  sellerCode: string | null;
  sellerName: string | null;
  quoteNumber: string | null;
  customerId: string | null;
  placedAt: string;
  currency: string;
  orderTotal: number;
  quoteTotal: number | null;
  leftOutTotal: number;
  evidence: Record<string, unknown>;
  recordedAt: string;
  recordedBy: string;
}

const KEY = /^[!-~]{1,255}$/;
const NUMBER = /^[A-Za-z0-9_-]{1,64}$/;
const ACCOUNT = /^(0|[1-9]\d{0,14})$/;

function refused(code: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

const decimal = (cents: number) => (cents / 100).toFixed(2);

function toConversion(row: Record<string, unknown>): ConversionRow {
  return {
    quoteNumber: String(row.quote_number),
    idempotencyKey: String(row.idempotency_key),
    fingerprint: String(row.fingerprint),
    request: (typeof row.request === 'string' ? JSON.parse(row.request) : row.request) as ConversionRequest,
    state: row.state as State,
    customerId: String(row.customer_id),
    accountId: String(row.account_id),
    webOrderNumber: (row.web_order_number as string | null) ?? null,
    attempts: Number(row.attempts),
    lastError: (row.last_error as string | null) ?? null,
    actor: String(row.actor),
    role: String(row.role),
  };
}

export function toAttribution(row: Record<string, unknown>): AttributionRow {
  return {
    webOrderNumber: String(row.web_order_number),
    rule: row.rule as AttributionRow['rule'],
    storeCode: String(row.store_code),
    franchise: String(row.franchise),
    sellerCode: (row.seller_code as string | null) ?? null,
    sellerName: (row.seller_name as string | null) ?? null,
    quoteNumber: (row.quote_number as string | null) ?? null,
    customerId: (row.customer_id as string | null) ?? null,
    placedAt: iso(row.placed_at),
    currency: String(row.currency),
    orderTotal: Number(row.order_total),
    quoteTotal: row.quote_total === null || row.quote_total === undefined ? null : Number(row.quote_total),
    leftOutTotal: Number(row.left_out_total),
    evidence: (typeof row.evidence === 'string' ? JSON.parse(row.evidence) : row.evidence) as Record<string, unknown>,
    recordedAt: iso(row.recorded_at),
    recordedBy: String(row.recorded_by),
  };
}

/** The wait before a pending step is tried again by the schedule: doubling from 5 s, at most 10 minutes. */
const retryDelayMs = (attempts: number) => Math.min(5_000 * 2 ** Math.max(attempts - 1, 0), 600_000);

/** The quote conversions and attributions in the crosswalk's database. */
export class QuoteConversions {
  constructor(private readonly store: CrosswalkStore) {}

  private get db() {
    return this.store.db;
  }

  async get(quoteNumber: string, session: SqlSession = this.db): Promise<ConversionRow | null> {
    const [row] = await session.query<Record<string, unknown>>('SELECT * FROM quote_conversion WHERE quote_number = $1', [quoteNumber]);
    return row ? toConversion(row) : null;
  }

  /**
   * Records a request, due for the runs at `at` (the clock `due` is given, not the database's);
   * an existing one for the quote is answered instead (a race between two callers included).
   */
  async record(row: Omit<ConversionRow, 'state' | 'webOrderNumber' | 'attempts' | 'lastError'>, at: Date): Promise<ConversionRow> {
    await this.db.query(
      `INSERT INTO quote_conversion (quote_number, idempotency_key, fingerprint, request, state, customer_id, account_id, actor, role, next_attempt_at)
       VALUES ($1, $2, $3, $4, 'RECORDED', $5, $6, $7, $8, $9) ON CONFLICT (quote_number) DO NOTHING`,
      [row.quoteNumber, row.idempotencyKey, row.fingerprint, JSON.stringify(row.request), row.customerId, row.accountId, row.actor, row.role, at.toISOString()],
    );
    return (await this.get(row.quoteNumber))!;
  }

  async advance(quoteNumber: string, state: State, changes: { webOrderNumber?: string; lastError?: string | null } = {}): Promise<void> {
    await this.db.query(
      `UPDATE quote_conversion SET state = $2, web_order_number = COALESCE($3, web_order_number), last_error = $4, attempts = attempts + 1, updated_at = now()
       WHERE quote_number = $1`,
      [quoteNumber, state, changes.webOrderNumber ?? null, changes.lastError ?? null],
    );
  }

  async failed(quoteNumber: string, attempts: number, error: string, now: Date): Promise<void> {
    await this.db.query('UPDATE quote_conversion SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, updated_at = now() WHERE quote_number = $1', [
      quoteNumber,
      error,
      new Date(now.getTime() + retryDelayMs(attempts + 1)).toISOString(),
    ]);
  }

  async forget(quoteNumber: string): Promise<void> {
    await this.db.query("DELETE FROM quote_conversion WHERE quote_number = $1 AND state = 'RECORDED'", [quoteNumber]);
  }

  /** Requests still under way whose retry is due. */
  async due(now: Date, limit = 100): Promise<ConversionRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM quote_conversion WHERE state IN ('RECORDED', 'ORDER_CREATED', 'QUOTE_MARKED') AND next_attempt_at <= $1 ORDER BY created_at LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map(toConversion);
  }

  /** Records an attribution; false when the order already had one (the first stands). */
  async attribute(row: Omit<AttributionRow, 'recordedAt'>): Promise<boolean> {
    const inserted = await this.db.query(
      `INSERT INTO online_sale_attribution (web_order_number, rule, store_code, franchise, seller_code, seller_name, quote_number, customer_id,
         placed_at, currency, order_total, quote_total, left_out_total, evidence, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (web_order_number) DO NOTHING RETURNING web_order_number`,
      [
        row.webOrderNumber,
        row.rule,
        row.storeCode,
        row.franchise,
        row.sellerCode,
        row.sellerName,
        row.quoteNumber,
        row.customerId,
        row.placedAt,
        row.currency,
        row.orderTotal,
        row.quoteTotal,
        row.leftOutTotal,
        JSON.stringify(row.evidence),
        row.recordedBy,
      ],
    );
    return inserted.length > 0;
  }

  async attribution(webOrderNumber: string): Promise<AttributionRow | null> {
    const [row] = await this.db.query<Record<string, unknown>>('SELECT * FROM online_sale_attribution WHERE web_order_number = $1', [webOrderNumber]);
    return row ? toAttribution(row) : null;
  }

  /** A store's attributed online sales placed in [from, to), newest first. */
  async ofStores(storeCodes: readonly string[], from: string, to: string): Promise<AttributionRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT * FROM online_sale_attribution WHERE store_code = ANY($1::text[]) AND placed_at >= $2 AND placed_at < $3 ORDER BY placed_at DESC, web_order_number`,
      [[...storeCodes], from, to],
    );
    return rows.map(toAttribution);
  }
}

function fingerprintOf(request: ConversionRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** The quote's lines the web shop sells (by the SKU the reference index maps each code to), and those it does not. */
async function splitLines(quote: QuoteRecord, context: Context): Promise<{ sellable: SellableLine[]; storeOnly: StoreOnlyLine[] }> {
  const index = referenceStoreOf(context.store);
  const readings = quote.lines.map((line) => readReference(line.gtin ?? line.localCode ?? '', quote.franchise));
  const hits = await index.lookup(readings.flat());
  const skus = quote.lines.map((line, i) => {
    const code = line.gtin ?? line.localCode;
    if (!code) return null;
    const match = matchReference(code, readings[i]!, hits);
    return match?.product?.webSku ?? null;
  });
  const ecommerce = context.estate().ecommerce;
  if (!ecommerce) throw refused('SOURCE_UNAVAILABLE', 'the web shop is not configured', { source: 'ecommerce' });
  const products = await ecommerce.product.loadMany(skus.filter((sku): sku is string => sku !== null));
  const failed = products.find((p): p is Error => p instanceof Error);
  if (failed) throw failed;
  const active = new Map(products.flatMap((p) => (p === null || p instanceof Error ? [] : [[p.webSku, p.webAvailable] as const])));
  const sellable: SellableLine[] = [];
  const storeOnly: StoreOnlyLine[] = [];
  quote.lines.forEach((line, i) => {
    const sku = skus[i];
    const base = { lineNumber: line.lineNumber, gtin: line.gtin, localCode: line.localCode, quantity: line.quantity, lineTotal: line.lineTotal.amount };
    if (!sku || !active.has(sku)) storeOnly.push({ ...base, reason: 'NO_WEB_SKU' });
    else if (!active.get(sku)) storeOnly.push({ ...base, reason: 'NOT_SOLD_ONLINE' });
    else sellable.push({ lineNumber: line.lineNumber, sku, quantity: line.quantity, unitPrice: line.unitPrice.amount });
  });
  return { sellable, storeOnly };
}

/** The web account the order goes to: the one asked for, or the customer's only one. */
async function accountOf(customerId: string, asked: string | null | undefined, context: Context): Promise<string> {
  const accounts = (await context.loaders.links.load(customerId))
    .map((link) => parseRecordId(link.record))
    .filter((key) => key.system === 'ECOMMERCE')
    .map((key) => key.localId)
    .sort((a, b) => Number(a) - Number(b));
  if (asked != null) {
    if (!ACCOUNT.test(asked)) throw badUserInput(`webAccountId must be a web account id (digits), got ${JSON.stringify(asked)}`, 'input.webAccountId');
    if (!accounts.includes(asked)) throw refused('WEB_ACCOUNT_NOT_THE_CUSTOMERS', `web account ${asked} is not one of the quote's customer's accounts (${accounts.join(', ') || 'none'})`, { accounts });
    return asked;
  }
  if (accounts.length === 0) throw refused('WEB_ACCOUNT_REQUIRED', "the quote's customer has no web account: the order needs one (they sign up, then the quote can be finished)");
  if (accounts.length > 1) {
    throw refused('WEB_ACCOUNT_AMBIGUOUS', `the quote's customer has ${accounts.length} web accounts (${accounts.join(', ')}): say which one with webAccountId`, { accounts });
  }
  return accounts[0]!;
}

function orderBody(quoteNumber: string, request: ConversionRequest): NewOrder {
  const total = request.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
  return {
    customer_id: Number(request.accountId),
    currency: request.currency,
    lines: request.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unit_price: decimal(line.unitPrice) })),
    total: decimal(total),
    status: 'pending',
    fulfilment: request.fulfilment.kind === 'CLICK_AND_COLLECT' ? { type: 'click_and_collect', store_code: request.fulfilment.storeCode } : { type: 'home_delivery', store_code: null },
    quote_number: quoteNumber,
  };
}

/** A failure a later attempt may get past: a system down, slow, or busy. */
const transient = isTransient;

/**
 * Takes a recorded request on from its state until done, or until a system it needs fails
 * (left pending, with the reason). Each step is idempotent: the web order under the quote's
 * own key, the mark (an already marked quote with this order is fine), the attribution.
 */
export async function advanceConversion(row: ConversionRow, conversions: QuoteConversions, systems: QuoteJourneySystems, now: () => Date): Promise<{ row: ConversionRow; pendingReason: string | null }> {
  let current = row;
  const reread = async () => (current = (await conversions.get(row.quoteNumber))!);
  try {
    if (current.state === 'RECORDED') {
      if (!systems.ecommerce) throw new SourceFailure('unavailable', 'the web shop is not configured');
      let order: WireOrder;
      try {
        ({ order } = await systems.ecommerce.createOrder(orderBody(current.quoteNumber, current.request), `crosscanal:quote:${current.quoteNumber}`));
      } catch (error) {
        const refusal = inChain(error, OrderRefused);
        if (refusal) {
          // Nothing was made: the request is forgotten so that a corrected one can be sent.
          await conversions.forget(current.quoteNumber);
          throw refused('WEB_ORDER_REFUSED', `the web shop refused the order: ${refusal.message}`, { source: 'ecommerce', details: refusal.details });
        }
        throw error;
      }
      await conversions.advance(current.quoteNumber, 'ORDER_CREATED', { webOrderNumber: order.number });
      const request = current.request;
      log.info(
        { audit: 'quote-online', actor: current.actor, role: current.role, quote: current.quoteNumber, order: order.number, lines: request.lines.length, leftOut: request.leftOut.length },
        'web order created from a store quote',
      );
      await reread();
    }
    if (current.state === 'ORDER_CREATED') {
      if (!systems.marker) throw new SourceFailure('unavailable', 'the tills are not configured for writes');
      try {
        await systems.marker.markQuoteConvertedOnline({ quoteNumber: current.quoteNumber, webOrderNumber: current.webOrderNumber! });
        await conversions.advance(current.quoteNumber, 'QUOTE_MARKED');
      } catch (error) {
        if (transient(error)) throw error;
        // The order exists; the quote changed meanwhile (expired, finished in store): kept for a steward.
        await conversions.advance(current.quoteNumber, 'MARK_REFUSED', { lastError: (error as Error).message });
        log.warn({ audit: 'quote-online', quote: current.quoteNumber, order: current.webOrderNumber, err: (error as Error).message }, 'the tills refused to mark a quote finished online');
      }
      await reread();
    }
    if (current.state === 'QUOTE_MARKED' || current.state === 'MARK_REFUSED') {
      const request = current.request;
      const orderTotal = request.lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
      await conversions.attribute({
        webOrderNumber: current.webOrderNumber!,
        rule: 'QUOTE',
        storeCode: request.store.code,
        franchise: request.store.franchise,
        sellerCode: request.seller?.code ?? null,
        sellerName: request.seller?.name ?? null,
        quoteNumber: current.quoteNumber,
        customerId: current.customerId,
        placedAt: now().toISOString(),
        currency: request.currency,
        orderTotal,
        quoteTotal: request.quoteTotal,
        leftOutTotal: request.leftOut.reduce((sum, line) => sum + line.lineTotal, 0),
        evidence: { leftOut: request.leftOut.map((line) => line.lineNumber), requestedBy: current.actor, role: current.role },
        recordedBy: current.actor,
      });
      if (current.state === 'QUOTE_MARKED') await conversions.advance(current.quoteNumber, 'DONE');
      await reread();
    }
    return { row: current, pendingReason: null };
  } catch (error) {
    if (!transient(error)) throw error;
    await conversions.failed(current.quoteNumber, current.attempts, (error as Error).message, now());
    return { row: (await conversions.get(row.quoteNumber)) ?? current, pendingReason: (error as Error).message };
  }
}

async function resultOf(row: ConversionRow, conversions: QuoteConversions, pendingReason: string | null): Promise<FinishQuoteResult> {
  const done = row.state === 'DONE' || row.state === 'MARK_REFUSED';
  return {
    status: done ? 'DONE' : 'PENDING',
    quote: { number: row.quoteNumber },
    webOrder: row.webOrderNumber ? { number: row.webOrderNumber } : null,
    storeOnlyLines: row.request.leftOut,
    quoteMarked: row.state === 'DONE' || row.state === 'QUOTE_MARKED',
    attribution: row.webOrderNumber ? await conversions.attribution(row.webOrderNumber) : null,
    pendingReason: pendingReason ?? (done ? null : row.lastError),
  };
}

/** `finishQuoteOnline`: checks everything, records the request, and applies it. */
export async function finishQuoteOnline(input: FinishQuoteInput, context: Context, systems: QuoteJourneySystems, now: () => Date = () => new Date()): Promise<FinishQuoteResult> {
  const quoteNumber = input.quoteNumber.trim();
  if (!NUMBER.test(quoteNumber)) throw badUserInput(`quoteNumber must be a quote number such as Q-NRD01-000042, got ${JSON.stringify(input.quoteNumber)}`, 'input.quoteNumber');
  if (!KEY.test(input.idempotencyKey)) throw badUserInput('idempotencyKey must be 1 to 255 visible ASCII characters (no spaces): one key per request, the same on a retry', 'input.idempotencyKey');
  const { kind } = input.fulfilment;
  const storeCode = input.fulfilment.storeCode ?? null;
  if (kind === 'CLICK_AND_COLLECT' && !storeCode) throw badUserInput('fulfilment.storeCode is required for CLICK_AND_COLLECT', 'input.fulfilment.storeCode');
  if (kind === 'HOME_DELIVERY' && storeCode) throw badUserInput('fulfilment.storeCode is for CLICK_AND_COLLECT only', 'input.fulfilment.storeCode');
  const { principal } = context;
  const conversions = new QuoteConversions(context.store);
  const pos = context.estate().pos;
  if (!pos) throw refused('SOURCE_UNAVAILABLE', 'the tills are not configured', { source: 'pos' });

  const quote = await pos.quote.load(quoteNumber);
  if (!quote) throw refused('QUOTE_NOT_FOUND', `no quote ${quoteNumber}`);
  const customerId = await customerOfHolder(quote.holder, quote.franchise, context);
  if (principal.role === 'customer' && customerId !== principal.customerId) throw accessDenied(principal, `quote ${quoteNumber} is not the signed-in customer's`);

  const existing = await conversions.get(quoteNumber);
  if (existing && existing.idempotencyKey === input.idempotencyKey) {
    // A retry: answer it, taking on what is still pending.
    const { row, pendingReason } = existing.state === 'DONE' || existing.state === 'MARK_REFUSED' ? { row: existing, pendingReason: null } : await advanceConversion(existing, conversions, systems, now);
    return resultOf(row, conversions, pendingReason);
  }
  if (existing) {
    throw refused('QUOTE_ALREADY_FINISHING', `quote ${quoteNumber} is already being finished online${existing.webOrderNumber ? ` (web order ${existing.webOrderNumber})` : ''}, under another request`, {
      webOrderNumber: existing.webOrderNumber,
    });
  }
  if (quote.status !== 'OPEN') throw refused('QUOTE_NOT_OPEN', `quote ${quoteNumber} is ${quote.status}, not OPEN`, { status: quote.status });
  if (Date.parse(quote.validUntil) <= now().getTime()) throw refused('QUOTE_EXPIRED', `quote ${quoteNumber} expired at ${quote.validUntil}`, { validUntil: quote.validUntil });
  if (!customerId) throw refused('QUOTE_HOLDER_UNKNOWN', `quote ${quoteNumber} names no card, phone or client the crosswalk links to a customer`);
  if (storeCode) {
    const store = await pos.store.load(storeCode);
    if (!store) throw badUserInput(`fulfilment.storeCode: no store ${storeCode}`, 'input.fulfilment.storeCode');
    if (!store.clickAndCollect) throw refused('STORE_NOT_CLICK_AND_COLLECT', `store ${storeCode} does not hand over click-and-collect orders`);
  }
  const accountId = await accountOf(customerId, input.webAccountId, context);
  const { sellable, storeOnly } = await splitLines(quote, context);
  if (sellable.length === 0) throw refused('NOTHING_SOLD_ONLINE', `none of quote ${quoteNumber}'s lines is sold online`, { storeOnlyLines: storeOnly });
  if (storeOnly.length > 0 && !input.withoutStoreOnlyLines) {
    return { status: 'NEEDS_CONFIRMATION', quote: { number: quoteNumber }, webOrder: null, storeOnlyLines: storeOnly, quoteMarked: false, attribution: null, pendingReason: null };
  }
  const request: ConversionRequest = {
    accountId,
    fulfilment: { kind, storeCode },
    lines: sellable,
    leftOut: storeOnly,
    currency: quote.total.currency,
    quoteTotal: quote.total.amount,
    store: { code: quote.storeCode, franchise: quote.franchise },
    seller: quote.seller ? { code: quote.seller.code, name: quote.seller.name } : null,
  };
  const recorded = await conversions.record({
    quoteNumber,
    idempotencyKey: input.idempotencyKey,
    fingerprint: fingerprintOf(request),
    request,
    customerId,
    accountId,
    actor: principal.actor ?? 'anonymous',
    role: principal.role,
  }, now());
  if (recorded.idempotencyKey !== input.idempotencyKey) {
    throw refused('QUOTE_ALREADY_FINISHING', `quote ${quoteNumber} is already being finished online, under another request`, { webOrderNumber: recorded.webOrderNumber });
  }
  const { row, pendingReason } = await advanceConversion(recorded, conversions, systems, now);
  return resultOf(row, conversions, pendingReason);
}

/** Takes on the requests left pending (a system was down), as the schedule runs. */
export async function resumeConversions(store: CrosswalkStore, systems: QuoteJourneySystems, now: () => Date = () => new Date()): Promise<{ done: number; pending: number }> {
  const conversions = new QuoteConversions(store);
  let done = 0;
  let pending = 0;
  for (const row of await conversions.due(now())) {
    try {
      const { pendingReason } = await advanceConversion(row, conversions, systems, now);
      if (pendingReason) pending += 1;
      else done += 1;
    } catch (error) {
      log.warn({ quote: row.quoteNumber, err: (error as Error).message }, 'a quote finished online could not be taken on');
      pending += 1;
    }
  }
  return { done, pending };
}
