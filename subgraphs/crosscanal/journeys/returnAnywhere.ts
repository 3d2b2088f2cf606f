import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { badUserInput, isTransient, SourceFailure } from '../../shared/errors.js';
import { loggerFor } from '../../shared/logger.js';
import { accessDenied } from '../../shared/principal.js';
import type { RecordReturnInput as TillReturn } from '../../pos/writes/returnInput.js';
import type { Context } from '../context.js';
import type { CrosswalkStore } from '../store/crosswalkStore.js';

/**
 * Return anywhere: a store's till takes back goods bought on the web, or in another store of
 * any franchise. The crosswalk checks the return against the order it was bought on (the
 * line, how many are left to return after earlier returns, in any store), works out the
 * refund from what was paid, records the request with the instant it was taken, and writes
 * the return into the tills of the store taking it back, in their own layout. The tills find
 * a repeat by store, order and instant: a retry, or the schedule after an outage, records it
 * once.
 */

const log = loggerFor('return-anywhere');

/** Writes a return into a franchise's tills. */
export interface ReturnWriter {
  recordReturn(input: TillReturn): Promise<{ outcome: 'RECORDED' | 'ALREADY_RECORDED'; returnNumber: string; franchise: string }>;
}

export interface ReturnLineRequest {
  /** The line of the web order or receipt the goods were bought on. */
  lineNumber: number;
  quantity: number;
  restock: boolean;
}

export interface RecordReturnRequest {
  idempotencyKey: string;
  orderNumber: string;
  storeCode?: string | null;
  sellerCode: string;
  cardNumber?: string | null;
  lines: ReturnLineRequest[];
}

export interface RecordReturnResult {
  status: 'DONE' | 'PENDING';
  returnNumber: string | null;
  refund: { amount: number; currency: string };
  pendingReason: string | null;
}

interface Recorded {
  state: 'RECORDED' | 'DONE';
  fingerprint: string;
  request: { till: TillReturn; currency: string; refundCents: number };
  returnNumber: string | null;
  attempts: number;
  lastError: string | null;
}

const KEY = /^[!-~]{1,255}$/;
const NUMBER = /^[A-Za-z0-9_-]{1,64}$/;
const CODE = /^[A-Za-z0-9_-]{1,32}$/;

function refused(reason: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'RETURN_REFUSED', reason, ...extensions } });
}

const transient = isTransient;

/** An order line as a return needs it: the code the till keys, how many were bought, what they cost. */
interface BoughtLine {
  lineNumber: number;
  ean: string | null;
  localCode: string | null;
  quantity: number;
  /** What the line was paid, after its discount, in minor units. */
  paid: number;
}

interface Bought {
  kind: 'WEB_ORDER' | 'STORE_SALE';
  number: string;
  currency: string;
  lines: BoughtLine[];
}

/** A receipt of any franchise by its number, or null when the tills have none. */
async function saleBoughtOn(number: string, context: Context): Promise<Bought | null> {
  const { pos } = context.estate();
  if (!pos || !(await pos.franchiseOfNumber.load(number))) return null;
  const sale = await pos.sale.load(number);
  if (!sale) return null;
  return {
    kind: 'STORE_SALE',
    number,
    currency: sale.total.currency,
    lines: sale.lines.map((line) => ({ lineNumber: line.lineNumber, ean: line.gtin, localCode: line.gtin ? null : line.localCode, quantity: line.quantity, paid: line.lineTotal.amount })),
  };
}

/** A web order by its number, or null when the web shop has none; refused when nothing was paid on it. */
async function webOrderBoughtOn(number: string, context: Context): Promise<Bought | null> {
  const { ecommerce } = context.estate();
  if (!ecommerce) throw new SourceFailure('unavailable', 'the web shop is not configured');
  const order = await ecommerce.orderByNumber.load(number);
  if (!order) return null;
  if (order.status === 'CANCELLED' || order.status === 'PENDING') throw refused('ORDER_NOT_RETURNABLE', `web order ${number} is ${order.status}: nothing was paid to give back`, { status: order.status });
  const products = await ecommerce.product.loadMany(order.lines.map((line) => line.sku));
  return {
    kind: 'WEB_ORDER',
    number,
    currency: order.total.currency,
    lines: order.lines.map((line, i) => {
      const product = products[i];
      const known = product && !(product instanceof Error) ? product : null;
      // The till keys the item's EAN; a product without one is keyed by its web SKU.
      return { lineNumber: line.lineNumber, ean: known?.gtin ?? null, localCode: known?.gtin ? null : line.sku, quantity: line.quantity, paid: line.lineTotal.amount };
    }),
  };
}

