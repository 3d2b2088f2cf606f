import { randomBytes } from 'node:crypto';
import { generateEstate } from '../../legacy/generator/generate.js';
import { dropSchemasWithPrefix } from '../../test/support/testDatabase.js';
import { createReaders } from './dataSources.js';
import { startStandIns } from './evaluation/standIns.js';
import { createIdentitySync, type SyncSummary } from './identitySync.js';
import { IntUnionFind } from './matching/components.js';
import { recordId, type SourceRecord } from './matching/records.js';
import { resolveRecords } from './matching/resolve.js';
import type { ReaderName, SourceReader } from './sources/reader.js';
import { CrosswalkStore } from './store/crosswalkStore.js';
import { LinkBuildStore } from './store/linkBuildStore.js';
import { BLANK_RECORD } from '../../test/support/sourceRecords.js';

/**
 * The full link build in bounded memory (identitySync.ts, store/linkBuildStore.ts): the blocking
 * runs in SQL, and the records are read batch by batch, never all at once. On the tiny estate
 * (as its systems' readers hand it over) and a few records made to cross the rules' cap, a
 * build cut into batches of 20 records writes exactly what a build holding every record in one
 * batch writes (the build as it was before it was batched), with the default cap and with a
 * cap of 3 that families and shared lines exceed.
 */
const BATCH = 20;
/** With DATABASE_URL, the builds and the stand-in tills run on that PostgreSQL (in schemas dropped at the end); the blocking is checked on PGlite too. */
const DATABASE_URL = process.env.DATABASE_URL;
const PREFIX = `t${randomBytes(5).toString('hex')}_`;
let opened = 0;
const openStore = (backend: 'main' | 'pglite' = 'main') =>
  DATABASE_URL && backend === 'main' ? CrosswalkStore.open({ databaseUrl: DATABASE_URL, schema: `${PREFIX}cw${++opened}` }) : CrosswalkStore.open();
const SMALL_CAP = 3;
const now = () => new Date('2026-11-01T00:00:00.000Z');

const blank: typeof BLANK_RECORD = { ...BLANK_RECORD, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };
const SHOP = '+33699000001';
const SHARED = '+33699000002';
/**
 * A shop's mobile keyed for everyone (7 records, 4 of them named) and a mobile two namesakes
 * give that three tills also keyed (5 records, 2 named), across systems and franchises so
 * that they fall in different batches; a generic address four people typed.
 */
const OVER_THE_CAP: SourceRecord[] = [
  ...[990001, 990002].map((id) => ({ ...blank, system: 'ECOMMERCE' as const, franchise: null, localId: String(id), firstName: 'Jean', lastName: 'Roy', phone: SHOP })),
  ...['M9900001', 'M9900002'].map((id) => ({ ...blank, system: 'LOYALTY' as const, franchise: null, localId: id, firstName: 'Jean', lastName: 'Roy', phone: SHOP })),
  ...['NRD', 'SUD', 'OUE'].map((franchise) => ({ ...blank, system: 'POS' as const, franchise, localId: `phone:${SHOP}`, phone: SHOP })),
  { ...blank, system: 'ECOMMERCE', franchise: null, localId: '990003', firstName: 'Léa', lastName: 'Morel', phone: SHARED },
  { ...blank, system: 'LOYALTY', franchise: null, localId: 'M9900003', firstName: 'Lea', lastName: 'MOREL', secondPhone: SHARED },
  ...['NRD', 'SUD', 'OUE'].map((franchise) => ({ ...blank, system: 'POS' as const, franchise, localId: `phone:${SHARED}`, phone: SHARED, lastName: 'MOREL' })),
  ...[990004, 990005, 990006, 990007].map((id) => ({ ...blank, system: 'ECOMMERCE' as const, franchise: null, localId: String(id), firstName: 'Paul', email: 'contact@example.fr' })),
];

const SYSTEM_OF: Record<ReaderName, SourceRecord['system']> = { ecommerce: 'ECOMMERCE', loyalty: 'LOYALTY', pos: 'POS' };

