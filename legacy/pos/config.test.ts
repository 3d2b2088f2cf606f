import { configFromEnv } from './config.js';

test('defaults: SQL on 4103, admin on 4113, PGlite kept in the estate folder, no faults', () => {
  expect(configFromEnv({})).toEqual({
    port: 4103,
    adminPort: 4113,
    host: '127.0.0.1',
    dataDir: 'data/demo',
    pgliteDir: 'data/demo/pos-pglite',
    databaseUrl: undefined,
    schemaPrefix: '',
    maxConnections: 100,
    faults: { latencyMs: 0, jitterMs: 0, errorRate: 0, down: false },
  });
});

test('reads every variable; a PostgreSQL URL replaces PGlite', () => {
  expect(
    configFromEnv({
      LEGACY_POS_PORT: '0',
      LEGACY_POS_ADMIN_PORT: '0',
      LEGACY_POS_HOST: '0.0.0.0',
      LEGACY_DATA_DIR: 'data/bench',
      POS_DATABASE_URL: 'postgres://pos@db.internal:5432/pos',
      LEGACY_POS_SCHEMA_PREFIX: 'demo_',
      LEGACY_POS_MAX_CONNECTIONS: '20',
      LEGACY_POS_LATENCY_MS: '15',
      LEGACY_POS_ERROR_RATE: '0.1',
    }),
  ).toEqual({
    port: 0,
    adminPort: 0,
    host: '0.0.0.0',
    dataDir: 'data/bench',
    pgliteDir: undefined,
    databaseUrl: 'postgres://pos@db.internal:5432/pos',
    schemaPrefix: 'demo_',
    maxConnections: 20,
    faults: { latencyMs: 15, jitterMs: 0, errorRate: 0.1, down: false },
  });
});

test.each([
  ['LEGACY_POS_PORT', '70000', 'LEGACY_POS_PORT must be a port number from 0 to 65535, got "70000"'],
  ['LEGACY_POS_ADMIN_PORT', 'admin', 'LEGACY_POS_ADMIN_PORT must be a port number from 0 to 65535, got "admin"'],
  ['POS_DATABASE_URL', 'mysql://db/pos', 'POS_DATABASE_URL must be a postgres:// or postgresql:// URL, got one starting "mysql:"'],
  ['POS_DATABASE_URL', 'db.internal:5432', 'POS_DATABASE_URL must be a postgres:// or postgresql:// URL, got one starting "db.internal:"'],
  ['POS_DATABASE_URL', 'pos database', 'POS_DATABASE_URL must be a postgres:// or postgresql:// URL, and is not a URL'],
  ['LEGACY_POS_SCHEMA_PREFIX', 'Demo-', 'LEGACY_POS_SCHEMA_PREFIX must be a lower-case SQL identifier of at most 40 characters ([a-z_][a-z0-9_]*), got "Demo-"'],
  ['LEGACY_POS_MAX_CONNECTIONS', '0', 'LEGACY_POS_MAX_CONNECTIONS must be a whole number from 1 to 10000, got "0"'],
  ['LEGACY_POS_DOWN', 'maybe', 'LEGACY_POS_DOWN must be true, false, 1 or 0, got "maybe"'],
])('names %s when it is %s', (name, value, message) => {
  expect(() => configFromEnv({ [name]: value })).toThrow(message);
});

test('never repeats a database URL in an error: it may hold a password', () => {
  expect(() => configFromEnv({ POS_DATABASE_URL: 'mysql://pos:s3cret@db/pos' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
});
