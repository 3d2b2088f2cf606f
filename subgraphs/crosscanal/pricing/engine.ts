import { isValidGtin, toGtin14 } from '../../../utilities/gtin.js';
import type { Money } from '../../../utilities/money.js';
import { runsAt, type LoyaltyTier, type Promotion, type SalesChannel } from '../../shared/promotions.js';

/**
 * The price engine (docs/pricing.md): the base price selected for a channel and store, then
 * product promotions (best deal), cart promotions in rank order, delivery and points. Pure:
 * it is given what the systems said and the instant, and reads nothing itself.
 */

/** What every system knows of the product, as the engine matches promotions against it. */
export interface PricedProduct {
  catalogueRef: string | null;
  /** Its older catalogue references (the PIM's OLD_REF aliases): a promotion written against one still covers it. */
  oldCatalogueRefs?: readonly string[];
  webSku: string | null;
  /** GTIN-14 of the product's GTIN, when it has a valid one. */
  gtin14: string | null;
  /** Its category path, most general first. */
  category: string[];
  listPrice: Money | null;
}

export interface StorePriceRow {
  price: Money;
  validFrom: string;
  /** Null: until further notice. */
  validTo: string | null;
}

/** The prices the systems give the product, for the channel asked. */
export interface PriceSources {
  /** The web shop's product: its price and whether it sells it; null when the shop does not know it. */
  web: { price: Money | null; active: boolean } | null;
  /** The store's price rows for the product (by GTIN or its franchise's local code), past and future. */
  store: { storeCode: string; franchise: string; prices: StorePriceRow[] } | null;
}

/** Who buys, as far as promotions care; null fields when unknown. */
export interface Shopper {
  memberId: string | null;
  tier: LoyaltyTier | null;
  /** Orders the customer has placed in the channel; null for an anonymous shopper, who is taken as new. */
  ordersInChannel: number | null;
  /** Accepts marketing on at least one channel. */
  acceptsMarketing: boolean;
}

export const ANONYMOUS: Shopper = Object.freeze({ memberId: null, tier: null, ordersInChannel: null, acceptsMarketing: false });

export interface OfferRequest {
  channel: SalesChannel;
  /** STORE only; null: the national store price. */
  storeCode: string | null;
  quantity: number;
  couponCodes: readonly string[];
  atMs: number;
}

export type PriceSource = 'LIST' | 'WEB' | 'STORE';

export type ExclusionReason =
  | 'NOT_STARTED'
  | 'ENDED'
  | 'OTHER_CHANNEL'
  | 'UNKNOWN_KIND'
  | 'NO_PRICE'
  | 'OTHER_CURRENCY'
  | 'COUPON_REQUIRED'
  | 'MINIMUM_BASKET_NOT_MET'
  | 'NOT_FIRST_ORDER'
  | 'NOT_A_MEMBER'
  | 'TIER_NOT_REACHED'
  | 'PERSONAL_OFFER'
  | 'NO_MARKETING_CONSENT'
  | 'QUANTITY_NOT_MET'
  | 'NO_REDUCTION'
  | 'NOT_BEST_DEAL'
  | 'STOPPED_BY_EARLIER';

export interface AppliedPromotion {
  promotion: Promotion;
  /** What it took off the line (all items), in minor units; zero for delivery and points. */
  amount: Money;
  /** The line total it left. */
  lineTotalAfter: Money;
}

export interface ExcludedPromotion {
  promotion: Promotion;
  reason: ExclusionReason;
}

export interface Offer {
  channel: SalesChannel;
  storeCode: string | null;
  quantity: number;
  /** False: the channel does not sell the product or no price is known for it there. */
  available: boolean;
  listPrice: Money | null;
  /** The unit price selected before any promotion, and where it came from. */
  basePrice: Money | null;
  baseSource: PriceSource | null;
  /** Quantity × base price. */
  lineBase: Money | null;
  /** What the customer pays for the line, after every promotion. */
  lineTotal: Money | null;
  /** lineTotal / quantity, rounded half up; what one item costs. */
  unitPrice: Money | null;
  saving: Money | null;
  applied: AppliedPromotion[];
  excluded: ExcludedPromotion[];
  /** Delivery and points promotions that apply: they do not change the price. */
  benefits: Promotion[];
  rounding: 'HALF_UP';
}