/** Readers that hand over `records` again, in pages of 50, as a system's reader would. */
function replayReaders(records: readonly SourceRecord[]): SourceReader[] {
  return (Object.keys(SYSTEM_OF) as ReaderName[]).map((name) => ({
    name,
    async read(_since, onBatch) {
      const own = records.filter((r) => r.system === SYSTEM_OF[name]);
      for (let i = 0; i < own.length; i += 50) await onBatch(own.slice(i, i + 50));
      return { watermark: now().toISOString(), records: own.length, unusable: 0 };
    },
    close: async () => undefined,
  }));
}

let records: SourceRecord[];
const stores: CrosswalkStore[] = [];
interface Build {
  store: CrosswalkStore;
  summary: SyncSummary;
  /** Records read per batch. */
  batches: number[];
}

/** A full build on a store of its own, counting the records it reads per batch; it never reads the whole estate back. */
async function build(batchRecords: number, maxGroup?: number): Promise<Build> {
  const store = await openStore();
  stores.push(store);
  const refuse = (what: string) => () => Promise.reject(new Error(`the full build read ${what}`));
  const kept = { allRecords: store.allRecords, allLinks: store.allLinks, usedCustomerIds: store.usedCustomerIds };
  Object.assign(store, { allRecords: refuse('every record'), allLinks: refuse('every link'), usedCustomerIds: refuse('every golden id') });
  const batches: number[] = [];
  const linkBuild = new LinkBuildStore(store.db);
  const counting = Object.assign(Object.create(linkBuild) as LinkBuildStore, {
    records: (numbers: ArrayLike<number>) => {
      batches.push(numbers.length);
      return linkBuild.records(numbers);
    },
  });
  Object.defineProperty(store, 'linkBuild', { configurable: true, get: () => counting });
  try {
    const summary = await createIdentitySync({ store, readers: replayReaders(records), now, batchRecords, resolve: maxGroup === undefined ? undefined : { maxGroup } }).full();
    return { store, summary, batches };
  } finally {
    delete (store as { linkBuild?: unknown }).linkBuild;
    Object.assign(store, kept);
  }
}

beforeAll(async () => {
  const standIns = await startStandIns(generateEstate({ scale: 'tiny' }).estate, DATABASE_URL ? { posDatabaseUrl: DATABASE_URL, posSchemaPrefix: PREFIX } : {});
  const readers = createReaders(standIns.sources);
  records = [];
  try {
    for (const reader of readers) await reader.read(null, async (page) => void records.push(...page));
  } finally {
    await Promise.allSettled(readers.map((r) => r.close()));
    await standIns.stop();
  }
  records.push(...OVER_THE_CAP);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(stores.map((s) => s.close()));
  if (DATABASE_URL) await dropSchemasWithPrefix(DATABASE_URL, PREFIX);
});

/** The store's customers as sorted lists of record ids. */
async function partition(store: CrosswalkStore): Promise<string[]> {
  const byCustomer = new Map<string, string[]>();
  for (const [id, link] of await store.allLinks()) byCustomer.set(link.customerId, [...(byCustomer.get(link.customerId) ?? []), id]);
  return [...byCustomer.values()].map((ids) => ids.sort().join(' ')).sort();
}

