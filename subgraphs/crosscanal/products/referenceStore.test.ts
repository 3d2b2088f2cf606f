import { withCheckDigit } from '../../../utilities/gtin.js';
import { CrosswalkStore } from '../store/crosswalkStore.js';
import { resolveReferences } from './referenceIndex.js';
import type { CatalogueEntry, PosFranchiseCodes } from './readers.js';
import { ProductReferenceStore } from './referenceStore.js';

/**
 * One contract suite for the reference index, run against every backend: PGlite always, a
 * real PostgreSQL too when DATABASE_URL is set (each run in a schema of its own).
 */
const schema = `cc_refs_${process.pid}_${Date.now().toString(36)}`;
const backends: [string, () => Promise<CrosswalkStore>][] = [['PGlite', () => CrosswalkStore.open()]];
if (process.env.DATABASE_URL) backends.push(['PostgreSQL', () => CrosswalkStore.open({ databaseUrl: process.env.DATABASE_URL, schema })]);

const T0 = '2026-11-01T10:00:00.000Z';
const TILL_ONLY = withCheckDigit('380000000000');
const WEB_ONLY = withCheckDigit('300000000000');
const T1 = '2026-11-02T10:00:00.000Z';

const product = (ref: string, ean: string | null, patch: Partial<CatalogueEntry> = {}): CatalogueEntry => ({
  catalogueRef: ref,
  gtin: ean,
  webSku: null,
  status: 'ACTIVE',
  updatedAt: T0,
  codes: [{ kind: 'CATALOGUE_REF', code: ref, value: ref, franchise: null }, ...(ean ? [{ kind: 'GTIN' as const, code: `0${ean}`, value: ean, franchise: null }] : [])],
  unusable: 0,
  ...patch,
});
const A = product('014.377.78', '3747849955326', { webSku: 'TEN-75964-STD' });
A.codes.push(
  { kind: 'WEB_SKU', code: 'TEN-75964-STD', value: 'TEN-75964-STD', franchise: null },
  { kind: 'POS_LOCAL_CODE', code: 'L0002', value: 'L0002', franchise: 'NRD' },
);
const B = product('488.029.25', '3295864999912');
B.codes.push({ kind: 'POS_LOCAL_CODE', code: 'L0002', value: 'L0002', franchise: 'SUD' }, { kind: 'SUPPLIER_REF', code: 'CAP089877', value: 'CAP089877', franchise: null });

const day = (code: string, date: string, lines: number) => ({
  code,
  value: code,
  day: date,
  lines,
  label: `LABEL ${code} ${date}`,
  firstSeen: `${date}T09:00:00.000Z`,
  lastSeen: `${date}T18:00:00.000Z`,
});
const tills = (franchise: string, fromDay: string | null, patch: Partial<PosFranchiseCodes> = {}): PosFranchiseCodes => ({ franchise, fromDay, days: [], gtins: [], stock: [], ...patch });

