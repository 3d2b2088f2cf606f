import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { displayEmail } from '../../utilities/email.js';
import { badUserInput } from '../shared/errors.js';
import { accessDenied } from '../shared/principal.js';
import { promotionResolvers } from '../shared/promotions.js';
import { DateTime } from '../shared/scalars.js';
import type { EcommerceLoaders, PromotionFilter } from './loaders.js';
import type { Resolvers } from './generated/types.js';
import {
  byMostRecent,
  lowersProductPrice,
  reviewSummary,
  type ProductParent,
  type WebAccount,
  type WebOrder,
  type WebOrderLine,
  type WebOrderStatus,
  type WebProduct,
  type WebReview,
} from './mappers.js';
import type { RequestIdentity } from '../shared/subgraphServer.js';

export interface EcommerceContext extends RequestIdentity {
  loaders: EcommerceLoaders;
  /** Epoch milliseconds: the instant at which "running now" is judged. */
  now: () => number;
}

/** The platform's integer ids, as the graph writes them: digits, no leading zero. */
const ACCOUNT_ID = /^(0|[1-9]\d{0,14})$/;
const STORE_CODE = /^[A-Za-z0-9_-]{1,32}$/;
/** What a store's team has to do: prepare the paid orders, hand over the ready ones. */
const PICKUP_STATUSES: readonly WebOrderStatus[] = ['PAID', 'READY_FOR_PICKUP'];

/** A web order number as the platform prints it: no spaces or commas (the batch separator). */
const ORDER_NUMBER = /^[^\s,]{1,64}$/;
/** Most orders one `orders` or `webOrders` field returns. */
export const MAX_FIRST = 200;
const DEFAULT_FIRST = 20;

interface IdentityRepresentation {
  system?: unknown;
  localId?: unknown;
}

interface CustomerRepresentation {
  id: string;
  identities?: IdentityRepresentation[] | null;
}

