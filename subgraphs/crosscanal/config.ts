import { DEFAULT_MISS_RETENTION, type MissRetention } from './products/referenceSync.js';

/** The crosswalk's configuration, read from the environment once and checked. */
export interface CrosscanalConfig {
  /** CROSSCANAL_PORT, default 4205; 0 picks a free port. */
  port: number;
  /** CROSSCANAL_HOST, default 127.0.0.1. */
  host: string;
  /** DATABASE_URL: a real PostgreSQL; unset, PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  /** CROSSCANAL_DATA_DIR, default data/crosscanal: PGlite's folder when there is no DATABASE_URL. */
  dataDir: string;
  /** CROSSCANAL_DB_SCHEMA, default crosscanal: the PostgreSQL schema the crosswalk lives in. */
  dbSchema: string;
  sources: {
    /** LEGACY_ECOMMERCE_URL, default http://127.0.0.1:4101. */
    ecommerceUrl: string;
    /** LEGACY_LOYALTY_URL, default http://127.0.0.1:4102/LoyaltyService. */
    loyaltyUrl: string;
    /** LEGACY_CATALOGUE_URL, default http://127.0.0.1:4104: product references. */
    catalogueUrl: string;
    /** LEGACY_POS_URL, default postgres://postgres@127.0.0.1:4103/postgres. */
    posUrl: string;
    /** LEGACY_POS_SCHEMA_PREFIX, default empty. */
    posSchemaPrefix: string;
    /** CROSSCANAL_SOURCE_TIMEOUT_MS, default 30000: per call while syncing. */
    timeoutMs: number;
    /** CROSSCANAL_POS_OVERLAP_MS, default one day: how far back an incremental POS read starts. */
    posOverlapMs: number;
  };
  /** CROSSCANAL_SYNC_INTERVAL_MS, default 300000: incremental sync period; 0 turns the schedule off. */
  syncIntervalMs: number;
  /** CROSSCANAL_INITIAL_SYNC, default incremental (a full read on an empty store): none, incremental or full. */
  initialSync: 'none' | 'incremental' | 'full';
  /**
   * References asked for that named nothing, kept for the data-quality report:
   * CROSSCANAL_MISS_RETENTION_DAYS (default 90) since last asked, CROSSCANAL_MAX_MISSES (default 10000) at most.
   */
  misses: MissRetention;
  /**
   * CROSSCANAL_WEB_POINTS_FROM, an ISO 8601 instant: web orders placed before never earn
   * loyalty points. Only read on the crosswalk's first run; default that run's instant.
   */
  webPointsFrom: string | undefined;
  /** CROSSCANAL_ATTRIBUTION_WINDOW_DAYS, default 14: a web order placed within this many days after a receipt is credited to that receipt's store and seller. */
  attributionWindowDays: number;
}

/** Reads and checks the environment; throws naming the variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CrosscanalConfig {
  const dbSchema = env.CROSSCANAL_DB_SCHEMA || 'crosscanal';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(dbSchema)) {
    throw new Error(`CROSSCANAL_DB_SCHEMA must be a lower-case SQL identifier, got ${JSON.stringify(dbSchema)}`);
  }
  const posSchemaPrefix = env.LEGACY_POS_SCHEMA_PREFIX ?? '';
  if (posSchemaPrefix !== '' && !/^[a-z_][a-z0-9_]*$/.test(posSchemaPrefix)) {
    throw new Error(`LEGACY_POS_SCHEMA_PREFIX must be a lower-case SQL identifier prefix, got ${JSON.stringify(posSchemaPrefix)}`);
  }
  const initialSync = env.CROSSCANAL_INITIAL_SYNC || 'incremental';
  if (initialSync !== 'none' && initialSync !== 'incremental' && initialSync !== 'full') {
    throw new Error(`CROSSCANAL_INITIAL_SYNC must be none, incremental or full, got ${JSON.stringify(initialSync)}`);
  }
  const webPointsFrom = env.CROSSCANAL_WEB_POINTS_FROM || undefined;
  if (webPointsFrom !== undefined && (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(webPointsFrom) || Number.isNaN(Date.parse(webPointsFrom)))) {
    throw new Error(`CROSSCANAL_WEB_POINTS_FROM must be an ISO 8601 instant with its zone (2026-01-01T00:00:00Z), got ${JSON.stringify(webPointsFrom)}`);
  }
  return {
    webPointsFrom,
    attributionWindowDays: integer(env, 'CROSSCANAL_ATTRIBUTION_WINDOW_DAYS', 14, 1, 90),
    port: integer(env, 'CROSSCANAL_PORT', 4205, 0, 65_535),
    host: env.CROSSCANAL_HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL ? url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], '') : undefined,
    dataDir: env.CROSSCANAL_DATA_DIR || 'data/crosscanal',
    dbSchema,
    sources: {
      ecommerceUrl: url(env, 'LEGACY_ECOMMERCE_URL', ['http:', 'https:'], 'http://127.0.0.1:4101'),
      loyaltyUrl: url(env, 'LEGACY_LOYALTY_URL', ['http:', 'https:'], 'http://127.0.0.1:4102/LoyaltyService'),
      catalogueUrl: url(env, 'LEGACY_CATALOGUE_URL', ['http:', 'https:'], 'http://127.0.0.1:4104'),
      posUrl: url(env, 'LEGACY_POS_URL', ['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:4103/postgres'),
      posSchemaPrefix,
      timeoutMs: integer(env, 'CROSSCANAL_SOURCE_TIMEOUT_MS', 30_000, 1, 3_600_000),
      posOverlapMs: integer(env, 'CROSSCANAL_POS_OVERLAP_MS', 86_400_000, 0, 31 * 86_400_000),
    },
    syncIntervalMs: integer(env, 'CROSSCANAL_SYNC_INTERVAL_MS', 300_000, 0, 7 * 86_400_000),
    initialSync,
    misses: {
      days: integer(env, 'CROSSCANAL_MISS_RETENTION_DAYS', DEFAULT_MISS_RETENTION.days, 1, 3650),
      max: integer(env, 'CROSSCANAL_MAX_MISSES', DEFAULT_MISS_RETENTION.max, 0, 10_000_000),
    },
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string, protocols: string[], fallback: string): string {
  const raw = env[name] || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name} must be a URL (${protocols.join(' or ')}//…), got ${JSON.stringify(raw)}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new Error(`${name} must be a ${protocols.join(' or ')} URL, got one starting ${JSON.stringify(parsed.protocol)}`);
  }
  return raw;
}
