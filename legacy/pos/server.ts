import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NetConnectOpts } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { openPglite } from '../../utilities/pglite.js';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import type { FranchiseCode, PosData } from '../generator/model.js';
import { handleAdmin, type Controls } from '../shared/admin.js';
import { CallCounter } from '../shared/counters.js';
import { lockDataDir } from '../shared/dataDirLock.js';
import { FaultInjector, NO_FAULTS, type FaultConfig } from '../shared/faults.js';
import { startHttp } from '../shared/http.js';
import { loadPos, type LoadPosResult } from './loadPos.js';
import { primePgliteSession } from './primePgliteSession.js';
import { assertIdentifier, DIRECTORY_SCHEMA, type PosSchemas } from './posSchemas.js';
import { pgliteDatabase, pgPoolDatabase, type SqlDatabase } from './sqlDatabase.js';
import { DEFAULT_MAX_CONNECTIONS, startWireProxy, type RunningWireProxy } from './wireProxy.js';

export const SYSTEM = 'pos';

export interface PosOptions {
  /**
   * The estate's POS records, loaded before the database is served (idempotent: a database
   * that already holds the same dataset is left as it is). Omitted: the database is served as
   * it is, and must already hold a loaded dataset.
   */
  data?: PosData;
  /** PGlite's data folder, kept between runs; omitted: an in-memory PGlite. */
  dataDir?: string;
  /**
   * A real PostgreSQL (`postgres://user@host:port/db`) instead of PGlite. Clients reach it
   * through the proxy with their own credentials: the startup message goes through unchanged.
   */
  databaseUrl?: string;
  /** Put in front of every schema name, so that test runs can share one database. Default ''. */
  schemaPrefix?: string;
  /** Part of the dataset's fingerprint, e.g. the generator's seed and scale. */
  seed?: string;
  /** SQL port; 0 (the default) picks a free one. */
  port?: number;
  /** Admin HTTP port (`/__admin/calls`, `/__admin/faults`, `/__admin/health`); 0 (the default) picks a free one. */
  adminPort?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Faults from the start, and what `DELETE /__admin/faults` goes back to; default none. */
  faults?: FaultConfig;
  /** Seed of the fault injector's random choices, for reproducible error rates. */
  faultSeed?: number | string;
  /** Client connections at once. Default 100. */
  maxConnections?: number;
}

export interface RunningPos {
  /** Where a PostgreSQL client connects: `postgres://…@host:port/db`. */
  url: string;
  port: number;
  adminUrl: string;
  counter: CallCounter;
  faults: FaultInjector;
  /** The schemas served: the directory and one per franchise. */
  schemas: PosSchemas;
  /** What loading did; null when no data was given. */
  load: LoadPosResult | null;
  /** `pglite` or `postgresql`. */
  backend: 'pglite' | 'postgresql';
  stop(): Promise<void>;
}

/** A database the stand-in serves, and how to serve and close it. */
interface Backend {
  kind: RunningPos['backend'];
  db: SqlDatabase;
  /** Starts whatever listens for the proxy; returns where. */
  listen(): Promise<NetConnectOpts>;
  close(): Promise<void>;
}

/**
 * Starts the franchise POS: loads the data into PGlite (in memory, or persisted in `dataDir`)
 * or into a real PostgreSQL, then serves the PostgreSQL wire protocol through a proxy that
 * counts statements and injects faults, and an admin HTTP endpoint beside it.
 */