/** Half up, on non-negative numerators: ⌊(2n + d) / 2d⌋. */
export function divideHalfUp(numerator: number, denominator: number): number {
  if (denominator <= 0) throw new RangeError('denominator must be positive');
  const sign = numerator < 0 ? -1 : 1;
  const n = Math.abs(numerator);
  return sign * Math.floor((2 * n + denominator) / (2 * denominator));
}

/** `hundredths` hundredths of a percent of `amount`, half up. */
export function percentOf(amount: number, hundredths: number): number {
  return divideHalfUp(amount * hundredths, 10_000);
}

/**
 * The base price, per docs/pricing.md: at a store, its own price valid at the instant (a dated
 * one beats an undated one, then the one that started last), else the list price; on the web,
 * the web price when the shop sells the product; the national store price is the list price.
 */
export function selectBasePrice(
  request: Pick<OfferRequest, 'channel' | 'storeCode' | 'atMs'>,
  product: Pick<PricedProduct, 'listPrice'>,
  sources: PriceSources,
): { price: Money; source: PriceSource } | null {
  if (request.channel === 'WEB') {
    if (!sources.web || !sources.web.active || !sources.web.price) return null;
    return { price: sources.web.price, source: 'WEB' };
  }
  if (request.storeCode !== null && sources.store) {
    const valid = sources.store.prices.filter((row) => runsAt({ startsAt: row.validFrom, endsAt: row.validTo }, request.atMs));
    valid.sort((a, b) => Number(b.validTo !== null) - Number(a.validTo !== null) || Date.parse(b.validFrom) - Date.parse(a.validFrom));
    if (valid[0]) return { price: valid[0].price, source: 'STORE' };
  }
  return product.listPrice ? { price: product.listPrice, source: 'LIST' } : null;
}

function sameGtin(code: string, gtin14: string): boolean {
  const digits = code.replace(/\s/g, '');
  return /^\d{8,14}$/.test(digits) && isValidGtin(digits) && toGtin14(digits) === gtin14;
}

/** Whether the promotion's product scope covers the product. */
export function coversProduct(promotion: Promotion, product: PricedProduct): boolean {
  const { scope } = promotion;
  if (scope.allProducts) return true;
  if (product.catalogueRef !== null && scope.catalogueRefs.includes(product.catalogueRef)) return true;
  if (product.oldCatalogueRefs?.some((ref) => scope.catalogueRefs.includes(ref))) return true;
  if (product.webSku !== null) {
    const sku = product.webSku.toUpperCase();
    if (scope.webSkus.some((s) => s.toUpperCase() === sku)) return true;
  }
  if (product.gtin14 !== null && scope.gtins.some((g) => sameGtin(g, product.gtin14!))) return true;
  const path = product.category.join(' > ');
  return scope.categories.some((c) => path === c || path.startsWith(`${c} > `));
}

/** Whether every amount the promotion states is in `currency`. */
function sameCurrency(promotion: Promotion, currency: string): boolean {
  return [promotion.amountOff, promotion.fixedPrice, promotion.conditions.minimumBasket].every((m) => m === null || m.currency === currency);
}

/** Whether the promotion runs where the offer is asked: its channel, and at a store, its franchise and store. */
function coversPlace(promotion: Promotion, request: OfferRequest, franchise: string | null): boolean {
  const { scope } = promotion;
  if (scope.franchise === null && scope.storeCodes.length === 0) return true;
  if (request.channel !== 'STORE' || request.storeCode === null) return false;
  if (scope.franchise !== null && scope.franchise !== franchise) return false;
  return scope.storeCodes.length === 0 || scope.storeCodes.includes(request.storeCode);
}

/** What a product-stage promotion leaves of the line, or a reason it does not apply. */
function productStageLine(promotion: Promotion, unit: number, quantity: number, line: number): number | ExclusionReason {
  switch (promotion.kind) {
    case 'PERCENT_OFF':
      return line - percentOf(line, promotion.percentOff ?? 0);
    case 'AMOUNT_OFF':
      return Math.max(0, line - (promotion.amountOff?.amount ?? 0) * quantity);
    case 'FIXED_PRICE': {
      const fixed = (promotion.fixedPrice?.amount ?? unit) * quantity;
      return fixed < line ? fixed : 'NO_REDUCTION';
    }
    case 'BUY_N_PAY_M': {
      const buy = promotion.buyQuantity ?? 0;
      const pay = promotion.payQuantity ?? buy;
      if (buy <= 0 || quantity < buy) return 'QUANTITY_NOT_MET';
      return line - Math.floor(quantity / buy) * (buy - pay) * unit;
    }
    default:
      return 'UNKNOWN_KIND';
  }
}

