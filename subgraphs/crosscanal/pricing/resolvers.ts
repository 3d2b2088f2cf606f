import type { Resolvers } from '../generated/types.js';
import { GraphQLError } from 'graphql';
import { parseIsoInstant } from '../../../utilities/isoInstant.js';
import { badUserInput } from '../../shared/errors.js';
import { accessDenied } from '../../shared/principal.js';
import { runsAt, type Promotion, type SalesChannel } from '../../shared/promotions.js';
import type { Context } from '../context.js';
import { toleranceBasisPoints, type PlaceFinding } from './coherence.js';
import type { CoherenceReport, ReportedProduct } from './coherenceScan.js';
import { ANONYMOUS, priceOffer, shopperExclusion, type Offer, type Shopper } from './engine.js';
import { campaigns, cartRules, memberOffers, productFacts, storeEntry, storePricing, webSource, type ProductReference } from './reads.js';
import { heldMembersOf, shopperOf } from './shopper.js';

const MAX_QUANTITY = 999;
const MAX_COUPONS = 5;
const MAX_REPORT_PAGE = 500;

interface OfferArgs {
  channel: SalesChannel;
  storeCode?: string | null;
  customerId?: string | null;
  quantity?: number | null;
  couponCodes?: string[] | null;
  at?: string | null;
}

function instantArg(value: string | null | undefined, name: string, fallback: number): number {
  if (value == null) return fallback;
  const ms = parseIsoInstant(value);
  if (ms === null) throw badUserInput(`${name} must be an ISO 8601 instant, got ${JSON.stringify(value)}`, name);
  return ms;
}

/** Who may price for a customer: the customer themself, and the roles that serve customers; never a caller who is not signed in. */
function mayPriceFor(customerId: string, context: Context): void {
  const { principal } = context;
  if (principal.role === 'anonymous') throw accessDenied(principal, 'customerId: pricing for a customer needs a signed-in caller');
  if (principal.role === 'customer' && principal.customerId !== customerId) throw accessDenied(principal, 'customerId: a customer prices for themself only');
  if (principal.role === 'partner') throw accessDenied(principal, 'customerId: a partner integration does not read customers');
}

/** The shopper a customer id names, or null when the crosswalk knows no such customer (BAD_USER_INPUT). */
async function shopperFor(customerId: string, channel: SalesChannel, context: Context): Promise<{ shopper: Shopper; memberIds: string[] }> {
  const customer = await context.loaders.customer.load(customerId);
  if (!customer) throw badUserInput(`customerId: no customer ${JSON.stringify(customerId)}`, 'customerId');
  return shopperOf(customer.id, channel, context);
}

/**
 * The offers of the customer's best member (the highest tier), read as soon as the members are
 * known: beside the consents and the web shop's reads of {@link shopperOf}, not after them.
 * The members are read once for both (the request's loaders).
 */
async function bestMemberOffers(customerId: string, context: Context): Promise<Promotion[]> {
  const held = await heldMembersOf(customerId, context);
  return memberOffers(held.slice(0, 1).map((m) => m.memberId), context.estate());
}