/**
 * The order the goods were bought on: a receipt of any franchise, or a web order. The tills
 * and the web shop are asked at once, as `order(number:)` asks them, and one failing fails the
 * return only when the other has no such order (the number may be the failing system's). A web
 * order's number names no store, so the tills cannot place it without reading their directory
 * again: with the tills down, that read fails, and a web order brought back then must still be
 * taken (and written to the tills once they are back).
 */
async function boughtOn(number: string, context: Context): Promise<Bought> {
  const [tills, web] = await Promise.allSettled([saleBoughtOn(number, context), webOrderBoughtOn(number, context)]);
  if (tills.status === 'fulfilled' && tills.value) return tills.value;
  if (web.status === 'fulfilled' && web.value) return web.value;
  // A refusal on the merits (a web order with nothing paid) stands whatever the tills said.
  if (web.status === 'rejected' && web.reason instanceof GraphQLError && web.reason.extensions?.code === 'RETURN_REFUSED') throw web.reason;
  const failed = [tills, web].find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  throw refused('ORDER_NOT_FOUND', `no web order or receipt ${number}`);
}

/** How many of each code were already brought back against the order, in any store. */
async function alreadyReturned(bought: Bought, context: Context): Promise<Map<string, number>> {
  const pos = context.estate().pos;
  if (!pos) throw new SourceFailure('unavailable', 'the tills are not configured');
  const returns = bought.kind === 'WEB_ORDER' ? await pos.returnsOfWebOrder.load(bought.number) : await pos.returnsOfReceipt.load(bought.number);
  const counts = new Map<string, number>();
  for (const ret of returns) for (const line of ret.lines) {
    const code = line.gtin ?? line.localCode ?? '';
    counts.set(code, (counts.get(code) ?? 0) + line.quantity);
  }
  return counts;
}

export class ReturnRequests {
  constructor(private readonly store: CrosswalkStore) {}

  async get(key: string): Promise<Recorded | null> {
    const [row] = await this.store.db.query<Record<string, unknown>>('SELECT * FROM return_request WHERE idempotency_key = $1', [key]);
    if (!row) return null;
    return {
      state: row.state as Recorded['state'],
      fingerprint: String(row.fingerprint),
      request: (typeof row.request === 'string' ? JSON.parse(row.request) : row.request) as Recorded['request'],
      returnNumber: (row.return_number as string | null) ?? null,
      attempts: Number(row.attempts),
      lastError: (row.last_error as string | null) ?? null,
    };
  }

  async record(key: string, fingerprint: string, request: Recorded['request'], actor: string, role: string): Promise<Recorded> {
    await this.store.db.query(
      `INSERT INTO return_request (idempotency_key, fingerprint, request, state, order_number, store_code, returned_at, actor, role)
       VALUES ($1, $2, $3, 'RECORDED', $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING`,
      [key, fingerprint, JSON.stringify(request), request.till.receiptNumber ?? request.till.webOrderNumber, request.till.storeCode, request.till.returnedAt, actor, role],
    );
    return (await this.get(key))!;
  }

  async done(key: string, returnNumber: string): Promise<void> {
    await this.store.db.query("UPDATE return_request SET state = 'DONE', return_number = $2, attempts = attempts + 1, last_error = NULL, updated_at = now() WHERE idempotency_key = $1", [key, returnNumber]);
  }

  async failed(key: string, attempts: number, error: string): Promise<void> {
    const delay = Math.min(5_000 * 2 ** attempts, 600_000);
    await this.store.db.query('UPDATE return_request SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, updated_at = now() WHERE idempotency_key = $1', [
      key,
      error,
      new Date(Date.now() + delay).toISOString(),
    ]);
  }

