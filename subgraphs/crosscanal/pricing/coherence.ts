import type { Money } from '../../../utilities/money.js';
import type { Promotion, SalesChannel } from '../../shared/promotions.js';
import { ANONYMOUS, priceOffer, type Offer, type PricedProduct, type PriceSources } from './engine.js';

/**
 * Where the channels disagree on a product's price (docs/pricing.md, "Coherence"): each place
 * that sells it is priced for an anonymous customer buying one item with no coupon, and
 * compared with the national price.
 */

export type IncoherenceCause =
  | 'MISSING_PRICE'
  | 'STORE_PRICE_ABOVE_LIST'
  | 'STORE_PRICE_BELOW_LIST'
  | 'WEB_PRICE_ABOVE_LIST'
  | 'WEB_PRICE_BELOW_LIST'
  | 'STORE_PROMOTION'
  | 'WEB_ONLY_PROMOTION'
  | 'STORE_ONLY_PROMOTION';

export const INCOHERENCE_CAUSES: readonly IncoherenceCause[] = [
  'MISSING_PRICE',
  'STORE_PRICE_ABOVE_LIST',
  'STORE_PRICE_BELOW_LIST',
  'WEB_PRICE_ABOVE_LIST',
  'WEB_PRICE_BELOW_LIST',
  'STORE_PROMOTION',
  'WEB_ONLY_PROMOTION',
  'STORE_ONLY_PROMOTION',
];

/** A place that sells the product: the web, or a store. */
export interface Place {
  channel: SalesChannel;
  /** Null for the web. */
  storeCode: string | null;
  franchise: string | null;
  sources: PriceSources;
}

export interface PlaceFinding {
  channel: SalesChannel;
  storeCode: string | null;
  franchise: string | null;
  /** The effective price of one item; null when the place has none. */
  price: Money | null;
  basePrice: Money | null;
  /** price − reference; null when either is missing. */
  difference: Money | null;
  /** The difference in hundredths of a percent of the reference. */
  differenceBasisPoints: number | null;
  causes: IncoherenceCause[];
  /** The promotions applied at the place. */
  applied: Promotion[];
}

export interface ProductCoherence {
  product: PricedProduct;
  /** The national price; null when no place and no list price gives one. */
  reference: Money | null;
  referenceSource: 'LIST' | 'PLACES' | null;
  placesChecked: number;
  /** The deviating places only, the web first, then by store code. */
  deviations: PlaceFinding[];
}

/** Tolerance in percent (1 = 1 %) as hundredths of a percent; refuses what is not a percentage. */
export function toleranceBasisPoints(percent: number): number {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) throw new RangeError(`tolerance must be a percentage from 0 to 100, got ${percent}`);
  return Math.round(percent * 100);
}

function beyond(difference: number, reference: number, toleranceBp: number): boolean {
  return Math.abs(difference) * 10_000 > toleranceBp * Math.abs(reference);
}

/** The catalogue campaigns that run on every channel: the national price's. */
function national(promotions: readonly Promotion[]): Promotion[] {
  return promotions.filter((p) => p.system === 'CATALOGUE' && p.channels.includes('WEB') && p.channels.includes('STORE'));
}

function causeOfPromotion(promotion: Promotion): IncoherenceCause | null {
  if (promotion.system === 'POS') return 'STORE_PROMOTION';
  if (promotion.system === 'ECOMMERCE') return 'WEB_ONLY_PROMOTION';
  if (promotion.system === 'CATALOGUE') {
    const web = promotion.channels.includes('WEB');
    const store = promotion.channels.includes('STORE');
    if (web && !store) return 'WEB_ONLY_PROMOTION';
    if (store && !web) return 'STORE_ONLY_PROMOTION';
  }
  return null;
}

function mostAsked(prices: readonly Money[]): Money | null {
  const counts = new Map<number, number>();
  for (const p of prices) counts.set(p.amount, (counts.get(p.amount) ?? 0) + 1);
  let best: [number, number] | null = null;
  for (const [amount, count] of counts) if (!best || count > best[1] || (count === best[1] && amount < best[0])) best = [amount, count];
  return best ? { amount: best[0], currency: prices[0]!.currency } : null;
}

/**
 * The product's coherence across `places` at `atMs`: the deviating places with their causes.
 * `promotions` are every promotion that may concern the product (the engine keeps those that cover it).
 */
export function productCoherence(
  product: PricedProduct,
  places: readonly Place[],
  promotions: readonly Promotion[],
  atMs: number,
  toleranceBp: number,
): ProductCoherence {
  const request = { quantity: 1, couponCodes: [], atMs };
  const offers = places.map((place) => ({
    place,
    offer: priceOffer({ ...request, channel: place.channel, storeCode: place.storeCode }, product, place.sources, promotions, ANONYMOUS),
  }));

  let reference: Money | null = null;
  let referenceSource: ProductCoherence['referenceSource'] = null;
  if (product.listPrice) {
    const nationalOffer = priceOffer({ ...request, channel: 'STORE', storeCode: null }, product, { web: null, store: null }, national(promotions), ANONYMOUS);
    reference = nationalOffer.unitPrice;
    referenceSource = 'LIST';
  } else {
    reference = mostAsked(offers.flatMap(({ offer }) => (offer.unitPrice ? [offer.unitPrice] : [])));
    referenceSource = reference ? 'PLACES' : null;
  }

  const deviations: PlaceFinding[] = [];
  for (const { place, offer } of offers) {
    const finding = findingOf(place, offer, product, reference, toleranceBp);
    if (finding) deviations.push(finding);
  }
  deviations.sort((a, b) => Number(a.channel !== 'WEB') - Number(b.channel !== 'WEB') || (a.storeCode ?? '').localeCompare(b.storeCode ?? ''));
  return { product, reference, referenceSource, placesChecked: places.length, deviations };
}

function findingOf(place: Place, offer: Offer, product: PricedProduct, reference: Money | null, toleranceBp: number): PlaceFinding | null {
  const price = offer.unitPrice;
  const base = offer.basePrice;
  const applied = offer.applied.map((a) => a.promotion);
  const shared = { channel: place.channel, storeCode: place.storeCode, franchise: place.franchise, price, basePrice: base, applied };
  if (!price || !base) {
    return { ...shared, difference: null, differenceBasisPoints: null, causes: ['MISSING_PRICE'] };
  }
  if (!reference || !beyond(price.amount - reference.amount, reference.amount, toleranceBp)) return null;

  const causes = new Set<IncoherenceCause>();
  const against = product.listPrice ?? reference;
  const baseDifference = base.amount - against.amount;
  if (offer.baseSource !== 'LIST' && beyond(baseDifference, against.amount, toleranceBp)) {
    const where = offer.baseSource === 'WEB' ? 'WEB' : 'STORE';
    causes.add(baseDifference > 0 ? `${where}_PRICE_ABOVE_LIST` : `${where}_PRICE_BELOW_LIST`);
  }
  for (const promotion of applied) {
    const cause = causeOfPromotion(promotion);
    if (cause) causes.add(cause);
  }
  const difference = price.amount - reference.amount;
  return {
    ...shared,
    difference: { amount: difference, currency: price.currency },
    differenceBasisPoints: reference.amount === 0 ? null : Math.round((difference * 10_000) / reference.amount),
    causes: INCOHERENCE_CAUSES.filter((c) => causes.has(c)),
  };
}
