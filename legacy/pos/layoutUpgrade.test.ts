import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readManifest, readPos, writeEstate } from '../generator/files.js';
import { generateEstate } from '../generator/generate.js';
import { startStandInProcess } from '../shared/testProcess.js';
import { estateSeed } from './posFingerprint.js';
import { startPos } from './server.js';

// Each step opens PGlite on the folder the previous one left, which takes seconds; they run in order.
const slow = 120_000;

let estateDir: string;
let pgliteDir: string;

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'pos-upgrade-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  pgliteDir = join(estateDir, 'pos-pglite');
  // An estate generated before the tills kept the web order of a quote: its quotes lack the field.
  const quotesFile = join(estateDir, 'pos', 'quotes.jsonl');
  const quotes = (await readFile(quotesFile, 'utf8')).split('\n').filter((line) => line !== '');
  const before = quotes.map((line) => {
    const { web_order_number: _, ...quote } = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify(quote);
  });
  await writeFile(quotesFile, `${before.join('\n')}\n`);
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quoteColumns = (client: pg.Client) =>
  client
    .query<{ table_schema: string; table_name: string; column_name: string }>(
      `SELECT table_schema, table_name, column_name FROM information_schema.columns
       WHERE column_name IN ('web_order_number', 'num_commande_web', 'web_order_ref') ORDER BY 1, 2`,
    )
    .then((result) => result.rows);

test('a data folder loaded by the previous layout starts: its schemas are upgraded in place and the rows written since stay', async () => {
  const start = async () => startPos({ data: await readPos(estateDir), dataDir: pgliteDir, seed: estateSeed(await readManifest(estateDir)) });
  const data = await readPos(estateDir);
  expect(data.quotes.every((q) => !('web_order_number' in q))).toBe(true);
  const store = data.stores.find((s) => s.franchise === 'OUE')!.code;
  const seller = data.sellers.find((s) => s.store_code === store)!.code;

  // The folder as layout v1 left it, with a refund the till wrote through the wire since.
  let pos = await start();
  try {
    expect(pos.load).toMatchObject({ loaded: true });
    await withClient(pos.url, async (client) => {
      await client.query(`
        ALTER TABLE franchise_nrd.quotes DROP COLUMN web_order_number;
        ALTER TABLE franchise_sud.devis DROP COLUMN num_commande_web;
        ALTER TABLE franchise_oue.quote_header DROP COLUMN web_order_ref;
        DROP TABLE franchise_nrd.visit_ratings, franchise_sud.avis_clients, franchise_oue.survey_answer;
        UPDATE pos_directory.load_marker SET fingerprint = regexp_replace(fingerprint, '^v3 ', 'v1 ')`);
      expect(await quoteColumns(client)).toEqual([
        { table_schema: 'franchise_nrd', table_name: 'returns', column_name: 'web_order_number' },
        { table_schema: 'franchise_oue', table_name: 'refund_header', column_name: 'web_order_ref' },
        { table_schema: 'franchise_sud', table_name: 'retours', column_name: 'num_commande_web' },
      ]);
      await client.query(
        `INSERT INTO franchise_oue.refund_header (refund_ref, shop_code, staff_code, refund_ts, sale_ref, web_order_ref, loyalty_card, amount_cents)
         VALUES ('R-UPGRADE-1', $1, $2, '2026-10-30T10:00:00Z', NULL, 'W1999999', NULL, 1290)`,
        [store, seller],
      );
    });
  } finally {
    await pos.stop();
  }

  // The process, over that folder, upgrades instead of reloading.
  const child = await startStandInProcess(
    'legacy/pos/index.ts',
    { LEGACY_DATA_DIR: estateDir, LEGACY_POS_PORT: '0', LEGACY_POS_ADMIN_PORT: '0' },
    /on (postgres:\/\/\S+) \(PGlite in .*, (dataset already in place(?:, upgraded from layout v\d+)?|loaded in [\d.]+ s)\)/,
    slow,
  );
  try {
    expect(child.ready[2]).toBe('dataset already in place, upgraded from layout v1');
    await withClient(child.ready[1]!, async (client) => {
      expect(await quoteColumns(client)).toEqual([
        { table_schema: 'franchise_nrd', table_name: 'quotes', column_name: 'web_order_number' },
        { table_schema: 'franchise_nrd', table_name: 'returns', column_name: 'web_order_number' },
        { table_schema: 'franchise_oue', table_name: 'quote_header', column_name: 'web_order_ref' },
        { table_schema: 'franchise_oue', table_name: 'refund_header', column_name: 'web_order_ref' },
        { table_schema: 'franchise_sud', table_name: 'devis', column_name: 'num_commande_web' },
        { table_schema: 'franchise_sud', table_name: 'retours', column_name: 'num_commande_web' },
      ]);
      const kept = await client.query(`SELECT refund_ref, amount_cents FROM franchise_oue.refund_header WHERE refund_ref = 'R-UPGRADE-1'`);
      expect(kept.rows).toEqual([{ refund_ref: 'R-UPGRADE-1', amount_cents: 1290 }]);
      // v3 filed the survey answers the dataset holds, in each franchise's own table.
      const answers = await client.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM franchise_nrd.visit_ratings) + (SELECT count(*) FROM franchise_sud.avis_clients) + (SELECT count(*) FROM franchise_oue.survey_answer) AS n`,
      );
      expect(Number(answers.rows[0]!.n)).toBe(data.ratings!.length);
      expect(data.ratings!.length).toBeGreaterThan(0);
      // The estate files of before name no web order: the tills know none yet.
      const named = await client.query(`SELECT count(*)::int AS n FROM franchise_nrd.quotes WHERE web_order_number IS NOT NULL`);
      expect(named.rows).toEqual([{ n: 0 }]);
    });
  } finally {
    await child.kill();
  }

  // Up to date: the next start finds its fingerprint and writes nothing.
  pos = await start();
  try {
    expect(pos.load).toMatchObject({ loaded: false, migratedFrom: null, rows: {} });
    await withClient(pos.url, async (client) => {
      expect((await client.query(`SELECT count(*)::int AS n FROM franchise_oue.refund_header WHERE refund_ref = 'R-UPGRADE-1'`)).rows).toEqual([{ n: 1 }]);
    });
  } finally {
    await pos.stop();
  }
}, 3 * slow);
