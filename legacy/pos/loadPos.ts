import type { FranchiseCode, PosData } from '../generator/model.js';
import { bulkInsert, DEFAULT_BATCH_ROWS, type BulkInsert } from './bulkInsert.js';
import { LAYOUTS } from './layouts.js';
import type { FranchiseRecords } from './franchiseLayout.js';
import { fingerprintParts, LAYOUT_VERSION, posFingerprint } from './posFingerprint.js';
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
  /** False when the same dataset was already in place, and nothing was reloaded. */
  loaded: boolean;
  /**
   * The layout version the dataset in place had been loaded under, when it was older and its
   * schemas were upgraded in place (rows written since kept); null otherwise.
   */
  migratedFrom: number | null;
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
      return { loaded: false, migratedFrom: null, fingerprint, schemas, rows: {}, elapsedMs: performance.now() - started };
    }
    const migratedFrom = previous === null ? null : await upgradeInPlace(tx, dir, previous, fingerprint, schemas, parts);
    if (migratedFrom !== null) {
      return { loaded: false, migratedFrom, fingerprint, schemas, rows: {}, elapsedMs: performance.now() - started };
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
    return { loaded: true, migratedFrom: null, fingerprint, schemas, rows, elapsedMs: performance.now() - started };
  });
}

/** Drops every schema of a POS database (tests clean up after themselves with it). */
export async function dropPos(db: SqlDatabase, schemas: PosSchemas): Promise<void> {
  const names = [...Object.values(schemas.franchises), schemas.directory];
  await db.exec(names.map((s) => `DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE;`).join('\n'));
}

/**
 * Brings the dataset in place up to this code's layout version when it is the same dataset
 * loaded under an older one and every layout has an upgrade for each version since: the
 * schemas keep their rows (those written through the wire included), and the load marker
 * takes the new fingerprint. Returns the version it upgraded from, or null when the dataset
 * must be reloaded instead.
 */
async function upgradeInPlace(
  tx: SqlExecutor,
  dir: string,
  previous: string,
  fingerprint: string,
  schemas: PosSchemas,
  parts: Map<FranchiseCode, FranchiseRecords>,
): Promise<number | null> {
  const before = fingerprintParts(previous);
  const now = fingerprintParts(fingerprint);
  if (!before || !now || before.dataset !== now.dataset || before.layoutVersion >= LAYOUT_VERSION) return null;
  const versions = Array.from({ length: LAYOUT_VERSION - before.layoutVersion }, (_, i) => before.layoutVersion + 1 + i);
  if (![...parts.keys()].every((code) => versions.every((v) => LAYOUTS[code].upgrades?.[v] !== undefined))) return null;
  // The same dataset names the same franchises; a directory that says otherwise was changed by hand.
  const { rows } = await tx.query<{ code: string; schema_name: string; layout: string }>(`SELECT code, schema_name, layout FROM ${dir}.franchises`);
  const inPlace = new Map(rows.map((row) => [row.code, row]));
  for (const code of parts.keys()) {
    const row = inPlace.get(code);
    if (!row || row.schema_name !== schemas.franchises[code] || row.layout !== LAYOUTS[code].name) return null;
  }
  if (inPlace.size !== parts.size) return null;

  for (const version of versions) {
    for (const [code, records] of parts) await LAYOUTS[code].upgrades![version]!(tx, schemas.franchises[code]!, records);
  }
  await tx.query(`UPDATE ${dir}.load_marker SET fingerprint = $1`, [fingerprint]);
  return before.layoutVersion;
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
