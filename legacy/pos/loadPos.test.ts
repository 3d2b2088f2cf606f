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

  /** The fixture with a quote finished online in every franchise. */
  const withWebOrders = (): PosData => ({
    ...posFixture,
    quotes: posFixture.quotes.map((q) =>
      q.quote_no === 'Q-NRD01-000042' ? { ...q, status: 'CONVERTED_ONLINE', web_order_number: 'W1004100' }
      : q.quote_no === 'Q-OUE02-000003' ? { ...q, status: 'CONVERTED_ONLINE', web_order_number: 'W1004300' }
      : q,
    ),
  });
  const quoteWebOrders = async (p: string) => ({
    NRD: (await db.query(`SELECT quote_no AS n, web_order_number AS w FROM ${p}franchise_nrd.quotes ORDER BY 1`)).rows,
    SUD: (await db.query(`SELECT num_devis AS n, num_commande_web AS w FROM ${p}franchise_sud.devis ORDER BY 1`)).rows,
    OUE: (await db.query(`SELECT quote_ref AS n, web_order_ref AS w FROM ${p}franchise_oue.quote_header ORDER BY 1`)).rows,
  });
  const expectedWebOrders = {
    NRD: [{ n: 'Q-NRD01-000042', w: 'W1004100' }],
    SUD: [{ n: 'Q-SUD01-000007', w: 'W1004207' }],
    OUE: [
      { n: 'Q-OUE01-000004', w: null },
      { n: 'Q-OUE02-000003', w: 'W1004300' },
    ],
  };

  test("each layout keeps the web order that finished a quote, in its own language, beside the status code", async () => {
    const p = `${target.prefix}webq_`;
    await load(withWebOrders(), 'webq_');
    expect(await quoteWebOrders(p)).toEqual(expectedWebOrders);
    const statuses = await db.query(
      `SELECT (SELECT status FROM ${p}franchise_nrd.quotes WHERE quote_no = 'Q-NRD01-000042') AS nrd,
              (SELECT statut FROM ${p}franchise_sud.devis WHERE num_devis = 'Q-SUD01-000007') AS sud,
              (SELECT state FROM ${p}franchise_oue.quote_header WHERE quote_ref = 'Q-OUE02-000003') AS oue`,
    );
    expect(statuses.rows).toEqual([{ nrd: 'CONVERTED_ONLINE', sud: 'TRANSFORME_WEB', oue: 'W' }]);
  });

  test('a dataset loaded under layout v1 is upgraded in place: the web order columns added and filled, rows written since kept', async () => {
    const p = `${target.prefix}upgrade_`;
    const first = await load(withWebOrders(), 'upgrade_');
    // What layout v1 left: no web order column on the quotes, and its own fingerprint.
    await db.exec(`
      ALTER TABLE ${p}franchise_nrd.quotes DROP COLUMN web_order_number;
      ALTER TABLE ${p}franchise_sud.devis DROP COLUMN num_commande_web;
      ALTER TABLE ${p}franchise_oue.quote_header DROP COLUMN web_order_ref;
      DROP TABLE ${p}franchise_nrd.visit_ratings, ${p}franchise_sud.avis_clients, ${p}franchise_oue.survey_answer;
      UPDATE ${p}pos_directory.load_marker SET fingerprint = regexp_replace(fingerprint, '^v3 ', 'v1 ');
    `);
    // A quote the till wrote since the load, finished in store.
    await db.query(
      `INSERT INTO ${p}franchise_sud.devis (num_devis, code_magasin, code_vendeur, date_creation, date_validite, statut)
       VALUES ('Q-SUD02-000900', 'SUD02', 'VEND-8', '2026-06-01 10:00', '2026-07-01 10:00', 'TRANSFORME_MAGASIN')`,
    );

    const upgraded = await load(withWebOrders(), 'upgrade_');
    expect(upgraded).toMatchObject({ loaded: false, migratedFrom: 1, fingerprint: first.fingerprint, rows: {} });
    expect(await quoteWebOrders(p)).toEqual({
      ...expectedWebOrders,
      SUD: [...expectedWebOrders.SUD, { n: 'Q-SUD02-000900', w: null }],
    });
    const indexes = await db.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname LIKE $1 AND indexname IN ('quotes_web_order_number', 'devis_num_commande_web', 'quote_header_web_order_ref') ORDER BY 1`,
      [`${p}franchise_%`],
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['devis_num_commande_web', 'quote_header_web_order_ref', 'quotes_web_order_number']);
    expect(await count(`${p}pos_directory.load_marker`)).toBe(1);
    expect(await count(`${p}franchise_nrd.receipts`)).toBe(4);
    // And v3's survey tables, filled from the dataset.
    expect(await count(`${p}franchise_nrd.visit_ratings`)).toBe(2);
    expect(await count(`${p}franchise_sud.avis_clients`)).toBe(2);
    expect(await count(`${p}franchise_oue.survey_answer`)).toBe(2);

    // Up to date now: the next start writes nothing.
    expect(await load(withWebOrders(), 'upgrade_')).toMatchObject({ loaded: false, migratedFrom: null });
  });

  test('an estate generated before the survey answers, loaded under layout v2, gets empty survey tables in place; rows written since stay', async () => {
    const p = `${target.prefix}ratings_`;
    const { ratings: _, ...before } = posFixture;
    const first = await load(before, 'ratings_');
    expect(first.fingerprint).not.toMatch(/ratings=/);
    await db.exec(`
      DROP TABLE ${p}franchise_nrd.visit_ratings, ${p}franchise_sud.avis_clients, ${p}franchise_oue.survey_answer;
      UPDATE ${p}pos_directory.load_marker SET fingerprint = regexp_replace(fingerprint, '^v3 ', 'v2 ');
      INSERT INTO ${p}franchise_nrd.receipts VALUES ('NRD01-0009999', 'NRD01', 'V012', '2026-10-30T10:00:00Z', null, null, 'EUR', 990);
    `);
    expect(await load(before, 'ratings_')).toMatchObject({ loaded: false, migratedFrom: 2, fingerprint: first.fingerprint });
    expect(await count(`${p}franchise_nrd.visit_ratings`)).toBe(0);
    expect(await count(`${p}franchise_sud.avis_clients`)).toBe(0);
    expect(await count(`${p}franchise_oue.survey_answer`)).toBe(0);
    expect(await count(`${p}franchise_nrd.receipts`)).toBe(5);
  });

  test('a dataset loaded under a layout version with no upgrade path, or another dataset under v1, is reloaded', async () => {
    const p = `${target.prefix}noupgrade_`;
    await load(posFixture, 'noupgrade_');
    await db.exec(`UPDATE ${p}pos_directory.load_marker SET fingerprint = regexp_replace(fingerprint, '^v3 ', 'v0 ')`);
    expect(await load(posFixture, 'noupgrade_')).toMatchObject({ loaded: true, migratedFrom: null });

    await db.exec(`UPDATE ${p}pos_directory.load_marker SET fingerprint = regexp_replace(fingerprint, '^v3 ', 'v1 ')`);
    expect(await load(posFixture, 'noupgrade_', 'another seed')).toMatchObject({ loaded: true, migratedFrom: null });
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