export const resolvers: GraphQLResolverMap<EcommerceContext> = {
  DateTime,
  ...promotionResolvers,

  Query: {
    webAccount: (_: unknown, { id }: { id: string }, { loaders }: EcommerceContext) => {
      if (!ACCOUNT_ID.test(id)) throw badUserInput(`webAccount: id must be a web account id (digits, no leading zero), got ${JSON.stringify(id)}`, 'id');
      return loaders.account.load(id);
    },

    webAccountsByEmail: (_: unknown, { email }: { email: string }, { loaders }: EcommerceContext) => {
      const address = displayEmail(email);
      if (address === null) throw badUserInput(`webAccountsByEmail: email must be an address like name@example.com, got ${JSON.stringify(email)}`, 'email');
      return loaders.accountsByEmail.load(address.toLowerCase());
    },

    webOrder: async (_: unknown, { number }: { number: string }, { loaders, principal }: EcommerceContext) => {
      const trimmed = number.trim();
      // The entities' bound (64 characters) here too: a longer number is no order, and would
      // otherwise go to the platform in a URL of up to the request's 256 KiB.
      if (!ORDER_NUMBER.test(trimmed)) {
        throw badUserInput(`webOrder: number must be a web order number such as W1000145 (no spaces or commas, at most 64 characters), got ${JSON.stringify(number.slice(0, 100))}`, 'number');
      }
      const order = await loaders.orderByNumber.load(trimmed);
      // An associate hands over click-and-collect orders at their own store, and sees those only.
      if (order && principal.role === 'associate' && order.fulfilment.store?.code !== principal.store) {
        throw accessDenied(principal, `web order ${trimmed} is not collected at ${principal.store}`);
      }
      return order;
    },

    webPromotions: (_: unknown, { activeAt, code }: { activeAt?: string | null; code?: string | null }, { loaders }: EcommerceContext) => {
      const filter: PromotionFilter = {};
      if (activeAt != null) filter.activeAt = activeAt;
      if (code != null) {
        filter.code = code.trim();
        if (filter.code === '') throw badUserInput(`webPromotions: code must not be blank, got ${JSON.stringify(code)}`, 'code');
      }
      return loaders.promotions.load(JSON.stringify(filter));
    },
  },

  WebAccount: {
    __resolveReference: ({ id }: { id: string }, { loaders }: EcommerceContext) => (ACCOUNT_ID.test(id) ? loaders.account.load(id) : null),
    addresses: (account: WebAccount, _: unknown, { loaders }: EcommerceContext) => loaders.addresses.load(account.id),
    orders: async (account: WebAccount, { first }: { first?: number | null }, { loaders }: EcommerceContext) => {
      const count = firstArgument(first);
      return (await loaders.ordersByAccount.load(account.id)).slice(0, count);
    },    reviews: (account: WebAccount, _: unknown, { loaders }: EcommerceContext) => loaders.reviewsByAccount.load(account.id),
    serviceContacts: (account: WebAccount, _: unknown, { loaders }: EcommerceContext) => loaders.serviceContacts.load(account.id),
  },

  WebReview: {
    product: (review: WebReview) => ({ webSku: review.sku }),
  },

  Store: {
    __resolveReference: ({ code }: { code: string }) => (typeof code === 'string' && STORE_CODE.test(code) ? { code } : null),
    async pickups(store: { code: string }, { status, first }: { status?: WebOrderStatus[] | null; first?: number | null }, { loaders, principal }: EcommerceContext) {
      const count = firstArgument(first);
      if (count < 1) throw badUserInput(`first must be from 1 to ${MAX_FIRST}, got ${first}`, 'first');
      if (principal.role === 'associate' && principal.store !== store.code) throw accessDenied(principal, `an associate sees the pickups of their own store, not ${store.code}'s`);
      const wanted = new Set(status ?? PICKUP_STATUSES);
      return (await loaders.pickups.load(store.code))
        .filter((order) => wanted.has(order.status))
        .sort((a, b) => a.placedAt.localeCompare(b.placedAt) || a.number.localeCompare(b.number))
        .slice(0, count);
    },
  },

  WebOrder: {
    __resolveReference: ({ id, number }: { id?: string; number?: string }, { loaders }: EcommerceContext) => {
      if (typeof id === 'string') return ACCOUNT_ID.test(id) ? loaders.orderById.load(id) : null;
      return typeof number === 'string' && ORDER_NUMBER.test(number) ? loaders.orderByNumber.load(number) : null;
    },
    account: (order: WebOrder, _: unknown, { loaders }: EcommerceContext) => loaders.account.load(order.accountId),
  },

  OrderLine: {
    gtin: async (line: WebOrderLine, _: unknown, { loaders }: EcommerceContext) => (await loaders.product.load(line.sku))?.gtin ?? null,
    localCode: async (line: WebOrderLine, _: unknown, { loaders }: EcommerceContext) => (await loaders.product.load(line.sku))?.localCode ?? null,
    label: async (line: WebOrderLine, _: unknown, { loaders }: EcommerceContext) => (await loaders.product.load(line.sku))?.webTitle ?? null,
  },

  Product: {
    // Resolved field by field, so that the platform failing nulls each web field with its own error.
    __resolveReference: (product: { webSku: string | null }) => product,
    webTitle: async (product: ProductParent, _: unknown, { loaders }: EcommerceContext) => (await described(product, loaders))?.webTitle ?? null,
    webPrice: async (product: ProductParent, _: unknown, { loaders }: EcommerceContext) => (await described(product, loaders))?.webPrice ?? null,
    webAvailable: async (product: ProductParent, _: unknown, { loaders }: EcommerceContext) => (await described(product, loaders))?.webAvailable ?? null,
    webPromotions: async (product: ProductParent, _: unknown, { loaders, now }: EcommerceContext) => {
      const [known, rules] = await Promise.all([described(product, loaders), loaders.cartRules()]);
      if (!known) return [];
      const at = now();
      return rules.filter((rule) => lowersProductPrice(rule, known.webSku, at)).map((rule) => rule.promotion);
    },    reviews: async (product: ProductParent, { first }: { first?: number | null }, { loaders }: EcommerceContext) => {
      const count = first ?? 10;
      if (!Number.isInteger(count) || count < 0 || count > MAX_REVIEWS) throw badUserInput(`first must be an integer from 0 to ${MAX_REVIEWS}, got ${count}`, 'first');
      const sku = skuOf(product);
      return sku === null ? [] : (await loaders.productReviews.load(sku)).slice(0, count);
    },
    reviewSummary: async (product: ProductParent, _: unknown, { loaders }: EcommerceContext) => {
      // A product the shop does not sell has no page to review it on: null, not zero.
      const known = await described(product, loaders);
      return known ? reviewSummary(await loaders.productReviews.load(known.webSku)) : null;
    },
  },

  Customer: {
    webAccounts: async (customer: CustomerRepresentation, _: unknown, { loaders }: EcommerceContext) => {
      const accounts = await loaders.account.loadMany(webAccountIds(customer));
      return settled(accounts).filter((account): account is WebAccount => account !== null);
    },
    webOrders: async (customer: CustomerRepresentation, { first }: { first?: number | null }, { loaders }: EcommerceContext) => {
      const count = firstArgument(first);
      const orders = settled(await loaders.ordersByAccount.loadMany(webAccountIds(customer)));
      return orders.flat().sort(byMostRecent).slice(0, count);
    },
  },
} satisfies Resolvers;

/**
 * The web account ids among a customer's identities. Only this system's identities count;
 * a local id that cannot be a web account id cannot name an account, so it is passed over.
 */
function webAccountIds(customer: CustomerRepresentation): string[] {
  const ids = (customer.identities ?? [])
    .filter((identity) => identity?.system === 'ECOMMERCE' && typeof identity.localId === 'string' && ACCOUNT_ID.test(identity.localId))
    .map((identity) => identity.localId as string);
  return [...new Set(ids)];
}

/**
 * A product a line or the planner names carries only its SKU: the platform's record is loaded
 * for the rest. A product without a web SKU (a store-only range) is one the shop does not
 * sell: its web fields are null, not an error.
 */
async function described(product: ProductParent, loaders: EcommerceLoaders): Promise<WebProduct | null> {
  if ('webTitle' in product) return product;
  return typeof product.webSku === 'string' && product.webSku !== '' ? loaders.product.load(product.webSku) : null;
}

/** Most reviews one `Product.reviews` returns. */
const MAX_REVIEWS = 50;

/** The web SKU a product is known by here, or null (a store-only range). */
function skuOf(product: ProductParent): string | null {
  return typeof product.webSku === 'string' && product.webSku !== '' ? product.webSku : null;
}

function firstArgument(first: number | null | undefined): number {
  const count = first ?? DEFAULT_FIRST;
  if (count < 0 || count > MAX_FIRST) throw badUserInput(`first must be an integer from 0 to ${MAX_FIRST}, got ${count}`, 'first');
  return count;
}

/** The values of a loadMany, or the first error among them. */
function settled<T>(results: Array<T | Error>): T[] {
  const failure = results.find((result): result is Error => result instanceof Error);
  if (failure) throw failure;
  return results as T[];
}
