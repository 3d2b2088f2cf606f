import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { badUserInput, SourceFailure, sourceError } from '../shared/errors.js';
import { accessDenied } from '../shared/principal.js';
import { promotionResolvers, runsAt, type Promotion } from '../shared/promotions.js';
import { DateTime } from '../shared/scalars.js';
import { isValidGtin, toGtin14 } from '../../utilities/gtin.js';
import type { GeoInput } from '../../utilities/geo.js';
import { localCodesOf, productAvailability, type ProductRepresentation } from './availability.js';
import { cardLookup, isCardNumber, lookupKey, lookupsOf, type IdentityInput, type PosLookup } from './identities.js';
import { itemKey, type PosLoaders } from './loaders.js';
import { checkNear, nearestStores, nearFirst, originOf } from './nearby.js';
import { ownStoreRows, visibleRecord } from './scope.js';
import { MAX_RECENT_RATINGS, type RatingRecord, type StoreRatingsRecord } from './ratings.js';
import type { RequestIdentity } from '../shared/subgraphServer.js';
import type { Resolvers } from './generated/types.js';
import type {
  FranchiseEntry,
  OrderLineRecord,
  StoreReturnLineRecord,
  PriceRecord,
  PromotionRecord,
  QuoteRecord,
  QuoteStatus,
  StockRecord,
  StoreEntry,
  StoreReturnRecord,
  StoreSaleRecord,
  WebOrderReference,
} from './records.js';

export interface PosContext extends RequestIdentity {
  loaders: PosLoaders;
}

const CODE = /^[A-Za-z0-9_-]{1,32}$/;
const NUMBER = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_FIRST = 100;
const MAX_STORE_CODES = 200;

function storeCode(code: string, argument: string): string {
  if (!CODE.test(code)) throw badUserInput(`${argument} expects a store code such as NRD01 (1 to 32 letters, digits, - or _), got ${JSON.stringify(code)}`, argument);
  return code;
}

function recordNumber(number: string, argument: string, example: string): string {
  if (!NUMBER.test(number)) throw badUserInput(`${argument} expects a number such as ${example} (1 to 64 letters, digits, - or _), got ${JSON.stringify(number)}`, argument);
  return number;
}

function firstOf(first: number | null | undefined): number {
  const value = first ?? 20;
  if (!Number.isInteger(value) || value < 0 || value > MAX_FIRST) throw badUserInput(`first must be from 0 to ${MAX_FIRST}, got ${first}`, 'first');
  return value;
}

/** The stores asked for, null for every store; each code checked. */
function storeCodesOf(codes: readonly string[] | null | undefined): string[] | null {
  if (codes === null || codes === undefined) return null;
  if (codes.length > MAX_STORE_CODES) throw badUserInput(`storeCodes takes at most ${MAX_STORE_CODES} codes, got ${codes.length}`, 'storeCodes');
  return codes.map((code) => storeCode(code, 'storeCodes'));
}

const isActive = (activeAt: string | null | undefined) => (from: string, to: string | null) =>
  !activeAt || (Date.parse(from) <= Date.parse(activeAt) && (to === null || Date.parse(activeAt) <= Date.parse(to)));

/**
 * Promotions without duplicates (one row per item or store), optionally only those running at
 * `activeAt` (start included, end excluded, as every promotion: docs/pricing.md).
 */
function promotions(records: readonly PromotionRecord[], activeAt: string | null | undefined): Promotion[] {
  const atMs = activeAt ? Date.parse(activeAt) : null;
  const byId = new Map<string, Promotion>();
  for (const { promotion } of records) {
    if (atMs === null || runsAt(promotion, atMs)) byId.set(promotion.id, promotion);
  }
  return [...byId.values()].sort((a, b) => (a.startsAt ?? '').localeCompare(b.startsAt ?? '') || a.id.localeCompare(b.id));
}

