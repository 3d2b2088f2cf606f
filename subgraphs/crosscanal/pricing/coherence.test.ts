import { describe, expect, it } from '@jest/globals';
import { promotionOf, scopeOf, type Promotion } from '../../shared/promotions.js';
import { productCoherence, toleranceBasisPoints, type Place } from './coherence.js';
import type { PricedProduct } from './engine.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const AT = Date.parse('2026-11-20T12:00:00Z');
const product: PricedProduct = { catalogueRef: '254.275.41', webSku: 'JAC-12061-BLU', gtin14: null, category: ['Vêtements', 'Vestes'], listPrice: eur(4590) };
const webAt = (amount: number): Place => ({ channel: 'WEB', storeCode: null, franchise: null, sources: { web: { price: eur(amount), active: true }, store: null } });
const storeAt = (code: string, amount: number | null): Place => ({
  channel: 'STORE', storeCode: code, franchise: code.slice(0, 3),
  sources: { web: null, store: { storeCode: code, franchise: code.slice(0, 3), prices: amount === null ? [] : [{ price: eur(amount), validFrom: '2026-01-01T00:00:00Z', validTo: null }] } },
});
const campaign = (id: string, channels: Promotion['channels'], fields: Partial<Promotion> = {}): Promotion =>
  promotionOf({
    id: `catalogue:${id}`, system: 'CATALOGUE', title: id, kind: 'PERCENT_OFF', percentOff: 2000, channels, stage: 'PRODUCT',
    scope: scopeOf({ categories: ['Vêtements'] }), startsAt: null, endsAt: null, stackable: false, ...fields,
  });
const ONE_PERCENT = toleranceBasisPoints(1);
const causes = (result: ReturnType<typeof productCoherence>) => result.deviations.map((d) => [d.storeCode ?? 'WEB', d.causes]);

describe('price coherence of a product', () => {
  it('finds nothing where every place asks the national price, within the tolerance', () => {
    const result = productCoherence(product, [webAt(4590), storeAt('NRD01', 4599), storeAt('SUD01', null)], [campaign('ALL', ['WEB', 'STORE'])], AT, ONE_PERCENT);
    expect(result.reference).toEqual(eur(3672)); // 4590 − 20 %
    expect(result.deviations).toEqual([]);
    expect(result.placesChecked).toBe(3);
  });

  it('names a store price above list and a web price below it', () => {
    const result = productCoherence(product, [webAt(3990), storeAt('SUD01', 4990), storeAt('NRD01', 4590)], [], AT, ONE_PERCENT);
    expect(causes(result)).toEqual([['WEB', ['WEB_PRICE_BELOW_LIST']], ['SUD01', ['STORE_PRICE_ABOVE_LIST']]]);
    expect(result.deviations[1]).toMatchObject({ price: eur(4990), difference: eur(400), differenceBasisPoints: 871 });
  });

  it('names channel-only campaigns and store promotions, and adds causes that meet', () => {
    const storePromo = promotionOf({
      id: 'pos:NRD:P1', system: 'POS', title: 'Bon plan', kind: 'AMOUNT_OFF', amountOff: eur(500), channels: ['STORE'], stage: 'PRODUCT',
      scope: scopeOf({ franchise: 'NRD', catalogueRefs: ['254.275.41'] }), startsAt: null, endsAt: null,
    });
    const result = productCoherence(product, [webAt(3990), storeAt('NRD01', 4590), storeAt('SUD01', 4590)], [campaign('WEB', ['WEB'], { kind: 'AMOUNT_OFF', percentOff: null, amountOff: eur(1000) }), storePromo], AT, ONE_PERCENT);
    expect(causes(result)).toEqual([['WEB', ['WEB_PRICE_BELOW_LIST', 'WEB_ONLY_PROMOTION']], ['NRD01', ['STORE_PROMOTION']]]);
  });

  it('reports a place that sells the product without a price', () => {
    const noList = { ...product, listPrice: null };
    const result = productCoherence(noList, [storeAt('NRD01', 1990), storeAt('NRD02', 1990), storeAt('NRD03', null)], [], AT, ONE_PERCENT);
    expect(result).toMatchObject({ reference: eur(1990), referenceSource: 'PLACES' });
    expect(causes(result)).toEqual([['NRD03', ['MISSING_PRICE']]]);
  });

  it('takes the tolerance as a percentage and refuses anything else', () => {
    expect(toleranceBasisPoints(2.5)).toBe(250);
    expect(() => toleranceBasisPoints(-1)).toThrow(RangeError);
    expect(() => toleranceBasisPoints(Number.NaN)).toThrow(RangeError);
    const atFive = productCoherence(product, [storeAt('SUD01', 4790)], [], AT, toleranceBasisPoints(5));
    expect(atFive.deviations).toEqual([]);
    expect(productCoherence(product, [storeAt('SUD01', 4790)], [], AT, toleranceBasisPoints(4)).deviations).toHaveLength(1);
  });
});
