import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput, SourceFailure, sourceError } from '../shared/errors.js';
import { promotionResolvers } from '../shared/promotions.js';
import { DateTime } from '../shared/scalars.js';
import { selectsBelow } from '../shared/selection.js';
import { PIM_PAGE_LIMIT, pimProblemOf } from './client.js';
import type { CatalogueContext } from './context.js';
import type { Resolvers } from './generated/types.js';
import { ALL_CAMPAIGNS } from './loaders.js';
import {
  categoryPath,
  covers,
  gtinKey,
  gtinProblem,
  isActiveAt,
  isBatchable,
  localized,
  normaliseCatalogueRef,
  toPromotion,
  type CampaignRecord,
  type Locale,
  type ProductRecord,
} from './mappers.js';

/** Most refs `products(catalogueRefs:)` takes in one query (two PIM calls). */
export const MAX_PRODUCTS = 500;

/** Products per page of `productsByCategory` when `first` is not given. */
export const DEFAULT_PAGE_SIZE = 20;

type ProductKeys = { catalogueRef?: string | null; gtin?: string | null; webSku?: string | null; tillRef?: string | null };

/** A till's code with its franchise, `NRD:L0042` or `NRD:3560070123458`. */
const TILL_REF = /^([A-Za-z0-9_-]{1,32}):([^\s:]{1,64})$/;
type CampaignArgs = { activeAt?: string | null; channel?: 'WEB' | 'STORE' | null; locale: Locale };

const REF_FORM = 'a catalogue ref is eight digits written 702.611.50';

/**
 * Loads a product by whichever key is given, through the loaders. A value that cannot be
 * a key of that kind (a malformed ref, an invalid GTIN) is not known here: null, no call.
 */
function loadProduct({ catalogueRef, gtin, webSku, tillRef }: ProductKeys, context: CatalogueContext): Promise<ProductRecord | null> | null {
  const { loaders } = context;
  if (typeof tillRef === 'string') return loadByTillRef(tillRef, context);
  if (typeof catalogueRef === 'string') {
    const ref = normaliseCatalogueRef(catalogueRef);
    return ref === null ? null : loaders.productByRef.load(ref);
  }
  if (typeof gtin === 'string') {
    const key = gtinKey(gtin);
    return key === null ? null : loaders.productByGtin.load(key);
  }
  if (typeof webSku === 'string') return isBatchable(webSku) ? loaders.productByWebSku.load(webSku) : null;
  return null;
}

/**
 * The product a till rang up: by its EAN when the code is a valid GTIN, else by the
 * franchise's POS code alias. The product answers with the till reference it was reached by.
 */
async function loadByTillRef(tillRef: string, { loaders }: CatalogueContext): Promise<ProductRecord | null> {
  const match = TILL_REF.exec(tillRef);
  if (!match) return null;
  const [, franchise, code] = match as unknown as [string, string, string];
  const key = gtinKey(code);
  const product = key !== null ? await loaders.productByGtin.load(key) : isBatchable(code) ? await loaders.productByPosCode.load(`${franchise}:${code}`) : null;
  return product === null ? null : { ...product, tillRef };
}

/** A field the PIM wrote unreadably: a coded error on that field only, the rest of the product stands. */
function readable<T>(product: ProductRecord, field: keyof ProductRecord['unreadable'], value: T): T {
  const problem = product.unreadable[field];
  if (problem !== undefined) throw sourceError('catalogue', new SourceFailure('badResponse', problem));
  return value;
}

/**
 * The active campaigns, by instant and channel, worked out once per request's loaders (a
 * category page asks for 50 products' campaigns, and a batch of operations shares its loaders).
 */
const activeByLoaders = new WeakMap<CatalogueContext['loaders'], Map<string, CampaignRecord[] | Promise<CampaignRecord[]>>>();

/** Every campaign, once a request's loaders have read them. */
const readByLoaders = new WeakMap<CatalogueContext['loaders'], CampaignRecord[]>();

function readCampaigns(loaders: CatalogueContext['loaders']): Promise<CampaignRecord[]> {
  return loaders.campaigns.load(ALL_CAMPAIGNS).then((campaigns) => {
    readByLoaders.set(loaders, campaigns);
    return campaigns;
  });
}

/**
 * The campaigns active at `activeAt` (default: the request's now) on `channel`: the list itself
 * once the request has read the campaigns, so that a product's `campaigns` answers at once
 * (50 products' fields on a category page, none of them waiting), else its promise.
 */
function activeCampaigns({ activeAt, channel }: CampaignArgs, { loaders, now }: CatalogueContext): CampaignRecord[] | Promise<CampaignRecord[]> {
  const atMs = activeAt ? Date.parse(activeAt) : now;
  let known = activeByLoaders.get(loaders);
  if (!known) activeByLoaders.set(loaders, (known = new Map()));
  const key = `${atMs}|${channel ?? ''}`;
  let active = known.get(key);
  if (!active) {
    const activeIn = (campaigns: CampaignRecord[]) => campaigns.filter((campaign) => isActiveAt(campaign, atMs) && (!channel || campaign.channels.includes(channel)));
    const read = readByLoaders.get(loaders);
    if (read) active = activeIn(read);
    else {
      const pending = readCampaigns(loaders).then(activeIn);
      // Once read, the list itself is kept in the promise's place.
      pending.then((value) => known.set(key, value), () => undefined);
      active = pending;
    }
    known.set(key, active);
  }
  return active;
}

