import { describe, expect, it } from '@jest/globals';
import { promotionOf, scopeOf, type Promotion } from '../../shared/promotions.js';
import { ANONYMOUS, divideHalfUp, percentOf, priceOffer, selectBasePrice, type OfferRequest, type PricedProduct, type PriceSources, type Shopper } from './engine.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const AT = Date.parse('2026-11-20T12:00:00Z');
const product: PricedProduct = { catalogueRef: '254.275.41', webSku: 'RUN-12345-BLU', gtin14: '03560070123452', category: ['Chaussures', 'Running'], listPrice: eur(4590) };
const web: PriceSources = { web: { price: eur(4590), active: true }, store: null };
const store = (prices: PriceSources['store'] extends infer S ? S extends { prices: infer P } ? P : never : never): PriceSources => ({
  web: null,
  store: { storeCode: 'SUD01', franchise: 'SUD', prices },
});
const onWeb: OfferRequest = { channel: 'WEB', storeCode: null, quantity: 1, couponCodes: [], atMs: AT };
const atSud01: OfferRequest = { channel: 'STORE', storeCode: 'SUD01', quantity: 1, couponCodes: [], atMs: AT };

function campaign(id: string, fields: Partial<Promotion>): Promotion {
  return promotionOf({
    id: `catalogue:${id}`, system: 'CATALOGUE', title: id, kind: 'PERCENT_OFF', percentOff: 1000, channels: ['WEB', 'STORE'], stage: 'PRODUCT',
    scope: scopeOf({ categories: ['Chaussures > Running'] }), startsAt: '2026-11-01T00:00:00Z', endsAt: '2026-12-01T00:00:00Z', stackable: false, ...fields,
  });
}
function cartRule(id: number, fields: Partial<Promotion>): Promotion {
  return promotionOf({
    id: `web:${id}`, system: 'ECOMMERCE', title: `rule ${id}`, kind: 'PERCENT_OFF', percentOff: 1000, channels: ['WEB'], stage: 'CART',
    scope: scopeOf({ allProducts: true }), startsAt: '2026-01-01T00:00:00Z', endsAt: null, priority: id, ...fields,
  });
}
const member = (fields: Partial<Shopper> = {}): Shopper => ({ memberId: 'M00100001', tier: 'SILVER', ordersInChannel: 3, acceptsMarketing: true, ...fields });
const reasons = (offer: ReturnType<typeof priceOffer>) => Object.fromEntries(offer.excluded.map((e) => [e.promotion.id, e.reason]));

describe('rounding', () => {
  it('rounds half up on minor units', () => {
    expect(divideHalfUp(5, 10)).toBe(1);
    expect(divideHalfUp(4, 10)).toBe(0);
    expect(divideHalfUp(15, 10)).toBe(2);
    expect(percentOf(4590, 1500)).toBe(689); // 688.5
    expect(percentOf(4599, 1000)).toBe(460); // 459.9
    expect(percentOf(1, 5000)).toBe(1); // 0.5
  });

  it('prices a percentage of the line, not of the item times the quantity, so no cent is lost', () => {
    const offer = priceOffer({ ...onWeb, quantity: 3 }, product, { web: { price: eur(333), active: true }, store: null }, [campaign('C', { percentOff: 1500 })]);
    // 999 × 15 % = 149.85 → 150; a per-item rounding would have taken 3 × 50 = 150 too, but 999 − 150 = 849 is what is paid.
    expect(offer.lineTotal).toEqual(eur(849));
    expect(offer.unitPrice).toEqual(eur(283));
    expect(offer.rounding).toBe('HALF_UP');
  });
});

