import { configFromEnv, DEFAULT_PIM_URL, DEFAULT_PORT } from './config.js';

const SECRET = 'a-secret-shared-by-gateway-and-subgraphs';

test('refuses to serve without the secret shared with the gateway, naming the variable', () => {
  expect(() => configFromEnv({})).toThrow(/CROSSCANAL_INTERNAL_SECRET must be set/);
});

test('defaults: port 4204, the PIM stand-in at 4104, no Redis, the source\'s own timeout', () => {
  expect(configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET })).toEqual({ internalSecret: SECRET, port: DEFAULT_PORT, host: '127.0.0.1', pimUrl: DEFAULT_PIM_URL, redisUrl: undefined, timeoutMs: undefined });
  expect(DEFAULT_PORT).toBe(4204);
});

test('reads every variable', () => {
  expect(
    configFromEnv({
      CROSSCANAL_INTERNAL_SECRET: SECRET,
      SUBGRAPH_CATALOGUE_PORT: '0',
      SUBGRAPH_CATALOGUE_HOST: '0.0.0.0',
      LEGACY_CATALOGUE_URL: 'http://pim.internal:8080',
      REDIS_URL: 'redis://cache:6379',
      SUBGRAPH_CATALOGUE_TIMEOUT_MS: '1500',
    }),
  ).toEqual({ internalSecret: SECRET, port: 0, host: '0.0.0.0', pimUrl: 'http://pim.internal:8080', redisUrl: 'redis://cache:6379', timeoutMs: 1500 });
});

test('a malformed value fails fast, naming the variable and the value', () => {
  expect(() => configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET, SUBGRAPH_CATALOGUE_PORT: '70000' })).toThrow('SUBGRAPH_CATALOGUE_PORT must be an integer from 0 to 65535, got "70000"');
  expect(() => configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET, SUBGRAPH_CATALOGUE_TIMEOUT_MS: '0' })).toThrow('SUBGRAPH_CATALOGUE_TIMEOUT_MS must be an integer from 1 to 600000, got "0"');
  expect(() => configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET, LEGACY_CATALOGUE_URL: 'pim:4104' })).toThrow('LEGACY_CATALOGUE_URL must be a http: or https: URL, got "pim:4104"');
  expect(() => configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET, LEGACY_CATALOGUE_URL: 'not a url' })).toThrow('LEGACY_CATALOGUE_URL must be a URL, got "not a url"');
  expect(() => configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET, REDIS_URL: 'http://cache' })).toThrow('REDIS_URL must be a redis: or rediss: URL');
});
