import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { FranchiseCode, PosData } from '../generator/model.js';
import { posFixture } from './fixture.js';
import { dropPos, loadPos } from './loadPos.js';
import type { PosSchemas } from './posSchemas.js';
import { pgliteDatabase, pgPoolDatabase, type SqlDatabase } from './sqlDatabase.js';

interface Target {
  name: string;
  prefix: string;
  open(): Promise<{ db: SqlDatabase; close(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'PGlite',
    prefix: 'l_',
    async open() {
      const lite = await PGlite.create();
      return { db: pgliteDatabase(lite), close: () => lite.close() };
    },
  },
];
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  targets.push({
    name: 'PostgreSQL',
    prefix: `t_${process.pid}_l_`,
    async open() {
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
      return { db: pgPoolDatabase(pool), close: () => pool.end() };
    },
  });
}

/** The fixture as if one franchisee had left the network. */
function withoutFranchise(data: PosData, code: FranchiseCode): PosData {
  const stores = new Set(data.stores.filter((s) => s.franchise === code).map((s) => s.code));
  return {
    franchises: data.franchises.filter((f) => f.code !== code),
    stores: data.stores.filter((s) => s.franchise !== code),
    sellers: data.sellers.filter((s) => !stores.has(s.store_code)),
    clients: data.clients.filter((c) => c.franchise !== code),
    receipts: data.receipts.filter((r) => r.franchise !== code),
    returns: data.returns.filter((r) => r.franchise !== code),
    quotes: data.quotes.filter((q) => q.franchise !== code),
    stock: data.stock.filter((s) => !stores.has(s.store_code)),
    prices: data.prices.filter((p) => !stores.has(p.store_code)),
    promotions: data.promotions.filter((p) => p.franchise !== code),
  };
}

describe.each(targets)('loadPos on $name', (target) => {
  let db: SqlDatabase;
  let close: () => Promise<void>;
  const loaded: PosSchemas[] = [];

  const count = async (table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  const schemaExists = async (name: string) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = $1', [name])).rows[0]!.n === 1;
  const load = async (data: PosData, prefix: string, seed = 'fixture') => {
    const result = await loadPos(db, data, { schemaPrefix: `${target.prefix}${prefix}`, seed });
    loaded.push(result.schemas);
    return result;
  };

  // PGlite takes seconds to start, more on a busy machine.
  beforeAll(async () => {
    ({ db, close } = await target.open());
  }, 90_000);

  afterAll(async () => {
    for (const schemas of loaded) await dropPos(db, schemas);
    await close();
  });

  test('a first load writes every table; the same dataset again writes nothing', async () => {
    const first = await load(posFixture, 'same_');
    const p = `${target.prefix}same_`;
    expect(first.loaded).toBe(true);
    expect(first.schemas).toEqual({
      directory: `${p}pos_directory`,
      franchises: { NRD: `${p}franchise_nrd`, SUD: `${p}franchise_sud`, OUE: `${p}franchise_oue` },
    });
    expect(first.rows).toMatchObject({
      [`${p}pos_directory.franchises`]: 3,
      [`${p}pos_directory.stores`]: 8,
      [`${p}franchise_nrd.receipts`]: 4,
      [`${p}franchise_nrd.receipt_lines`]: 6,
      [`${p}franchise_sud.tickets`]: 5,
      [`${p}franchise_sud.lignes_ticket`]: 6,
      [`${p}franchise_oue.sale_header`]: 6,
      [`${p}franchise_oue.sale_line`]: 7,
      // Five clients, plus the two phones keyed on a sale and a quote with no client yet.
      [`${p}franchise_oue.clients`]: 7,
      [`${p}franchise_oue.offer_item`]: 1,
    });
    for (const [table, rows] of Object.entries(first.rows)) expect(await count(table)).toBe(rows);

    const again = await load(posFixture, 'same_');
    expect(again).toMatchObject({ loaded: false, fingerprint: first.fingerprint, rows: {} });
    expect(await count(`${p}pos_directory.load_marker`)).toBe(1);

    // The seed is part of the dataset's identity.
    expect((await load(posFixture, 'same_', 'another seed')).loaded).toBe(true);
  });

  test('a changed dataset replaces the previous one, a franchisee that left included', async () => {
    const p = `${target.prefix}change_`;
    await load(posFixture, 'change_');
    const changed = withoutFranchise(posFixture, 'OUE');
    changed.receipts = changed.receipts.filter((r) => r.receipt_no !== 'NRD01-0004712');
    const result = await load(changed, 'change_');
    expect(result.loaded).toBe(true);
    expect(result.schemas.franchises).toEqual({ NRD: `${p}franchise_nrd`, SUD: `${p}franchise_sud` });
    expect(await count(`${p}franchise_nrd.receipts`)).toBe(3);
    expect(await schemaExists(`${p}franchise_oue`)).toBe(false);
    expect(await count(`${p}pos_directory.franchises`)).toBe(2);
    expect(await count(`${p}pos_directory.load_marker`)).toBe(1);
  });

  test('a load that fails half-way leaves the previous dataset as it was', async () => {
    const p = `${target.prefix}atomic_`;
    const first = await load(posFixture, 'atomic_');
    const broken: PosData = {
      ...posFixture,
      receipts: posFixture.receipts.map((r) => (r.receipt_no === 'OUE02-000033' ? { ...r, client_id: 999 } : r)),
    };
    await expect(load(broken, 'atomic_', 'edited by hand')).rejects.toThrow('OUE receipt OUE02-000033 points at client_id 999, which PosData.clients does not list');
    expect(await count(`${p}franchise_nrd.receipts`)).toBe(4);
    expect(await count(`${p}franchise_oue.sale_header`)).toBe(6);
    const marker = await db.query<{ fingerprint: string }>(`SELECT fingerprint FROM ${p}pos_directory.load_marker`);
    expect(marker.rows).toEqual([{ fingerprint: first.fingerprint }]);
  });

  test('two loaders of the same dataset at once: one loads, the other finds it in place', async () => {
    const results = await Promise.all([load(posFixture, 'race_'), load(posFixture, 'race_')]);
    expect(results.map((r) => r.loaded).sort()).toEqual([false, true]);
    expect(await count(`${target.prefix}race_pos_directory.load_marker`)).toBe(1);
  });

  test('prefixes keep datasets apart in one database; dropPos removes one of them', async () => {
    const a = await load(posFixture, 'a_');
    const b = await load(withoutFranchise(posFixture, 'NRD'), 'b_');
    expect(await count(`${a.schemas.franchises.NRD}.receipts`)).toBe(4);
    expect(b.schemas.franchises.NRD).toBeUndefined();
    await dropPos(db, a.schemas);
    expect(await schemaExists(a.schemas.directory)).toBe(false);
    expect(await schemaExists(a.schemas.franchises.SUD!)).toBe(false);
    expect(await count(`${b.schemas.franchises.SUD}.tickets`)).toBe(5);
  });
});