describe('base price selection', () => {
  const validAt = (from: string, to: string | null, amount: number) => ({ price: eur(amount), validFrom: from, validTo: to });

  it('takes the web price on the web, and nothing when the shop does not sell the product', () => {
    expect(selectBasePrice(onWeb, product, { web: { price: eur(4699), active: true }, store: null })).toEqual({ price: eur(4699), source: 'WEB' });
    expect(selectBasePrice(onWeb, product, { web: { price: eur(4699), active: false }, store: null })).toBeNull();
    expect(selectBasePrice(onWeb, product, { web: null, store: null })).toBeNull();
  });

  it('prefers a dated store price to an undated one, then the latest start, and ignores those not valid at the instant', () => {
    const rows = [
      validAt('2026-01-01T00:00:00Z', null, 4699),
      validAt('2026-06-01T00:00:00Z', null, 4799),
      validAt('2026-11-15T00:00:00Z', '2026-11-30T00:00:00Z', 3490),
      validAt('2026-11-25T00:00:00Z', '2026-12-05T00:00:00Z', 2990), // not yet
    ];
    expect(selectBasePrice(atSud01, product, store(rows))).toEqual({ price: eur(3490), source: 'STORE' });
    expect(selectBasePrice(atSud01, product, store(rows.slice(0, 2)))).toEqual({ price: eur(4799), source: 'STORE' });
  });

  it('treats the end of a price as excluded and its start as included', () => {
    const rows = [validAt('2026-11-20T12:00:00Z', null, 4000), validAt('2026-10-01T00:00:00Z', '2026-11-20T12:00:00Z', 3000)];
    expect(selectBasePrice(atSud01, product, store(rows))?.price).toEqual(eur(4000));
  });

  it('falls back to the list price at a store without its own, and has no price without either', () => {
    expect(selectBasePrice(atSud01, product, store([]))).toEqual({ price: eur(4590), source: 'LIST' });
    expect(selectBasePrice(atSud01, { listPrice: null }, store([]))).toBeNull();
    const none = priceOffer(atSud01, { ...product, listPrice: null }, store([]), [campaign('C', {})]);
    expect(none).toMatchObject({ available: false, unitPrice: null });
    expect(reasons(none)).toEqual({ 'catalogue:C': 'NO_PRICE' });
  });
});