/** Records of several lookups merged without duplicates, most recent first, at most `first`. */
function mostRecent<R extends { franchise: string; number: string }>(lists: readonly R[][], at: (record: R) => string, first: number): R[] {
  const byNumber = new Map<string, R>();
  for (const record of lists.flat()) byNumber.set(`${record.franchise}:${record.number}`, record);
  return [...byNumber.values()].sort((a, b) => at(b).localeCompare(at(a)) || a.number.localeCompare(b.number)).slice(0, first);
}

async function forLookups<R>(lookups: readonly PosLookup[], loader: { load(key: string): Promise<R[]> }): Promise<R[][]> {
  return Promise.all(lookups.map((lookup) => loader.load(lookupKey(lookup))));
}

interface CustomerRepresentation {
  id: string;
  identities?: IdentityInput[] | null;
}

interface ProductArgs {
  storeCodes?: string[] | null;
  activeAt?: string | null;
}

/** Key of the product in the stores asked for; null when no store was asked for at all. */
function productItem(product: { gtin: string | null }, storeCodes: string[] | null | undefined): string | null {
  const stores = storeCodesOf(storeCodes);
  if (product.gtin === null || !isValidGtin(product.gtin)) return null;
  if (stores !== null && stores.length === 0) return null;
  return itemKey(toGtin14(product.gtin), stores);
}

/** A return line as an order line: what came back counts negative, at the unit price the refund works out to. */
function returnOrderLine(line: StoreReturnLineRecord): OrderLineRecord {
  const { currency, amount } = line.refund;
  return {
    lineNumber: line.lineNumber,
    product: line.product,
    sku: null,
    gtin: line.gtin,
    localCode: line.localCode,
    label: null,
    quantity: -line.quantity,
    unitPrice: { amount: line.quantity === 0 ? amount : Math.round(amount / line.quantity), currency },
    discount: null,
    lineTotal: { amount: -amount, currency },
  };
}

/** The seller of a receipt, return or quote, with the store that makes their code unique. */
const sellerOf = (record: { seller: { code: string; name: string | null } | null; storeCode: string }) => (record.seller ? { ...record.seller, storeCode: record.storeCode } : null);

/**
 * The store a record names. `store` is never null in the schema: a record of a store the
 * directory does not list (closed since, or mistyped at the till) is an error on that field
 * naming the store, as the franchise's data breaks the directory's contract.
 */
async function storeNamed({ loaders }: PosContext, code: string, what: string): Promise<StoreEntry> {
  const store = await loaders.store.load(code);
  if (store === null) throw sourceError('pos', new SourceFailure('badResponse', `${what} names store ${JSON.stringify(code)}, which the POS directory does not list`));
  return store;
}

/** Returns, most recent first. */
function newestReturns(returns: readonly StoreReturnRecord[]): StoreReturnRecord[] {
  return [...returns].sort((a, b) => b.returnedAt.localeCompare(a.returnedAt) || a.number.localeCompare(b.number));
}

const bySale = (s: StoreSaleRecord) => s.placedAt;
const byReturn = (r: StoreReturnRecord) => r.returnedAt;
const byQuote = (q: QuoteRecord) => q.createdAt;

