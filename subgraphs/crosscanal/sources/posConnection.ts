import pg from 'pg';
import { SourceFailure } from '../../shared/errors.js';
import { pgFailure, untilAborted } from '../../shared/postgres.js';
import type { LegacySource } from '../../shared/source.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A franchise as the POS directory lists it, with the layout its reader knows it by. */
export interface PosFranchise<L> {
  code: string;
  schema: string;
  layout: L;
}

export interface PosConnectionOptions {
  /** The POS database, `postgres://…`. */
  databaseUrl: string;
  source: LegacySource;
  /** Prefix of the POS schema names (`<prefix>pos_directory`, …). Default ''. */
  schemaPrefix?: string;
  /** Connections at most. */
  max: number;
  /** As PostgreSQL shows the connections. */
  applicationName: string;
  /**
   * Each statement's own bound, set in the transaction (`statement_timeout`): for a reader whose
   * transaction spans the caller's work on every page, and whose source's timeout is therefore
   * the whole read's. None by default.
   */
  statementTimeoutMs?: number;
}

/** Read-only access to the franchises' POS database, through one source (timeouts, retries, breaker). */
export interface PosConnection {
  /** Runs `work` in one read-only snapshot; a timed-out or failed attempt gives its connection up. */
  readOnly<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /**
   * The franchises of the directory, each with the layout `layouts` names for its schema; a
   * layout the reader does not know, or a schema name that is no plain identifier, is a bad
   * response (`reader` says whose, in the message).
   */
  franchises<L>(layouts: Readonly<Record<string, L>>, reader: string): Promise<PosFranchise<L>[]>;
  close(): Promise<void>;
}

export function posConnection({ databaseUrl, source, schemaPrefix = '', max, applicationName, statementTimeoutMs }: PosConnectionOptions): PosConnection {
  if (statementTimeoutMs !== undefined && (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 1)) {
    throw new RangeError(`statementTimeoutMs must be a positive integer, got ${statementTimeoutMs}`);
  }
  const directory = `${schemaPrefix}pos_directory`;
  if (!IDENTIFIER.test(directory)) throw new Error(`schemaPrefix must make SQL identifiers ([a-z_][a-z0-9_]*), got ${JSON.stringify(schemaPrefix)}`);
  const pool = new pg.Pool({ connectionString: databaseUrl, max, application_name: applicationName });
  pool.on('error', () => undefined);

  const readOnly = <T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
    source.call(operation, async (signal) => {
      const connecting = pool.connect();
      let client: pg.PoolClient;
      try {
        client = await untilAborted(connecting, signal);
      } catch (error) {
        // A connection that arrives after the timeout goes straight back to the pool.
        connecting.then((late) => late.release(), () => undefined);
        throw pgFailure(error) ?? error;
      }
      let broken: Error | undefined;
      try {
        return await untilAborted(
          (async () => {
            await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
            if (statementTimeoutMs !== undefined) await client.query(`SET LOCAL statement_timeout = ${statementTimeoutMs}`);
            try {
              const result = await work(client);
              await client.query('COMMIT');
              return result;
            } catch (error) {
              await client.query('ROLLBACK').catch(() => undefined);
              throw error;
            }
          })(),
          signal,
        );
      } catch (error) {
        broken = error as Error;
        throw pgFailure(error) ?? error;
      } finally {
        // A connection whose statement may still run, or that failed, is not given back for reuse.
        client.release(broken);
      }
    });

  return {
    readOnly,
    franchises: <L>(layouts: Readonly<Record<string, L>>, reader: string) =>
      readOnly('franchises', async (client) => {
        const { rows } = await client.query<{ code: string; schema_name: string; layout: string }>(
          `SELECT code, schema_name, layout FROM ${directory}.franchises ORDER BY code`,
        );
        return rows.map((row): PosFranchise<L> => {
          const layout = layouts[row.layout];
          if (!layout) throw new SourceFailure('badResponse', `franchise ${row.code} uses layout ${JSON.stringify(row.layout)}, which ${reader} cannot read`);
          if (!IDENTIFIER.test(row.schema_name)) throw new SourceFailure('badResponse', `franchise ${row.code}: schema name ${JSON.stringify(row.schema_name)} is not a plain identifier`);
          return { code: row.code, schema: row.schema_name, layout };
        });
      }),
    close: () => pool.end(),
  };
}
