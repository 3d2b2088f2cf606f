import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startStack, type RunningStack, type StackOptions } from '../../scripts/stack.js';

/**
 * Where a test stack keeps its SQL (the tills' schemas and the crosswalk's).
 *
 * With `DATABASE_URL` set (CI sets it, as a deployment would), each stack gets schemas of its
 * own in that PostgreSQL under a random prefix, dropped when it stops: the production setup,
 * and several times quicker to start than two embedded PGlite databases, which compile and
 * initialise a PostgreSQL in WebAssembly each (about 7 of a tiny stack's 9 s). Without it, or
 * with `embedded`, PGlite in memory, as `npm start` runs on its embedded defaults.
 */
export interface TestStore {
  options: Pick<StackOptions, 'databaseUrl' | 'schemaPrefix' | 'inMemory'>;
  /** Drops the schemas this store's prefix names (nothing to do for PGlite in memory). */
  drop(): Promise<void>;
}

export function testStore({ embedded = false }: { embedded?: boolean } = {}): TestStore {
  const databaseUrl = process.env.DATABASE_URL;
  if (embedded || !databaseUrl) return { options: { inMemory: true }, drop: async () => undefined };
  const schemaPrefix = `t${randomBytes(5).toString('hex')}_`;
  return { options: { databaseUrl, schemaPrefix }, drop: () => dropSchemasWithPrefix(databaseUrl, schemaPrefix) };
}

/** Drops every schema whose name starts with `prefix` (a lower-case identifier prefix). */
export async function dropSchemasWithPrefix(databaseUrl: string, prefix: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`not a schema prefix: ${prefix}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", [prefix]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** {@link startStack} on a {@link testStore}: its `stop` also drops the stack's schemas. */
export async function startTestStack(
  options: Omit<StackOptions, 'databaseUrl' | 'schemaPrefix' | 'inMemory'>,
  { embedded = false }: { embedded?: boolean } = {},
): Promise<RunningStack> {
  const store = testStore({ embedded });
  let stack: RunningStack;
  try {
    stack = await startStack({ ...options, ...store.options });
  } catch (error) {
    await store.drop().catch(() => undefined);
    throw error;
  }
  return {
    ...stack,
    stop: async () => {
      try {
        await stack.stop();
      } finally {
        await store.drop();
      }
    },
  };
}
