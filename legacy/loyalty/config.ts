import { join } from 'node:path';
import { faultsFromEnv, type FaultConfig } from '../shared/faults.js';

export const ENV_PREFIX = 'LEGACY_LOYALTY';
export const DEFAULT_PORT = 4102;
export const DEFAULT_DATA_DIR = 'data/demo';
/** The service's folder inside the estate folder: its generated records, and the journal of its writes. */
export const LOYALTY_FOLDER = 'loyalty';

export interface LoyaltyConfig {
  port: number;
  host: string;
  /** Folder the estate was generated into. */
  dataDir: string;
  /** Where acknowledged writes are kept: `<dataDir>/loyalty` (its `writes.jsonl`). */
  journalDir: string;
  faults: FaultConfig;
}

/**
 * Reads the process configuration once: `LEGACY_LOYALTY_PORT` (default 4102, 0 for any free
 * port), `LEGACY_LOYALTY_HOST` (default 127.0.0.1), `LEGACY_DATA_DIR` (default `data/demo`)
 * and the fault variables `LEGACY_LOYALTY_LATENCY_MS`, `_JITTER_MS`, `_ERROR_RATE`, `_DOWN`.
 * Acknowledged writes are kept in `<LEGACY_DATA_DIR>/loyalty/writes.jsonl`.
 * A malformed value throws, naming the variable.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LoyaltyConfig {
  const portName = `${ENV_PREFIX}_PORT`;
  const portRaw = env[portName];
  let port = DEFAULT_PORT;
  if (portRaw !== undefined && portRaw !== '') {
    port = /^\d{1,5}$/.test(portRaw) ? Number(portRaw) : NaN;
    if (!(port <= 65535)) throw new Error(`${portName} must be a port number from 0 to 65535, got ${JSON.stringify(portRaw)}`);
  }
  const dataDir = env.LEGACY_DATA_DIR || DEFAULT_DATA_DIR;
  return {
    port,
    host: env[`${ENV_PREFIX}_HOST`] || '127.0.0.1',
    dataDir,
    journalDir: join(dataDir, LOYALTY_FOLDER),
    faults: faultsFromEnv(ENV_PREFIX, env),
  };
}
