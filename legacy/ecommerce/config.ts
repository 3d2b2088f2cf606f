import { join } from 'node:path';
import { faultsFromEnv, type FaultConfig } from '../shared/faults.js';

export const ENV_PREFIX = 'LEGACY_ECOMMERCE';
export const DEFAULT_PORT = 4101;
export const DEFAULT_DATA_DIR = 'data/demo';
/** The platform's folder inside the estate folder: its generated records, and the journal of its writes. */
export const ECOMMERCE_FOLDER = 'ecommerce';

export interface EcommerceConfig {
  port: number;
  host: string;
  /** Folder the estate was generated into. */
  dataDir: string;
  /** Where acknowledged writes are kept: `<dataDir>/ecommerce` (its `writes.jsonl`). */
  journalDir: string;
  rateLimitPerSecond: number | undefined;
  faults: FaultConfig;
}

/**
 * Reads the process configuration once: `LEGACY_ECOMMERCE_PORT` (default 4101),
 * `LEGACY_ECOMMERCE_HOST` (default 127.0.0.1), `LEGACY_ECOMMERCE_RATE_LIMIT` (requests per
 * second, default unlimited), `LEGACY_DATA_DIR` (default `data/demo`) and the fault variables
 * `LEGACY_ECOMMERCE_LATENCY_MS`, `_JITTER_MS`, `_ERROR_RATE`, `_DOWN`. A malformed value
 * throws, naming the variable. Acknowledged writes are kept in
 * `<LEGACY_DATA_DIR>/ecommerce/writes.jsonl`.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EcommerceConfig {
  const portName = `${ENV_PREFIX}_PORT`;
  const portRaw = env[portName];
  let port = DEFAULT_PORT;
  if (portRaw !== undefined && portRaw !== '') {
    port = /^\d{1,5}$/.test(portRaw) ? Number(portRaw) : NaN;
    if (!(port <= 65535)) throw new Error(`${portName} must be a port number from 0 to 65535, got ${JSON.stringify(portRaw)}`);
  }

  const rateName = `${ENV_PREFIX}_RATE_LIMIT`;
  const rateRaw = env[rateName];
  let rateLimitPerSecond: number | undefined;
  if (rateRaw !== undefined && rateRaw !== '') {
    rateLimitPerSecond = Number(rateRaw);
    if (!Number.isFinite(rateLimitPerSecond) || rateLimitPerSecond <= 0) {
      throw new Error(`${rateName} must be a positive number of requests per second, got ${JSON.stringify(rateRaw)}`);
    }
  }

  const dataDir = env.LEGACY_DATA_DIR || DEFAULT_DATA_DIR;
  return {
    port,
    host: env[`${ENV_PREFIX}_HOST`] || '127.0.0.1',
    dataDir,
    journalDir: join(dataDir, ECOMMERCE_FOLDER),
    rateLimitPerSecond,
    faults: faultsFromEnv(ENV_PREFIX, env),
  };
}