/** What a cart-stage promotion takes off the basket. */
function cartStageTake(promotion: Promotion, basket: number): number | ExclusionReason {
  switch (promotion.kind) {
    case 'PERCENT_OFF':
      return percentOf(basket, promotion.percentOff ?? 0);
    case 'AMOUNT_OFF':
      return Math.min(basket, promotion.amountOff?.amount ?? 0);
    default:
      return 'UNKNOWN_KIND';
  }
}

/** The condition a shopper or the basket fails, if any; `basket` is the line after product promotions. */
function unmetCondition(promotion: Promotion, shopper: Shopper, request: OfferRequest, basket: number): ExclusionReason | null {
  const { conditions } = promotion;
  if (conditions.couponCode !== null) {
    const code = conditions.couponCode.trim().toUpperCase();
    if (!request.couponCodes.some((c) => c.trim().toUpperCase() === code)) return 'COUPON_REQUIRED';
  }
  const refused = shopperExclusion(promotion, shopper);
  if (refused) return refused;
  if (conditions.minimumBasket !== null && basket < conditions.minimumBasket.amount) return 'MINIMUM_BASKET_NOT_MET';
  return null;
}

/** Why this shopper may not use the promotion whatever the basket and coupons, or null: first order, membership, tier, personal offer, marketing consent. */
export function shopperExclusion(promotion: Promotion, shopper: Shopper): ExclusionReason | null {
  const { conditions, scope } = promotion;
  if (conditions.firstOrderOnly && shopper.ordersInChannel !== null && shopper.ordersInChannel > 0) return 'NOT_FIRST_ORDER';
  if (conditions.membersOnly && shopper.memberId === null) return 'NOT_A_MEMBER';
  if (scope.memberId !== null && scope.memberId !== shopper.memberId) return shopper.memberId === null ? 'NOT_A_MEMBER' : 'PERSONAL_OFFER';
  if (scope.tiers.length > 0 && (shopper.tier === null || !scope.tiers.includes(shopper.tier))) return shopper.memberId === null ? 'NOT_A_MEMBER' : 'TIER_NOT_REACHED';
  if (conditions.marketingOnly && !shopper.acceptsMarketing) return 'NO_MARKETING_CONSENT';
  return null;
}

const SYSTEM_ORDER: Record<Promotion['system'], number> = { CATALOGUE: 0, POS: 1, ECOMMERCE: 2, LOYALTY: 3 };