export async function startPos(options: PosOptions = {}): Promise<RunningPos> {
  if (options.dataDir !== undefined && options.databaseUrl !== undefined) {
    throw new Error('give dataDir (PGlite) or databaseUrl (PostgreSQL), not both');
  }
  const prefix = options.schemaPrefix ?? '';
  if (prefix !== '') assertIdentifier(prefix, 'schemaPrefix');
  const host = options.host ?? '127.0.0.1';
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new Error(`maxConnections must be a positive integer, got ${String(maxConnections)}`);
  }

  const backend = options.databaseUrl === undefined ? await pgliteBackend(options.dataDir, maxConnections) : postgresBackend(options.databaseUrl);
  const controls: Controls = {
    system: SYSTEM,
    counter: new CallCounter(),
    faults: new FaultInjector(options.faults ?? NO_FAULTS, options.faultSeed ?? SYSTEM),
  };
  let proxy: RunningWireProxy | undefined;
  try {
    let load: LoadPosResult | null = null;
    let schemas: PosSchemas;
    if (options.data) {
      load = await loadPos(backend.db, options.data, { schemaPrefix: prefix, seed: options.seed ?? '' });
      schemas = load.schemas;
    } else {
      schemas = await loadedSchemas(backend.db, prefix);
    }

    proxy = await startWireProxy({
      upstream: await backend.listen(),
      counter: controls.counter,
      faults: controls.faults,
      port: options.port ?? 0,
      host,
      maxConnections,
      sharedBackend: backend.kind === 'pglite',
    });
    const sqlPort = proxy.port;
    const admin = await startHttp(
      (req, res) => {
        serveAdmin(req, res, controls, sqlPort).catch(() => {
          if (!res.headersSent) res.writeHead(500).end();
        });
      },
      options.adminPort ?? 0,
      host,
    );

    let stopping: Promise<void> | undefined;
    const running = proxy;
    return {
      url: clientUrl(options.databaseUrl, host, proxy.port),
      port: proxy.port,
      adminUrl: admin.url,
      counter: controls.counter,
      faults: controls.faults,
      schemas,
      load,
      backend: backend.kind,
      stop: () => {
        stopping ??= (async () => {
          await running.stop();
          await admin.stop();
          await backend.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await proxy?.stop();
    await backend.close();
    throw error;
  }
}

async function serveAdmin(req: IncomingMessage, res: ServerResponse, controls: Controls, sqlPort: number): Promise<void> {
  if (await handleAdmin(req, res, controls)) return;
  const body = JSON.stringify({
    error: 'NOT_FOUND',
    message: `this port serves /__admin only; the POS database speaks the PostgreSQL protocol on port ${sqlPort}`,
  });
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function pgliteBackend(dataDir: string | undefined, maxConnections: number): Promise<Backend> {
  let unlock = async (): Promise<void> => undefined;
  if (dataDir !== undefined) {
    await mkdir(dirname(resolve(dataDir)), { recursive: true });
    unlock = await lockDataDir(dataDir);
  }
  let lite: PGlite;
  try {
    lite = await openPglite(dataDir);
  } catch (error) {
    await unlock();
    throw error;
  }
  let socketServer: PGLiteSocketServer | undefined;
  return {
    kind: 'pglite',
    db: pgliteDatabase(lite),
    async listen() {
      // Only the proxy connects here. It enforces the client limit itself; the margin covers
      // connections still closing on this side when their clients have gone.
      socketServer = new PGLiteSocketServer({ db: lite, host: '127.0.0.1', port: 0, maxConnections: maxConnections * 2 + 16 });
      await socketServer.start();
      const address = socketServer.getServerConn();
      const upstream = { host: '127.0.0.1', port: Number(address.slice(address.lastIndexOf(':') + 1)) };
      await primePgliteSession(upstream);
      return upstream;
    },
    async close() {
      try {
        await socketServer?.stop();
        await lite.close();
      } finally {
        await unlock();
      }
    },
  };
}

function postgresBackend(databaseUrl: string): Backend {
  const target = parseDatabaseUrl(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // An idle client losing its server must not bring the process down.
  pool.on('error', () => undefined);
  return {
    kind: 'postgresql',
    db: pgPoolDatabase(pool),
    async listen() {
      // The loader is done with its pool; clients bring their own connections.
      await pool.end();
      return target;
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}

/** Host and port of a `postgres://` URL, for the proxy to connect to. */
export function parseDatabaseUrl(databaseUrl: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('databaseUrl must be a postgres:// or postgresql:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`databaseUrl must be a postgres:// or postgresql:// URL, got one starting ${JSON.stringify(url.protocol)}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  return { host, port: url.port === '' ? 5432 : Number(url.port) };
}

/**
 * The URL clients use: a real database's own URL (user, password, database and options
 * kept) pointed at the proxy, or PGlite's single database. TLS settings are left out: the
 * proxy speaks plain connections only.
 */
function clientUrl(databaseUrl: string | undefined, host: string, port: number): string {
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  if (databaseUrl === undefined) return `postgres://postgres@${shownHost}:${port}/postgres`;
  const url = new URL(databaseUrl);
  url.host = `${shownHost}:${port}`;
  for (const name of ['ssl', 'sslmode', 'sslcert', 'sslkey', 'sslrootcert']) url.searchParams.delete(name);
  return url.toString();
}

/** The schemas of a dataset loaded earlier, read from its directory. */
async function loadedSchemas(db: SqlDatabase, prefix: string): Promise<PosSchemas> {
  const directory = `${prefix}${DIRECTORY_SCHEMA}`;
  const present = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`${directory}.load_marker`]);
  if (!present.rows[0]?.present) {
    throw new Error(`the database holds no POS dataset (no ${directory}.load_marker): pass data to load one`);
  }
  const { rows } = await db.query<{ code: FranchiseCode; schema_name: string }>(`SELECT code, schema_name FROM ${directory}.franchises ORDER BY code`);
  const franchises: PosSchemas['franchises'] = {};
  for (const row of rows) franchises[row.code] = row.schema_name;
  return { directory, franchises };
}
