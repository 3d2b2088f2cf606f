import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planLinks } from '../matching/plan.js';
import { recordId, type SourceRecord } from '../matching/records.js';
import { resolveRecords } from '../matching/resolve.js';
import { CrosswalkStore } from './crosswalkStore.js';
import { migrate, readMigrations } from './migrate.js';

/**
 * One contract suite for the crosswalk store, run against every backend: PGlite always, a
 * real PostgreSQL too when DATABASE_URL is set (each run in a schema of its own).
 */
const schema = `cc_test_${process.pid}_${Date.now().toString(36)}`;
const backends: [string, () => Promise<CrosswalkStore>][] = [['PGlite', () => CrosswalkStore.open()]];
if (process.env.DATABASE_URL) backends.push(['PostgreSQL', () => CrosswalkStore.open({ databaseUrl: process.env.DATABASE_URL, schema })]);

const blank = { firstName: null, lastName: null, email: null, phone: null, cards: [], postcode: null, birthDate: null, createdAt: null, updatedAt: null };
const web = (id: number, fields: Partial<SourceRecord> = {}): SourceRecord => ({ ...blank, system: 'ECOMMERCE', localId: String(id), franchise: null, ...fields });
const member = (id: string, fields: Partial<SourceRecord> = {}): SourceRecord => ({ ...blank, system: 'LOYALTY', localId: id, franchise: null, ...fields });
const seen = (number: string, first: string, last: string): SourceRecord => ({ ...blank, system: 'POS', localId: `card:${number}`, franchise: null, createdAt: first, updatedAt: last });
const till = (franchise: string, phone: string): SourceRecord => ({ ...blank, system: 'POS', localId: `phone:${phone}`, franchise, phone });

const T0 = '2026-11-01T10:00:00.000Z';
const T1 = '2026-11-02T10:00:00.000Z';
const CARD = '2900001234565';