/** Cart promotions in the order they run: web rules by priority, then member offers (percent first), then by id. */
export function cartOrder(a: Promotion, b: Promotion): number {
  return (
    a.priority - b.priority ||
    SYSTEM_ORDER[a.system] - SYSTEM_ORDER[b.system] ||
    Number(b.kind === 'PERCENT_OFF') - Number(a.kind === 'PERCENT_OFF') ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * The offer: the price this shopper pays for `quantity` items in the channel (and store), the
 * promotions applied in order with what each took, and those excluded with why. Promotions
 * that do not cover the product, or run only at another store or franchise, are left out of
 * both lists; one for the other channel is listed as OTHER_CHANNEL.
 */
export function priceOffer(
  request: OfferRequest,
  product: PricedProduct,
  sources: PriceSources,
  promotions: readonly Promotion[],
  shopper: Shopper = ANONYMOUS,
): Offer {
  if (!Number.isSafeInteger(request.quantity) || request.quantity < 1) throw new RangeError('quantity must be a whole number of at least 1');
  const franchise = sources.store?.franchise ?? null;
  const base = selectBasePrice(request, product, sources);
  const currency = base?.price.currency ?? product.listPrice?.currency ?? 'EUR';
  const money = (amount: number): Money => ({ amount, currency });
  const excluded: ExcludedPromotion[] = [];
  const candidates: Promotion[] = [];
  const seen = new Set<string>();
  for (const promotion of promotions) {
    if (seen.has(promotion.id) || !coversProduct(promotion, product)) continue;
    seen.add(promotion.id);
    if (!promotion.channels.includes(request.channel)) {
      if (promotion.scope.franchise === null && promotion.scope.storeCodes.length === 0) excluded.push({ promotion, reason: 'OTHER_CHANNEL' });
      continue;
    }
    if (!coversPlace(promotion, request, franchise)) continue;
    if (promotion.startsAt !== null && request.atMs < Date.parse(promotion.startsAt)) excluded.push({ promotion, reason: 'NOT_STARTED' });
    else if (promotion.endsAt !== null && request.atMs >= Date.parse(promotion.endsAt)) excluded.push({ promotion, reason: 'ENDED' });
    else if (promotion.kind === 'OTHER') excluded.push({ promotion, reason: 'UNKNOWN_KIND' });
    else if (!base) excluded.push({ promotion, reason: 'NO_PRICE' });
    else if (!sameCurrency(promotion, base.price.currency)) excluded.push({ promotion, reason: 'OTHER_CURRENCY' });
    else candidates.push(promotion);
  }

  const offer: Offer = {
    channel: request.channel,
    storeCode: request.storeCode,
    quantity: request.quantity,
    available: base !== null,
    listPrice: product.listPrice,
    basePrice: base?.price ?? null,
    baseSource: base?.source ?? null,
    lineBase: null,
    lineTotal: null,
    unitPrice: null,
    saving: null,
    applied: [],
    excluded,
    benefits: [],
    rounding: 'HALF_UP',
  };
  if (!base) return offer;

  const unit = base.price.amount;
  const lineBase = unit * request.quantity;
  let line = lineBase;

  // 1. Product promotions: the best deal, the others excluded.
  const productStage = candidates.filter((p) => p.stage === 'PRODUCT');
  let best: { promotion: Promotion; line: number } | null = null;
  const losers: Promotion[] = [];
  for (const promotion of productStage) {
    const unmet = unmetCondition(promotion, shopper, request, line);
    if (unmet) {
      excluded.push({ promotion, reason: unmet });
      continue;
    }
    const after = productStageLine(promotion, unit, request.quantity, line);
    if (typeof after === 'string') {
      excluded.push({ promotion, reason: after });
      continue;
    }
    if (!best || after < best.line) {
      if (best) losers.push(best.promotion);
      best = { promotion, line: after };
    } else losers.push(promotion);
  }
  for (const promotion of losers) excluded.push({ promotion, reason: 'NOT_BEST_DEAL' });
  if (best) {
    offer.applied.push({ promotion: best.promotion, amount: money(line - best.line), lineTotalAfter: money(best.line) });
    line = best.line;
  }

  // 2. Cart promotions in rank order, a non-stackable one stopping the later ones.
  const basketAfterProducts = line;
  let stoppedBy: Promotion | null = null;
  for (const promotion of candidates.filter((p) => p.stage === 'CART').sort(cartOrder)) {
    // What the promotion itself asks is said first: a coupon not given is COUPON_REQUIRED, even after a stop.
    const unmet = unmetCondition(promotion, shopper, request, basketAfterProducts);
    if (unmet) {
      excluded.push({ promotion, reason: unmet });
      continue;
    }
    if (stoppedBy) {
      excluded.push({ promotion, reason: 'STOPPED_BY_EARLIER' });
      continue;
    }
    const take = cartStageTake(promotion, line);
    if (typeof take === 'string') {
      excluded.push({ promotion, reason: take });
      continue;
    }
    line -= take;
    offer.applied.push({ promotion, amount: money(take), lineTotalAfter: money(line) });
    if (!promotion.stackable) stoppedBy = promotion;
  }

  // 3. Delivery and points: listed, the price unchanged.
  for (const promotion of candidates.filter((p) => p.stage === 'DELIVERY' || p.stage === 'POINTS')) {
    const unmet = unmetCondition(promotion, shopper, request, basketAfterProducts);
    if (unmet) excluded.push({ promotion, reason: unmet });
    else offer.benefits.push(promotion);
  }

  offer.lineBase = money(lineBase);
  offer.lineTotal = money(line);
  offer.unitPrice = money(divideHalfUp(line, request.quantity));
  offer.saving = money(lineBase - line);
  return offer;
}
