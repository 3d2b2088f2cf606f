import { faultsFromEnv, type FaultConfig } from '../shared/faults.js';

export const ENV_PREFIX = 'LEGACY_CATALOGUE';
export const DEFAULT_PORT = 4104;
export const DEFAULT_DATA_DIR = 'data/demo';

export interface CatalogueConfig {
  port: number;
  host: string;
  /** Folder the estate was generated into. */
  dataDir: string;
  /** Signs paging cursors; undefined: a random key per process. */
  cursorSecret: string | undefined;
  faults: FaultConfig;
}

/**
 * Reads the process configuration once: `LEGACY_CATALOGUE_PORT` (default 4104, 0 for any
 * free port), `LEGACY_CATALOGUE_HOST` (default 127.0.0.1), `LEGACY_CATALOGUE_CURSOR_SECRET`
 * (set it for cursors that outlive a restart), `LEGACY_DATA_DIR` (default `data/demo`) and the
 * fault variables `LEGACY_CATALOGUE_LATENCY_MS`, `_JITTER_MS`, `_ERROR_RATE`, `_DOWN`.
 * A malformed value throws, naming the variable.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): CatalogueConfig {
  const portName = `${ENV_PREFIX}_PORT`;
  const portRaw = env[portName];
  let port = DEFAULT_PORT;
  if (portRaw !== undefined && portRaw !== '') {
    port = /^\d{1,5}$/.test(portRaw) ? Number(portRaw) : NaN;
    if (!(port <= 65535)) throw new Error(`${portName} must be a port number from 0 to 65535, got ${JSON.stringify(portRaw)}`);
  }
  return {
    port,
    host: env[`${ENV_PREFIX}_HOST`] || '127.0.0.1',
    dataDir: env.LEGACY_DATA_DIR || DEFAULT_DATA_DIR,
    cursorSecret: env[`${ENV_PREFIX}_CURSOR_SECRET`] || undefined,
    faults: faultsFromEnv(ENV_PREFIX, env),
  };
}