  async forget(key: string): Promise<void> {
    await this.store.db.query("DELETE FROM return_request WHERE idempotency_key = $1 AND state = 'RECORDED'", [key]);
  }

  async due(limit = 100): Promise<{ key: string; recorded: Recorded }[]> {
    const rows = await this.store.db.query<{ idempotency_key: string }>(
      "SELECT idempotency_key FROM return_request WHERE state = 'RECORDED' AND next_attempt_at <= now() ORDER BY created_at LIMIT $1",
      [limit],
    );
    const found = [];
    for (const row of rows) found.push({ key: row.idempotency_key, recorded: (await this.get(row.idempotency_key))! });
    return found;
  }
}

/** Writes a recorded return into the tills; pending when they cannot be asked. */
async function apply(key: string, recorded: Recorded, requests: ReturnRequests, writer: ReturnWriter | null): Promise<RecordReturnResult> {
  const refund = { amount: recorded.request.refundCents, currency: recorded.request.currency };
  if (recorded.state === 'DONE') return { status: 'DONE', returnNumber: recorded.returnNumber, refund, pendingReason: null };
  try {
    if (!writer) throw new SourceFailure('unavailable', 'the tills are not configured for writes');
    const written = await writer.recordReturn(recorded.request.till);
    await requests.done(key, written.returnNumber);
    log.info({ audit: 'return-anywhere', key, order: recorded.request.till.receiptNumber ?? recorded.request.till.webOrderNumber, store: recorded.request.till.storeCode, returnNumber: written.returnNumber, outcome: written.outcome }, 'return recorded in the tills');
    return { status: 'DONE', returnNumber: written.returnNumber, refund, pendingReason: null };
  } catch (error) {
    if (transient(error)) {
      await requests.failed(key, recorded.attempts, (error as Error).message);
      return { status: 'PENDING', returnNumber: null, refund, pendingReason: (error as Error).message };
    }
    const { code, details } = error as { code?: string; details?: Record<string, unknown> };
    if (code) {
      // Refused on its merits (an unknown seller): nothing was written, the request is forgotten.
      await requests.forget(key);
      throw refused(code, `the tills refused the return: ${(error as Error).message}`, { details });
    }
    throw error;
  }
}

export async function recordReturn(input: RecordReturnRequest, context: Context, writer: ReturnWriter | null): Promise<RecordReturnResult> {
  const { principal } = context;
  if (!KEY.test(input.idempotencyKey)) throw badUserInput('idempotencyKey must be 1 to 255 visible ASCII characters (no spaces): one key per return, the same on a retry', 'input.idempotencyKey');
  const orderNumber = input.orderNumber.trim();
  if (!NUMBER.test(orderNumber)) throw badUserInput(`orderNumber must be a web order or receipt number, got ${JSON.stringify(input.orderNumber)}`, 'input.orderNumber');
  const storeCode = input.storeCode ?? (principal.role === 'associate' ? principal.store : undefined);
  if (!storeCode || !CODE.test(storeCode)) throw badUserInput('storeCode: the store taking the goods back (an associate\'s own by default)', 'input.storeCode');
  if (principal.role === 'associate' && storeCode !== principal.store) throw accessDenied(principal, `an associate takes returns at their own store, ${principal.store}, not ${storeCode}`);
  if (input.lines.length === 0) throw badUserInput('lines: at least one line is brought back', 'input.lines');
  const requests = new ReturnRequests(context.store);

  const existing = await requests.get(input.idempotencyKey);
  if (existing) {
    const same = existing.request.till.storeCode === storeCode && (existing.request.till.receiptNumber ?? existing.request.till.webOrderNumber) === orderNumber;
    if (!same) throw refused('IDEMPOTENCY_KEY_REUSED', `idempotency key ${input.idempotencyKey} was used for another return`);
    return apply(input.idempotencyKey, existing, requests, writer);
  }

  const pos = context.estate().pos;
  if (!pos) throw new GraphQLError('the tills are not configured', { extensions: { code: 'SOURCE_UNAVAILABLE', source: 'pos' } });
  const store = await pos.store.load(storeCode);
  if (!store) throw badUserInput(`storeCode: no store ${storeCode}`, 'input.storeCode');
  if (principal.role === 'partner' && store.franchise !== principal.franchise) throw accessDenied(principal, `store ${storeCode} is not one of ${principal.franchise}'s`);

  try {
    return await checkAndRecord(input, orderNumber, storeCode, context, requests, writer);
  } catch (error) {
    // A request sent twice at once: the one that lost the race finds the other's record.
    const raced = await requests.get(input.idempotencyKey);
    if (raced) return apply(input.idempotencyKey, raced, requests, writer);
    throw error;
  }
}

