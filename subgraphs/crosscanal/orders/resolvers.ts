import type { Resolvers } from '../generated/types.js';
import { GraphQLError } from 'graphql';
import { badUserInput } from '../../shared/errors.js';
import type { WebOrder } from '../../ecommerce/mappers.js';
import { lookupKey, lookupsOf } from '../../pos/identities.js';
import type { QuoteRecord, StoreReturnRecord, StoreSaleRecord } from '../../pos/records.js';
import type { Context } from '../context.js';
import { matchReference } from '../products/lookup.js';
import { referenceStoreOf } from '../products/referenceIndex.js';
import { readReference } from '../products/references.js';
import { parseRecordId, type RecordKey } from '../matching/records.js';
import { customerOf, holderKeys } from './holders.js';
import { mergeHistory, pageOf, pageSize, type Channel, type OrderHeader, type OrderKind } from './history.js';

/** The systems whose orders the history reads, as the graph names them. */
type OrderSystem = 'ECOMMERCE' | 'POS';

const STORE_CODE = /^[A-Za-z0-9_-]{1,32}$/;
const NUMBER = /^[A-Za-z0-9_-]{1,64}$/;

const TYPENAME = { WEB_ORDER: 'WebOrder', STORE_SALE: 'StoreSale', STORE_RETURN: 'StoreReturn' } as const satisfies Record<OrderKind, string>;

/** The reference the owner resolves: a web order by number, a receipt or a return by id (its number). */
function reference({ kind, number }: Pick<OrderHeader, 'kind' | 'number'>) {
  return kind === 'WEB_ORDER' ? { __typename: TYPENAME[kind], number } : { __typename: TYPENAME[kind], id: number, number };
}

const webHeader = (order: WebOrder): OrderHeader => ({
  kind: 'WEB_ORDER',
  number: order.number,
  channel: 'WEB',
  placedAt: order.placedAt,
  storeCode: order.fulfilment.store?.code ?? null,
});

const saleHeader = (sale: StoreSaleRecord): OrderHeader => ({ kind: 'STORE_SALE', number: sale.number, channel: 'STORE', placedAt: sale.placedAt, storeCode: sale.storeCode });

const returnHeader = (ret: StoreReturnRecord): OrderHeader => ({ kind: 'STORE_RETURN', number: ret.number, channel: 'STORE', placedAt: ret.returnedAt, storeCode: ret.storeCode });

/** Values of a loadMany, or the first error among them. */
function settled<V>(results: readonly (V | Error)[]): V[] {
  const failed = results.find((r): r is Error => r instanceof Error);
  if (failed) throw failed;
  return results as V[];
}

/** A customer's orders as their owners gave them, and the systems that could not be read. */
export interface Records {
  webOrders: WebOrder[];
  sales: StoreSaleRecord[];
  returns: StoreReturnRecord[];
  unavailable: OrderSystem[];
}

/**
 * Every order of a customer's records, read live: the orders of their web accounts (one
 * call), their receipts and returns at every franchise's tills by card, phone or client (a
 * statement per franchise each), and the returns made anywhere against those receipts and web
 * orders (a statement per franchise each). A system that fails is reported, not thrown: the
 * others' orders still make a page. The loaders keep what they read for the request.
 *
 * The reads go out as soon as what they need is known, not one system after the other: the
 * web orders and the tills' own records at once, then the returns against the web orders when
 * those are in, and the returns against the receipts when the receipts are, side by side. Two
 * legacy round trips, where waiting for the web shop before asking the tills made three.
 */
