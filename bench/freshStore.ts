import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CrosswalkStore } from '../subgraphs/crosscanal/store/crosswalkStore.js';

export interface FreshStoreOptions {
  /** A real PostgreSQL: the store goes into a schema of this name, dropped on dispose. */
  databaseUrl?: string;
  schema: string;
  /** PGlite in memory instead of a PGlite folder (the subgraph's default) under the system's temp folder. */
  inMemory?: boolean;
}

/** An empty crosswalk store that leaves nothing behind. */
export interface FreshStore {
  store: CrosswalkStore;
  /** `postgresql schema …`, `pglite folder …` or `pglite in memory`. */
  where: string;
  /** What the store takes on disk (PostgreSQL: its relations); null in memory. */
  sizeBytes(): Promise<number | null>;
  /** Closes the store and removes it (schema dropped, folder deleted); true once it is gone. */
  dispose(): Promise<boolean>;
}

/**
 * Opens an empty crosswalk store for one benchmark run: a throw-away schema on PostgreSQL,
 * or PGlite in a fresh temporary folder, as the subgraph keeps it by default (in memory on
 * request: PGlite then holds the whole database in the process's memory).
 */
export async function openFreshStore({ databaseUrl, schema, inMemory = false }: FreshStoreOptions): Promise<FreshStore> {
  if (databaseUrl) {
    const store = await CrosswalkStore.open({ databaseUrl, schema });
    let closed = false;
    return {
      store,
      where: `postgresql schema ${schema}`,
      async sizeBytes() {
        const [row] = await store.db.query<{ bytes: string | number | null }>(
          `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
          [schema],
        );
        return Number(row?.bytes ?? 0);
      },
      async dispose() {
        if (!closed) await store.close();
        closed = true;
        return dropSchema(databaseUrl, schema);
      },
    };
  }
  if (inMemory) {
    const store = await CrosswalkStore.open({ schema });
    let closed = false;
    return {
      store,
      where: 'pglite in memory',
      sizeBytes: async () => null,
      async dispose() {
        if (!closed) await store.close();
        closed = true;
        return true;
      },
    };
  }
  const folder = await mkdtemp(join(tmpdir(), 'crosswalk-bench-store-'));
  const dataDir = join(folder, 'pglite');
  let store: CrosswalkStore;
  try {
    store = await CrosswalkStore.open({ dataDir, schema });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  let closed = false;
  return {
    store,
    where: `pglite folder ${dataDir}`,
    sizeBytes: () => folderSize(dataDir),
    async dispose() {
      if (!closed) await store.close();
      closed = true;
      await rm(folder, { recursive: true, force: true });
      return true;
    },
  };
}

async function dropSchema(databaseUrl: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    return true;
  } finally {
    await client.end();
  }
}

async function folderSize(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? await folderSize(path) : (await stat(path)).size;
  }
  return bytes;
}