async function checkAndRecord(input: RecordReturnRequest, orderNumber: string, storeCode: string, context: Context, requests: ReturnRequests, writer: ReturnWriter | null): Promise<RecordReturnResult> {
  const { principal } = context;
  const bought = await boughtOn(orderNumber, context);
  const returned = await alreadyReturned(bought, context);
  const seen = new Set<number>();
  const lines = input.lines.map((line, i) => {
    const at = `input.lines[${i}]`;
    if (seen.has(line.lineNumber)) throw badUserInput(`${at}.lineNumber: line ${line.lineNumber} is given twice`, `${at}.lineNumber`);
    seen.add(line.lineNumber);
    const original = bought.lines.find((l) => l.lineNumber === line.lineNumber);
    if (!original) throw refused('LINE_NOT_FOUND', `${orderNumber} has no line ${line.lineNumber}`, { field: `${at}.lineNumber` });
    if (!Number.isInteger(line.quantity) || line.quantity < 1) throw badUserInput(`${at}.quantity must be a whole number above 0, got ${line.quantity}`, `${at}.quantity`);
    const code = original.ean ?? original.localCode ?? '';
    const left = original.quantity - (returned.get(code) ?? 0);
    if (line.quantity > left) {
      throw refused('MORE_THAN_BOUGHT', `${orderNumber} line ${line.lineNumber}: ${original.quantity} bought, ${original.quantity - left} already brought back, ${line.quantity} asked`, {
        field: `${at}.quantity`,
        left,
      });
    }
    returned.set(code, (returned.get(code) ?? 0) + line.quantity);
    return { ean: original.ean, localCode: original.ean ? null : original.localCode, quantity: line.quantity, refundCents: Math.round((original.paid * line.quantity) / original.quantity), restock: line.restock };
  });
  const till: TillReturn = {
    storeCode,
    sellerCode: input.sellerCode,
    returnedAt: new Date().toISOString(),
    receiptNumber: bought.kind === 'STORE_SALE' ? orderNumber : null,
    webOrderNumber: bought.kind === 'WEB_ORDER' ? orderNumber : null,
    cardNumber: input.cardNumber ?? null,
    lines,
  };
  const request = { till, currency: bought.currency, refundCents: lines.reduce((sum, line) => sum + line.refundCents, 0) };
  const fingerprint = createHash('sha256').update(JSON.stringify({ ...till, returnedAt: undefined })).digest('hex');
  const recorded = await requests.record(input.idempotencyKey, fingerprint, request, principal.actor ?? 'anonymous', principal.role);
  log.info({ audit: 'return-anywhere', actor: principal.actor, role: principal.role, key: input.idempotencyKey, order: orderNumber, store: storeCode, refund: request.refundCents }, 'return requested');
  return apply(input.idempotencyKey, recorded, requests, writer);
}

/** Writes the returns left pending (the tills were down), as the schedule runs. */
export async function resumeReturns(store: CrosswalkStore, writer: ReturnWriter | null): Promise<{ done: number; pending: number }> {
  const requests = new ReturnRequests(store);
  let done = 0;
  let pending = 0;
  for (const { key, recorded } of await requests.due()) {
    try {
      const result = await apply(key, recorded, requests, writer);
      if (result.status === 'DONE') done += 1;
      else pending += 1;
    } catch (error) {
      log.warn({ key, err: (error as Error).message }, 'a return could not be taken on');
      pending += 1;
    }
  }
  return { done, pending };
}
