import { nrdCents } from './layouts/nrdCents.js';
import { oueClientTable } from './layouts/oueClientTable.js';
import { promotionKind, sudEurosLocalTime } from './layouts/sudEurosLocalTime.js';
import { centsPromotion, instant, multibuy } from './mapping.js';
import type { FranchiseEntry } from './records.js';

/** Store promotions of every layout read into the one promotion model (docs/pricing.md). */

describe('NRD and OUE: integer values', () => {
  test.each([
    ['PERCENT', 20, { kind: 'PERCENT_OFF', percentOff: 2000 }],
    ['AMOUNT', 1500, { kind: 'AMOUNT_OFF', amountOff: { amount: 1500, currency: 'EUR' } }],
    ['MULTIBUY', 3, { kind: 'BUY_N_PAY_M', buyQuantity: 3, payQuantity: 2 }],
    ['MULTIBUY', 5, { kind: 'BUY_N_PAY_M', buyQuantity: 5, payQuantity: 4 }],
    // A multibuy of one item is no multibuy at all.
    ['MULTIBUY', 1, { kind: 'OTHER' }],
    ['BOGO', 1, { kind: 'OTHER' }],
    ['BOGO', 'not even a number', { kind: 'OTHER' }],
  ])('%s %j is %j', (kind, value, expected) => {
    expect(centsPromotion(kind, value)).toEqual(expected);
  });

  test('a value a known kind cannot read fails the row', () => {
    expect(() => centsPromotion('PERCENT', '12.5')).toThrow(/promotion.value/);
  });
});

describe('SUD: numeric(10,2) values', () => {
  test.each([
    ['POURCENTAGE', '20.00', { kind: 'PERCENT_OFF', percentOff: 2000 }],
    ['POURCENTAGE', '12.50', { kind: 'PERCENT_OFF', percentOff: 1250 }],
    ['REMISE', '15.00', { kind: 'AMOUNT_OFF', amountOff: { amount: 1500, currency: 'EUR' } }],
    ['LOT', '3.00', { kind: 'BUY_N_PAY_M', buyQuantity: 3, payQuantity: 2 }],
    ['LOT', '2.50', { kind: 'OTHER' }],
    ['CADEAU', '1.00', { kind: 'OTHER' }],
    ['CADEAU', 'un sac', { kind: 'OTHER' }],
  ])('%s %j is %j', (type, valeur, expected) => {
    expect(promotionKind(type, valeur)).toEqual(expected);
  });

  test('multibuy: buy n, pay n - 1, from two items', () => {
    expect(multibuy(2)).toEqual({ kind: 'BUY_N_PAY_M', buyQuantity: 2, payQuantity: 1 });
    expect(multibuy(0)).toEqual({ kind: 'OTHER' });
    expect(multibuy(2.5)).toEqual({ kind: 'OTHER' });
  });
});

describe('a promotion row of each layout', () => {
  const franchise = (code: string, layout: string): FranchiseEntry => ({ code, name: code, schema: code.toLowerCase(), layout });

  test('NRD: the canonical promotion, for one store, on every item it lists', () => {
    const record = nrdCents.mapper.promotion(
      {
        id: 'P-1',
        store_code: 'NRD02',
        title: ' 3 pour 2 ',
        kind: 'MULTIBUY',
        value: 3,
        starts_at: new Date('2026-04-01T00:00:00Z'),
        ends_at: new Date('2026-05-01T00:00:00Z'),
        ean: '3614270012341',
        items: ['3614270012341', ' 3614270056781 ', 'L0001', '3614270012341'],
      },
      { franchise: franchise('NRD', 'nrd_cents') },
    );
    expect(record).toEqual({
      promotion: {
        id: 'pos:NRD:P-1',
        system: 'POS',
        title: '3 pour 2',
        kind: 'BUY_N_PAY_M',
        percentOff: null,
        amountOff: null,
        fixedPrice: null,
        buyQuantity: 3,
        payQuantity: 2,
        pointsMultiplier: null,
        channels: ['STORE'],
        stage: 'PRODUCT',
        priority: 0,
        stackable: false,
        scope: {
          allProducts: false,
          catalogueRefs: [],
          webSkus: [],
          gtins: ['3614270012341', '3614270056781', 'L0001'],
          categories: [],
          franchise: 'NRD',
          storeCodes: ['NRD02'],
          tiers: [],
          memberId: null,
        },
        conditions: { couponCode: null, minimumBasket: null, firstOrderOnly: false, membersOnly: false, marketingOnly: false },
        startsAt: '2026-04-01T00:00:00.000Z',
        endsAt: '2026-05-01T00:00:00.000Z',
      },
      franchise: 'NRD',
      storeCode: 'NRD02',
      gtin14: '03614270012341',
      itemCode: '3614270012341',
    });
  });

  test('OUE: franchise-wide (no store), its instants as JSON writes them, an unknown kind as OTHER', () => {
    const record = oueClientTable.mapper.promotion(
      { id: 'OF-9', store_code: null, title: null, kind: 'CASHBACK', value: 7, starts_at: '2026-04-01T02:00:00+02:00', ends_at: '2026-05-01T00:00:00+00:00', ean: null, items: [] },
      { franchise: franchise('OUE', 'oue_client_table') },
    );
    expect(record.promotion).toMatchObject({ id: 'pos:OUE:OF-9', title: 'OF-9', kind: 'OTHER', buyQuantity: null, stage: 'PRODUCT', startsAt: '2026-04-01T00:00:00.000Z' });
    expect(record.promotion.scope).toMatchObject({ franchise: 'OUE', storeCodes: [], gtins: [] });
    expect(record).toMatchObject({ storeCode: null, gtin14: null, itemCode: null });
  });

  test('SUD: an amount in euros, in Paris wall-clock time', () => {
    const record = sudEurosLocalTime.mapper.promotion(
      { id: 'PROMO-ETE', store_code: 'SUD02', title: 'Été', kind: 'REMISE', value: '15.00', starts_at: '2026-07-01 00:00:00.000000', ends_at: '2026-08-31 23:59:59.000000', ean: null, items: ['3614270056781'] },
      { franchise: franchise('SUD', 'sud_euros_local_time') },
    );
    expect(record.promotion).toMatchObject({
      id: 'pos:SUD:PROMO-ETE',
      kind: 'AMOUNT_OFF',
      amountOff: { amount: 1500, currency: 'EUR' },
      startsAt: '2026-06-30T22:00:00.000Z',
      endsAt: '2026-08-31T21:59:59.000Z',
      scope: { franchise: 'SUD', storeCodes: ['SUD02'], gtins: ['3614270056781'] },
    });
  });
});

describe('instant', () => {
  test('reads a timestamptz as node-postgres gives it, or as JSON writes it; not a date alone nor a time without zone', () => {
    expect(instant(new Date('2026-03-01T00:00:00Z'), 'x')).toBe('2026-03-01T00:00:00.000Z');
    expect(instant('2026-03-01T01:00:00.123456+01:00', 'x')).toBe('2026-03-01T00:00:00.123Z');
    expect(() => instant('2026-03-01', 'x')).toThrow(/x: expected a timestamp with time zone/);
    expect(() => instant('2026-03-01T00:00:00', 'x')).toThrow(RangeError);
  });
});
