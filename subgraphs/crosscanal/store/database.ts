import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { openPglite } from '../../../utilities/pglite.js';
import pg from 'pg';
import type { Tracer } from '@opentelemetry/api';
import { currentRequestScope } from '../../shared/requestScope.js';
import {
  ATTR_DB_COLLECTION,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_SYSTEM,
  describeStatement,
  inStoreSpan,
  requestTracer,
  startStoreSpan,
} from '../../shared/tracing.js';
import { inPoolTransaction } from '../../../utilities/poolTransaction.js';

/** Statements on one session: a transaction, or the database itself. */
export interface SqlSession {
  /** One statement with `$1`-style parameters. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** A script of several statements, without parameters. */
  exec(script: string): Promise<void>;
}

/** The crosswalk's database: PostgreSQL through a pool, or PGlite in a folder or in memory. */
export interface Database extends SqlSession {
  readonly kind: 'postgresql' | 'pglite';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A real PostgreSQL (`postgres://…`); takes precedence over `dataDir`. */
  databaseUrl?: string;
  /** PGlite's data folder; omitted with no `databaseUrl`: PGlite in memory. */
  dataDir?: string;
  /**
   * The PostgreSQL schema the crosswalk lives in (created when missing), so that several
   * stores can share one database. Default `crosscanal`.
   */
  schema?: string;
  /** Pool size for PostgreSQL. Default 10. */
  maxConnections?: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens the database and points the session(s) at the crosswalk's schema. */
export async function openDatabase({ databaseUrl, dataDir, schema = 'crosscanal', maxConnections = 10 }: DatabaseOptions = {}): Promise<Database> {
  if (!IDENTIFIER.test(schema)) {
    throw new Error(`schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters), got ${JSON.stringify(schema)}`);
  }
  const db = databaseUrl ? await postgres(databaseUrl, schema, maxConnections) : await pglite(dataDir, schema);
  const tracer = requestTracer();
  return tracer ? traced(db, tracer, schema) : db;
}

/**
 * The database with a client span for each statement run within a traced request (tracing on,
 * the request sampled), named by its operation and table: `SELECT identity_links`; never its
 * text nor its parameters (the README promises no SQL in traces: a statement may hold a value).
 * A transaction is one span, its statements under it. Outside a request (a sync,
 * a migration), nothing is recorded.
 */
function traced(db: Database, tracer: Tracer, schema: string): Database {
  const span = (name: string, text?: string) => {
    const attributes: Record<string, string> = { [ATTR_DB_SYSTEM]: 'postgresql', [ATTR_DB_NAMESPACE]: schema };
    let spanName = name;
    if (text !== undefined) {
      const { operation, collection } = describeStatement(text);
      attributes[ATTR_DB_OPERATION] = operation;
      if (collection) attributes[ATTR_DB_COLLECTION] = collection;
      spanName = collection ? `${operation} ${collection}` : operation;
      attributes[ATTR_DB_QUERY_SUMMARY] = spanName;
    }
    return startStoreSpan(tracer, spanName, attributes, currentRequestScope()?.requestId);
  };
  const wrap = (session: SqlSession): SqlSession => ({
    query: <T,>(text: string, params?: unknown[]) => inStoreSpan(span('', text), () => session.query<T>(text, params)),
    exec: (script) => inStoreSpan(span('', script), () => session.exec(script)),
  });
  return {
    kind: db.kind,
    ...wrap(db),
    transaction: (work) => inStoreSpan(span('TRANSACTION'), () => db.transaction((tx) => work(wrap(tx)))),
    close: () => db.close(),
  };
}

async function postgres(url: string, schema: string, max: number): Promise<Database> {
  // Every session starts in the crosswalk's schema, set in the startup message.
  const pool = new pg.Pool({ connectionString: url, max, options: `-c search_path=${schema}` });
  // An idle client losing its server must not bring the process down; the next query reports it.
  pool.on('error', () => undefined);
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    await pool.end();
    throw new Error(`DATABASE_URL: cannot reach PostgreSQL: ${(error as Error).message}`, { cause: error });
  }
  const wrap = (session: pg.Pool | pg.PoolClient): SqlSession => ({
    query: async <T>(text: string, params?: unknown[]) => (await session.query(text, params)).rows as T[],
    exec: async (script) => {
      await session.query(script);
    },
  });
  return {
    kind: 'postgresql',
    ...wrap(pool),
    transaction: (work) => inPoolTransaction(pool, (client) => work(wrap(client))),
    close: () => pool.end(),
  };
}

async function pglite(dataDir: string | undefined, schema: string): Promise<Database> {
  const release = dataDir === undefined ? async () => undefined : await lockFolder(dataDir);
  let db: PGlite;
  try {
    if (dataDir !== undefined) await mkdir(dirname(resolve(dataDir)), { recursive: true });
    db = await openPglite(dataDir);
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  } catch (error) {
    await release();
    throw error;
  }
  const wrap = (session: Pick<PGlite, 'query' | 'exec'>): SqlSession => ({
    query: async <T>(text: string, params?: unknown[]) => (await session.query<T>(text, params)).rows,
    exec: async (script) => {
      await session.exec(script);
    },
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    async close() {
      try {
        await db.close();
      } finally {
        await release();
      }
    },
  };
}

/**
 * PGlite runs inside one process: a second process opening the same folder would corrupt
 * it. A lock file beside the folder holds the owner's pid; a lock whose process is gone is
 * taken over.
 */
async function lockFolder(dataDir: string): Promise<() => Promise<void>> {
  const path = `${resolve(dataDir)}.lock`;
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `CROSSCANAL_DATA_DIR ${dataDir} is in use by process ${owner}: PGlite serves one process; stop it, or share a PostgreSQL through DATABASE_URL`,
        );
      }
      if (owner === process.pid) {
        throw new Error(`CROSSCANAL_DATA_DIR ${dataDir} is already open in this process`);
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`CROSSCANAL_DATA_DIR ${dataDir}: could not take the lock file ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
