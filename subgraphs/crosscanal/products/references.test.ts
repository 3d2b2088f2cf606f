import { withCheckDigit } from '../../../utilities/gtin.js';
import { toCatalogueEntry } from '../sources/catalogue.js';
import { matchReference } from './lookup.js';
import type { ReferenceHits } from './referenceStore.js';
import {
  catalogueRefOf,
  displayGtin,
  franchiseOf,
  gtinKeyOf,
  lookupCode,
  readReference,
  recordedForm,
  referenceProblem,
} from './references.js';
import { toWebProductEntry } from './webProducts.js';

const EAN = '3307773902317';
const UPC = withCheckDigit('01234567890'); // a UPC-12; its EAN-13 is a leading 0 and the same digits
const EAN8 = withCheckDigit('7026115');

describe('reading a reference', () => {
  test('a catalogue reference typed with dots, without them, or with spaces is the same reference', () => {
    for (const typed of ['702.611.50', '70261150', '702 611 50', ' 702-611-50 ', '702.61150']) expect(catalogueRefOf(typed)).toBe('702.611.50');
    for (const typed of ['702.611.5', '7026115000', '702.611.5a', 'A02.611.50', '']) expect(catalogueRefOf(typed)).toBeNull();
  });

  test('a GTIN compares by its GTIN-14, whatever length or spacing it is typed in', () => {
    expect(gtinKeyOf(EAN)).toBe(`0${EAN}`);
    expect(gtinKeyOf(`0${EAN}`)).toBe(`0${EAN}`);
    expect(gtinKeyOf('3 307773 902317')).toBe(`0${EAN}`);
    expect(gtinKeyOf(UPC)).toBe(`00${UPC}`);
    expect(gtinKeyOf(`0${UPC}`)).toBe(`00${UPC}`);
    expect(gtinKeyOf(EAN8)).toBe(`000000${EAN8}`);
    expect(gtinKeyOf('3307773902318')).toBeNull(); // wrong check digit
    expect(gtinKeyOf('330777390231')).toBeNull(); // a 12-digit code whose check digit is wrong
    expect(gtinKeyOf('33077739023170')).toBeNull();
    expect(gtinKeyOf('L0002')).toBeNull();
    expect(displayGtin(`0${EAN}`)).toBe(EAN);
    expect(displayGtin('13307773902314')).toBe('13307773902314');
  });

  test('SKUs, supplier references and local codes compare in upper case without spaces; franchises are codes', () => {
    expect(lookupCode(' jac-12061-blu ')).toBe('JAC-12061-BLU');
    expect(lookupCode('l0002')).toBe('L0002');
    expect(franchiseOf(' sud ')).toBe('SUD');
    expect(franchiseOf('N R D')).toBeNull();
    expect(franchiseOf('')).toBeNull();
  });

  test('every plausible reading, most specific first; inner spaces only in references and GTINs', () => {
    expect(readReference('70261150').map((r) => [r.kind, r.code])).toEqual([
      ['CATALOGUE_REF', '702.611.50'],
      ['WEB_SKU', '70261150'],
      ['SUPPLIER_REF', '70261150'],
      ['POS_LOCAL_CODE', '70261150'],
    ]);
    expect(readReference(EAN8).map((r) => r.kind)).toEqual(['CATALOGUE_REF', 'GTIN', 'WEB_SKU', 'SUPPLIER_REF', 'POS_LOCAL_CODE']);
    expect(readReference('702 611 50')).toEqual([{ kind: 'CATALOGUE_REF', code: '702.611.50', franchise: null }]);
    expect(readReference('3 307773 902317')).toEqual([{ kind: 'GTIN', code: `0${EAN}`, franchise: null }]);
    expect(readReference('l0002', 'SUD')).toEqual([
      { kind: 'WEB_SKU', code: 'L0002', franchise: null },
      { kind: 'SUPPLIER_REF', code: 'L0002', franchise: null },
      { kind: 'POS_LOCAL_CODE', code: 'L0002', franchise: 'SUD' },
    ]);
    expect(readReference('two words')).toEqual([]);
  });

  test('an unknown reference is recorded in the form its spellings share', () => {
    expect(recordedForm('702 611 50')).toBe('702.611.50');
    expect(recordedForm(`0${EAN}`)).toBe(EAN);
    expect(recordedForm(' zz-9 ')).toBe('ZZ-9');
  });

  test('a reference that cannot be a code is refused with the reason', () => {
    expect(referenceProblem('   ')).toBe('ref must not be empty');
    expect(referenceProblem('x'.repeat(65))).toBe('ref must be at most 64 characters, got 65');
    expect(referenceProblem('L00\u000702')).toMatch(/^ref must be printable text/);
    expect(referenceProblem(' L0002 ')).toBeNull();
  });
});

