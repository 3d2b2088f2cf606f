import type { CatalogueCampaign, CatalogueProduct, EcomCartRule, PosPromotion } from './model.js';
import { roundPrice } from './products.js';

/**
 * Helpers for the prices the generator plants (docs/pricing.md, "Coherence"): every price it
 * does not plant is the list price, and every deviation it plants is at least
 * {@link MIN_DEVIATION_PERCENT} % of the reference, so that any tolerance from 0.5 to 2.9 %
 * finds the same incoherences.
 */

export const MIN_DEVIATION_PERCENT = 3;

/** Whether `cents` is at least 3 % away from `reference`. */
export function farEnough(cents: number, reference: number): boolean {
  return Math.abs(cents - reference) * 100 >= MIN_DEVIATION_PERCENT * reference;
}

/**
 * A retail price (see `roundPrice`) about `share` above (`direction` 1) or below (-1) `list`,
 * and at least 3 % away from it once rounded: when the rounding brings it closer, it is moved
 * a euro further at a time. Never below 1 euro; throws when no such price exists.
 */
export function retailPriceAway(list: number, direction: 1 | -1, share: number): number {
  let cents = roundPrice(list * (1 + direction * share));
  for (let guard = 0; !(direction > 0 ? cents > list : cents < list) || !farEnough(cents, list); guard++) {
    const next = roundPrice(cents + direction * 100);
    if (next === cents || guard > 10_000) throw new Error(`no retail price 3 % ${direction > 0 ? 'above' : 'below'} ${list} cents`);
    cents = next;
  }
  return cents;
}

/** A "prix choc": a price ending in ,99 about 10 % under the lowest of `lists`, at least 3 % under each. */
export function fixedPriceUnder(lists: readonly number[]): number {
  const lowest = Math.min(...lists);
  const cents = Math.floor((lowest * 0.9) / 100) * 100 - 1;
  if (cents <= 0 || !lists.every((list) => cents < list && farEnough(cents, list))) {
    throw new Error(`no fixed price 3 % under every list price of ${JSON.stringify(lists)}`);
  }
  return cents;
}

/** Whether something valid from `starts` (included) to `ends` (excluded, null: no end) runs at `atMs`. */
export function runsAt(starts: string, ends: string | null, atMs: number): boolean {
  return Date.parse(starts) <= atMs && (ends === null || atMs < Date.parse(ends));
}

/** Whether the campaign covers the product: by its ref, or by a category path at or above the product's. */
export function campaignCovers(campaign: CatalogueCampaign, product: CatalogueProduct): boolean {
  if (campaign.product_refs.includes(product.ref)) return true;
  const path = product.category.join(' > ');
  return campaign.categories.some((category) => path === category || path.startsWith(`${category} > `));
}

/** Whether a web cart rule changes the price of one item of `sku` for an anonymous shopper who gives no coupon. */
export function automaticRuleCovers(rule: EcomCartRule, sku: string, atMs: number): boolean {
  return (
    rule.code === null &&
    rule.type !== 'free_shipping' &&
    runsAt(rule.starts_at, rule.ends_at, atMs) &&
    (rule.scope.skus === null || rule.scope.skus.includes(sku))
  );
}

/** Whether a store promotion changes the price of one item at `storeCode` (a MULTIBUY needs several). */
export function storePromotionApplies(promotion: PosPromotion, storeCode: string, franchise: string, ean: string | null, atMs: number): boolean {
  return (
    promotion.kind !== 'MULTIBUY' &&
    promotion.franchise === franchise &&
    (promotion.store_code === null || promotion.store_code === storeCode) &&
    ean !== null &&
    promotion.eans.includes(ean) &&
    runsAt(promotion.starts_at, promotion.ends_at, atMs)
  );
}

/** Whether the campaign runs in exactly these channels. */
export function sameChannels(campaign: CatalogueCampaign, channels: readonly ('WEB' | 'STORE')[]): boolean {
  return campaign.channels.length === channels.length && channels.every((c) => campaign.channels.includes(c));
}
