import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

/** The numbered SQL files of the crosswalk's schema, applied in order, each once. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

/** Reads `NNN_name.sql` files; any other file in the folder is an error, as is a repeated number. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const match = FILE.exec(file);
    if (!match) throw new Error(`migrations: ${file} is not named NNN_name.sql (lower case, digits, underscores)`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    migrations.push({ version: Number(match[1]), name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) throw new Error(`migrations: version ${migrations[i]!.version} is used twice`);
  }
  return migrations;
}

/**
 * Brings the schema up to date: applies each pending migration in its own transaction and
 * records it. Replicas starting together queue on an advisory lock. A migration already
 * applied whose file has changed since is refused: migrations are never edited, only added.
 * Returns the versions applied now.
 */
export async function migrate(db: Database, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await readMigrations());
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: number[] = [];
  for (const migration of all) {
    const done = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.schema_migration'))`);
      const [row] = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migration WHERE version = $1', [migration.version]);
      if (row) {
        if (row.checksum !== migration.checksum) {
          throw new Error(
            `migration ${migration.version}_${migration.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}…, file ${migration.checksum.slice(0, 12)}…): add a new migration instead`,
          );
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
