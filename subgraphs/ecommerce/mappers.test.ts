import type { WireCartRule, WireCustomer, WireOrder } from './client.js';
import { cartRuleOf } from './loaders.js';
import { lowersProductPrice, MalformedRecord, ruleCovers, toCartRule, toWebAccount, toWebOrder } from './mappers.js';

const rule = (overrides: Partial<WireCartRule>): WireCartRule => ({
  id: 7,
  name: 'Rule',
  code: null,
  type: 'percent',
  value: '10',
  starts_at: '2026-03-01T00:00:00Z',
  ends_at: '2026-03-02T00:00:00+01:00',
  scope: { skus: ['A'], min_subtotal: null },
  priority: 1,
  stackable: true,
  ...overrides,
});

describe('cartRuleOf', () => {
  it('maps a frozen rule (as the in-process cache keeps it) once per currency, and any other rule each time', () => {
    const kept = Object.freeze(rule({ id: 21, type: 'amount', value: '5' }));
    const once = cartRuleOf(kept, 'EUR');
    expect(once).toEqual(toCartRule(kept, 'EUR'));
    expect(cartRuleOf(kept, 'EUR')).toBe(once);
    // Another currency reads the amount in its own terms.
    expect(cartRuleOf(kept, 'JPY')).not.toBe(once);
    expect(cartRuleOf(kept, 'JPY').promotion.amountOff).toEqual({ amount: 5, currency: 'JPY' });
    // A rule that may still change (fresh from the platform, or from Redis) is not remembered.
    const fresh = rule({ id: 21, type: 'amount', value: '5' });
    expect(cartRuleOf(fresh, 'EUR')).not.toBe(cartRuleOf(fresh, 'EUR'));
    // A garbled rule fails every time it is read, not once.
    const garbled = Object.freeze(rule({ scope: null as never }));
    expect(() => cartRuleOf(garbled, 'EUR')).toThrow(MalformedRecord);
    expect(() => cartRuleOf(garbled, 'EUR')).toThrow(MalformedRecord);
  });
});