describe.each(backends)('ProductReferenceStore on %s', (backend, open) => {
  let crosswalk: CrosswalkStore;
  let index: ProductReferenceStore;
  beforeAll(async () => {
    crosswalk = await open();
    index = new ProductReferenceStore(crosswalk.db);
  }, 120_000);
  afterAll(async () => {
    if (backend === 'PostgreSQL') await crosswalk.db.exec(`DROP SCHEMA ${schema} CASCADE`);
    await crosswalk.close();
  });

  const resolve = async (ref: string, franchise: string | null = null) => (await resolveReferences(index, [{ ref, franchise }], T1))[0];

  test('catalogue products: written once, rewritten with their codes when they change, forgotten by a full read that no longer has them', async () => {
    expect(await index.writeCatalogue([A, B, product('999.999.99', null)], T0)).toEqual({ added: 3, changed: 0, unchanged: 0 });
    expect(await index.writeCatalogue([A, B], T0)).toEqual({ added: 0, changed: 0, unchanged: 2 });
    const moved = { ...B, codes: B.codes.map((c) => (c.kind === 'SUPPLIER_REF' ? { ...c, code: 'CAP000001', value: 'CAP000001' } : c)) };
    expect(await index.writeCatalogue([moved], T1)).toEqual({ added: 0, changed: 1, unchanged: 0 });
    expect(await resolve('CAP089877')).toBeNull();
    expect((await resolve('cap000001'))?.product).toEqual({ catalogueRef: B.catalogueRef, gtin: B.gtin, webSku: null });
    expect(await index.writeCatalogue([B], T1)).toEqual({ added: 0, changed: 1, unchanged: 0 });
    expect(await index.sweep('catalogue', [A.catalogueRef, B.catalogueRef])).toBe(1);
    expect(await resolve('999.999.99')).toBeNull();
    expect((await resolve('01437778'))?.product?.catalogueRef).toBe(A.catalogueRef);
  });

  test('web products: by SKU in any case, by EAN; a web-only product resolves by its own keys', async () => {
    const web = [
      { sku: 'TEN-75964-STD', gtin: A.gtin, eanUnusable: false, active: true, updatedAt: T0 },
      { sku: 'GIFT-10', gtin: WEB_ONLY, eanUnusable: false, active: true, updatedAt: T0 },
      { sku: 'NO-EAN', gtin: null, eanUnusable: true, active: false, updatedAt: T0 },
    ];
    expect(await index.writeWeb(web, T0)).toEqual({ added: 3, changed: 0, unchanged: 0 });
    expect(await index.writeWeb(web, T0)).toEqual({ added: 0, changed: 0, unchanged: 3 });
    expect((await resolve('ten-75964-std'))?.product?.catalogueRef).toBe(A.catalogueRef);
    expect(await resolve('gift-10')).toMatchObject({ product: { catalogueRef: null, gtin: WEB_ONLY, webSku: 'GIFT-10' }, kind: 'WEB_SKU' });
    expect(await resolve(`0${WEB_ONLY}`)).toMatchObject({ product: { webSku: 'GIFT-10' }, kind: 'GTIN', value: WEB_ONLY });
  });

  test('till codes: a full read replaces the franchise, an incremental one the days it covers; re-reading a day changes no count', async () => {
    await index.writePos(tills('NRD', null, {
      days: [day('L0002', '2026-10-01', 3), day('L0001', '2026-10-01', 2), day('L0001', '2026-10-02', 1)],
      gtins: [{ gtin14: `0${TILL_ONLY}`, gtin: TILL_ONLY, firstSeen: '2026-10-01T09:00:00.000Z', lastSeen: '2026-10-01T09:00:00.000Z' }],
      stock: [{ kind: 'LOCAL', code: 'L0001', value: 'L0001', stores: 2 }],
    }));
    await index.writePos(tills('SUD', null, { days: [day('L0002', '2026-10-01', 4), day('L0001', '2026-10-01', 5)] }));
    // The overlap: 2026-10-02 again, with what the till had then, and a new day.
    await index.writePos(tills('NRD', '2026-10-02', {
      days: [day('L0001', '2026-10-02', 1), day('L0001', '2026-10-03', 2)],
      gtins: [{ gtin14: `0${TILL_ONLY}`, gtin: TILL_ONLY, firstSeen: '2026-10-03T09:00:00.000Z', lastSeen: '2026-10-03T10:00:00.000Z' }],
      stock: [{ kind: 'LOCAL', code: 'L0001', value: 'L0001', stores: 3 }],
    }));
    await index.writePos(tills('NRD', '2026-10-02', {
      days: [day('L0001', '2026-10-02', 1), day('L0001', '2026-10-03', 2)],
      stock: [{ kind: 'LOCAL', code: 'L0001', value: 'L0001', stores: 3 }],
    }));
    const unmapped = await index.unmapped({ system: 'POS', first: 10 });
    expect(unmapped.map((u) => [u.franchise, u.code, u.tillLines, u.stores])).toEqual([
      ['NRD', 'L0001', 5, 3],
      ['SUD', 'L0001', 5, 0],
    ]);
    expect(unmapped[0]).toMatchObject({ label: 'LABEL L0001 2026-10-03', firstSeenAt: '2026-10-01T09:00:00.000Z', lastSeenAt: '2026-10-03T18:00:00.000Z' });
    // A GTIN only a till sells is a product, by its GTIN, first and last sale kept across reads.
    expect(await resolve(TILL_ONLY)).toMatchObject({ product: { catalogueRef: null, gtin: TILL_ONLY, webSku: null } });
    const [gtinRow] = await crosswalk.db.query<{ first_seen: unknown; last_seen: unknown }>('SELECT first_seen, last_seen FROM product_pos_gtin');
    expect([new Date(String(gtinRow!.first_seen)).toISOString(), new Date(String(gtinRow!.last_seen)).toISOString()]).toEqual(['2026-10-01T09:00:00.000Z', '2026-10-03T10:00:00.000Z']);
  });

  test('local codes: with a franchise the one product, without it every candidate; unmapped ones are null and counted', async () => {
    expect(await resolve('L0002', 'SUD')).toMatchObject({ product: { catalogueRef: B.catalogueRef }, kind: 'POS_LOCAL_CODE', franchise: 'SUD', ambiguous: false });
    const both = await resolve('l0002');
    expect(both).toMatchObject({ product: null, ambiguous: true, kind: 'POS_LOCAL_CODE', value: 'L0002' });
    expect(both!.candidates.map((c) => [c.franchise, c.product?.catalogueRef])).toEqual([
      ['NRD', A.catalogueRef],
      ['SUD', B.catalogueRef],
    ]);
    expect(await resolve('L0001', 'NRD')).toBeNull();
    expect(await resolve('L0001')).toBeNull();
    expect(await resolve('no-such-code')).toBeNull();
    expect(await resolve('NO-SUCH-CODE')).toBeNull();
    const report = await index.unmapped({ first: 10 });
    expect(report.map((u) => [u.system, u.franchise, u.code, u.tillLines, u.lookups])).toEqual([
      ['POS', 'NRD', 'L0001', 5, 2],
      ['POS', 'SUD', 'L0001', 5, 1],
      ['CROSSCANAL', null, 'NO-SUCH-CODE', 0, 2],
      ['CROSSCANAL', null, '999.999.99', 0, 1],
    ]);
    expect(await index.unmapped({ system: 'CROSSCANAL', first: 10 })).toHaveLength(2);
    expect(await index.unmapped({ franchise: 'SUD', first: 10 })).toHaveLength(1);
    expect(await index.unmapped({ first: 1 })).toHaveLength(1);
  });

  test('a code asked for before any system knew it leaves the report once a system maps it', async () => {
    expect(await resolve('ALT777777')).toBeNull();
    expect((await index.unmapped({ system: 'CROSSCANAL', first: 10 })).map((u) => u.code)).toContain('ALT777777');
    await index.writeCatalogue([{ ...B, codes: [...B.codes, { kind: 'SUPPLIER_REF', code: 'ALT777777', value: 'ALT777777', franchise: null }] }], T1);
    expect((await resolve('alt777777'))?.product?.catalogueRef).toBe(B.catalogueRef);
    expect((await index.unmapped({ system: 'CROSSCANAL', first: 10 })).map((u) => u.code)).not.toContain('ALT777777');
  });

  test('the quality report counts products, codes, shared codes, products outside the catalogue and unmapped codes', async () => {
    const quality = await index.quality();
    expect(quality).toMatchObject({
      catalogueProducts: 2,
      catalogueProductsWithoutGtin: 0,
      unusableAliases: 0,
      webOnlyProducts: 2,
      webProductsWithoutGtin: 1,
      storeOnlyGtins: 1,
    });
    expect(quality.aliases).toEqual([
      { kind: 'CATALOGUE_REF', codes: 2 },
      { kind: 'GTIN', codes: 2 },
      { kind: 'POS_LOCAL_CODE', codes: 2 },
      { kind: 'SUPPLIER_REF', codes: 2 },
      { kind: 'WEB_SKU', codes: 1 },
    ]);
    expect(quality.sharedAliases).toEqual([]);
    expect(quality.unmappedCodes).toEqual([
      { system: 'CROSSCANAL', franchise: null, codes: 2, tillLines: 0, lookups: 3 },
      { system: 'POS', franchise: 'NRD', codes: 1, tillLines: 5, lookups: 2 },
      { system: 'POS', franchise: 'SUD', codes: 1, tillLines: 5, lookups: 1 },
    ]);
    await index.writeCatalogue([{ ...A, codes: [...A.codes, { kind: 'SUPPLIER_REF', code: 'CAP089877', value: 'CAP089877', franchise: null }] }], T1);
    expect((await index.quality()).sharedAliases).toEqual([{ kind: 'SUPPLIER_REF', codes: 1 }]);
    expect(await resolve('CAP089877')).toMatchObject({ product: null, ambiguous: true, kind: 'SUPPLIER_REF' });
  });

  test('references asked for that named nothing are forgotten past their retention, and beyond the most recent ones kept', async () => {
    const misses = async () =>
      (await crosswalk.db.query<{ code: string }>("SELECT code FROM product_reference_miss WHERE code LIKE 'zz-prune-%' ORDER BY code")).map((r) => r.code);
    await index.recordMiss('zz-prune-old', 'ZZ-PRUNE-OLD', null, '2026-01-01T00:00:00.000Z');
    await index.recordMiss('zz-prune-a', 'ZZ-PRUNE-A', null, '2026-11-20T10:00:00.000Z');
    await index.recordMiss('zz-prune-b', 'ZZ-PRUNE-B', 'NRD', '2026-11-21T10:00:00.000Z');
    await index.recordMiss('zz-prune-c', 'ZZ-PRUNE-C', null, '2026-11-22T10:00:00.000Z');
    // Asked again lately: kept by its last lookup, not its first.
    await index.recordMiss('zz-prune-a', 'ZZ-PRUNE-A', null, '2026-11-23T10:00:00.000Z');
    const total = async () => Number((await crosswalk.db.query<{ n: string }>('SELECT count(*) AS n FROM product_reference_miss'))[0]!.n);
    const before = await total();

    expect(await index.pruneMisses('2026-08-01T00:00:00.000Z', 1_000_000)).toBe(1);
    expect(await misses()).toEqual(['zz-prune-a', 'zz-prune-b', 'zz-prune-c']);
    expect(await total()).toBe(before - 1);

    // Keep only the two most recently asked of the whole table.
    const others = (await total()) - 3;
    expect(await index.pruneMisses('2026-08-01T00:00:00.000Z', 2)).toBe(others + 1);
    expect(await misses()).toEqual(['zz-prune-a', 'zz-prune-c']);
    expect(await index.pruneMisses('2026-08-01T00:00:00.000Z', 2)).toBe(0);
  });

  test('a full read that no longer lists a franchise forgets its codes', async () => {
    expect(await index.sweep('pos', ['NRD'])).toBe(2);
    expect((await index.unmapped({ system: 'POS', first: 10 })).map((u) => u.franchise)).toEqual(['NRD']);
    expect(await resolve('L0002')).toMatchObject({ ambiguous: true });
  });

  test('sync state: a watermark moves only on success; a failure keeps it and says why', async () => {
    await index.recordSourceRun('catalogue', { watermark: T0, full: true, at: T0 });
    await index.recordSourceRun('catalogue', { error: 'catalogue: GET /products: HTTP 500', full: false, at: T1 });
    expect((await index.syncStates()).get('catalogue')).toEqual({
      source: 'catalogue',
      watermark: T0,
      lastRunAt: T1,
      lastFullAt: T0,
      lastError: 'catalogue: GET /products: HTTP 500',
      entries: 2,
    });
    await index.recordSourceRun('catalogue', { watermark: T1, full: false, at: T1 });
    expect((await index.syncStates()).get('catalogue')).toMatchObject({ watermark: T1, lastFullAt: T0, lastError: null });
  });
});
