import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readManifest, readPos, writeEstate } from '../generator/files.js';
import { generateEstate } from '../generator/generate.js';
import type { PosData } from '../generator/model.js';
import { startStandInProcess } from '../shared/testProcess.js';
import { estateSeed } from './posFingerprint.js';
import { startPos, type RunningPos } from './server.js';

// Each step opens PGlite on the folder the previous one left, which takes seconds; they run in order.
const slow = 120_000;

let estateDir: string;
let pgliteDir: string;
let seed: string;
let data: PosData;
let nrdStore: string;
let nrdSeller: string;
let sudStore: string;
let sudSeller: string;

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'pos-restart-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  pgliteDir = join(estateDir, 'pos-pglite');
  seed = estateSeed(await readManifest(estateDir));
  data = await readPos(estateDir);
  const storeOf = (franchise: string) => data.stores.find((store) => store.franchise === franchise)!.code;
  nrdStore = storeOf('NRD');
  sudStore = storeOf('SUD');
  nrdSeller = data.sellers.find((seller) => seller.store_code === nrdStore)!.code;
  sudSeller = data.sellers.find((seller) => seller.store_code === sudStore)!.code;
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

const start = async () => startPos({ data: await readPos(estateDir), dataDir: pgliteDir, seed });

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** What the POS acknowledged, read the way the tests wrote it. */
const receipt = (client: pg.Client, receiptNo: string) =>
  client
    .query(
      `SELECT r.receipt_no, r.store_code, r.sold_at, r.phone, r.total_cents, count(l.*)::int AS lines
       FROM franchise_nrd.receipts r LEFT JOIN franchise_nrd.receipt_lines l USING (receipt_no)
       WHERE r.receipt_no = $1 GROUP BY r.receipt_no`,
      [receiptNo],
    )
    .then((result) => result.rows);

interface ReceiptRead {
  receipt_no: string;
  store_code: string;
  sold_at: Date;
  phone: string | null;
  total_cents: number;
  lines: number;
}
let firstReceipt: ReceiptRead;
let killedReceipt: ReceiptRead;
let stockRow: { store_code: string; ean: string; quantity: number };

async function expectEveryWrite(url: string, receipts: ReceiptRead[]) {
  await withClient(url, async (client) => {
    for (const expected of receipts) expect(await receipt(client, expected.receipt_no)).toEqual([expected]);
    const ticket = await client.query(`SELECT num_ticket, date_vente::text, montant_total::text FROM franchise_sud.tickets WHERE num_ticket = 'RESTART-T1'`);
    // SUD keeps euros as numeric(10,2) and Paris wall-clock time, as written.
    expect(ticket.rows).toEqual([{ num_ticket: 'RESTART-T1', date_vente: '2026-11-02 11:00:00', montant_total: '19.90' }]);
    const stock = await client.query(`SELECT quantity FROM franchise_nrd.stock WHERE store_code = $1 AND ean = $2`, [stockRow.store_code, stockRow.ean]);
    expect(stock.rows).toEqual([{ quantity: stockRow.quantity }]);
  });
}

describe('the POS over PGlite keeps rows written through the wire across restarts on one folder', () => {
  test('rows committed through the proxy are there after a stop and a new start, and the loader leaves them alone', async () => {
    firstReceipt = { receipt_no: 'RESTART-0001', store_code: nrdStore, sold_at: new Date('2026-11-02T10:00:00.000Z'), phone: '06 11 22 33 44', total_cents: 4_990, lines: 2 };
    killedReceipt = { receipt_no: 'RESTART-0002', store_code: nrdStore, sold_at: new Date('2026-11-02T11:00:00.000Z'), phone: null, total_cents: 1_250, lines: 0 };
    let pos: RunningPos = await start();
    try {
      expect(pos.load).toMatchObject({ loaded: true });
      await withClient(pos.url, async (client) => {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO franchise_nrd.receipts (receipt_no, store_code, seller_code, sold_at, card_number, phone, currency, total_cents)
           VALUES ($1, $2, $3, $4, NULL, $5, 'EUR', $6)`,
          [firstReceipt.receipt_no, nrdStore, nrdSeller, firstReceipt.sold_at, firstReceipt.phone, firstReceipt.total_cents],
        );
        await client.query(
          `INSERT INTO franchise_nrd.receipt_lines (receipt_no, line_no, ean, local_code, label, quantity, unit_price_cents, discount_cents)
           VALUES ($1, 1, NULL, 'L9001', 'Chaussettes', 2, 1500, 0), ($1, 2, NULL, 'L9002', 'Lacets', 1, 1990, 0)`,
          [firstReceipt.receipt_no],
        );
        await client.query('COMMIT');
        await client.query(
          `INSERT INTO franchise_sud.tickets (num_ticket, code_magasin, code_vendeur, date_vente, carte_fidelite, telephone, devise, montant_total)
           VALUES ('RESTART-T1', $1, $2, '2026-11-02 11:00:00', NULL, NULL, 'EUR', 19.90)`,
          [sudStore, sudSeller],
        );
        const row = (await client.query(`SELECT store_code, ean, quantity FROM franchise_nrd.stock WHERE ean IS NOT NULL ORDER BY store_code, ean LIMIT 1`)).rows[0];
        stockRow = { store_code: row.store_code, ean: row.ean, quantity: row.quantity + 7 };
        await client.query(`UPDATE franchise_nrd.stock SET quantity = $3 WHERE store_code = $1 AND ean = $2`, [row.store_code, row.ean, stockRow.quantity]);
      });
      await pos.stop();

      pos = await start();
      // The same estate: the loader finds its fingerprint and writes nothing, so nothing is wiped.
      expect(pos.load).toMatchObject({ loaded: false, rows: {} });
      await expectEveryWrite(pos.url, [firstReceipt]);
    } finally {
      await pos.stop();
    }
  }, slow);

  test('a row committed just before the process is killed survives, and its own loader (index.ts) agrees the dataset is in place', async () => {
    const child = await startStandInProcess(
      'legacy/pos/index.ts',
      { LEGACY_DATA_DIR: estateDir, LEGACY_POS_PORT: '0', LEGACY_POS_ADMIN_PORT: '0' },
      /on (postgres:\/\/\S+) \(PGlite in .*, (dataset already in place|loaded in [\d.]+ s)\)/,
      slow,
    );
    try {
      expect(child.ready[2]).toBe('dataset already in place');
      await withClient(child.ready[1]!, (client) =>
        client.query(
          `INSERT INTO franchise_nrd.receipts (receipt_no, store_code, seller_code, sold_at, card_number, phone, currency, total_cents)
           VALUES ($1, $2, $3, $4, NULL, NULL, 'EUR', $5)`,
          [killedReceipt.receipt_no, nrdStore, nrdSeller, killedReceipt.sold_at, killedReceipt.total_cents],
        ),
      );
    } finally {
      // No SIGTERM handler, no PGlite close: what was committed must already be in the folder.
      await child.kill();
    }
    // The dead process's lock is taken over.
    const pos = await start();
    try {
      expect(pos.load).toMatchObject({ loaded: false });
      await expectEveryWrite(pos.url, [firstReceipt, killedReceipt]);
    } finally {
      await pos.stop();
    }
  }, slow);
});
