import type { PosData } from '../generator/model.js';
import { bulkInsert, DEFAULT_BATCH_ROWS, type BulkInsert } from './bulkInsert.js';
import { LAYOUTS } from './layouts.js';
import { posFingerprint } from './posFingerprint.js';
import { posSchemas, type PosSchemas } from './posSchemas.js';
import { directoryTables } from './schema/directory.js';
import { splitByFranchise } from './splitByFranchise.js';
import type { SqlDatabase, SqlExecutor } from './sqlDatabase.js';

export interface LoadPosOptions {
  /** Put in front of every schema name; lets concurrent test runs share one database. Default ''. */
  schemaPrefix?: string;
  /** Part of the dataset's fingerprint, e.g. the generator's seed and scale. Default ''. */
  seed?: string;
  /** Rows per INSERT statement. Default {@link DEFAULT_BATCH_ROWS}. */
  batchRows?: number;
}

export interface LoadPosResult {
  /** False when the same dataset was already in place and nothing was written. */
  loaded: boolean;
  fingerprint: string;
  schemas: PosSchemas;
  /** Rows written per `schema.table` (empty when nothing was loaded). */
  rows: Record<string, number>;
  elapsedMs: number;
}

/**
 * Loads the estate's POS records into one schema per franchisee plus the directory, in a
 * single transaction: a crash leaves the previous state, never half a dataset. Idempotent:
 * when the directory's load marker already carries this dataset's fingerprint nothing is
 * written; a different fingerprint replaces every schema. Concurrent loaders of the same
 * prefix queue on an advisory lock.
 */
export async function loadPos(db: SqlDatabase, data: PosData, options: LoadPosOptions = {}): Promise<LoadPosResult> {
  const started = performance.now();
  const schemas = posSchemas(data, options.schemaPrefix ?? '');
  const fingerprint = posFingerprint(data, options.seed ?? '');
  const parts = splitByFranchise(data);
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const dir = schemas.directory;

  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`crosscanal.pos.load:${dir}`]);
    const previous = await loadedFingerprint(tx, dir);
    if (previous === fingerprint) {
      return { loaded: false, fingerprint, schemas, rows: {}, elapsedMs: performance.now() - started };
    }

    const stale = new Set<string>(Object.values(schemas.franchises));
    if (previous !== null) {
      const { rows } = await tx.query<{ schema_name: string }>(`SELECT schema_name FROM ${dir}.franchises`);
      for (const row of rows) stale.add(row.schema_name);
    }
    await tx.exec([...stale, dir].map((s) => `DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE;`).join('\n'));

    const rows: Record<string, number> = {};
    const insert: BulkInsert = (table, columns, values) => bulkInsert(tx, table, columns, values, batchRows);
    await tx.exec(directoryTables(dir));
    rows[`${dir}.franchises`] = await insert(
      `${dir}.franchises`,
      [
        { name: 'code', type: 'text' },
        { name: 'name', type: 'text' },
        { name: 'schema_name', type: 'text' },
        { name: 'layout', type: 'text' },
      ],
      data.franchises.map((f) => [f.code, f.name, schemas.franchises[f.code], LAYOUTS[f.code].name]),
    );
    rows[`${dir}.stores`] = await insert(
      `${dir}.stores`,
      [
        { name: 'store_code', type: 'text' },
        { name: 'franchise_code', type: 'text' },
        { name: 'name', type: 'text' },
        { name: 'city', type: 'text' },
        { name: 'postcode', type: 'text' },
        { name: 'country', type: 'text' },
        { name: 'click_and_collect', type: 'bool' },
        { name: 'latitude', type: 'float8' },
        { name: 'longitude', type: 'float8' },
      ],
      data.stores.map((s) => [s.code, s.franchise, s.name, s.city, s.postcode, s.country, s.click_and_collect, s.latitude, s.longitude]),
    );

    for (const [code, records] of parts) {
      const layout = LAYOUTS[code];
      const schema = schemas.franchises[code]!;
      await tx.exec(layout.tables(schema));
      const written = await layout.load(insert, schema, records);
      await tx.exec(layout.indexes(schema));
      for (const [table, count] of Object.entries(written)) {
        rows[`${schema}.${table}`] = count;
        await tx.query(`ANALYZE ${schema}.${table}`);
      }
    }

    await tx.query(`INSERT INTO ${dir}.load_marker (fingerprint, row_counts) VALUES ($1, $2)`, [fingerprint, JSON.stringify(rows)]);
    return { loaded: true, fingerprint, schemas, rows, elapsedMs: performance.now() - started };
  });
}

/** Drops every schema of a POS database (tests clean up after themselves with it). */
export async function dropPos(db: SqlDatabase, schemas: PosSchemas): Promise<void> {
  const names = [...Object.values(schemas.franchises), schemas.directory];
  await db.exec(names.map((s) => `DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE;`).join('\n'));
}

async function loadedFingerprint(tx: SqlExecutor, dir: string): Promise<string | null> {
  const { rows } = await tx.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`${dir}.load_marker`]);
  if (!rows[0]?.present) return null;
  const marker = await tx.query<{ fingerprint: string }>(`SELECT fingerprint FROM ${dir}.load_marker ORDER BY loaded_at DESC LIMIT 1`);
  return marker.rows[0]?.fingerprint ?? '';
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