/**
 * Starts reading the campaigns when the products a root field answers will be asked for theirs:
 * the list does not depend on the products, so the two PIM calls go out together rather than one
 * after the other. A failure is reported where the campaigns are read.
 */
function campaignsAlongside(info: GraphQLResolveInfo, { loaders }: CatalogueContext): void {
  if (selectsBelow(info, 'campaigns')) readCampaigns(loaders).catch(() => undefined);
}

export const resolvers: GraphQLResolverMap<CatalogueContext> = {
  DateTime,
  ...promotionResolvers,

  Query: {
    product(_: unknown, args: ProductKeys, context: CatalogueContext, info: GraphQLResolveInfo) {
      const given = (['catalogueRef', 'gtin', 'webSku'] as const).filter((name) => args[name] !== undefined && args[name] !== null);
      if (given.length !== 1) {
        throw badUserInput(`product takes exactly one of catalogueRef, gtin or webSku; got ${given.length === 0 ? 'none' : given.join(' and ')}`);
      }
      const { catalogueRef, gtin, webSku } = args;
      if (typeof catalogueRef === 'string' && normaliseCatalogueRef(catalogueRef) === null) {
        throw badUserInput(`catalogueRef ${JSON.stringify(catalogueRef)} is not a catalogue ref: ${REF_FORM}`, 'catalogueRef');
      }
      if (typeof gtin === 'string') {
        const problem = gtinProblem(gtin);
        if (problem !== null) throw badUserInput(`gtin ${JSON.stringify(gtin)} is not a valid GTIN: ${problem}`, 'gtin');
      }
      if (webSku === '') throw badUserInput('webSku must not be empty', 'webSku');
      campaignsAlongside(info, context);
      return loadProduct(args, context);
    },

    products(_: unknown, { catalogueRefs }: { catalogueRefs: string[] }, context: CatalogueContext, info: GraphQLResolveInfo) {
      if (catalogueRefs.length > MAX_PRODUCTS) {
        throw badUserInput(`products takes at most ${MAX_PRODUCTS} catalogueRefs per query, got ${catalogueRefs.length}; split the list`, 'catalogueRefs');
      }
      const refs = catalogueRefs.map((value, i) => {
        const ref = normaliseCatalogueRef(value);
        if (ref === null) throw badUserInput(`catalogueRefs[${i}] ${JSON.stringify(value)} is not a catalogue ref: ${REF_FORM}`, 'catalogueRefs');
        return ref;
      });
      campaignsAlongside(info, context);
      // loadMany keeps the order and puts a failed ref's error at its own position.
      return context.loaders.productByRef.loadMany(refs);
    },

    async productsByCategory(_: unknown, { category, first, after }: { category: string; first?: number | null; after?: string | null }, context: CatalogueContext, info: GraphQLResolveInfo) {
      const path = categoryPath(category);
      if (path === null) throw badUserInput(`category must be a path like "Chaussures > Running", got ${JSON.stringify(category)}`, 'category');
      const limit = first ?? DEFAULT_PAGE_SIZE;
      if (limit < 1 || limit > PIM_PAGE_LIMIT) throw badUserInput(`first must be from 1 to ${PIM_PAGE_LIMIT}, got ${limit}`, 'first');
      if (after === '') throw badUserInput('after must be a cursor from pageInfo.endCursor, got ""', 'after');
      campaignsAlongside(info, context);
      let page;
      try {
        page = await context.loaders.categoryPage.load({ category: path.join(' > '), limit, ...(after ? { cursor: after } : {}) });
      } catch (error) {
        if (pimProblemOf(error) === 'invalid-cursor') {
          throw badUserInput(`after ${JSON.stringify(after)} is not a cursor of this listing: pass pageInfo.endCursor back unchanged, with the same category`, 'after');
        }
        throw error;
      }
      const nodes = page.items;
      for (const node of nodes) context.loaders.productByRef.prime(node.catalogueRef, node);
      return { nodes, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
    },

    async campaigns(_: unknown, args: CampaignArgs, context: CatalogueContext) {
      return (await activeCampaigns(args, context)).map((campaign) => toPromotion(campaign, args.locale));
    },
  },

  Product: {
    __resolveReference(reference: ProductKeys, context: CatalogueContext) {
      return loadProduct(reference, context);
    },
    name: (product: ProductRecord, { locale }: { locale: Locale }) => localized(product.name, locale),
    description: (product: ProductRecord, { locale }: { locale: Locale }) => localized(product.description, locale),
    status: (product: ProductRecord) => readable(product, 'status', product.status),
    listPrice: (product: ProductRecord) => readable(product, 'listPrice', product.listPrice),
    updatedAt: (product: ProductRecord) => readable(product, 'updatedAt', product.updatedAt),
    campaigns(product: ProductRecord, args: CampaignArgs, context: CatalogueContext) {
      const own = (campaigns: CampaignRecord[]) => campaigns.filter((campaign) => covers(campaign, product)).map((campaign) => toPromotion(campaign, args.locale));
      const active = activeCampaigns(args, context);
      return Array.isArray(active) ? own(active) : active.then(own);
    },
  },
} satisfies Resolvers;
