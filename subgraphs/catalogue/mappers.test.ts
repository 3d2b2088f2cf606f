import type { PimCampaign, PimProduct } from './client.js';
import {
  covers,
  gtinKey,
  gtinProblem,
  isActiveAt,
  normaliseCatalogueRef,
  pimEanOf,
  preferredProduct,
  toCampaignRecord,
  toProductRecord,
  toPromotion,
} from './mappers.js';

const product = (overrides: Partial<PimProduct> = {}): PimProduct => ({
  ref: '702.611.50',
  ean: '3570041128362',
  name: { fr: 'Chaussure', en: 'Shoe' },
  description: { fr: 'Une chaussure.', en: 'A shoe.' },
  brand: 'Altitude',
  category: ['Chaussures', 'Running'],
  listPrice: { amount: '89.90', currency: 'EUR' },
  status: 'ACTIVE',
  color: 'bleu',
  sizes: ['40', '41'],
  aliases: [],
  updatedAt: '2026-01-10T08:15:00.000Z',
  ...overrides,
});

const campaign = (overrides: Partial<PimCampaign> = {}): PimCampaign => ({
  id: 'CMP-1',
  name: { fr: 'Soldes', en: 'Sale' },
  startsAt: '2026-02-01T00:00:00.000Z',
  endsAt: '2026-03-01T00:00:00+01:00',
  kind: 'PERCENT',
  value: '20',
  channels: ['WEB'],
  productRefs: [],
  categories: ['Chaussures > Running'],
  ...overrides,
});

describe('catalogue refs', () => {
  it('keeps the dotted form and writes eight digits without dots or with spaces the same way', () => {
    expect(normaliseCatalogueRef('702.611.50')).toBe('702.611.50');
    expect(normaliseCatalogueRef('70261150')).toBe('702.611.50');
    expect(normaliseCatalogueRef('702 611 50')).toBe('702.611.50');
  });
  it('refuses anything that is not eight digits in 3-3-2 groups', () => {
    for (const value of ['702.611.5', '7026115O', '702.611.500', ' 702.611.50', '702-611-50', '']) expect(normaliseCatalogueRef(value)).toBeNull();
  });
});

describe('GTINs', () => {
  it('keys a GTIN by its GTIN-14 form and asks the PIM for the EAN-13 it stores', () => {
    expect(gtinKey('3570041128362')).toBe('03570041128362');
    expect(gtinKey('03570041128362')).toBe('03570041128362');
    expect(pimEanOf('03570041128362')).toBe('3570041128362');
    // A GTIN-12 (UPC-A) is the EAN-13 with a leading zero.
    expect(pimEanOf(gtinKey('036000291452')!)).toBe('0036000291452');
    // A GTIN-14 with a packaging indicator is asked as it is.
    expect(pimEanOf('13570041128369')).toBe('13570041128369');
  });
  it('says why a value is not a GTIN, with the expected check digit', () => {
    expect(gtinProblem('3570041128362')).toBeNull();
    expect(gtinProblem('3570041128363')).toBe('its check digit should be 2');
    expect(gtinProblem('35700411')).toBe('its check digit should be 8');
    expect(gtinProblem('ABC')).toBe('a GTIN is 8, 12, 13 or 14 digits');
    expect(gtinKey('3570041128363')).toBeNull();
  });
});