async function offerOf(reference: ProductReference, args: OfferArgs, context: Context): Promise<Offer & { at: string; carried: boolean | null }> {
  const quantity = args.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) throw badUserInput(`quantity must be a whole number from 1 to ${MAX_QUANTITY}, got ${quantity}`, 'quantity');
  const couponCodes = args.couponCodes ?? [];
  if (couponCodes.length > MAX_COUPONS) throw badUserInput(`couponCodes: at most ${MAX_COUPONS}, got ${couponCodes.length}`, 'couponCodes');
  if (couponCodes.some((c) => c.trim() === '' || c.length > 40)) throw badUserInput('couponCodes: each code is 1 to 40 characters', 'couponCodes');
  if (args.channel === 'WEB' && args.storeCode != null) throw badUserInput('storeCode is for the STORE channel only', 'storeCode');
  const atMs = instantArg(args.at, 'at', Date.now());
  if (args.customerId != null) mayPriceFor(args.customerId, context);

  const estate = context.estate();
  const storeCode = args.storeCode ?? null;
  const [facts, store] = await Promise.all([productFacts(reference, estate), storeCode ? storeEntry(storeCode, estate) : Promise.resolve(null)]);
  const shopper = args.customerId != null ? shopperFor(args.customerId, args.channel, context) : Promise.resolve({ shopper: ANONYMOUS, memberIds: [] as string[] });
  const [web, atStore, national, rules, who, offers] = await Promise.all([
    args.channel === 'WEB' ? webSource(facts, estate) : Promise.resolve(null),
    store ? storePricing(facts, store, estate) : Promise.resolve(null),
    campaigns(estate),
    args.channel === 'WEB' ? cartRules(estate) : Promise.resolve([]),
    shopper,
    // Of a customer the crosswalk knows (shopperFor refuses one it does not).
    args.customerId != null ? context.loaders.customer.load(args.customerId).then((known) => (known ? bestMemberOffers(known.id, context) : [])) : Promise.resolve([]),
  ]);
  const promotions: Promotion[] = [...national, ...rules, ...(atStore?.promotions ?? []), ...offers];
  const sources = {
    web,
    store: store ? { storeCode: store.code, franchise: store.franchise, prices: (atStore?.prices ?? []).map((p) => ({ price: p.price, validFrom: p.validFrom, validTo: p.validTo })) } : null,
  };
  const offer = priceOffer({ channel: args.channel, storeCode, quantity, couponCodes, atMs }, facts.priced, sources, promotions, who.shopper);
  const carried = args.channel === 'WEB' ? web?.active === true : store ? atStore !== null : null;
  return { ...offer, at: new Date(atMs).toISOString(), carried };
}

/** The promotions a shopper may use now in the channel, coupon-gated ones included. */
async function eligible(customerId: string, channel: SalesChannel, storeCode: string | null, context: Context): Promise<Promotion[]> {
  if (channel === 'WEB' && storeCode !== null) throw badUserInput('storeCode is for the STORE channel only', 'storeCode');
  const estate = context.estate();
  const store = storeCode ? await storeEntry(storeCode, estate) : null;
  const [national, rules, atStore, who, offers] = await Promise.all([
    campaigns(estate),
    channel === 'WEB' ? cartRules(estate) : Promise.resolve([]),
    store && estate.pos ? estate.pos.storePromotions.load(store.code) : Promise.resolve([]),
    shopperOf(customerId, channel, context),
    bestMemberOffers(customerId, context),
  ]);
  const now = Date.now();
  const storePromotions = atStore.map((record) => record.promotion);
  const all = [...national, ...rules, ...storePromotions, ...offers];
  const seen = new Set<string>();
  return all.filter((p) => {
    if (seen.has(p.id)) return false;
    seen.add(p.id);
    if (p.kind === 'OTHER' || !p.channels.includes(channel) || !runsAt(p, now)) return false;
    if (p.scope.franchise !== null && p.scope.franchise !== store?.franchise) return false;
    if (p.scope.storeCodes.length > 0 && (store === null || !p.scope.storeCodes.includes(store.code))) return false;
    return shopperExclusion(p, who.shopper) === null;
  });
}

/** A product as the report names it: an entity reference with every key it has, as the catalogue gives them; null for one only a franchise's tills know. */
function productReference(product: ReportedProduct): ProductReference | null {
  const { catalogueRef, webSku, gtin } = product.keys;
  return catalogueRef === null && webSku === null && gtin === null ? null : { catalogueRef, webSku, gtin };
}

/**
 * A key field of a product the planner entered by another key: the catalogue's value (its
 * first WEB_SKU alias, its EAN), else what the reference carries. A key the reference
 * carries is its own answer.
 */