export async function recordsOf(keys: readonly RecordKey[], context: Context): Promise<Records> {
  const { ecommerce, pos } = context.estate();
  const unavailable = new Set<OrderSystem>();
  const accountIds = keys.filter((key) => key.system === 'ECOMMERCE').map((key) => key.localId);
  const lookups = lookupsOf(keys.filter((key) => key.system === 'POS')).map(lookupKey);

  const webOrdersRead: Promise<WebOrder[]> = (async () => {
    if (accountIds.length === 0) return [];
    try {
      if (!ecommerce) throw new Error('the web shop is not configured');
      return settled(await ecommerce.ordersByAccount.loadMany(accountIds)).flat();
    } catch {
      unavailable.add('ECOMMERCE');
      return [];
    }
  })();

  const tillsRead = (async (): Promise<{ sales: StoreSaleRecord[]; returns: StoreReturnRecord[] }> => {
    const none = { sales: [], returns: [] };
    if (lookups.length === 0 && accountIds.length === 0) return none;
    const own = Promise.all([
      pos ? pos.salesFor.loadMany(lookups).then((lists) => settled(lists).flat()) : Promise.reject(new Error('the tills are not configured')),
      pos ? pos.returnsFor.loadMany(lookups).then((lists) => settled(lists).flat()) : Promise.resolve([]),
    ]);
    // Nothing to ask the tills when no till identity and no web order lead there.
    const webReturns = webOrdersRead.then(async (orders) => (orders.length === 0 || !pos ? [] : settled(await pos.returnsOfWebOrder.loadMany(orders.map((order) => order.number))).flat()));
    const receiptReturns = own.then(async ([sales]) => (pos ? settled(await pos.returnsOfReceipt.loadMany([...new Set(sales.map((sale) => sale.number))])).flat() : []));
    try {
      const [[sales, byCard], fromWeb, fromReceipts] = await Promise.all([own, webReturns, receiptReturns]);
      return {
        sales: [...new Map(sales.map((sale) => [sale.number, sale])).values()],
        returns: [...new Map([...byCard, ...fromWeb, ...fromReceipts].map((ret) => [ret.number, ret])).values()],
      };
    } catch {
      // Not configured with nothing to ask it is not unavailable.
      if (pos || lookups.length > 0 || (await webOrdersRead).length > 0) unavailable.add('POS');
      return none;
    }
  })();

  const [webOrders, { sales, returns }] = await Promise.all([webOrdersRead, tillsRead]);
  return { webOrders, sales, returns, unavailable: [...unavailable] };
}

async function historyOf(keys: readonly RecordKey[], context: Context): Promise<{ history: OrderHeader[]; unavailable: OrderSystem[] }> {
  const { webOrders, sales, returns, unavailable } = await recordsOf(keys, context);
  return { history: mergeHistory([webOrders.map(webHeader), sales.map(saleHeader), returns.map(returnHeader)]), unavailable };
}

/** Most products `purchasedProducts` lists. */
const MAX_PRODUCTS = 100;

interface Purchase {
  product: { catalogueRef: string | null; gtin: string | null; webSku: string | null };
  quantity: number;
  lastBoughtAt: string;
  channels: Set<Channel>;
  lastOrderNumber: string;
}

/**
 * What a customer owns, as far as the systems know: every product of their web orders and
 * receipts, less what they brought back, each code resolved to one product through the
 * reference index (a web SKU and the EAN on a receipt meet in one product). Most recently
 * bought first. A code no system maps is left out.
 */