describe('what the systems write, as the index keeps it', () => {
  const pim = {
    ref: '702.611.50',
    ean: EAN,
    status: 'ACTIVE',
    updatedAt: '2026-03-14T10:22:00Z',
    aliases: [
      { type: 'WEB_SKU', value: 'RUN-12345-BLK', franchise: null },
      { type: 'SUPPLIER_REF', value: 'ALT123456', franchise: null },
      { type: 'POS_CODE', value: 'L0001', franchise: 'NRD' },
      { type: 'POS_CODE', value: 'L0001', franchise: 'SUD' },
      { type: 'POS_CODE', value: 'L0009', franchise: null },
      { type: 'OLD_REF', value: '611.702.05', franchise: null },
      { type: 'OLD_REF', value: 'lost', franchise: null },
      { type: 'COLOUR_CODE', value: 'BLK', franchise: null },
    ],
  };

  test('a catalogue product: its reference, old references, GTIN and aliases; unusable codes counted, unknown alias types ignored', () => {
    expect(toCatalogueEntry(pim)).toEqual({
      catalogueRef: '702.611.50',
      gtin: EAN,
      webSku: 'RUN-12345-BLK',
      status: 'ACTIVE',
      updatedAt: '2026-03-14T10:22:00.000Z',
      unusable: 2,
      codes: [
        { kind: 'CATALOGUE_REF', code: '702.611.50', value: '702.611.50', franchise: null },
        { kind: 'GTIN', code: `0${EAN}`, value: EAN, franchise: null },
        { kind: 'WEB_SKU', code: 'RUN-12345-BLK', value: 'RUN-12345-BLK', franchise: null },
        { kind: 'SUPPLIER_REF', code: 'ALT123456', value: 'ALT123456', franchise: null },
        { kind: 'POS_LOCAL_CODE', code: 'L0001', value: 'L0001', franchise: 'NRD' },
        { kind: 'POS_LOCAL_CODE', code: 'L0001', value: 'L0001', franchise: 'SUD' },
        { kind: 'CATALOGUE_REF', code: '611.702.05', value: '611.702.05', franchise: null },
      ],
    });
  });

  test('an EAN with a wrong check digit is no GTIN, and a ref the catalogue cannot print is no product', () => {
    const entry = toCatalogueEntry({ ...pim, ean: '3307773902318', aliases: [] })!;
    expect(entry.gtin).toBeNull();
    expect(entry.unusable).toBe(1);
    expect(entry.codes.map((c) => c.kind)).toEqual(['CATALOGUE_REF']);
    expect(toCatalogueEntry({ ...pim, ref: '70261150' })).toBeNull();
  });

  test('a web product keeps a valid EAN only', () => {
    const wire = { sku: 'RUN-1', ean: EAN, active: true, updated_at: '2026-03-14T10:22:00Z' };
    expect(toWebProductEntry(wire)).toEqual({ sku: 'RUN-1', gtin: EAN, eanUnusable: false, active: true, updatedAt: '2026-03-14T10:22:00.000Z' });
    expect(toWebProductEntry({ ...wire, ean: '123' })).toMatchObject({ gtin: null, eanUnusable: true });
    expect(toWebProductEntry({ ...wire, ean: null })).toMatchObject({ gtin: null, eanUnusable: false });
  });
});

