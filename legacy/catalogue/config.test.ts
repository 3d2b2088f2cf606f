import { configFromEnv, DEFAULT_DATA_DIR, DEFAULT_PORT } from './config.js';

test('defaults: port 4104 on localhost, demo data, no faults, random cursor key', () => {
  expect(configFromEnv({})).toEqual({
    port: DEFAULT_PORT,
    host: '127.0.0.1',
    dataDir: DEFAULT_DATA_DIR,
    cursorSecret: undefined,
    faults: { latencyMs: 0, jitterMs: 0, errorRate: 0, down: false },
  });
  expect(DEFAULT_PORT).toBe(4104);
});

test('reads every LEGACY_CATALOGUE_* variable and LEGACY_DATA_DIR', () => {
  expect(
    configFromEnv({
      LEGACY_CATALOGUE_PORT: '0',
      LEGACY_CATALOGUE_HOST: '0.0.0.0',
      LEGACY_CATALOGUE_CURSOR_SECRET: 's3cret',
      LEGACY_CATALOGUE_LATENCY_MS: '20',
      LEGACY_CATALOGUE_DOWN: '1',
      LEGACY_DATA_DIR: 'data/bench',
    }),
  ).toEqual({
    port: 0,
    host: '0.0.0.0',
    dataDir: 'data/bench',
    cursorSecret: 's3cret',
    faults: { latencyMs: 20, jitterMs: 0, errorRate: 0, down: true },
  });
});

test.each([
  ['LEGACY_CATALOGUE_PORT', '70000', /LEGACY_CATALOGUE_PORT must be a port number from 0 to 65535, got "70000"/],
  ['LEGACY_CATALOGUE_PORT', 'http', /got "http"/],
  ['LEGACY_CATALOGUE_ERROR_RATE', '1.5', /LEGACY_CATALOGUE_ERROR_RATE must be a number from 0 to 1/],
])('names the variable when %s=%s is malformed', (name, value, message) => {
  expect(() => configFromEnv({ [name]: value })).toThrow(message);
});