export const resolvers: GraphQLResolverMap<PosContext> = {
  DateTime,
  ...promotionResolvers,

  Query: {
    store: (_: unknown, { code }: { code: string }, { loaders }: PosContext) => loaders.store.load(storeCode(code, 'code')),
    stores: async (_: unknown, { franchise }: { franchise?: string | null }, { loaders }: PosContext) => {
      const directory = await loaders.directory();
      // A copy: the directory's own list is shared by every field of the request.
      return franchise === null || franchise === undefined ? [...directory.stores] : directory.storesOf(franchise);
    },
    storesNear: async (
      _: unknown,
      { near, first, clickAndCollect, franchise }: { near: GeoInput; first?: number | null; clickAndCollect?: boolean | null; franchise?: string | null },
      { loaders }: PosContext,
    ) => {
      const limit = nearFirst(first);
      checkNear(near);
      const directory = await loaders.directory();
      return nearestStores(directory, originOf(near, directory), { first: limit, clickAndCollect, franchise });
    },
    franchises: async (_: unknown, __: unknown, { loaders }: PosContext) => [...(await loaders.directory()).franchises],
    storeSale: async (_: unknown, { number }: { number: string }, { loaders, principal }: PosContext) =>
      visibleRecord(principal, await loaders.sale.load(recordNumber(number, 'number', 'NRD01-0004711')), `receipt ${number}`, 'lookup'),
    quote: async (_: unknown, { number }: { number: string }, { loaders, principal }: PosContext) =>
      visibleRecord(principal, await loaders.quote.load(recordNumber(number, 'number', 'Q-NRD01-000042')), `quote ${number}`, 'lookup'),
  },

  Order: {
    __resolveType: (record: StoreSaleRecord | StoreReturnRecord) => ('returnedAt' in record ? 'StoreReturn' : 'StoreSale'),
  },

  Franchise: {
    __resolveReference: ({ code }: { code: string }, { loaders }: PosContext) => loaders.franchise.load(code),
    stores: async (franchise: FranchiseEntry, _: unknown, { loaders }: PosContext) => (await loaders.directory()).storesOf(franchise.code),
  },

  Store: {
    __resolveReference: ({ code }: { code: string }, { loaders }: PosContext) => loaders.store.load(code),
    franchise: async (store: StoreEntry, _: unknown, { loaders }: PosContext) => {
      const franchise = await loaders.franchise.load(store.franchise);
      if (franchise === null) throw sourceError('pos', new SourceFailure('badResponse', `store ${store.code} names franchise ${JSON.stringify(store.franchise)}, which the POS directory does not list`));
      return franchise;
    },
    ratings: (store: StoreEntry, _: unknown, { loaders, principal }: PosContext) => {
      // The answers name receipts: a store's team reads its own store's, a partner its franchise's.
      if (principal.role === 'associate' && principal.store !== store.code) throw accessDenied(principal, `an associate reads the ratings of their own store, not ${store.code}'s`);
      if (principal.role === 'partner' && principal.franchise !== store.franchise) throw accessDenied(principal, `a partner reads the ratings of its own franchise's stores, not ${store.code}'s`);
      return loaders.storeRatings.load(store.code);
    },
    promotions: async (store: StoreEntry, { activeAt }: { activeAt?: string | null }, { loaders }: PosContext) =>
      promotions(await loaders.storePromotions.load(store.code), activeAt),
    quotes: async (store: StoreEntry, { status, expiringBefore, first }: { status?: QuoteStatus | null; expiringBefore?: string | null; first?: number | null }, { loaders, principal }: PosContext) => {
      const limit = first ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw badUserInput(`first must be from 1 to 200, got ${first}`, 'first');
      if (principal.role === 'associate' && principal.store !== store.code) throw accessDenied(principal, `an associate follows up their own store's quotes, not ${store.code}'s`);
      if (principal.role === 'partner' && principal.franchise !== store.franchise) throw accessDenied(principal, `store ${store.code} is not one of ${principal.franchise}'s`);
      const before = expiringBefore ? Date.parse(expiringBefore) : null;
      return (await loaders.quotesOfStore.load(store.code))
        .filter((quote) => (!status || quote.status === status) && (before === null || Date.parse(quote.validUntil) < before))
        .sort((a, b) => a.validUntil.localeCompare(b.validUntil) || a.number.localeCompare(b.number))
        .slice(0, limit);
    },
  },

  StoreRatings: {
    recent: (ratings: StoreRatingsRecord, { first }: { first?: number | null }) => {
      const count = first ?? 10;
      if (!Number.isInteger(count) || count < 0 || count > MAX_RECENT_RATINGS) throw badUserInput(`first must be an integer from 0 to ${MAX_RECENT_RATINGS}, got ${count}`, 'first');
      return ratings.recent.slice(0, count);
    },
  },

  StoreRating: {
    receipt: async (rating: RatingRecord, _: unknown, { loaders, principal }: PosContext) =>
      visibleRecord(principal, await loaders.sale.load(rating.receiptNumber), `receipt ${rating.receiptNumber}`, 'reference'),
  },

  StoreSale: {
    __resolveReference: async ({ id }: { id: string }, { loaders, principal }: PosContext) => visibleRecord(principal, await loaders.sale.load(id), `receipt ${id}`, 'reference'),
    store: (sale: StoreSaleRecord, _: unknown, context: PosContext) => storeNamed(context, sale.storeCode, `receipt ${sale.number}`),
    returns: async (sale: StoreSaleRecord, _: unknown, { loaders }: PosContext) => newestReturns(await loaders.returnsOfReceipt.load(sale.number)),
    rating: (sale: StoreSaleRecord, _: unknown, { loaders }: PosContext) => loaders.ratingOfReceipt.load(sale.number),
    seller: sellerOf,
  },

  WebOrder: {
    // The whole representation: `returnState` needs the lines the planner hands over.
    __resolveReference: (order: WebOrderReference) => (typeof order.number === 'string' && NUMBER.test(order.number) ? order : null),
    returns: async (order: WebOrderReference, _: unknown, { loaders }: PosContext) => newestReturns(await loaders.returnsOfWebOrder.load(order.number)),
    returnState: async (order: WebOrderReference, _: unknown, { loaders }: PosContext) => {
      const ordered = (order.lines ?? []).reduce((sum, line) => sum + line.quantity, 0);
      const returned = (await loaders.returnsOfWebOrder.load(order.number)).reduce((sum, ret) => sum + ret.lines.reduce((n, line) => n + line.quantity, 0), 0);
      if (returned === 0) return 'NONE';
      return returned >= ordered ? 'RETURNED' : 'PARTLY_RETURNED';
    },
  },

  StoreReturn: {
    __resolveReference: async ({ id }: { id: string }, { loaders, principal }: PosContext) =>
      visibleRecord(principal, await loaders.storeReturn.load(id), `return ${id}`, 'reference'),
    id: (ret: StoreReturnRecord) => ret.number,
    channel: () => 'STORE',
    placedAt: (ret: StoreReturnRecord) => ret.returnedAt,
    total: (ret: StoreReturnRecord) => ({ amount: -ret.refund.amount, currency: ret.refund.currency }),
    lines: (ret: StoreReturnRecord) => ret.lines.map(returnOrderLine),
    items: (ret: StoreReturnRecord) => ret.lines,
    webOrder: (ret: StoreReturnRecord) => (ret.webOrderNumber ? { number: ret.webOrderNumber } : null),
    refundChannel: () => 'STORE',
    seller: sellerOf,
    store: (ret: StoreReturnRecord, _: unknown, context: PosContext) => storeNamed(context, ret.storeCode, `return ${ret.number}`),
    receipt: async (ret: StoreReturnRecord, _: unknown, { loaders, principal }: PosContext) =>
      ret.receiptNumber ? visibleRecord(principal, await loaders.sale.load(ret.receiptNumber), `receipt ${ret.receiptNumber}`, 'reference') : null,
  },

  Quote: {
    __resolveReference: async ({ number }: { number: string }, { loaders, principal }: PosContext) => visibleRecord(principal, await loaders.quote.load(number), `quote ${number}`, 'reference'),
    store: (quote: QuoteRecord, _: unknown, context: PosContext) => storeNamed(context, quote.storeCode, `quote ${quote.number}`),
    webOrder: (quote: QuoteRecord) => (quote.webOrderNumber ? { number: quote.webOrderNumber } : null),
    seller: sellerOf,
  },

  StoreStock: {
    store: (stock: StockRecord, _: unknown, context: PosContext) => storeNamed(context, stock.storeCode, `a stock row of GTIN ${stock.gtin14}`),
  },

  StorePrice: {
    store: (price: PriceRecord, _: unknown, context: PosContext) => storeNamed(context, price.storeCode, `a price row of ${price.gtin14 !== null ? `GTIN ${price.gtin14}` : `local code ${price.localCode}`}`),
  },

  Product: {
    // The POS has no product table: any valid GTIN is a product it can answer for (with
    // empty lists when no store has it); the fields go through the loaders. The representation
    // is kept whole: `availability` reads the aliases and web availability the planner added.
    // A product without a GTIN is still one for `availability` when a franchise knows it by a
    // local code of its own. A representation may leave the nullable `gtin` out; a parent has it, null then.
    __resolveReference: (product: Omit<ProductRepresentation, 'gtin'> & { gtin?: string | null }): ProductRepresentation | null => {
      if (typeof product.gtin === 'string' && isValidGtin(product.gtin)) return { ...product, gtin: product.gtin };
      return localCodesOf(product.aliases).length > 0 ? { ...product, gtin: null } : null;
    },
    availability: (product: ProductRepresentation, args: { near?: GeoInput | null; first?: number | null }, context: PosContext) =>
      productAvailability(product, args, context),
    storeAvailability: async (product: ProductRepresentation, args: { near?: GeoInput | null; first?: number | null }, context: PosContext) =>
      (await productAvailability(product, args, context)).stores,
    storeStock: async (product: { gtin: string | null }, { storeCodes }: ProductArgs, { loaders, principal }: PosContext) => {
      const key = productItem(product, storeCodes);
      if (key === null) return [];
      return (await ownStoreRows(principal, loaders, await loaders.stock.load(key))).sort((a, b) => a.storeCode.localeCompare(b.storeCode));
    },
    storePrices: async (product: { gtin: string | null }, { storeCodes, activeAt }: ProductArgs, { loaders, principal }: PosContext) => {
      const key = productItem(product, storeCodes);
      if (key === null) return [];
      const active = isActive(activeAt);
      return (await ownStoreRows(principal, loaders, await loaders.prices.load(key)))
        .filter((price) => active(price.validFrom, price.validTo))
        .sort((a, b) => a.storeCode.localeCompare(b.storeCode) || a.validFrom.localeCompare(b.validFrom));
    },
    storePromotions: async (product: { gtin: string | null }, { storeCodes, activeAt }: ProductArgs, { loaders }: PosContext) => {
      const key = productItem(product, storeCodes);
      if (key === null) return [];
      return promotions(await loaders.itemPromotions.load(key), activeAt);
    },
  },

  LoyaltyCard: {
    // Cards belong to the loyalty system; the POS only knows the receipts that carry them.
    __resolveReference: ({ number }: { number: string }) => (isCardNumber(number) ? { number: number.trim() } : null),
    storeReceipts: async (card: { number: string }, { first }: { first?: number | null }, { loaders }: PosContext) =>
      mostRecent(await forLookups([cardLookup(card.number)], loaders.salesFor), bySale, firstOf(first)),
    storeReturns: async (card: { number: string }, { first }: { first?: number | null }, { loaders }: PosContext) =>
      mostRecent(await forLookups([cardLookup(card.number)], loaders.returnsFor), byReturn, firstOf(first)),
    quotes: async (card: { number: string }, { first }: { first?: number | null }, { loaders }: PosContext) =>
      mostRecent(await forLookups([cardLookup(card.number)], loaders.quotesFor), byQuote, firstOf(first)),
  },

  Customer: {
    storeSales: async (customer: CustomerRepresentation, { first }: { first?: number | null }, { loaders }: PosContext) => {
      const limit = firstOf(first);
      return mostRecent(await forLookups(lookupsOf(customer.identities), loaders.salesFor), bySale, limit);
    },
    storeReturns: async (customer: CustomerRepresentation, { first }: { first?: number | null }, { loaders }: PosContext) => {
      const limit = firstOf(first);
      return mostRecent(await forLookups(lookupsOf(customer.identities), loaders.returnsFor), byReturn, limit);
    },
    quotes: async (customer: CustomerRepresentation, { first, status }: { first?: number | null; status?: QuoteStatus | null }, { loaders }: PosContext) => {
      const limit = firstOf(first);
      const all = (await forLookups(lookupsOf(customer.identities), loaders.quotesFor)).map((list) => list.filter((quote) => !status || quote.status === status));
      return mostRecent(all, byQuote, limit);
    },
  },
} satisfies Resolvers;