describe('product promotions', () => {
  it('applies the best deal only, and says which lost', () => {
    const storePromo = promotionOf({
      id: 'pos:SUD:P1', system: 'POS', title: 'Remise magasin', kind: 'AMOUNT_OFF', amountOff: eur(1000), channels: ['STORE'], stage: 'PRODUCT',
      scope: scopeOf({ franchise: 'SUD', gtins: ['3560070123452'] }), startsAt: null, endsAt: null, stackable: false,
    });
    const offer = priceOffer(atSud01, product, store([]), [campaign('C', { percentOff: 2000 }), storePromo]);
    expect(offer.applied.map((a) => [a.promotion.id, a.amount.amount])).toEqual([['pos:SUD:P1', 1000]]);
    expect(reasons(offer)).toEqual({ 'catalogue:C': 'NOT_BEST_DEAL' });
    expect(offer.unitPrice).toEqual(eur(3590));
  });

  it('sells at a fixed price only when it is lower, and a buy-N-pay-M only from N items', () => {
    const fixed = campaign('FIX', { kind: 'FIXED_PRICE', percentOff: null, fixedPrice: eur(3999) });
    expect(priceOffer(onWeb, product, web, [fixed]).unitPrice).toEqual(eur(3999));
    expect(reasons(priceOffer(onWeb, product, { web: { price: eur(3500), active: true }, store: null }, [fixed]))).toEqual({ 'catalogue:FIX': 'NO_REDUCTION' });

    const threeForTwo = promotionOf({
      id: 'pos:SUD:P2', system: 'POS', title: '3 pour 2', kind: 'BUY_N_PAY_M', buyQuantity: 3, payQuantity: 2, channels: ['STORE'], stage: 'PRODUCT',
      scope: scopeOf({ franchise: 'SUD', storeCodes: ['SUD01'], gtins: ['03560070123452'] }), startsAt: null, endsAt: null, stackable: false,
    });
    expect(reasons(priceOffer({ ...atSud01, quantity: 2 }, product, store([]), [threeForTwo]))).toEqual({ 'pos:SUD:P2': 'QUANTITY_NOT_MET' });
    const seven = priceOffer({ ...atSud01, quantity: 7 }, product, store([]), [threeForTwo]);
    expect(seven.lineTotal).toEqual(eur(5 * 4590)); // two free items for seven bought
    expect(seven.applied[0]!.amount).toEqual(eur(2 * 4590));
  });

  it('leaves out promotions of another store or franchise, and lists those of the other channel', () => {
    const elsewhere = promotionOf({
      id: 'pos:SUD:P3', system: 'POS', title: 'other store', kind: 'PERCENT_OFF', percentOff: 5000, channels: ['STORE'], stage: 'PRODUCT',
      scope: scopeOf({ franchise: 'SUD', storeCodes: ['SUD02'], allProducts: true }), startsAt: null, endsAt: null,
    });
    const otherFranchise = { ...elsewhere, id: 'pos:NRD:P1', scope: scopeOf({ franchise: 'NRD', allProducts: true }) };
    const webOnly = campaign('WEBONLY', { channels: ['WEB'] });
    const offer = priceOffer(atSud01, product, store([]), [elsewhere, otherFranchise, webOnly]);
    expect(offer.applied).toEqual([]);
    expect(reasons(offer)).toEqual({ 'catalogue:WEBONLY': 'OTHER_CHANNEL' });
    expect(priceOffer(onWeb, product, web, [elsewhere])).toMatchObject({ applied: [], excluded: [] });
  });

  it('matches the product by any of its codes: ref, web SKU in any case, GTIN in any length, category at or below', () => {
    const by = (scope: Parameters<typeof scopeOf>[0]) => priceOffer(onWeb, product, web, [campaign('X', { scope: scopeOf(scope) })]).applied.length;
    expect(by({ catalogueRefs: ['254.275.41'] })).toBe(1);
    expect(by({ webSkus: ['run-12345-blu'] })).toBe(1);
    expect(by({ gtins: ['3560070123452'] })).toBe(1);
    expect(by({ categories: ['Chaussures'] })).toBe(1);
    expect(by({ categories: ['Chaussures > Run'] })).toBe(0);
    expect(by({ catalogueRefs: ['254.275.42'], gtins: ['3560070123469'] })).toBe(0);
    // An offer written against last year's reference still covers the product.
    const renamed = { ...product, oldCatalogueRefs: ['111.222.33'] };
    expect(priceOffer(onWeb, renamed, web, [campaign('OLD', { scope: scopeOf({ catalogueRefs: ['111.222.33'] }) })]).applied).toHaveLength(1);
  });
});

describe('validity', () => {
  it('includes the start and excludes the end', () => {
    const startsNow = campaign('S', { startsAt: new Date(AT).toISOString(), endsAt: null });
    const endsNow = campaign('E', { startsAt: null, endsAt: new Date(AT).toISOString() });
    const later = campaign('L', { startsAt: new Date(AT + 1).toISOString(), endsAt: null });
    const offer = priceOffer(onWeb, product, web, [startsNow, endsNow, later]);
    expect(offer.applied.map((a) => a.promotion.id)).toEqual(['catalogue:S']);
    expect(reasons(offer)).toEqual({ 'catalogue:E': 'ENDED', 'catalogue:L': 'NOT_STARTED' });
  });

  it('shows a kind it cannot read but never applies it', () => {
    expect(reasons(priceOffer(onWeb, product, web, [campaign('O', { kind: 'OTHER', percentOff: null })]))).toEqual({ 'catalogue:O': 'UNKNOWN_KIND' });
  });

  it('does not mix currencies', () => {
    const chf = campaign('CHF', { kind: 'AMOUNT_OFF', percentOff: null, amountOff: { amount: 500, currency: 'CHF' } });
    expect(reasons(priceOffer(onWeb, product, web, [chf]))).toEqual({ 'catalogue:CHF': 'OTHER_CURRENCY' });
  });
});

