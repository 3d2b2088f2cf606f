import { loadConfig } from './config.js';

describe('loadConfig', () => {
  test('has defaults for a local run', () => {
    expect(loadConfig({})).toEqual({
      port: 4205,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: 'data/crosscanal',
      dbSchema: 'crosscanal',
      sources: {
        ecommerceUrl: 'http://127.0.0.1:4101',
        loyaltyUrl: 'http://127.0.0.1:4102/LoyaltyService',
        catalogueUrl: 'http://127.0.0.1:4104',
        posUrl: 'postgres://postgres@127.0.0.1:4103/postgres',
        posSchemaPrefix: '',
        timeoutMs: 30_000,
        posOverlapMs: 86_400_000,
      },
      syncIntervalMs: 300_000,
      initialSync: 'incremental',
      misses: { days: 90, max: 10_000 },
      webPointsFrom: undefined,
      attributionWindowDays: 14,
    });
  });

  test('reads every variable', () => {
    const config = loadConfig({
      CROSSCANAL_PORT: '0',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      CROSSCANAL_DATA_DIR: '/var/lib/crosscanal',
      CROSSCANAL_DB_SCHEMA: 'xwalk',
      LEGACY_POS_SCHEMA_PREFIX: 'ci_',
      CROSSCANAL_SYNC_INTERVAL_MS: '0',
      CROSSCANAL_INITIAL_SYNC: 'full',
      CROSSCANAL_WEB_POINTS_FROM: '2026-01-01T00:00:00Z',
      CROSSCANAL_ATTRIBUTION_WINDOW_DAYS: '30',
    });
    expect(config).toMatchObject({ webPointsFrom: '2026-01-01T00:00:00Z', attributionWindowDays: 30, port: 0, databaseUrl: 'postgres://postgres@127.0.0.1:5432/test', dataDir: '/var/lib/crosscanal', dbSchema: 'xwalk', syncIntervalMs: 0, initialSync: 'full' });
    expect(config.sources.posSchemaPrefix).toBe('ci_');
  });

  test.each([
    [{ CROSSCANAL_PORT: '70000' }, 'CROSSCANAL_PORT must be a whole number from 0 to 65535, got "70000"'],
    [{ CROSSCANAL_SYNC_INTERVAL_MS: '-5' }, 'CROSSCANAL_SYNC_INTERVAL_MS must be a whole number from 0 to 604800000, got "-5"'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a postgres: or postgresql: URL, got one starting "mysql:"'],
    [{ LEGACY_LOYALTY_URL: 'not a url' }, 'LEGACY_LOYALTY_URL must be a URL (http: or https://…), got "not a url"'],
    [{ CROSSCANAL_INITIAL_SYNC: 'sometimes' }, 'CROSSCANAL_INITIAL_SYNC must be none, incremental or full, got "sometimes"'],
    [{ CROSSCANAL_MISS_RETENTION_DAYS: '0' }, 'CROSSCANAL_MISS_RETENTION_DAYS must be a whole number from 1 to 3650, got "0"'],
    [{ CROSSCANAL_MAX_MISSES: 'lots' }, 'CROSSCANAL_MAX_MISSES must be a whole number from 0 to 10000000, got "lots"'],
    [{ CROSSCANAL_WEB_POINTS_FROM: '2026-01-01' }, 'CROSSCANAL_WEB_POINTS_FROM must be an ISO 8601 instant with its zone (2026-01-01T00:00:00Z), got "2026-01-01"'],
    [{ CROSSCANAL_ATTRIBUTION_WINDOW_DAYS: '0' }, 'CROSSCANAL_ATTRIBUTION_WINDOW_DAYS must be a whole number from 1 to 90, got "0"'],
    [{ CROSSCANAL_DB_SCHEMA: 'Cross-Canal' }, 'CROSSCANAL_DB_SCHEMA must be a lower-case SQL identifier, got "Cross-Canal"'],
  ])('fails fast on %j, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
