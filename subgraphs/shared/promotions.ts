import type { Money } from '../../utilities/money.js';

/**
 * The one promotion model (`promotion.graphql`, docs/pricing.md): what each system's
 * promotions are mapped into by its subgraph, and what the pricing engine applies. Plain
 * JSON, so that a cache can hold it.
 */

export type PromotionKind = 'PERCENT_OFF' | 'AMOUNT_OFF' | 'FIXED_PRICE' | 'BUY_N_PAY_M' | 'FREE_DELIVERY' | 'POINTS_MULTIPLIER' | 'OTHER';
export type PromotionStage = 'PRODUCT' | 'CART' | 'DELIVERY' | 'POINTS';
export type PromotionSystem = 'ECOMMERCE' | 'LOYALTY' | 'POS' | 'CATALOGUE';
export type SalesChannel = 'WEB' | 'STORE';
export type LoyaltyTier = 'BRONZE' | 'SILVER' | 'GOLD';

export const LOYALTY_TIERS: readonly LoyaltyTier[] = ['BRONZE', 'SILVER', 'GOLD'];

export interface PromotionScope {
  allProducts: boolean;
  catalogueRefs: string[];
  webSkus: string[];
  /** As the system writes them; compared by GTIN-14. */
  gtins: string[];
  /** Paths joined with ` > `. */
  categories: string[];
  franchise: string | null;
  storeCodes: string[];
  tiers: LoyaltyTier[];
  memberId: string | null;
}

export interface PromotionConditions {
  couponCode: string | null;
  minimumBasket: Money | null;
  firstOrderOnly: boolean;
  membersOnly: boolean;
  marketingOnly: boolean;
}

export interface Promotion {
  id: string;
  system: PromotionSystem;
  title: string;
  kind: PromotionKind;
  /** PERCENT_OFF: hundredths of a percent. */
  percentOff: number | null;
  amountOff: Money | null;
  fixedPrice: Money | null;
  buyQuantity: number | null;
  payQuantity: number | null;
  /** POINTS_MULTIPLIER: hundredths. */
  pointsMultiplier: number | null;
  channels: SalesChannel[];
  stage: PromotionStage;
  priority: number;
  stackable: boolean;
  scope: PromotionScope;
  conditions: PromotionConditions;
  startsAt: string | null;
  endsAt: string | null;
}

/** The stage a kind is applied at, for a system whose promotions act on the item (PRODUCT) or the basket (CART). */
export function stageOf(kind: PromotionKind, itemOrBasket: 'PRODUCT' | 'CART'): PromotionStage {
  if (kind === 'FREE_DELIVERY') return 'DELIVERY';
  if (kind === 'POINTS_MULTIPLIER') return 'POINTS';
  return itemOrBasket;
}

export const NO_CONDITIONS: PromotionConditions = Object.freeze({
  couponCode: null,
  minimumBasket: null,
  firstOrderOnly: false,
  membersOnly: false,
  marketingOnly: false,
});

/** A scope that restricts nothing but what is given. */
export function scopeOf(fields: Partial<PromotionScope>): PromotionScope {
  return {
    allProducts: false,
    catalogueRefs: [],
    webSkus: [],
    gtins: [],
    categories: [],
    franchise: null,
    storeCodes: [],
    tiers: [],
    memberId: null,
    ...fields,
  };
}

/** The promotion with only the fields its kind uses set; the others null. */
export function promotionOf(
  fields: Pick<Promotion, 'id' | 'system' | 'title' | 'kind' | 'channels' | 'stage' | 'scope' | 'startsAt' | 'endsAt'> &
    Partial<Omit<Promotion, 'id' | 'system' | 'title' | 'kind' | 'channels' | 'stage' | 'scope' | 'startsAt' | 'endsAt'>>,
): Promotion {
  return {
    percentOff: null,
    amountOff: null,
    fixedPrice: null,
    buyQuantity: null,
    payQuantity: null,
    pointsMultiplier: null,
    priority: 0,
    stackable: true,
    conditions: { ...NO_CONDITIONS },
    ...fields,
  };
}

/** Whether the promotion runs at `atMs`: start included, end excluded, an open bound unbounded. */
export function runsAt(promotion: Pick<Promotion, 'startsAt' | 'endsAt'>, atMs: number): boolean {
  const starts = promotion.startsAt === null ? -Infinity : Date.parse(promotion.startsAt);
  const ends = promotion.endsAt === null ? Infinity : Date.parse(promotion.endsAt);
  return starts <= atMs && atMs < ends;
}

/**
 * The deprecated `Promotion.value`, `currency` and `code`, worked out from the typed fields,
 * for every subgraph that serves `Promotion`.
 */
export const promotionResolvers = {
  Promotion: {
    value: (p: Promotion): number =>
      p.percentOff ?? p.amountOff?.amount ?? p.fixedPrice?.amount ?? p.buyQuantity ?? p.pointsMultiplier ?? 0,
    currency: (p: Promotion): string | null => p.amountOff?.currency ?? p.fixedPrice?.currency ?? null,
    code: (p: Promotion): string | null => p.conditions.couponCode,
  },
};
