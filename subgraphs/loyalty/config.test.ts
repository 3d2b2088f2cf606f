import { configFromEnv, DEFAULT_LEGACY_URL, DEFAULT_PORT } from './config.js';

const SECRET = 'a-secret-shared-by-gateway-and-subgraphs';

test('refuses to serve without the secret shared with the gateway, naming the variable', () => {
  expect(() => configFromEnv({})).toThrow(/CROSSCANAL_INTERNAL_SECRET must be set/);
});

describe('configFromEnv', () => {
  test('defaults to port 4202, the local stand-in, no Redis and the source timeout', () => {
    expect(configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET })).toEqual({ internalSecret: SECRET, port: DEFAULT_PORT, host: '127.0.0.1', legacyUrl: DEFAULT_LEGACY_URL, redisUrl: undefined, timeoutMs: undefined });
    expect(DEFAULT_PORT).toBe(4202);
    expect(DEFAULT_LEGACY_URL).toBe('http://127.0.0.1:4102/LoyaltyService');
  });

  test('reads every variable', () => {
    expect(
      configFromEnv({
        CROSSCANAL_INTERNAL_SECRET: SECRET,
        SUBGRAPH_LOYALTY_PORT: '0',
        SUBGRAPH_LOYALTY_HOST: '0.0.0.0',
        LEGACY_LOYALTY_URL: 'https://loyalty.internal/LoyaltyService',
        REDIS_URL: 'redis://cache:6379',
        SUBGRAPH_LOYALTY_TIMEOUT_MS: '1500',
      }),
    ).toEqual({ internalSecret: SECRET, port: 0, host: '0.0.0.0', legacyUrl: 'https://loyalty.internal/LoyaltyService', redisUrl: 'redis://cache:6379', timeoutMs: 1500 });
  });

  test.each([
    ['SUBGRAPH_LOYALTY_PORT', '70000', /SUBGRAPH_LOYALTY_PORT must be a port number from 0 to 65535, got "70000"/],
    ['SUBGRAPH_LOYALTY_PORT', 'http', /SUBGRAPH_LOYALTY_PORT must be a port number/],
    ['LEGACY_LOYALTY_URL', 'ftp://x/LoyaltyService', /LEGACY_LOYALTY_URL must be an http\(s\) URL of the SOAP endpoint, got "ftp:\/\/x\/LoyaltyService"/],
    ['LEGACY_LOYALTY_URL', 'loyalty:4102', /LEGACY_LOYALTY_URL must be an http\(s\) URL/],
    ['REDIS_URL', 'localhost:6379', /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/],
    ['SUBGRAPH_LOYALTY_TIMEOUT_MS', '0', /SUBGRAPH_LOYALTY_TIMEOUT_MS must be a whole number of milliseconds/],
    ['SUBGRAPH_LOYALTY_TIMEOUT_MS', '2s', /SUBGRAPH_LOYALTY_TIMEOUT_MS must be a whole number of milliseconds .*got "2s"/],
  ])('refuses %s=%s, naming the variable', (name, value, message) => {
    expect(() => configFromEnv({ CROSSCANAL_INTERNAL_SECRET: SECRET, [name]: value })).toThrow(message);
  });
});
