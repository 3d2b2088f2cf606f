import type { CatalogueData, CatalogueProduct } from '../generator/model.js';
import { CatalogueIndex } from './catalogueIndex.js';
import { catalogueFixture } from './fixture.js';
import { parseIsoInstant } from '../../utilities/isoInstant.js';

const product = (ref: string): CatalogueProduct => structuredClone(catalogueFixture.products.find((p) => p.ref === ref)!);

describe('CatalogueIndex', () => {
  test('refuses a catalogue whose contract is broken, naming the record', () => {
    const twice: CatalogueData = { products: [product('702.611.50'), product('702.611.50')], campaigns: [] };
    expect(() => new CatalogueIndex(twice)).toThrow('catalogue products must have unique refs; "702.611.50" appears twice');

    const undated = { ...product('330.118.92'), updated_at: 'last Tuesday' };
    expect(() => new CatalogueIndex({ products: [undated], campaigns: [] })).toThrow(
      'product 330.118.92 updated_at must be an ISO 8601 instant, got "last Tuesday"',
    );

    const campaign = { ...catalogueFixture.campaigns[0]!, categories: ['Chaussures > '] };
    expect(() => new CatalogueIndex({ products: [], campaigns: [campaign] })).toThrow(
      'campaign CMP-RUN-AUTUMN has category "Chaussures > ", not a path like "Chaussures > Running"',
    );
  });

  test('a product carrying one value under two alias types is found once', () => {
    const doubled = product('923.018.45');
    doubled.aliases.push({ type: 'SUPPLIER_REF', value: 'SWI-66104-BLU', franchise: null });
    const index = new CatalogueIndex({ products: [doubled], campaigns: [] });
    expect(index.productsByAlias('SWI-66104-BLU')).toEqual([doubled]);
    expect(index.productsByAlias('SWI-66104-BLU', 'SUPPLIER_REF')).toEqual([doubled]);
  });

  test('products sharing an EAN are all returned', () => {
    const twin = { ...product('702.611.50'), ref: '702.611.59' };
    const index = new CatalogueIndex({ products: [product('702.611.50'), twin], campaigns: [] });
    expect(index.productsByEan(twin.ean!).map((p) => p.ref)).toEqual(['702.611.50', '702.611.59']);
  });
});

describe('parseIsoInstant', () => {
  test.each([
    ['2026-03-14', Date.UTC(2026, 2, 14)],
    ['2026-03-14T10:22:00Z', Date.UTC(2026, 2, 14, 10, 22)],
    ['2026-03-14T10:22Z', Date.UTC(2026, 2, 14, 10, 22)],
    ['2026-03-14T12:22:00.5+02:00', Date.UTC(2026, 2, 14, 10, 22, 0, 500)],
    ['2026-03-14T05:22:00-0500', Date.UTC(2026, 2, 14, 10, 22)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
  ])('reads %s', (text, millis) => {
    expect(parseIsoInstant(text)).toBe(millis);
  });

  test.each(['2026-02-29', '2026-04-31', '2026-03-14T10:22:00', '2026-03-14T24:00:00Z', '14/03/2026', '2026-03-14T10:22:00 01:00', ''])(
    'refuses %j',
    (text) => {
      expect(parseIsoInstant(text)).toBeNull();
    },
  );
});
