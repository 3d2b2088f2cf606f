import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import { emailKey } from '../../utilities/email.js';
import { SourceFailure, sourceError } from '../shared/errors.js';
import type { CacheKind, LegacySource } from '../shared/source.js';
import type { EcommerceClient, WireAddress, WireCartRule, WireCustomer, WireOrder, WireReview, WireServiceContact } from './client.js';
import {
  MalformedRecord,
  byMostRecent,
  toCartRule,
  toWebAccount,
  toWebAddress,
  toWebOrder,
  toWebProduct,
  toServiceContact,
  toWebReview,
  reviewsNewestFirst,
  type ServiceContact,
  type WebReview,
  type CartRule,
  type Promotion,
  type WebAccount,
  type WebAddress,
  type WebOrder,
  type WebProduct,
} from './mappers.js';

/**
 * How long each kind of record stays fresh in the cross-request cache. Accounts and orders
 * change as customers shop (and a newsletter choice must show soon); products, addresses
 * and cart rules change rarely.
 */
export const CACHE_KINDS = {
  account: { name: 'account', ttlMs: 60_000 },
  accountsByEmail: { name: 'accountsByEmail', ttlMs: 60_000 },
  addresses: { name: 'addresses', ttlMs: 300_000 },
  ordersByAccount: { name: 'ordersByAccount', ttlMs: 30_000 },
  orderById: { name: 'orderById', ttlMs: 30_000 },
  orderByNumber: { name: 'orderByNumber', ttlMs: 30_000 },
  ordersByQuote: { name: 'ordersByQuote', ttlMs: 30_000 },
  /** A store's team watches its pickups: short-lived. */
  pickups: { name: 'pickups', ttlMs: 10_000 },
  product: { name: 'product', ttlMs: 300_000 },
  cartRules: { name: 'cartRules', ttlMs: 60_000 },
  /** Moderation publishes a few reviews an hour: a page may lag by minutes. */
  productReviews: { name: 'productReviews', ttlMs: 300_000 },
  reviewsByAccount: { name: 'reviewsByAccount', ttlMs: 60_000 },
  serviceContacts: { name: 'serviceContacts', ttlMs: 60_000 },
} as const satisfies Record<string, CacheKind>;

/** The filter of a `webPromotions` query, as sent to the platform. */
export interface PromotionFilter {
  activeAt?: string;
  code?: string;
}

/** One request's loaders: each batches and dedupes the keys asked for during that request. */
export interface EcommerceLoaders {
  /** By account id (digits). */
  account: DataLoader<string, WebAccount | null>;
  /** By email key (trimmed, lower case): every account under that address, by id. */
  accountsByEmail: DataLoader<string, WebAccount[]>;
  /** By account id, in address id order. */
  addresses: DataLoader<string, WebAddress[]>;
  /** By account id, most recent first. */
  ordersByAccount: DataLoader<string, WebOrder[]>;
  orderById: DataLoader<string, WebOrder | null>;
  orderByNumber: DataLoader<string, WebOrder | null>;
  /** By store quote number: the web orders that finished it (one call per quote: the platform has no batch filter on it). */
  ordersByQuote: DataLoader<string, WebOrder[]>;
  /** By store code: the click-and-collect orders collected there (one call per store). */
  pickups: DataLoader<string, WebOrder[]>;
  /** By web SKU. */
  product: DataLoader<string, WebProduct | null>;
  /** Every cart rule, read once per request. */
  cartRules(): Promise<CartRule[]>;
  /** Cart rules as the platform filters them, by the JSON of a {@link PromotionFilter}. */
  promotions: DataLoader<string, Promotion[]>;
  /** By web SKU: the product's published reviews, newest first. */
  productReviews: DataLoader<string, WebReview[]>;
  /** By account id: every review the account wrote, any status, newest first. */
  reviewsByAccount: DataLoader<string, WebReview[]>;
  /** By account id: the helpdesk's tickets, most recently opened first. */
  serviceContacts: DataLoader<string, ServiceContact[]>;
}

export interface LoaderOptions {
  /** The currency of the shop's amount cart rules, which carry none. */
  shopCurrency: string;
}

