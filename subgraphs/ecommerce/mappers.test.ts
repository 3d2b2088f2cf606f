import type { WireCartRule, WireCustomer, WireOrder } from './client.js';
import { MalformedRecord, ruleCovers, toCartRule, toWebAccount, toWebOrder } from './mappers.js';

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

describe('toCartRule', () => {
  it.each([
    ['percent', '12.5', 'EUR', { kind: 'PERCENT', value: 1250, currency: null }],
    ['percent', '7.05', 'EUR', { kind: 'PERCENT', value: 705, currency: null }],
    ['amount', '5', 'EUR', { kind: 'AMOUNT', value: 500, currency: 'EUR' }],
    ['amount', '500', 'JPY', { kind: 'AMOUNT', value: 500, currency: 'JPY' }],
    ['free_shipping', '0', 'EUR', { kind: 'OTHER', value: 0, currency: null }],
  ])('reads a %s rule of %s in %s', (type, value, currency, expected) => {
    expect(toCartRule(rule({ type, value }), currency).promotion).toMatchObject(expected);
  });

  it('refuses a percentage finer than a hundredth, and an amount finer than the currency', () => {
    expect(() => toCartRule(rule({ value: '12.345' }), 'EUR')).toThrow(new MalformedRecord('cart rule 7: value must be a percentage with at most two decimals, got "12.345"'));
    expect(() => toCartRule(rule({ type: 'amount', value: '5.5' }), 'JPY')).toThrow(MalformedRecord);
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