describe.each([
  ['the default cap', undefined],
  [`a cap of ${SMALL_CAP}`, SMALL_CAP],
])('the full build with %s', (_label, maxGroup) => {
  let batched: Build;
  let whole: Build;
  beforeAll(async () => {
    [batched, whole] = await Promise.all([build(BATCH, maxGroup), build(Number.MAX_SAFE_INTEGER, maxGroup)]);
  }, 60_000);

  test('reads the records batch by batch, each batch whole components of about the size asked', () => {
    const cut = batched.summary.batches!;
    expect(cut.count).toBeGreaterThan(10);
    expect(batched.batches).toHaveLength(cut.count);
    expect(batched.batches.reduce((sum, n) => sum + n, 0)).toBe(records.length);
    for (const size of batched.batches) expect(size).toBeLessThan(BATCH + cut.largestComponent);
    expect(cut.blockingPairs).toBeGreaterThan(0);
    if (maxGroup === SMALL_CAP) expect(cut.oversizedGroups).toBeGreaterThanOrEqual(3);
    expect(whole.summary.batches).toMatchObject({ count: 1, largestBatch: records.length });
  });

  test('writes the same customers, links, candidates and summary as one batch holding everything', async () => {
    expect(batched.summary.totals).toEqual(whole.summary.totals);
    const counts = ['resolved', 'customersCreated', 'customersMerged', 'linksChanged', 'linksMoved', 'candidatesAdded', 'candidatesRemoved'] as const;
    for (const key of counts) expect(batched.summary[key]).toBe(whole.summary[key]);
    expect(await batched.store.allLinks()).toEqual(await whole.store.allLinks());
    const pairs = async (store: CrosswalkStore) => (await store.allCandidates()).map((c) => `${c.a} ${c.b} ${c.reason}`).sort();
    expect(await pairs(batched.store)).toEqual(await pairs(whole.store));
    const customers = async (store: CrosswalkStore) => (await store.db.query<{ id: string }>('SELECT id FROM customer ORDER BY id')).map((r) => r.id);
    expect(await customers(batched.store)).toEqual(await customers(whole.store));
  });

  test('its customers are the components of resolving every record at once', async () => {
    const everything = resolveRecords(records, maxGroup === undefined ? {} : { maxGroup });
    expect(await partition(batched.store)).toEqual(everything.components.map((c) => [...c].sort().join(' ')).sort());
    // The values over the cap joined nobody: the shop's customers stay apart, the namesakes' records are one.
    const customerOf = new Map([...(await batched.store.allLinks())].map(([id, link]) => [id, link.customerId]));
    const shop = OVER_THE_CAP.filter((r) => r.phone === SHOP).map((r) => customerOf.get(recordId(r)));
    expect(new Set(shop).size).toBe(maxGroup === SMALL_CAP ? shop.length : 1);
    expect(customerOf.get('ECOMMERCE||990003')).toBe(customerOf.get('LOYALTY||M9900003'));
    const tills = ['NRD', 'SUD', 'OUE'].map((f) => customerOf.get(`POS|${f}|phone:${SHARED}`));
    expect(new Set([...tills, customerOf.get('ECOMMERCE||990003')]).size).toBe(maxGroup === SMALL_CAP ? 4 : 1);
  });

  test('a batched re-run changes nothing', async () => {
    const again = await createIdentitySync({ store: batched.store, readers: replayReaders(records), now, batchRecords: BATCH, resolve: maxGroup === undefined ? undefined : { maxGroup } }).full();
    expect(again).toMatchObject({ customersCreated: 0, customersMerged: 0, linksChanged: 0, candidatesAdded: 0, candidatesRemoved: 0 });
  });
});

const BACKENDS: [string, 'pglite' | 'main'][] = [['PGlite', 'pglite'], ...(DATABASE_URL ? [['PostgreSQL', 'main'] as [string, 'main']] : [])];