/**
 * Cart rules as mapped, by currency and by the rule read from the platform. The in-process
 * cache hands every request the same frozen rules (subgraphs/shared/cache.ts): such a rule is
 * mapped once while it is cached, not once per request (a product page maps every rule). A
 * rule that is not frozen (read from Redis, or fresh from the platform) is mapped each time.
 */
const mappedRules = new Map<string, WeakMap<WireCartRule, CartRule>>();

export function cartRuleOf(rule: WireCartRule, shopCurrency: string): CartRule {
  if (!Object.isFrozen(rule)) return toCartRule(rule, shopCurrency);
  let byRule = mappedRules.get(shopCurrency);
  if (!byRule) mappedRules.set(shopCurrency, (byRule = new WeakMap()));
  let mapped = byRule.get(rule);
  if (!mapped) byRule.set(rule, (mapped = toCartRule(rule, shopCurrency)));
  return mapped;
}

/** Builds the loaders of one request; call it in the context factory, never at module level. */
export function createLoaders(client: EcommerceClient, { shopCurrency }: LoaderOptions): EcommerceLoaders {
  const { source } = client;
  let cartRules: Promise<CartRule[]> | undefined;

  return {
    account: batchLoader(source, CACHE_KINDS.account, toWebAccount, async (ids) =>
      byKey(await client.customersByIds(ids.map(Number)), (customer) => String(customer.id)),
    ),

    accountsByEmail: batchLoader(
      source,
      CACHE_KINDS.accountsByEmail,
      (customers: WireCustomer[]) => customers.map(toWebAccount),
      async (keys) => new Map(await Promise.all(keys.map(async (key) => [key, await customersByEmailKey(client, key)] as const))),
    ) as DataLoader<string, WebAccount[]>,

    addresses: batchLoader(
      source,
      CACHE_KINDS.addresses,
      (addresses: WireAddress[]) => addresses.map(toWebAddress),
      async (ids) => groupBy(ids, await client.addressesByCustomerIds(ids.map(Number)), (address) => String(address.customer_id)),
    ) as DataLoader<string, WebAddress[]>,

    ordersByAccount: batchLoader(
      source,
      CACHE_KINDS.ordersByAccount,
      (orders: WireOrder[]) => orders.map(toWebOrder).sort(byMostRecent),
      async (ids) => groupBy(ids, await client.ordersByCustomerIds(ids.map(Number)), (order) => String(order.customer_id)),
    ) as DataLoader<string, WebOrder[]>,

    orderById: batchLoader(source, CACHE_KINDS.orderById, toWebOrder, async (ids) =>
      byKey(await client.ordersByIds(ids.map(Number)), (order) => String(order.id)),
    ),

    orderByNumber: batchLoader(source, CACHE_KINDS.orderByNumber, toWebOrder, async (numbers) =>
      byKey(await client.ordersByNumbers(numbers), (order) => order.number),
    ),

    ordersByQuote: batchLoader(
      source,
      CACHE_KINDS.ordersByQuote,
      (orders: WireOrder[]) => orders.map(toWebOrder).sort(byMostRecent),
      async (numbers) => new Map(await Promise.all(numbers.map(async (number) => [number, await client.ordersByQuoteNumber(number)] as const))),
    ) as DataLoader<string, WebOrder[]>,

    pickups: batchLoader(
      source,
      CACHE_KINDS.pickups,
      (orders: WireOrder[]) => orders.map(toWebOrder),
      async (codes) => new Map(await Promise.all(codes.map(async (code) => [code, await client.ordersForPickup(code)] as const))),
    ) as DataLoader<string, WebOrder[]>,

    product: batchLoader(source, CACHE_KINDS.product, toWebProduct, async (skus) =>
      byKey(await client.productsBySkus(skus), (product) => product.sku),
    ),

    cartRules() {
      cartRules ??= (async () => {
        const [all] = await source.cachedBatch(CACHE_KINDS.cartRules, ['all'], async () => new Map([['all', await client.cartRules()]]));
        if (all instanceof Error) throw all;
        return readable(() => (all ?? []).map((rule) => cartRuleOf(rule, shopCurrency)));
      })();
      return cartRules;
    },

    productReviews: batchLoader(
      source,
      CACHE_KINDS.productReviews,
      (reviews: WireReview[]) => reviews.map(toWebReview).sort(reviewsNewestFirst),
      async (skus) => groupBy(skus, await client.publishedReviewsBySkus(skus), (review) => review.sku),
    ) as DataLoader<string, WebReview[]>,

    reviewsByAccount: batchLoader(
      source,
      CACHE_KINDS.reviewsByAccount,
      (reviews: WireReview[]) => reviews.map(toWebReview).sort(reviewsNewestFirst),
      async (ids) => groupBy(ids, await client.reviewsByCustomerIds(ids.map(Number)), (review) => String(review.customer_id)),
    ) as DataLoader<string, WebReview[]>,

    serviceContacts: batchLoader(
      source,
      CACHE_KINDS.serviceContacts,
      (contacts: WireServiceContact[]) => contacts.map(toServiceContact).sort((a, b) => b.openedAt.localeCompare(a.openedAt) || Number(b.id) - Number(a.id)),
      async (ids) => groupBy(ids, await client.serviceContactsByCustomerIds(ids.map(Number)), (contact) => String(contact.customer_id)),
    ) as DataLoader<string, ServiceContact[]>,

    promotions: new DataLoader<string, Promotion[]>((filters) =>
      Promise.all(
        filters.map(async (json) => {
          try {
            const rules = await client.cartRules(JSON.parse(json) as PromotionFilter);
            return readable(() => rules.map((rule) => toCartRule(rule, shopCurrency).promotion));
          } catch (error) {
            return error as Error;
          }
        }),
      ),
    ),
  };
}