async function purchasedProducts(customer: { id: string }, { first }: { first?: number | null }, context: Context) {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PRODUCTS) throw badUserInput(`first must be from 1 to ${MAX_PRODUCTS}, got ${first}`, 'first');
  const keys = (await context.loaders.links.load(customer.id)).map((link) => parseRecordId(link.record));
  const { webOrders, sales, returns, unavailable } = await recordsOf(keys, context);
  type Line = { code: string; franchise: string | null; quantity: number; at: string; channel: Channel; order: string };
  const lines: Line[] = [
    ...webOrders.filter((order) => order.status !== 'CANCELLED').flatMap((order) => order.lines.map((line) => ({ code: line.sku, franchise: null, quantity: line.quantity, at: order.placedAt, channel: 'WEB' as const, order: order.number }))),
    ...sales.flatMap((sale) =>
      sale.lines.flatMap((line) => {
        const code = line.gtin ?? line.localCode;
        return code ? [{ code, franchise: sale.franchise, quantity: line.quantity, at: sale.placedAt, channel: 'STORE' as const, order: sale.number }] : [];
      }),
    ),
    ...returns.flatMap((ret) =>
      ret.lines.flatMap((line) => {
        const code = line.gtin ?? line.localCode;
        return code ? [{ code, franchise: ret.franchise, quantity: -line.quantity, at: '', channel: 'STORE' as const, order: ret.number }] : [];
      }),
    ),
  ];
  const index = referenceStoreOf(context.store);
  const readings = lines.map((line) => readReference(line.code, line.franchise));
  const hits = await index.lookup(readings.flat());
  const owned = new Map<string, Purchase>();
  lines.forEach((line, i) => {
    const product = matchReference(line.code, readings[i]!, hits)?.product;
    if (!product) return;
    const key = product.catalogueRef ?? product.gtin ?? product.webSku!;
    const known = owned.get(key) ?? { product, quantity: 0, lastBoughtAt: '', channels: new Set<Channel>(), lastOrderNumber: '' };
    known.quantity += line.quantity;
    if (line.quantity > 0) {
      known.channels.add(line.channel);
      if (line.at > known.lastBoughtAt) {
        known.lastBoughtAt = line.at;
        known.lastOrderNumber = line.order;
      }
    }
    owned.set(key, known);
  });
  const products = [...owned.values()]
    .filter((p) => p.quantity > 0 && p.lastBoughtAt !== '')
    .sort((a, b) => b.lastBoughtAt.localeCompare(a.lastBoughtAt) || a.lastOrderNumber.localeCompare(b.lastOrderNumber))
    .slice(0, size)
    .map((p) => ({ ...p, channels: [...p.channels].sort() }));
  return { products, unavailable };
}

interface OrdersArgs {
  first?: number | null;
  after?: string | null;
  channel?: Channel | null;
  storeCode?: string | null;
}

async function customerOrders(customer: { id: string }, args: OrdersArgs, context: Context) {
  pageSize(args.first);
  if (args.storeCode != null && !STORE_CODE.test(args.storeCode)) {
    throw badUserInput(`storeCode expects a store code such as NRD01 (1 to 32 letters, digits, - or _), got ${JSON.stringify(args.storeCode)}`, 'storeCode');
  }
  const keys = (await context.loaders.links.load(customer.id)).map((link) => parseRecordId(link.record));
  const { history, unavailable } = await historyOf(keys, context);
  const page = pageOf(history, args);
  const nodes = page.headers.map(reference);
  return {
    edges: nodes.map((node, i) => ({ cursor: page.cursors[i], node })),
    nodes,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    totalCount: page.totalCount,
    unavailable,
  };
}

type Kind = OrderKind | 'QUOTE';

export interface Found {
  kind: Kind;
  number: string;
  order: ReturnType<typeof reference> | null;
  quote: { number: string } | null;
  holder: RecordKey[];
}

/** What a number is in the tills: a receipt, a return or a quote of the franchise whose store code it carries. */
async function inTills(number: string, context: Context): Promise<Found | null> {
  const { pos } = context.estate();
  if (!pos) return null;
  if (!(await pos.franchiseOfNumber.load(number))) return null;
  const [sale, ret, quote] = await Promise.all([pos.sale.load(number), pos.storeReturn.load(number), pos.quote.load(number)]);
  if (sale) return { kind: 'STORE_SALE', number, order: reference({ kind: 'STORE_SALE', number }), quote: null, holder: holderKeys(sale.holder, sale.franchise) };
  if (ret) return returnFound(ret, context);
  if (quote) return quoteFound(quote, context);
  return null;
}

async function returnFound(ret: StoreReturnRecord, context: Context): Promise<Found> {
  const holder = holderKeys(ret.holder, ret.franchise);
  const { ecommerce } = context.estate();
  // A web order brought back to a store belongs to the web order's account.
  if (ret.webOrderNumber && ecommerce) {
    const order = await ecommerce.orderByNumber.load(ret.webOrderNumber);
    if (order) holder.unshift({ system: 'ECOMMERCE', localId: order.accountId, franchise: null });
  }
  return { kind: 'STORE_RETURN', number: ret.number, order: reference({ kind: 'STORE_RETURN', number: ret.number }), quote: null, holder };
}

