import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { PosData, PosReceipt } from '../generator/model.js';
import { posFixture } from './fixture.js';
import { dropPos, loadPos } from './loadPos.js';
import { pgliteDatabase, pgPoolDatabase, type SqlDatabase } from './sqlDatabase.js';

/**
 * Measures the loader: `npx tsx legacy/pos/loadBench.ts [receiptLines] [databaseUrl]`.
 * Repeats the fixture's receipts (renumbered, a few minutes apart) up to the requested number
 * of receipt lines, loads them into a fresh PGlite, or into `databaseUrl` under a throw-away
 * prefix, and prints the receipt lines and rows loaded per second.
 */
export function repeatReceipts(base: PosData, receiptLines: number): PosData {
  const receipts: PosReceipt[] = [];
  let lines = 0;
  for (let copy = 0; lines < receiptLines; copy++) {
    for (const r of base.receipts) {
      if (lines >= receiptLines) break;
      const soldAt = new Date(Date.parse(r.sold_at) + copy * 180_000).toISOString();
      receipts.push({ ...r, receipt_no: `${r.receipt_no}-${copy}`, sold_at: soldAt, lines: r.lines.map((l) => ({ ...l })) });
      lines += r.lines.length;
    }
  }
  return { ...base, receipts };
}

async function main(): Promise<void> {
  const receiptLines = Number(process.argv[2] ?? 100_000);
  const databaseUrl = process.argv[3];
  const data = repeatReceipts(posFixture, receiptLines);
  let db: SqlDatabase;
  let close: () => Promise<void>;
  if (databaseUrl) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    db = pgPoolDatabase(pool);
    close = () => pool.end();
  } else {
    const lite = await PGlite.create();
    db = pgliteDatabase(lite);
    close = () => lite.close();
  }
  const prefix = databaseUrl ? `bench_${process.pid}_` : '';
  const result = await loadPos(db, data, { schemaPrefix: prefix, seed: 'bench' });
  const rows = Object.values(result.rows).reduce((a, b) => a + b, 0);
  const seconds = result.elapsedMs / 1000;
  process.stdout.write(
    `${databaseUrl ? 'postgresql' : 'pglite'}: ${receiptLines} receipt lines, ${rows} rows in ${seconds.toFixed(2)} s ` +
      `(${Math.round(receiptLines / seconds)} receipt lines/s, ${Math.round(rows / seconds)} rows/s)\n`,
  );
  if (databaseUrl) await dropPos(db, result.schemas);
  await close();
}

if (process.argv[1]?.endsWith('loadBench.ts')) await main();