/**
 * Every account under one email key. The platform compares emails in lower case but does not
 * trim what it stored, and the estate holds addresses typed with a stray space before or
 * after; so the key is asked for as is and with that space on either side, and only the
 * accounts whose trimmed, lower-cased email is the key are kept.
 */
async function customersByEmailKey(client: EcommerceClient, key: string): Promise<WireCustomer[]> {
  const answers = await Promise.all([key, ` ${key}`, `${key} `].map((variant) => client.customersByEmail(variant)));
  const found = new Map<number, WireCustomer>();
  for (const customer of answers.flat()) {
    if (typeof customer.email === 'string' && emailKey(customer.email) === key) found.set(customer.id, customer);
  }
  return [...found.values()].sort((a, b) => a.id - b.id);
}

/**
 * A DataLoader over {@link LegacySource.cachedBatch}: cached records are served from the
 * cross-request cache, the rest fetched in one batched call; raw records are cached and
 * mapped per request, so a record the platform garbled fails alone, as SOURCE_BAD_RESPONSE.
 */
function batchLoader<R, V>(
  source: LegacySource,
  kind: CacheKind,
  map: (raw: R) => V,
  fetch: (keys: string[]) => Promise<ReadonlyMap<string, R>>,
): DataLoader<string, V | null> {
  return new DataLoader<string, V | null>(async (keys) => {
    const results = await source.cachedBatch<R>(kind, keys, fetch);
    return results.map((result): V | null | Error => {
      if (result === null) return null;
      if (result instanceof Error) return result;
      try {
        return readable(() => map(result as R));
      } catch (error) {
        return error as GraphQLError;
      }
    });
  });
}

/** Runs a mapping; a record the platform garbled becomes the coded SOURCE_BAD_RESPONSE error. */
function readable<T>(mapping: () => T): T {
  try {
    return mapping();
  } catch (error) {
    if (error instanceof MalformedRecord) throw sourceError('ecommerce', new SourceFailure('badResponse', error.message, undefined, { cause: error }));
    throw error;
  }
}

function byKey<T>(records: readonly T[], key: (record: T) => string): Map<string, T> {
  return new Map(records.map((record) => [key(record), record]));
}

/** Every asked-for key gets a list, empty when the platform has nothing under it. */
function groupBy<T>(keys: readonly string[], records: readonly T[], key: (record: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const record of records) groups.get(key(record))?.push(record);
  return groups;
}