describe('toProductRecord', () => {
  it('normalises money to minor units, instants to UTC, and lists every reference as an alias', () => {
    const record = toProductRecord(
      product({
        updatedAt: '2026-01-10T09:15:00+01:00',
        aliases: [
          { type: 'WEB_SKU', value: 'RUN-1', franchise: null },
          { type: 'SUPPLIER_REF', value: 'ALT1', franchise: null },
          { type: 'POS_CODE', value: 'L0001', franchise: 'NRD' },
          { type: 'POS_CODE', value: 'L0001', franchise: 'SUD' },
          { type: 'OLD_REF', value: '611.702.05', franchise: null },
          { type: 'SOMETHING_NEW', value: 'X', franchise: null },
        ],
      }),
    );
    expect(record).toMatchObject({
      catalogueRef: '702.611.50',
      gtin: '3570041128362',
      webSku: 'RUN-1',
      listPrice: { amount: 8990, currency: 'EUR' },
      updatedAt: '2026-01-10T08:15:00.000Z',
      unreadable: {},
    });
    expect(record.aliases).toEqual([
      { kind: 'CATALOGUE_REF', value: '702.611.50', franchise: null },
      { kind: 'GTIN', value: '3570041128362', franchise: null },
      { kind: 'WEB_SKU', value: 'RUN-1', franchise: null },
      { kind: 'SUPPLIER_REF', value: 'ALT1', franchise: null },
      { kind: 'POS_LOCAL_CODE', value: 'L0001', franchise: 'NRD' },
      { kind: 'POS_LOCAL_CODE', value: 'L0001', franchise: 'SUD' },
      { kind: 'CATALOGUE_REF', value: '611.702.05', franchise: null },
    ]);
  });

  it('drops an EAN with a wrong check digit: not a GTIN, neither as gtin nor as an alias', () => {
    const record = toProductRecord(product({ ean: '3570041128363' }));
    expect(record.gtin).toBeNull();
    expect(record.aliases.map((alias) => alias.kind)).toEqual(['CATALOGUE_REF']);
  });

  it('keeps a field it cannot read as null, with the reason, and reads the others', () => {
    const record = toProductRecord(product({ listPrice: { amount: '89,90', currency: 'EUR' }, updatedAt: '2026-01-10 08:15', status: 'ARCHIVED' }));
    expect(record.listPrice).toBeNull();
    expect(record.updatedAt).toBeNull();
    expect(record.status).toBeNull();
    expect(record.unreadable.listPrice).toContain('"89,90"');
    expect(record.unreadable.updatedAt).toContain('2026-01-10 08:15');
    expect(record.unreadable.status).toContain('ARCHIVED');
    expect(record.name).toEqual({ fr: 'Chaussure', en: 'Shoe' });
  });

  it('serves a product the PIM gives no list price with listPrice null, and no error', () => {
    const record = toProductRecord(product({ listPrice: null }));
    expect(record.listPrice).toBeNull();
    expect(record.unreadable).toEqual({});
  });
});

describe('preferredProduct', () => {
  it('prefers an active product, then the latest update, then the lowest ref', () => {
    const old = toProductRecord(product({ ref: '100.000.01', updatedAt: '2026-03-01T00:00:00Z' }));
    const gone = toProductRecord(product({ ref: '100.000.02', status: 'DISCONTINUED', updatedAt: '2026-04-01T00:00:00Z' }));
    const recent = toProductRecord(product({ ref: '100.000.03', updatedAt: '2026-03-02T00:00:00Z' }));
    const twin = toProductRecord(product({ ref: '100.000.00', updatedAt: '2026-03-02T00:00:00Z' }));
    expect(preferredProduct([gone, old])?.catalogueRef).toBe('100.000.01');
    expect(preferredProduct([old, gone, recent])?.catalogueRef).toBe('100.000.03');
    expect(preferredProduct([recent, twin])?.catalogueRef).toBe('100.000.00');
    expect(preferredProduct([])).toBeNull();
  });
});