describe('deciding what a reference names', () => {
  const A = { catalogueRef: '014.377.78', gtin: '3747849955326', webSku: 'TEN-75964-STD' };
  const B = { catalogueRef: '488.029.25', gtin: '3295864999912', webSku: 'TEN-38412-STD' };
  const none: ReferenceHits = { catalogue: [], web: [], posGtins: [], posCodes: [] };
  const pos = (franchise: string, product: typeof A) => ({ kind: 'POS_LOCAL_CODE' as const, code: 'L0002', franchise, value: 'L0002', ...product });
  const hits = (patch: Partial<ReferenceHits>): ReferenceHits => ({ ...none, ...patch });

  test('one product: its keys and how the reference was read', () => {
    const match = matchReference('l0002', readReference('l0002', 'NRD'), hits({ catalogue: [pos('NRD', A), pos('SUD', B)] }));
    expect(match).toEqual({
      ref: 'l0002',
      product: A,
      kind: 'POS_LOCAL_CODE',
      value: 'L0002',
      franchise: 'NRD',
      ambiguous: false,
      candidates: [{ product: A, kind: 'POS_LOCAL_CODE', value: 'L0002', franchise: 'NRD' }],
    });
  });

  test('a local code two franchises use, asked without a franchise: every candidate, no guess', () => {
    const match = matchReference('L0002', readReference('L0002'), hits({ catalogue: [pos('NRD', A), pos('SUD', B)] }))!;
    expect(match).toMatchObject({ product: null, kind: 'POS_LOCAL_CODE', value: 'L0002', franchise: null, ambiguous: true });
    expect(match.candidates).toEqual([
      { product: A, kind: 'POS_LOCAL_CODE', value: 'L0002', franchise: 'NRD' },
      { product: B, kind: 'POS_LOCAL_CODE', value: 'L0002', franchise: 'SUD' },
    ]);
  });

  test('a franchise whose tills use the code for something no system maps keeps the answer open', () => {
    const seen = [
      { franchise: 'NRD', code: 'L0002', value: 'L0002' },
      { franchise: 'SUD', code: 'L0002', value: 'L0002' },
    ];
    const open = matchReference('L0002', readReference('L0002'), hits({ catalogue: [pos('NRD', A)], posCodes: seen }))!;
    expect(open.ambiguous).toBe(true);
    expect(open.candidates).toEqual([
      { product: A, kind: 'POS_LOCAL_CODE', value: 'L0002', franchise: 'NRD' },
      { product: null, kind: 'POS_LOCAL_CODE', value: 'L0002', franchise: 'SUD' },
    ]);
    expect(matchReference('L0002', readReference('L0002', 'NRD'), hits({ catalogue: [pos('NRD', A)], posCodes: seen }))!.product).toEqual(A);
    expect(matchReference('L0002', readReference('L0002', 'SUD'), hits({ catalogue: [pos('NRD', A)], posCodes: seen }))).toBeNull();
  });

  test('one product found several ways is one candidate, read the most specific way', () => {
    const match = matchReference('TEN-75964-STD', readReference('TEN-75964-STD'), hits({
      catalogue: [
        { kind: 'WEB_SKU', code: 'TEN-75964-STD', franchise: null, value: 'TEN-75964-STD', ...A },
        { kind: 'SUPPLIER_REF', code: 'TEN-75964-STD', franchise: null, value: 'TEN-75964-STD', ...A },
      ],
      web: [{ sku: 'TEN-75964-STD', skuCode: 'TEN-75964-STD', gtin: A.gtin, gtin14: `0${A.gtin}`, catalogue: [A] }],
    }))!;
    expect(match).toMatchObject({ product: A, kind: 'WEB_SKU', ambiguous: false });
    expect(match.candidates).toHaveLength(1);
  });

  test('a code two kinds of alias give to two products: both, with the kind left open', () => {
    const match = matchReference('CAP089877', readReference('CAP089877'), hits({
      catalogue: [
        { kind: 'SUPPLIER_REF', code: 'CAP089877', franchise: null, value: 'CAP089877', ...A },
        { kind: 'POS_LOCAL_CODE', code: 'CAP089877', franchise: 'OUE', value: 'CAP089877', ...B },
      ],
    }))!;
    expect(match).toMatchObject({ product: null, kind: null, value: 'CAP089877', ambiguous: true });
    expect(match.candidates.map((c) => [c.kind, c.product?.catalogueRef])).toEqual([
      ['SUPPLIER_REF', A.catalogueRef],
      ['POS_LOCAL_CODE', B.catalogueRef],
    ]);
  });

  test('products the catalogue does not list: a web product by SKU or EAN, a product only a till sells by its GTIN', () => {
    const web = { sku: 'GIFT-10', skuCode: 'GIFT-10', gtin: EAN, gtin14: `0${EAN}`, catalogue: [] };
    const bySku = matchReference('gift-10', readReference('gift-10'), hits({ web: [web] }));
    expect(bySku).toMatchObject({ product: { catalogueRef: null, gtin: EAN, webSku: 'GIFT-10' }, kind: 'WEB_SKU', value: 'GIFT-10' });
    const byEan = matchReference(EAN, readReference(EAN), hits({ web: [web], posGtins: [{ gtin14: `0${EAN}`, gtin: EAN }] }));
    expect(byEan).toMatchObject({ product: { catalogueRef: null, gtin: EAN, webSku: 'GIFT-10' }, kind: 'GTIN', ambiguous: false });
    const tillOnly = matchReference(`0${EAN}`, readReference(`0${EAN}`), hits({ posGtins: [{ gtin14: `0${EAN}`, gtin: EAN }] }));
    expect(tillOnly).toMatchObject({ product: { catalogueRef: null, gtin: EAN, webSku: null }, kind: 'GTIN', value: EAN });
  });

  test('a web SKU the catalogue lacks but whose EAN it lists leads to the catalogue product', () => {
    const web = { sku: 'OLD-SKU', skuCode: 'OLD-SKU', gtin: A.gtin, gtin14: `0${A.gtin}`, catalogue: [A] };
    expect(matchReference('old-sku', readReference('old-sku'), hits({ web: [web] }))).toMatchObject({ product: A, kind: 'WEB_SKU', value: 'OLD-SKU' });
  });

  test('a GTIN the catalogue lists is the catalogue product, whatever the web shop says', () => {
    const web = { sku: 'X-1', skuCode: 'X-1', gtin: A.gtin, gtin14: `0${A.gtin}`, catalogue: [] };
    const match = matchReference(A.gtin, readReference(A.gtin), hits({ catalogue: [{ kind: 'GTIN', code: `0${A.gtin}`, franchise: null, value: A.gtin, ...A }], web: [web] }));
    expect(match).toMatchObject({ product: A, ambiguous: false });
  });

  test('nothing named: null', () => {
    expect(matchReference('ZZZ', readReference('ZZZ'), none)).toBeNull();
    expect(matchReference('L0001', readReference('L0001'), hits({ posCodes: [{ franchise: 'NRD', code: 'L0001', value: 'L0001' }] }))).toBeNull();
  });
});