describe.each(backends)('CrosswalkStore on %s', (backend, open) => {
  let store: CrosswalkStore;
  beforeAll(async () => {
    store = await open();
  }, 120_000);
  afterAll(async () => {
    if (backend === 'PostgreSQL') await store.db.exec(`DROP SCHEMA ${schema} CASCADE`);
    await store.close();
  });

  /** Resolves everything stored and applies the plan, as a full sync does. */
  const resolveAll = async (now: string) => {
    const records = await store.allRecords();
    const resolution = resolveRecords(records);
    const used = await store.usedCustomerIds();
    const plan = planLinks(resolution, new Map(records.map((r) => [recordId(r), r])), await store.allLinks(), { now, isTaken: (id) => used.has(id) });
    const applied = await store.applyPlan(plan, records.map(recordId), resolution.candidates, now);
    return { plan, applied };
  };

  test('migrations are versioned: applied once, recorded, and an edited one is refused', async () => {
    expect(await migrate(store.db)).toEqual([]);
    const rows = await store.db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migration ORDER BY version');
    const files = await readMigrations();
    expect(rows).toEqual(files.map(({ version, name }) => ({ version, name })));
    expect(rows.slice(0, 3)).toEqual([
      { version: 1, name: 'crosswalk' },
      { version: 2, name: 'source_unusable_values' },
      { version: 3, name: 'stewardship' },
    ]);
    const [first] = files;
    await expect(migrate(store.db, [{ ...first!, sql: `${first!.sql}\n-- edited` , checksum: 'f'.repeat(64) }])).rejects.toThrow(
      /migration 1_crosswalk was changed after it was applied .* add a new migration instead/,
    );
  });

  test('stores records, writes nothing for an unchanged one, and tells a compared change from a refresh', async () => {
    const ana = web(10001, { firstName: 'Ana', lastName: 'Roux', email: ' Ana.Roux@Free.fr', updatedAt: T0, createdAt: T0 });
    const first = await store.upsertRecords([ana, member('M1', { firstName: 'Ana', email: 'ana.roux@free.fr', cards: [{ number: CARD, status: 'ACTIVE' }] })], T0);
    expect(first).toEqual({ added: ['ECOMMERCE||10001', 'LOYALTY||M1'], matchChanged: [], refreshed: 0, unchanged: 0 });
    expect(await store.upsertRecords([ana], T1)).toEqual({ added: [], matchChanged: [], refreshed: 0, unchanged: 1 });
    expect(await store.upsertRecords([{ ...ana, updatedAt: T1 }], T1)).toEqual({ added: [], matchChanged: [], refreshed: 1, unchanged: 0 });
    expect(await store.upsertRecords([{ ...ana, updatedAt: T1, phone: '+33611111111' }], T1)).toEqual({
      added: [],
      matchChanged: ['ECOMMERCE||10001'],
      refreshed: 0,
      unchanged: 0,
    });
    const stored = (await store.records(['ECOMMERCE||10001'])).get('ECOMMERCE||10001');
    expect(stored).toEqual({ ...ana, phone: '+33611111111', createdAt: T0, updatedAt: T1 });
  });

  test('keeps a till record first and last sightings across reads that each see a part', async () => {
    await store.upsertRecords([seen(CARD, '2025-03-01T09:00:00.000Z', '2025-06-01T09:00:00.000Z')], T0);
    const later = await store.upsertRecords([seen(CARD, '2026-10-30T09:00:00.000Z', '2026-10-31T09:00:00.000Z')], T1);
    expect(later.refreshed).toBe(1);
    const record = (await store.records([`POS||card:${CARD}`])).get(`POS||card:${CARD}`)!;
    expect([record.createdAt, record.updatedAt]).toEqual(['2025-03-01T09:00:00.000Z', '2026-10-31T09:00:00.000Z']);
  });

  test('finds the records that share an email, a phone or a card', async () => {
    await store.upsertRecords([till('NRD', '+33611111111'), till('SUD', '+33622222222')], T0);
    expect((await store.recordIdsSharing({ emailKeys: ['ana.roux@free.fr'] })).sort()).toEqual(['ECOMMERCE||10001', 'LOYALTY||M1']);
    expect((await store.recordIdsSharing({ phones: ['+33611111111'] })).sort()).toEqual(['ECOMMERCE||10001', 'POS|NRD|phone:+33611111111']);
    expect((await store.recordIdsSharing({ cards: [CARD] })).sort()).toEqual(['LOYALTY||M1', `POS||card:${CARD}`]);
    expect(await store.recordIdsSharing({})).toEqual([]);
    expect(await store.recordIdsByEmailKeys(['ana.roux@free.fr', 'nobody@x.fr'])).toEqual(
      new Map([
        ['ana.roux@free.fr', ['ECOMMERCE||10001', 'LOYALTY||M1']],
        ['nobody@x.fr', []],
      ]),
    );
    expect(await store.recordIdsByPhones(['+33622222222', '+33611111111'])).toEqual(
      new Map([
        ['+33622222222', ['POS|SUD|phone:+33622222222']],
        ['+33611111111', ['ECOMMERCE||10001', 'POS|NRD|phone:+33611111111']],
      ]),
    );
    // A card found on a member and as a till's card record, each once; an unknown card finds nothing.
    expect(await store.recordIdsByCards([CARD, '2900000000000'])).toEqual(
      new Map([
        [CARD, ['LOYALTY||M1', `POS||card:${CARD}`]],
        ['2900000000000', []],
      ]),
    );
    expect(await store.recordIdsByCards([])).toEqual(new Map());
  });

  test('applies a plan in one go: customers, links with evidence, candidates; records marked resolved', async () => {
    expect((await store.pendingRecordIds()).length).toBe(5);
    const { plan } = await resolveAll(T0);
    expect(await store.pendingRecordIds()).toEqual([]);
    const ana = plan.links.get('LOYALTY||M1')!.customerId;
    const links = (await store.linksOfCustomers([ana])).get(ana)!;
    // The card was seen at a till (2025) before the web account was opened: the customer starts there.
    expect(links.map((l) => [l.record, l.rule, l.matchedWith]).sort()).toEqual(
      [
        ['ECOMMERCE||10001', 'EMAIL', 'LOYALTY||M1'],
        ['LOYALTY||M1', 'CARD_NUMBER', `POS||card:${CARD}`],
        [`POS||card:${CARD}`, 'ORIGIN', null],
        ['POS|NRD|phone:+33611111111', 'MOBILE_PHONE', 'ECOMMERCE||10001'],
      ].sort(),
    );
    expect(links.find((l) => l.rule === 'EMAIL')).toMatchObject({
      evidence: [
        { field: 'EMAIL', value: 'ana.roux@free.fr' },
        { field: 'FIRST_NAME', value: 'ana' },
      ],
      linkedAt: T0,
      linkedBy: 'sync',
    });
    expect((await store.customers([ana, 'cus_unknown'])).get(ana)).toEqual({ id: ana, createdAt: T0 });
    expect((await store.customers(['cus_unknown'])).get('cus_unknown')).toBeNull();
    expect((await store.customerIdsOfRecords(['ECOMMERCE||10001', 'LOYALTY||nobody'])).get('ECOMMERCE||10001')).toBe(ana);
    expect(await store.counts()).toEqual({ records: 5, customers: 2, links: 5, candidates: 0, redirects: 0 });
    const events = await store.events(ana);
    expect(events.map((e) => e.action)).toEqual(['LINKED', 'LINKED', 'LINKED', 'LINKED']);
  });

  test('re-applying the same resolution writes nothing, and a candidate keeps the date it was found', async () => {
    await store.upsertRecords([member('M9', { firstName: 'Zoé', lastName: 'Roux', phone: '+33320304050' }), web(10009, { firstName: 'Luc', lastName: 'Roux', phone: '+33320304050' })], T0);
    const first = await resolveAll(T0);
    expect(first.applied.candidatesAdded).toBe(1);
    const again = await resolveAll(T1);
    expect(again.plan.changed).toEqual([]);
    expect(again.applied).toEqual({ candidatesAdded: 0, candidatesRemoved: 0 });
    const [candidate] = await store.candidatesOfRecords(['LOYALTY||M9']);
    expect(candidate).toMatchObject({ a: 'ECOMMERCE||10009', b: 'LOYALTY||M9', rule: 'PHONE_NAME', reason: 'NAME_DIFFERS', foundAt: T0 });
  });

  test('a merged-away id keeps resolving to the survivor, through later merges too', async () => {
    const before = await store.allLinks();
    const zoe = before.get('LOYALTY||M9')!.customerId;
    const luc = before.get('ECOMMERCE||10009')!.customerId;
    const ana = before.get('LOYALTY||M1')!.customerId;
    // Luc's account turns out to be Zoé's (same email, same first name): Luc's id merges into Zoé's.
    await store.upsertRecords([
      member('M9', { firstName: 'Zoé', lastName: 'Roux', phone: '+33320304050', email: 'zoe@x.fr', createdAt: '2020-01-01T00:00:00.000Z' }),
      web(10009, { firstName: 'Zoe', lastName: 'Roux', phone: '+33320304050', email: 'zoe@x.fr', createdAt: '2021-01-01T00:00:00.000Z' }),
    ], T1);
    const { plan } = await resolveAll(T1);
    expect(plan.merged).toHaveLength(1);
    const [{ from, into }] = plan.merged;
    expect(new Set([from, into])).toEqual(new Set([zoe, luc]));
    expect((await store.customers([from])).get(from)).toEqual({ id: into, createdAt: T0 });
    expect((await store.mergedInto([into])).get(into)).toEqual([from]);
    // Then Zoé's whole customer joins Ana's: both old ids answer Ana's.
    await store.upsertRecords([member('M9', { firstName: 'Ana', lastName: 'Roux', email: 'ana.roux@free.fr', phone: '+33320304050', createdAt: '2020-01-01T00:00:00.000Z' }),
      web(10009, { firstName: 'Ana', lastName: 'Roux', phone: '+33320304050', email: 'ana.roux@free.fr', createdAt: '2021-01-01T00:00:00.000Z' })], T1);
    await resolveAll(T1);
    const answers = await store.customers([from, into, ana]);
    expect([answers.get(from)!.id, answers.get(into)!.id, answers.get(ana)!.id]).toEqual([ana, ana, ana]);
    expect((await store.mergedInto([ana])).get(ana)!.sort()).toEqual([from, into].sort());
    expect((await store.counts()).redirects).toBe(2);
  });

  test('a lease lets one sync run at a time, and an expired one is taken over', async () => {
    expect(await store.acquireLease('sync', 'a', 60_000)).toBe(true);
    expect(await store.acquireLease('sync', 'b', 60_000)).toBe(false);
    expect(await store.acquireLease('sync', 'a', 60_000)).toBe(true);
    await store.releaseLease('sync', 'a');
    expect(await store.acquireLease('sync', 'b', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.acquireLease('sync', 'c', 60_000)).toBe(true);
    await store.releaseLease('sync', 'c');
  });

  test('keeps each source watermark, which a failed read leaves where it was', async () => {
    await store.recordSourceRun('loyalty', { watermark: T0, full: true, at: T0, unusableValues: 3 });
    await store.recordSourceRun('loyalty', { error: 'loyalty: ListChangedMembers: HTTP 500', full: true, at: T1 });
    expect((await store.syncStates()).get('loyalty')).toEqual({
      source: 'loyalty',
      watermark: T0,
      lastRunAt: T1,
      lastFullAt: T0,
      lastError: 'loyalty: ListChangedMembers: HTTP 500',
      unusableValues: 3,
    });
    const run = await store.startRun('incremental', T0);
    await store.finishRun(run, 'succeeded', { resolved: 3 }, T1);
    expect((await store.runs(1))[0]).toEqual({ id: run, kind: 'incremental', status: 'succeeded', startedAt: T0, finishedAt: T1, summary: { resolved: 3 } });
  });

  test("keeps a record's second phone, finds the record by it, and tells a new second phone from a refresh", async () => {
    const landline = '+33320999999';
    const mobile = '+33633333333';
    await store.upsertRecords([member('M7', { firstName: 'Paul', phone: landline, secondPhone: mobile, updatedAt: T0 })], T0);
    expect((await store.records(['LOYALTY||M7'])).get('LOYALTY||M7')).toMatchObject({ phone: landline, secondPhone: mobile });
    expect(await store.recordIdsByPhones([mobile, landline])).toEqual(
      new Map([
        [mobile, ['LOYALTY||M7']],
        [landline, ['LOYALTY||M7']],
      ]),
    );
    expect(await store.recordIdsSharing({ phones: [mobile] })).toEqual(['LOYALTY||M7']);
    const again = await store.upsertRecords([member('M7', { firstName: 'Paul', phone: landline, secondPhone: mobile, updatedAt: T0 })], T1);
    expect(again).toMatchObject({ unchanged: 1 });
    const changed = await store.upsertRecords([member('M7', { firstName: 'Paul', phone: landline, secondPhone: '+33644444444', updatedAt: T1 })], T1);
    expect(changed.matchChanged).toEqual(['LOYALTY||M7']);
    expect(await store.pendingRecordIds()).toContain('LOYALTY||M7');
    expect((await store.recordIdsByPhones([mobile])).get(mobile)).toEqual([]);
  });
});

describe('migrations folder', () => {
  test('refuses a file not named NNN_name.sql, and a number used twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-migrations-'));
    try {
      await writeFile(join(dir, '001_a.sql'), 'SELECT 1;');
      await writeFile(join(dir, 'notes.txt'), '');
      await expect(readMigrations(dir)).rejects.toThrow('migrations: notes.txt is not named NNN_name.sql');
      await rm(join(dir, 'notes.txt'));
      await writeFile(join(dir, '001_b.sql'), 'SELECT 2;');
      await expect(readMigrations(dir)).rejects.toThrow('migrations: version 1 is used twice');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('PGlite in a data folder', () => {
  test('keeps the crosswalk across restarts, and refuses a second opening of the folder', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'cc-pglite-'));
    const dataDir = join(parent, 'crosscanal');
    try {
      await mkdir(parent, { recursive: true });
      const first = await CrosswalkStore.open({ dataDir });
      await first.upsertRecords([web(42, { email: 'kept@x.fr' })], T0);
      await expect(CrosswalkStore.open({ dataDir })).rejects.toThrow(`CROSSCANAL_DATA_DIR ${dataDir} is already open in this process`);
      await first.close();
      const second = await CrosswalkStore.open({ dataDir });
      expect((await second.recordIdsByEmailKeys(['kept@x.fr'])).get('kept@x.fr')).toEqual(['ECOMMERCE||42']);
      expect(await migrate(second.db)).toEqual([]);
      await second.close();
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  }, 120_000);
});
