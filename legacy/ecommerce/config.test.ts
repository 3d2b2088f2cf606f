import { configFromEnv } from './config.js';

test('defaults: port 4101, localhost, unlimited, no faults, demo data', () => {
  expect(configFromEnv({})).toEqual({
    port: 4101,
    host: '127.0.0.1',
    dataDir: 'data/demo',
    journalDir: 'data/demo/ecommerce',
    rateLimitPerSecond: undefined,
    faults: { latencyMs: 0, jitterMs: 0, errorRate: 0, down: false },
  });
});

test('reads every variable', () => {
  expect(
    configFromEnv({
      LEGACY_ECOMMERCE_PORT: '0',
      LEGACY_ECOMMERCE_HOST: '0.0.0.0',
      LEGACY_ECOMMERCE_RATE_LIMIT: '20',
      LEGACY_ECOMMERCE_LATENCY_MS: '15',
      LEGACY_ECOMMERCE_ERROR_RATE: '0.1',
      LEGACY_DATA_DIR: 'data/bench',
    }),
  ).toEqual({
    port: 0,
    host: '0.0.0.0',
    dataDir: 'data/bench',
    journalDir: 'data/bench/ecommerce',
    rateLimitPerSecond: 20,
    faults: { latencyMs: 15, jitterMs: 0, errorRate: 0.1, down: false },
  });
});

test.each([
  ['LEGACY_ECOMMERCE_PORT', '70000', 'LEGACY_ECOMMERCE_PORT must be a port number from 0 to 65535, got "70000"'],
  ['LEGACY_ECOMMERCE_PORT', 'http', 'LEGACY_ECOMMERCE_PORT must be a port number from 0 to 65535, got "http"'],
  ['LEGACY_ECOMMERCE_RATE_LIMIT', '0', 'LEGACY_ECOMMERCE_RATE_LIMIT must be a positive number of requests per second, got "0"'],
  ['LEGACY_ECOMMERCE_RATE_LIMIT', 'lots', 'LEGACY_ECOMMERCE_RATE_LIMIT must be a positive number of requests per second, got "lots"'],
  ['LEGACY_ECOMMERCE_DOWN', 'maybe', 'LEGACY_ECOMMERCE_DOWN must be true, false, 1 or 0, got "maybe"'],
])('names %s when it is %s', (name, value, message) => {
  expect(() => configFromEnv({ [name]: value })).toThrow(message);
});