describe('campaigns', () => {
  it('turns a percent into hundredths of a percent, an amount off and a fixed price into euro cents', () => {
    expect(toCampaignRecord(campaign({ value: '12.5' }))).toMatchObject({ kind: 'PERCENT_OFF', percentOff: 1250, amountOff: null, fixedPrice: null });
    expect(toCampaignRecord(campaign({ kind: 'AMOUNT', value: '10.00' }))).toMatchObject({ kind: 'AMOUNT_OFF', percentOff: null, amountOff: { amount: 1000, currency: 'EUR' }, fixedPrice: null });
    expect(toCampaignRecord(campaign({ kind: 'FIXED_PRICE', value: '19.99' }))).toMatchObject({ kind: 'FIXED_PRICE', percentOff: null, amountOff: null, fixedPrice: { amount: 1999, currency: 'EUR' } });
    expect(toCampaignRecord(campaign()).endsAt).toBe('2026-02-28T23:00:00.000Z');
  });

  it('reads a kind the PIM added since as OTHER, its value unread: shown, never applied', () => {
    expect(toCampaignRecord(campaign({ kind: 'BOGO', value: '1+1' }))).toMatchObject({ kind: 'OTHER', pimKind: 'BOGO', percentOff: null, amountOff: null, fixedPrice: null });
  });

  it('refuses what it cannot read as a bad response naming the campaign', () => {
    expect(() => toCampaignRecord(campaign({ value: '12.345' }))).toThrow(expect.objectContaining({ kind: 'badResponse', message: expect.stringContaining('CMP-1 has percent value "12.345"') }));
    expect(() => toCampaignRecord(campaign({ kind: 'AMOUNT', value: 'ten' }))).toThrow(/amount "ten"/);
    expect(() => toCampaignRecord(campaign({ kind: 'FIXED_PRICE', value: '19,99' }))).toThrow(/fixed price "19,99"/);
    expect(() => toCampaignRecord(campaign({ categories: ['Chaussures >'] }))).toThrow(/category "Chaussures >"/);
  });

  it('is active from its start, inclusive, to its end, exclusive', () => {
    const record = toCampaignRecord(campaign());
    expect(isActiveAt(record, Date.parse('2026-02-01T00:00:00Z'))).toBe(true);
    expect(isActiveAt(record, Date.parse('2026-01-31T23:59:59.999Z'))).toBe(false);
    expect(isActiveAt(record, Date.parse('2026-02-28T23:00:00Z'))).toBe(false);
  });

  it('covers a product by ref or by category path prefix, segment by segment', () => {
    const byCategory = toCampaignRecord(campaign({ categories: ['Vêtements > Vestes'] }));
    expect(covers(byCategory, { catalogueRef: '1', category: ['Vêtements', 'Vestes'] })).toBe(true);
    expect(covers(byCategory, { catalogueRef: '1', category: ['Vêtements', 'Vestes', 'Polaires'] })).toBe(true);
    expect(covers(byCategory, { catalogueRef: '1', category: ['Vêtements', 'Vestes de pluie'] })).toBe(false);
    expect(covers(byCategory, { catalogueRef: '1', category: ['Vêtements'] })).toBe(false);
    const byRef = toCampaignRecord(campaign({ categories: [], productRefs: ['330.118.92'] }));
    expect(covers(byRef, { catalogueRef: '330.118.92', category: ['Chaussures'] })).toBe(true);
    expect(covers(byRef, { catalogueRef: '330.118.93', category: ['Chaussures'] })).toBe(false);
  });

  it('serves a campaign as a catalogue product promotion in the asked locale, in its channels, on its refs and categories', () => {
    const record = toCampaignRecord(campaign({ channels: ['WEB', 'STORE'], productRefs: ['330.118.92'], categories: ['Chaussures > Running', 'Camping'] }));
    expect(toPromotion(record, 'EN')).toEqual({
      id: 'catalogue:CMP-1',
      system: 'CATALOGUE',
      title: 'Sale',
      kind: 'PERCENT_OFF',
      percentOff: 2000,
      amountOff: null,
      fixedPrice: null,
      buyQuantity: null,
      payQuantity: null,
      pointsMultiplier: null,
      channels: ['WEB', 'STORE'],
      stage: 'PRODUCT',
      priority: 0,
      stackable: false,
      scope: {
        allProducts: false,
        catalogueRefs: ['330.118.92'],
        webSkus: [],
        gtins: [],
        categories: ['Chaussures > Running', 'Camping'],
        franchise: null,
        storeCodes: [],
        tiers: [],
        memberId: null,
      },
      conditions: { couponCode: null, minimumBasket: null, firstOrderOnly: false, membersOnly: false, marketingOnly: false },
      startsAt: '2026-02-01T00:00:00.000Z',
      endsAt: '2026-02-28T23:00:00.000Z',
    });
  });

  it.each([
    ['AMOUNT', '10.00', { kind: 'AMOUNT_OFF', amountOff: { amount: 1000, currency: 'EUR' } }],
    ['FIXED_PRICE', '19.99', { kind: 'FIXED_PRICE', fixedPrice: { amount: 1999, currency: 'EUR' } }],
    ['BOGO', '1+1', { kind: 'OTHER', percentOff: null, amountOff: null, fixedPrice: null }],
  ])('serves a %s campaign as a %j promotion at the PRODUCT stage', (kind, value, expected) => {
    expect(toPromotion(toCampaignRecord(campaign({ kind, value })), 'FR')).toMatchObject({ ...expected, stage: 'PRODUCT', title: 'Soldes' });
  });
});
