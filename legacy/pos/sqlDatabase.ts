import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { inPoolTransaction } from '../../utilities/poolTransaction.js';

/** Runs statements on one session: a transaction, or the database itself. */
export interface SqlExecutor {
  /** One statement, with `$1`-style parameters. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** A script of several statements, without parameters (DDL). */
  exec(script: string): Promise<void>;
}

/** The loader's view of a database: PGlite or a real PostgreSQL behind a pg pool. */
export interface SqlDatabase extends SqlExecutor {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

export function pgliteDatabase(db: PGlite): SqlDatabase {
  const wrap = (session: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    query: async <T>(text: string, params?: unknown[]) => ({ rows: (await session.query<T>(text, params)).rows }),
    exec: async (script) => {
      await session.exec(script);
    },
  });
  return { ...wrap(db), transaction: (work) => db.transaction((tx) => work(wrap(tx))) };
}

export function pgPoolDatabase(pool: pg.Pool): SqlDatabase {
  const wrap = (session: pg.Pool | pg.PoolClient): SqlExecutor => ({
    query: async <T>(text: string, params?: unknown[]) => ({ rows: (await session.query(text, params)).rows as T[] }),
    exec: async (script) => {
      await session.query(script);
    },
  });
  return {
    ...wrap(pool),
    transaction: (work) => inPoolTransaction(pool, (client) => work(wrap(client))),
  };
}