describe('toCartRule', () => {
  it.each([
    ['percent', '12.5', 'EUR', { kind: 'PERCENT_OFF', percentOff: 1250, amountOff: null, stage: 'CART' }],
    ['percent', '7.05', 'EUR', { kind: 'PERCENT_OFF', percentOff: 705, amountOff: null, stage: 'CART' }],
    ['amount', '5', 'EUR', { kind: 'AMOUNT_OFF', percentOff: null, amountOff: { amount: 500, currency: 'EUR' }, stage: 'CART' }],
    ['amount', '500', 'JPY', { kind: 'AMOUNT_OFF', percentOff: null, amountOff: { amount: 500, currency: 'JPY' }, stage: 'CART' }],
    ['free_shipping', null, 'EUR', { kind: 'FREE_DELIVERY', percentOff: null, amountOff: null, stage: 'DELIVERY' }],
    ['free_shipping', '0', 'EUR', { kind: 'FREE_DELIVERY', percentOff: null, amountOff: null, stage: 'DELIVERY' }],
    ['gift_wrap', 'oui', 'EUR', { kind: 'OTHER', percentOff: null, amountOff: null, stage: 'CART' }],
  ])('reads a %s rule of %s in %s', (type, value, currency, expected) => {
    expect(toCartRule(rule({ type, value }), currency).promotion).toMatchObject(expected);
  });

  it('maps the whole rule: web only, its SKUs, its coupon, minimum subtotal and first-order flag as conditions, its rank', () => {
    const promotion = toCartRule(
      rule({ id: 12, name: 'Bienvenue', code: 'BIENVENUE10', scope: { skus: ['A', 'B'], min_subtotal: '30.00', first_order: true }, priority: 50, stackable: false }),
      'EUR',
    ).promotion;
    expect(promotion).toEqual({
      id: 'web:12',
      system: 'ECOMMERCE',
      title: 'Bienvenue',
      kind: 'PERCENT_OFF',
      percentOff: 1000,
      amountOff: null,
      fixedPrice: null,
      buyQuantity: null,
      payQuantity: null,
      pointsMultiplier: null,
      channels: ['WEB'],
      stage: 'CART',
      priority: 50,
      stackable: false,
      scope: { allProducts: false, catalogueRefs: [], webSkus: ['A', 'B'], gtins: [], categories: [], franchise: null, storeCodes: [], tiers: [], memberId: null },
      conditions: { couponCode: 'BIENVENUE10', minimumBasket: { amount: 3000, currency: 'EUR' }, firstOrderOnly: true, membersOnly: false, marketingOnly: false },
      startsAt: '2026-03-01T00:00:00.000Z',
      endsAt: '2026-03-01T23:00:00.000Z',
    });
  });

  it('reads a rule without first_order (written before it existed) as not first-order only, and skus null as every product', () => {
    const promotion = toCartRule(rule({ scope: { skus: null, min_subtotal: null } }), 'EUR').promotion;
    expect(promotion.conditions).toMatchObject({ couponCode: null, minimumBasket: null, firstOrderOnly: false });
    expect(promotion.scope).toMatchObject({ allProducts: true, webSkus: [] });
  });

  it('refuses a percentage finer than a hundredth, an amount finer than the currency, a first_order that is no flag', () => {
    expect(() => toCartRule(rule({ value: '12.345' }), 'EUR')).toThrow(new MalformedRecord('cart rule 7: value must be a percentage with at most two decimals, got "12.345"'));
    expect(() => toCartRule(rule({ type: 'amount', value: '5.5' }), 'JPY')).toThrow(MalformedRecord);
    expect(() => toCartRule(rule({ type: 'amount', value: null }), 'EUR')).toThrow(MalformedRecord);
    expect(() => toCartRule(rule({ scope: { skus: null, min_subtotal: null, first_order: 'yes' as unknown as boolean } }), 'EUR')).toThrow(/first_order must be true or false/);
  });

  // A rule's value is the platform's text, unbounded in length. Its trailing zeros were trimmed
  // with /0+$/, n² steps on a long run of zeros that a later digit ends: over a minute for
  // 256 KiB. Trimmed by a loop, the rule is read or refused in milliseconds.
  it.each([
    ['zeros ended by a digit', `12.${'0'.repeat(256 * 1024)}1`, undefined],
    ['zeros only', `12.${'0'.repeat(256 * 1024)}`, 1200],
  ])('reads a percentage of 256 KiB in linear time (%s)', (_, value, percentOff) => {
    const started = performance.now();
    if (percentOff === undefined) expect(() => toCartRule(rule({ value }), 'EUR')).toThrow(/at most two decimals/);
    else expect(toCartRule(rule({ value }), 'EUR').promotion.percentOff).toBe(percentOff);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('runs from its start, included, to its end, excluded, read in UTC', () => {
    const covering = toCartRule(rule({}), 'EUR');
    expect(covering.promotion.endsAt).toBe('2026-03-01T23:00:00.000Z');
    expect(ruleCovers(covering, 'A', Date.parse('2026-03-01T00:00:00Z'))).toBe(true);
    expect(ruleCovers(covering, 'A', Date.parse('2026-03-01T23:00:00Z'))).toBe(false);
    expect(ruleCovers(covering, 'B', Date.parse('2026-03-01T12:00:00Z'))).toBe(false);
    const everything = toCartRule(rule({ scope: { skus: null, min_subtotal: '30.00' }, ends_at: null }), 'EUR');
    expect(ruleCovers(everything, 'B', Date.parse('2099-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('lowersProductPrice: the rules that lower one product\'s own price', () => {
  const at = Date.parse('2026-03-01T12:00:00Z');
  const lowers = (overrides: Partial<WireCartRule>, sku = 'A') => lowersProductPrice(toCartRule(rule(overrides), 'EUR'), sku, at);

  it('keeps a rule naming the SKU, coupon or first-order alike, and not one naming other SKUs', () => {
    expect(lowers({})).toBe(true);
    expect(lowers({ code: 'RUN5' })).toBe(true);
    expect(lowers({ scope: { skus: ['A'], min_subtotal: null, first_order: true } })).toBe(true);
    expect(lowers({}, 'B')).toBe(false);
    // A type added since is OTHER: shown with the product it names, never applied.
    expect(lowers({ type: 'gift_wrap', value: 'oui' })).toBe(true);
  });

  it('keeps an automatic rule on every product: no coupon, not first-order, no minimum basket', () => {
    expect(lowers({ scope: { skus: null, min_subtotal: null } })).toBe(true);
    expect(lowers({ scope: { skus: null, min_subtotal: null, first_order: false } }, 'B')).toBe(true);
  });

  it('leaves the cart its rules: basket-wide coupons and first-order rules, delivery offers, minimum baskets, and rules not running', () => {
    expect(lowers({ code: 'BIENVENUE10', scope: { skus: null, min_subtotal: null } })).toBe(false);
    expect(lowers({ scope: { skus: null, min_subtotal: null, first_order: true } })).toBe(false);
    expect(lowers({ type: 'free_shipping', value: null })).toBe(false);
    expect(lowers({ type: 'free_shipping', value: null, scope: { skus: null, min_subtotal: null } })).toBe(false);
    expect(lowers({ scope: { skus: ['A'], min_subtotal: '50.00' } })).toBe(false);
    expect(lowers({ scope: { skus: null, min_subtotal: '50.00' } })).toBe(false);
    expect(lowersProductPrice(toCartRule(rule({}), 'EUR'), 'A', Date.parse('2026-03-02T00:00:00Z'))).toBe(false);
  });
});

describe('records that break the platform contract', () => {
  const customer: WireCustomer = {
    id: 1, email: 'a@b.fr', first_name: 'A', last_name: 'B', phone: 'n/a', newsletter_opt_in: false,
    newsletter_opt_in_at: null, created_at: '2020-01-01T00:00:00Z', updated_at: '2020-01-01T00:00:00Z',
  };

  it('reads an unreadable phone or email as null, never as the raw text', () => {
    expect(toWebAccount({ ...customer, email: 'not an email' })).toMatchObject({ email: null, emailKey: null, phone: null });
  });

  it.each([
    [{ created_at: '2020-01-01 00:00' }, 'customer 1: created_at must be an ISO 8601 instant, got "2020-01-01 00:00"'],
    [{ newsletter_opt_in: 'yes' }, 'customer 1: newsletter_opt_in must be true or false, got "yes"'],
    [{ id: '1' }, 'customer "1": id must be an integer, got "1"'],
    [{ first_name: undefined }, 'customer 1: first_name must be a string, got nothing'],
  ])('refuses a customer with %j', (patch, message) => {
    expect(() => toWebAccount({ ...customer, ...patch } as unknown as WireCustomer)).toThrow(new MalformedRecord(message));
  });

  it('refuses an order with an unknown status or a click-and-collect without its store', () => {
    const order: WireOrder = {
      id: 5, number: 'W1', customer_id: 1, placed_at: '2020-01-01T00:00:00Z', updated_at: '2020-01-01T00:00:00Z',
      status: 'paid', currency: 'EUR', fulfilment: { type: 'home_delivery', store_code: null }, quote_number: null,
      coupon_code: null, delivery: { first_name: 'A', last_name: 'B', phone: null }, lines: [], total: '0.00',
    };
    expect(toWebOrder(order).lines).toEqual([]);
    expect(() => toWebOrder({ ...order, status: 'lost' })).toThrow('order 5: unknown status "lost"');
    expect(() => toWebOrder({ ...order, fulfilment: { type: 'click_and_collect', store_code: null } })).toThrow(
      'order 5 fulfilment: store_code must be a string, got null',
    );
    expect(() => toWebOrder({ ...order, delivery: { first_name: 'A', phone: null } as unknown as WireOrder['delivery'] })).toThrow(
      new MalformedRecord('order 5 delivery: last_name must be a string, got nothing'),
    );
    expect(() => toWebOrder({ ...order, delivery: 'A B' as unknown as WireOrder['delivery'] })).toThrow(new MalformedRecord('order 5: delivery must be an object, got "A B"'));
    // A line names its order and its place in it.
    const line = { sku: 'S1', quantity: 1, unit_price: '10.00', discount: '0.00' };
    const lines = (...given: unknown[]) => ({ ...order, lines: given as WireOrder['lines'] });
    expect(toWebOrder(lines(line)).lines).toEqual([expect.objectContaining({ lineNumber: 1, sku: 'S1', lineTotal: { amount: 1000, currency: 'EUR' } })]);
    expect(() => toWebOrder(lines(line, 'S2'))).toThrow(new MalformedRecord('order 5 line 2: must be an object'));
    expect(() => toWebOrder(lines(line, { ...line, sku: 7 }))).toThrow(new MalformedRecord('order 5 line 2: sku must be a string, got 7'));
    expect(() => toWebOrder(lines({ ...line, unit_price: '10,00' }))).toThrow(new MalformedRecord('order 5 line 1: unit_price is not an amount in EUR: not a decimal amount: "10,00"'));
    expect(() => toWebOrder(lines({ ...line, quantity: Number.MAX_SAFE_INTEGER }))).toThrow(new MalformedRecord('order 5 line 1: line total out of range'));
  });

  it('reads a delivery phone in E.164, an unreadable one as null, and an order without a recipient as delivery null', () => {
    const order = (delivery: unknown) => ({
      id: 6, number: 'W2', customer_id: 1, placed_at: '2020-01-01T00:00:00Z', updated_at: '2020-01-01T00:00:00Z',
      status: 'paid', currency: 'EUR', fulfilment: { type: 'home_delivery', store_code: null }, quote_number: null,
      coupon_code: null, delivery, lines: [], total: '0.00',
    }) as WireOrder;
    expect(toWebOrder(order({ first_name: 'Zoé', last_name: 'Roux', phone: '06.71.44.20.93' })).delivery).toEqual({ firstName: 'Zoé', lastName: 'Roux', phone: '+33671442093' });
    expect(toWebOrder(order({ first_name: 'Zoé', last_name: 'Roux', phone: '+33 6 71 44 20 93' })).delivery!.phone).toBe('+33671442093');
    expect(toWebOrder(order({ first_name: 'Zoé', last_name: 'Roux', phone: '06 71 44' })).delivery!.phone).toBeNull();
    expect(toWebOrder(order(undefined)).delivery).toBeNull();
  });
});