describe('cart promotions', () => {
  const welcome = cartRule(10, { conditions: { couponCode: 'BIENVENUE10', minimumBasket: eur(3000), firstOrderOnly: true, membersOnly: false, marketingOnly: false }, stackable: false });
  const run15 = cartRule(5, { percentOff: 1500, scope: scopeOf({ webSkus: ['RUN-12345-BLU'] }), conditions: { couponCode: 'RUN15', minimumBasket: null, firstOrderOnly: false, membersOnly: false, marketingOnly: false } });
  const delivery = cartRule(50, { kind: 'FREE_DELIVERY', percentOff: null, stage: 'DELIVERY', conditions: { couponCode: null, minimumBasket: eur(6000), firstOrderOnly: false, membersOnly: false, marketingOnly: false } });
  const silver = promotionOf({
    id: 'loyalty:OF-SILVER15', system: 'LOYALTY', title: 'Avantage Argent', kind: 'PERCENT_OFF', percentOff: 1500, channels: ['WEB', 'STORE'], stage: 'CART',
    scope: scopeOf({ allProducts: true, tiers: ['SILVER', 'GOLD'] }), conditions: { couponCode: null, minimumBasket: null, firstOrderOnly: false, membersOnly: true, marketingOnly: false },
    startsAt: null, endsAt: null, priority: 100,
  });
  const gold2x = { ...silver, id: 'loyalty:OF-GOLD2X', kind: 'POINTS_MULTIPLIER' as const, percentOff: null, pointsMultiplier: 200, stage: 'POINTS' as const, scope: scopeOf({ allProducts: true, tiers: ['GOLD'] }) };
  const birthday = { ...silver, id: 'loyalty:OF-P-M00100002', kind: 'AMOUNT_OFF' as const, percentOff: null, amountOff: eur(1500), scope: scopeOf({ allProducts: true, memberId: 'M00100002' }), conditions: { ...silver.conditions, marketingOnly: true } };

  it('applies coupons only when given, in priority order, each on what the earlier left', () => {
    const all = [welcome, run15, delivery, silver];
    const without = priceOffer(onWeb, product, web, all, member());
    expect(reasons(without)).toMatchObject({ 'web:10': 'COUPON_REQUIRED', 'web:5': 'COUPON_REQUIRED', 'web:50': 'MINIMUM_BASKET_NOT_MET' });
    expect(without.applied.map((a) => a.promotion.id)).toEqual(['loyalty:OF-SILVER15']);

    const withRun = priceOffer({ ...onWeb, couponCodes: [' run15 '] }, product, web, all, member());
    // 4590 − 15 % (688.5 → 689) = 3901, then − 15 % (585.15 → 585) = 3316
    expect(withRun.applied.map((a) => [a.promotion.id, a.amount.amount])).toEqual([['web:5', 689], ['loyalty:OF-SILVER15', 585]]);
    expect(withRun.lineTotal).toEqual(eur(3316));
    expect(withRun.saving).toEqual(eur(1274));
  });

  it('says a coupon was not given before it says a promotion was stopped', () => {
    const stopper = cartRule(1, { stackable: false });
    const offer = priceOffer(onWeb, product, web, [stopper, run15, silver], member());
    expect(reasons(offer)).toEqual({ 'web:5': 'COUPON_REQUIRED', 'loyalty:OF-SILVER15': 'STOPPED_BY_EARLIER' });
  });

  it('stops the later promotions of the stage after a non-stackable one', () => {
    const offer = priceOffer({ ...onWeb, couponCodes: ['BIENVENUE10', 'RUN15'] }, product, web, [welcome, run15, silver], { ...member(), ordersInChannel: 0 });
    expect(offer.applied.map((a) => a.promotion.id)).toEqual(['web:5', 'web:10']);
    expect(reasons(offer)).toEqual({ 'loyalty:OF-SILVER15': 'STOPPED_BY_EARLIER' });
  });

  it('checks the minimum basket on the basket after product promotions', () => {
    const cheap = priceOffer({ ...onWeb, couponCodes: ['BIENVENUE10'] }, product, web, [welcome, campaign('C', { percentOff: 5000 })], ANONYMOUS);
    // 4590 − 50 % = 2295 < 30.00
    expect(reasons(cheap)).toEqual({ 'web:10': 'MINIMUM_BASKET_NOT_MET' });
    const two = priceOffer({ ...onWeb, quantity: 2, couponCodes: ['BIENVENUE10'] }, product, web, [welcome, campaign('C', { percentOff: 5000 })], ANONYMOUS);
    expect(two.applied.map((a) => a.promotion.id)).toEqual(['catalogue:C', 'web:10']);
  });

  it('keeps a first-order coupon from a customer who has ordered, and gives it to a new or anonymous one', () => {
    const coupon = { ...onWeb, couponCodes: ['BIENVENUE10'] };
    expect(reasons(priceOffer(coupon, product, web, [welcome], member()))).toEqual({ 'web:10': 'NOT_FIRST_ORDER' });
    expect(priceOffer(coupon, product, web, [welcome], member({ ordersInChannel: 0 })).applied).toHaveLength(1);
    expect(priceOffer(coupon, product, web, [welcome], ANONYMOUS).applied).toHaveLength(1);
  });

  it('gives member offers by tier, personal offers to their member, and marketing offers only with consent', () => {
    const offers = [silver, gold2x, birthday];
    expect(reasons(priceOffer(onWeb, product, web, offers, ANONYMOUS))).toEqual({
      'loyalty:OF-SILVER15': 'NOT_A_MEMBER', 'loyalty:OF-GOLD2X': 'NOT_A_MEMBER', 'loyalty:OF-P-M00100002': 'NOT_A_MEMBER',
    });
    expect(reasons(priceOffer(onWeb, product, web, offers, member({ tier: 'BRONZE' })))).toEqual({
      'loyalty:OF-SILVER15': 'TIER_NOT_REACHED', 'loyalty:OF-GOLD2X': 'TIER_NOT_REACHED', 'loyalty:OF-P-M00100002': 'PERSONAL_OFFER',
    });
    const gold = priceOffer(onWeb, product, web, offers, member({ memberId: 'M00100002', tier: 'GOLD', acceptsMarketing: false }));
    expect(reasons(gold)).toEqual({ 'loyalty:OF-P-M00100002': 'NO_MARKETING_CONSENT' });
    expect(gold.benefits.map((p) => p.id)).toEqual(['loyalty:OF-GOLD2X']);
    const consenting = priceOffer(onWeb, product, web, offers, member({ memberId: 'M00100002', tier: 'GOLD' }));
    // percent before amount: 4590 − 689 = 3901, − 1500 = 2401
    expect(consenting.applied.map((a) => [a.promotion.id, a.amount.amount])).toEqual([['loyalty:OF-SILVER15', 689], ['loyalty:OF-P-M00100002', 1500]]);
  });

  it('never goes below zero: an amount larger than the basket takes the basket', () => {
    const big = { ...birthday, id: 'loyalty:BIG', amountOff: eur(999_999), scope: scopeOf({ allProducts: true }), conditions: { ...birthday.conditions, marketingOnly: false } };
    const offer = priceOffer(onWeb, product, web, [big], member());
    expect(offer.applied[0]!.amount).toEqual(eur(4590));
    expect(offer.lineTotal).toEqual(eur(0));
  });

  it('lists free delivery as a benefit once the basket reaches its minimum, the price unchanged', () => {
    const offer = priceOffer({ ...onWeb, quantity: 2 }, product, web, [delivery], ANONYMOUS);
    expect(offer.benefits.map((p) => p.id)).toEqual(['web:50']);
    expect(offer.lineTotal).toEqual(eur(9180));
  });

  it('refuses a quantity below one', () => {
    expect(() => priceOffer({ ...onWeb, quantity: 0 }, product, web, [])).toThrow(RangeError);
  });
});