describe.each(BACKENDS)('the blocking in SQL on %s', (_label, backend) => {
  /**
   * The blocking computed here apart from the crosswalk's code: records grouped by each value
   * the rules compare, a group over the cap left out (for a phone: the tills' part of it, or
   * all of it when the named records alone are too many).
   */
  function blockingPairs(maxGroup: number): Set<string> {
    const groups = new Map<string, { named: string[]; tills: string[]; exempt: boolean }>();
    const add = (key: string, id: string, kind: 'named' | 'tills', exempt = false) => {
      const group = groups.get(key) ?? { named: [], tills: [], exempt };
      if (!group[kind].includes(id)) group[kind].push(id);
      groups.set(key, group);
    };
    for (const r of records) {
      const id = recordId(r);
      if (r.system !== 'POS') {
        if (r.email && /^[^\s@]+@[^\s@]+$/.test(r.email.trim())) add(`email ${r.email.trim().toLowerCase()}`, id, 'named');
        for (const phone of [r.phone, r.secondPhone]) if (phone) add(`phone ${phone}`, id, 'named');
        for (const c of r.cards) add(`card ${c.number}`, id, 'named', true);
      } else if (/^card:/.test(r.localId)) {
        add(`card ${r.localId.replace('card:', '')}`, id, 'tills', true);
      } else if (r.phone) {
        add(`phone ${r.phone}`, id, 'tills');
      }
    }
    const pairs = new Set<string>();
    const pairUp = (ids: string[]) => {
      for (const a of ids) for (const b of ids) if (a < b) pairs.add(`${a} ${b}`);
    };
    for (const { named, tills, exempt } of groups.values()) {
      if (exempt || named.length + tills.length <= maxGroup) pairUp([...named, ...tills]);
      else if (named.length <= maxGroup) pairUp(named);
    }
    return pairs;
  }

  let store: CrosswalkStore;
  beforeAll(async () => {
    store = await openStore(backend);
    stores.push(store);
    await store.upsertRecords(records, now().toISOString());
  }, 90_000);

  test.each([25, SMALL_CAP])('pairs what an in-memory blocking pairs, with a cap of %i', async (maxGroup) => {
    const summary = await store.linkBuild.block(maxGroup);
    expect(summary.records).toBe(records.length);
    const numbered = await store.db.query<{ n: number; system: string; franchise: string; local_id: string }>('SELECT n, system, franchise, local_id FROM link_build_record');
    const idOf = new Map(numbered.map((row) => [row.n, `${row.system}|${row.franchise}|${row.local_id}`]));
    const expected = blockingPairs(maxGroup);
    // Each pair the SQL writes is one the blocking makes…
    const stars = await store.db.query<{ n: number; root: number }>('SELECT n, root FROM link_build_edge');
    expect(stars).toHaveLength(summary.edges);
    for (const { n, root } of stars) {
      const [a, b] = [idOf.get(n)!, idOf.get(root)!].sort();
      expect(expected).toContain(`${a} ${b}`);
    }
    // …and its stars connect exactly the records the blocking's pairs connect.
    const number = new Map([...idOf].map(([n, id]) => [id, n]));
    const fromSql = new IntUnionFind(records.length);
    for (const { n, root } of stars) fromSql.union(n, root);
    const fromMemory = new IntUnionFind(records.length);
    for (const pair of expected) {
      const [a, b] = pair.split(' ');
      fromMemory.union(number.get(a!)!, number.get(b!)!);
    }
    const components = (sets: IntUnionFind) => {
      const byRoot = new Map<number, number[]>();
      for (let n = 0; n < records.length; n++) byRoot.set(sets.find(n), [...(byRoot.get(sets.find(n)) ?? []), n]);
      return [...byRoot.values()].map((c) => c.join(' ')).sort();
    };
    expect(components(fromSql)).toEqual(components(fromMemory));
    // Every pair the rules join or keep for a steward lies within one component.
    const resolution = resolveRecords(records, { maxGroup });
    for (const { a, b } of [...resolution.edges, ...resolution.candidates]) expect(fromSql.find(number.get(a)!)).toBe(fromSql.find(number.get(b)!));
    if (maxGroup === SMALL_CAP) expect(summary.oversizedGroups).toBeGreaterThanOrEqual(3);
    else expect(summary.oversizedGroups).toBe(0);
  });

  test('tells a batch which of its values the whole estate carries over the cap', async () => {
    await store.linkBuild.block(SMALL_CAP);
    const groups = await store.linkBuild.oversizedGroups([OVER_THE_CAP[0]!, OVER_THE_CAP[8]!, OVER_THE_CAP[12]!], SMALL_CAP);
    expect(Object.fromEntries(groups.emails)).toEqual({ 'contact@example.fr': 4 });
    expect(Object.fromEntries(groups.phones)).toEqual({ [SHOP]: 4 });
    expect(Object.fromEntries(groups.tillPhones)).toEqual({ [SHOP]: 7, [SHARED]: 5 });
  });
});