function keyField(field: 'catalogueRef' | 'webSku' | 'gtin') {
  return async (product: ProductReference, _: unknown, context: Context): Promise<string | null> => {
    if (product[field] !== undefined) return product[field] ?? null;
    const facts = await productFacts(product, context.estate());
    if (field === 'catalogueRef') return facts.priced.catalogueRef;
    if (field === 'webSku') return facts.webSku;
    return facts.gtin ?? null;
  };
}

function percent(basisPoints: number | null): number | null {
  return basisPoints === null ? null : basisPoints / 100;
}

export const pricingResolvers = {
  Product: {
    __resolveReference: (reference: ProductReference) => reference,
    catalogueRef: keyField('catalogueRef'),
    webSku: keyField('webSku'),
    gtin: keyField('gtin'),
    offer: (product: ProductReference, args: OfferArgs, context: Context) => offerOf(product, args, context),
  },

  ProductOffer: {
    basePriceSource: (offer: Offer) => offer.baseSource,
  },

  Customer: {
    async eligiblePromotions(customer: { id: string }, args: { channel: SalesChannel; storeCode?: string | null }, context: Context) {
      const { principal } = context;
      if (principal.role === 'customer' && principal.customerId !== customer.id) return null;
      const known = await context.loaders.customer.load(customer.id);
      if (!known) return null;
      return eligible(known.id, args.channel, args.storeCode ?? null, context);
    },
  },

  Query: {
    async priceCoherence(_: unknown, args: { at?: string | null; tolerance?: number | null; franchise?: string | null }, context: Context) {
      if (!context.coherence) {
        throw new GraphQLError('priceCoherence: the systems that price products are not configured here', { extensions: { code: 'SOURCE_UNAVAILABLE' } });
      }
      const { principal } = context;
      let franchise = args.franchise ?? null;
      if (principal.role === 'partner') {
        if (franchise !== null && franchise !== principal.franchise) throw accessDenied(principal, `priceCoherence: a partner reads its own franchise's report (${principal.franchise ?? 'none'})`);
        franchise = principal.franchise ?? null;
        if (franchise === null) throw accessDenied(principal, 'priceCoherence: the partner token names no franchise');
      }
      let toleranceBp: number;
      try {
        toleranceBp = toleranceBasisPoints(args.tolerance ?? 1);
      } catch (error) {
        throw badUserInput((error as Error).message, 'tolerance');
      }
      // Default `at`: now, to the minute, so that the pages of one report are the same report.
      const atMs = instantArg(args.at, 'at', Math.floor(Date.now() / 60_000) * 60_000);
      return context.coherence.report({ atMs, toleranceBp, franchise });
    },
  },

  PriceCoherenceReport: {
    tolerance: (report: CoherenceReport) => report.tolerancePercent,
    incoherentProducts: (report: CoherenceReport) => report.products.length,
    endCursor: (report: CoherenceReport) => report.products.at(-1)?.cursor ?? null,
    products(report: CoherenceReport, args: { first?: number | null; after?: string | null }) {
      const first = args.first ?? 50;
      if (!Number.isSafeInteger(first) || first < 1 || first > MAX_REPORT_PAGE) throw badUserInput(`first must be from 1 to ${MAX_REPORT_PAGE}, got ${first}`, 'first');
      const after = args.after ?? null;
      const start = after === null ? 0 : report.products.findIndex((p) => p.cursor > after);
      return start < 0 ? [] : report.products.slice(start, start + first);
    },
  },

  ProductPriceIncoherence: {
    product: (product: ReportedProduct) => productReference(product),
    tillRef: (product: ReportedProduct) => (product.keys.catalogueRef === null && product.keys.webSku === null ? product.keys.tillRef : null),
    cursor: (product: ReportedProduct) => product.cursor,
  },

  PriceDeviation: {
    differencePercent: (finding: PlaceFinding) => percent(finding.differenceBasisPoints),
    promotions: (finding: PlaceFinding) => finding.applied,
  },
} satisfies Resolvers;
