import { internalSecretFromEnv } from '../shared/principal.js';
/** Where the POS subgraph listens and which POS database it reads, from the environment. */
export interface PosSubgraphConfig {
  /** `CROSSCANAL_INTERNAL_SECRET`: shared with the gateway, which signs each request's principal with it. */
  internalSecret: string;
  port: number;
  host: string;
  /** The POS database, `postgres://…`. */
  legacyUrl: string;
  /** Put in front of the POS schema names (`<prefix>pos_directory`). */
  schemaPrefix: string;
  /** Per statement, in milliseconds. */
  timeoutMs: number;
  /** Connections to the POS database at most. */
  poolSize: number;
  /** Shared cache for replicas; in-process memory when unset. */
  redisUrl: string | undefined;
}

export const DEFAULT_PORT = 4203;
export const DEFAULT_LEGACY_URL = 'postgres://postgres@127.0.0.1:4103/postgres';

/**
 * Reads the configuration once: `SUBGRAPH_POS_PORT` (default 4203, 0 for any free port),
 * `SUBGRAPH_POS_HOST` (default 127.0.0.1), `LEGACY_POS_URL` (default
 * postgres://postgres@127.0.0.1:4103/postgres), `LEGACY_POS_SCHEMA_PREFIX` (default none),
 * `SUBGRAPH_POS_TIMEOUT_MS` (default 3000), `SUBGRAPH_POS_POOL_SIZE` (default 10) and
 * `REDIS_URL` (optional). A malformed value throws, naming the variable.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): PosSubgraphConfig {
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!(value >= min && value <= max)) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return value;
  };
  const legacyUrl = env.LEGACY_POS_URL || DEFAULT_LEGACY_URL;
  let protocol: string;
  try {
    protocol = new URL(legacyUrl).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new Error(`LEGACY_POS_URL must be a postgres:// URL, got ${JSON.stringify(legacyUrl)}`);
  }
  const schemaPrefix = env.LEGACY_POS_SCHEMA_PREFIX ?? '';
  if (!/^([a-z_][a-z0-9_]*)?$/.test(schemaPrefix)) {
    throw new Error(`LEGACY_POS_SCHEMA_PREFIX must be lower-case letters, digits and underscores, got ${JSON.stringify(schemaPrefix)}`);
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new Error(`REDIS_URL must be a redis:// URL, got ${JSON.stringify(redisUrl)}`);
  return {
    internalSecret: internalSecretFromEnv(env),
    port: integer('SUBGRAPH_POS_PORT', DEFAULT_PORT, 0, 65535),
    host: env.SUBGRAPH_POS_HOST || '127.0.0.1',
    legacyUrl,
    schemaPrefix,
    timeoutMs: integer('SUBGRAPH_POS_TIMEOUT_MS', 3000, 1, 600_000),
    poolSize: integer('SUBGRAPH_POS_POOL_SIZE', 10, 1, 1000),
    redisUrl,
  };
}
