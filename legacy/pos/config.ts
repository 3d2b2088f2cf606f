import { join } from 'node:path';
import { faultsFromEnv, type FaultConfig } from '../shared/faults.js';

export const ENV_PREFIX = 'LEGACY_POS';
export const DEFAULT_PORT = 4103;
export const DEFAULT_ADMIN_PORT = 4113;
export const DEFAULT_DATA_DIR = 'data/demo';
export const DEFAULT_MAX_CONNECTIONS = 100;
/** PGlite's folder, inside the estate folder. */
export const PGLITE_FOLDER = 'pos-pglite';

export interface PosConfig {
  port: number;
  adminPort: number;
  host: string;
  /** Folder the estate was generated into. */
  dataDir: string;
  /** PGlite's data folder; undefined when a real PostgreSQL is used. */
  pgliteDir: string | undefined;
  /** A real PostgreSQL; undefined for the embedded PGlite. */
  databaseUrl: string | undefined;
  schemaPrefix: string;
  maxConnections: number;
  faults: FaultConfig;
}

/**
 * Reads the process configuration once: `LEGACY_POS_PORT` (SQL, default 4103),
 * `LEGACY_POS_ADMIN_PORT` (default 4113), `LEGACY_POS_HOST` (default 127.0.0.1),
 * `LEGACY_DATA_DIR` (default `data/demo`), `POS_DATABASE_URL` (a real PostgreSQL; without it,
 * PGlite persisted in `<LEGACY_DATA_DIR>/pos-pglite`), `LEGACY_POS_SCHEMA_PREFIX` (default
 * none), `LEGACY_POS_MAX_CONNECTIONS` (default 100) and the fault variables
 * `LEGACY_POS_LATENCY_MS`, `_JITTER_MS`, `_ERROR_RATE`, `_DOWN`. A malformed value throws,
 * naming the variable.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): PosConfig {
  const dataDir = env.LEGACY_DATA_DIR || DEFAULT_DATA_DIR;
  const databaseUrl = env.POS_DATABASE_URL || undefined;
  if (databaseUrl !== undefined) {
    // The value is not echoed: it may carry a password.
    let protocol = '';
    try {
      protocol = new URL(databaseUrl).protocol;
    } catch {
      throw new Error('POS_DATABASE_URL must be a postgres:// or postgresql:// URL, and is not a URL');
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
      throw new Error(`POS_DATABASE_URL must be a postgres:// or postgresql:// URL, got one starting ${JSON.stringify(protocol)}`);
    }
  }

  const prefixName = `${ENV_PREFIX}_SCHEMA_PREFIX`;
  const schemaPrefix = env[prefixName] ?? '';
  if (schemaPrefix !== '' && !/^[a-z_][a-z0-9_]{0,39}$/.test(schemaPrefix)) {
    throw new Error(`${prefixName} must be a lower-case SQL identifier of at most 40 characters ([a-z_][a-z0-9_]*), got ${JSON.stringify(schemaPrefix)}`);
  }

  const connectionsName = `${ENV_PREFIX}_MAX_CONNECTIONS`;
  const connectionsRaw = env[connectionsName];
  let maxConnections = DEFAULT_MAX_CONNECTIONS;
  if (connectionsRaw !== undefined && connectionsRaw !== '') {
    maxConnections = /^\d{1,5}$/.test(connectionsRaw) ? Number(connectionsRaw) : NaN;
    if (!(maxConnections >= 1 && maxConnections <= 10_000)) {
      throw new Error(`${connectionsName} must be a whole number from 1 to 10000, got ${JSON.stringify(connectionsRaw)}`);
    }
  }

  return {
    port: portFrom(env, `${ENV_PREFIX}_PORT`, DEFAULT_PORT),
    adminPort: portFrom(env, `${ENV_PREFIX}_ADMIN_PORT`, DEFAULT_ADMIN_PORT),
    host: env[`${ENV_PREFIX}_HOST`] || '127.0.0.1',
    dataDir,
    pgliteDir: databaseUrl === undefined ? join(dataDir, PGLITE_FOLDER) : undefined,
    databaseUrl,
    schemaPrefix,
    maxConnections,
    faults: faultsFromEnv(ENV_PREFIX, env),
  };
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port <= 65535)) throw new Error(`${name} must be a port number from 0 to 65535, got ${JSON.stringify(raw)}`);
  return port;
}
