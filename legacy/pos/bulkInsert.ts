import type { SqlExecutor } from './sqlDatabase.js';

/** One column of a bulk insert. */
export interface BulkColumn {
  name: string;
  /** Element type of the array the values travel in: `text`, `int4`, `bool`, `timestamptz`… */
  type: string;
  /** Turns the arriving value (an SQL expression) into the stored one, e.g. cents into euros. */
  convert?: (value: string) => string;
}

/** Inserts rows into a table, returning how many were written. */
export type BulkInsert = (table: string, columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]) => Promise<number>;

/** Rows per statement: large enough to amortise the round trip, small enough for PGlite's memory. */
export const DEFAULT_BATCH_ROWS = 10_000;

/**
 * Inserts `rows` (one value per column, in column order) with one
 * `INSERT … SELECT … FROM unnest($1::type[], …)` per batch: a statement has one parameter
 * per column whatever the number of rows, so batches are not bounded by the 65,535
 * parameters of a multi-row VALUES, and the same statement works on PGlite and PostgreSQL.
 */
export async function bulkInsert(
  tx: SqlExecutor,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly (readonly unknown[])[],
  batchRows = DEFAULT_BATCH_ROWS,
): Promise<number> {
  if (rows.length === 0) return 0;
  const aliases = columns.map((_, i) => `c${i}`);
  const text =
    `INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) ` +
    `SELECT ${columns.map((c, i) => (c.convert ? c.convert(`u.${aliases[i]}`) : `u.${aliases[i]}`)).join(', ')} ` +
    `FROM unnest(${columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')}) AS u(${aliases.join(', ')})`;
  for (let start = 0; start < rows.length; start += batchRows) {
    const batch = rows.slice(start, start + batchRows);
    const params = columns.map((_, i) => batch.map((row) => row[i] ?? null));
    for (const row of batch) {
      if (row.length !== columns.length) {
        throw new Error(`bulkInsert into ${table}: every row needs ${columns.length} values, got ${JSON.stringify(row)}`);
      }
    }
    await tx.query(text, params);
  }
  return rows.length;
}