async function quoteFound(quote: QuoteRecord, context: Context): Promise<Found> {
  const { ecommerce } = context.estate();
  const finishing = ecommerce ? await ecommerce.ordersByQuote.load(quote.number) : [];
  const order = finishing?.[0] ?? null;
  return {
    kind: 'QUOTE',
    number: quote.number,
    order: order ? reference({ kind: 'WEB_ORDER', number: order.number }) : null,
    quote: { number: quote.number },
    holder: [...(order ? [{ system: 'ECOMMERCE' as const, localId: order.accountId, franchise: null }] : []), ...holderKeys(quote.holder, quote.franchise)],
  };
}

async function onTheWeb(number: string, context: Context): Promise<Found | null> {
  const { ecommerce } = context.estate();
  if (!ecommerce) return null;
  const order = await ecommerce.orderByNumber.load(number);
  if (!order) return null;
  return {
    kind: 'WEB_ORDER',
    number: order.number,
    order: reference({ kind: 'WEB_ORDER', number: order.number }),
    quote: order.quote ? { number: order.quote.number } : null,
    holder: [{ system: 'ECOMMERCE', localId: order.accountId, franchise: null }],
  };
}

/** An order found by its number, with the golden customer its holder resolves to. */
export type OrderLookupRecord = Found & { customerId: string | null };

/**
 * Any order by its number. The tills are asked when the number carries one of their store
 * codes, the web shop always: both at once. One system failing fails the lookup only when the
 * other found nothing (the number may be the failing system's).
 */
async function orderByNumber(_: unknown, { number }: { number: string }, context: Context): Promise<OrderLookupRecord | null> {
  const trimmed = number.trim();
  if (!NUMBER.test(trimmed)) {
    throw badUserInput(`order: number must be an order, receipt, return or quote number such as W1000145 or NRD01-0004711 (1 to 64 letters, digits, - or _), got ${JSON.stringify(number)}`, 'number');
  }
  const [tills, web] = await Promise.allSettled([inTills(trimmed, context), onTheWeb(trimmed, context)]);
  const found = (tills.status === 'fulfilled' ? tills.value : null) ?? (web.status === 'fulfilled' ? web.value : null);
  if (!found) {
    const failed = [tills, web].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason instanceof GraphQLError ? failed.reason : new GraphQLError(`order ${trimmed}: ${(failed.reason as Error).message}`);
    return null;
  }
  const customerId = await customerOf(found.holder, context);
  const { principal } = context;
  // A customer finds their own orders only; another's answers as an unknown number does.
  if (principal.role === 'customer' && (customerId === null || customerId !== principal.customerId)) return null;
  return { ...found, customerId };
}

export const orderResolvers = {
  Query: {
    order: orderByNumber,
    async webPoints(_: unknown, __: unknown, context: Context) {
      if (!context.webPoints) return null;
      const { counts, ...status } = await context.webPoints.job.status();
      return { ...status, pending: counts.PENDING, credited: counts.CREDITED, noMember: counts.NO_MEMBER, cancelled: counts.CANCELLED, refused: counts.REFUSED };
    },
  },
  WebOrder: {
    __resolveReference: ({ number }: { number: string }) => (typeof number === 'string' ? { number } : null),
    loyaltyPoints: (order: { number: string }, _: unknown, context: Context) => context.webPoints?.rows.load(order.number) ?? null,
  },
  Customer: { orders: customerOrders, purchasedProducts },
  OrderLookup: {
    customer: (lookup: OrderLookupRecord, _: unknown, context: Context) => (lookup.customerId ? context.loaders.customer.load(lookup.customerId) : null),
  },
  Order: {
    // Every order this subgraph hands out is a reference that names its type (`reference`).
    __resolveType: (order: { __typename?: (typeof TYPENAME)[OrderKind] }) => order.__typename ?? null,
  },
} satisfies Resolvers;
