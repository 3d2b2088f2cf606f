import { loadConfig } from './config.js';

const SECRET = 'a-secret-shared-by-gateway-and-subgraphs';

test('refuses to serve without the secret shared with the gateway, naming the variable', () => {
  expect(() => loadConfig({})).toThrow(/CROSSCANAL_INTERNAL_SECRET must be set/);
});

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({ CROSSCANAL_INTERNAL_SECRET: SECRET })).toEqual({
      internalSecret: SECRET,
      port: 4201,
      host: '127.0.0.1',
      legacyUrl: 'http://127.0.0.1:4101',
      redisUrl: undefined,
      timeoutMs: undefined,
      shopCurrency: 'EUR',
      development: false,
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        CROSSCANAL_INTERNAL_SECRET: SECRET,
        SUBGRAPH_ECOMMERCE_PORT: '0',
        SUBGRAPH_ECOMMERCE_HOST: '0.0.0.0',
        LEGACY_ECOMMERCE_URL: 'https://shop.internal:8443',
        REDIS_URL: 'redis://cache:6379',
        SUBGRAPH_ECOMMERCE_TIMEOUT_MS: '1500',
        SUBGRAPH_ECOMMERCE_CURRENCY: 'CHF',
        NODE_ENV: 'development',
      }),
    ).toEqual({
      internalSecret: SECRET,
      port: 0,
      host: '0.0.0.0',
      legacyUrl: 'https://shop.internal:8443',
      redisUrl: 'redis://cache:6379',
      timeoutMs: 1500,
      shopCurrency: 'CHF',
      development: true,
    });
  });

  it.each([
    ['SUBGRAPH_ECOMMERCE_PORT', '65536', /^SUBGRAPH_ECOMMERCE_PORT must be a port number from 0 to 65535, got "65536"$/],
    ['SUBGRAPH_ECOMMERCE_PORT', 'http', /^SUBGRAPH_ECOMMERCE_PORT .*"http"$/],
    ['LEGACY_ECOMMERCE_URL', '127.0.0.1:4101', /^LEGACY_ECOMMERCE_URL must be an http\(s\) URL/],
    ['LEGACY_ECOMMERCE_URL', 'ftp://shop', /^LEGACY_ECOMMERCE_URL .*"ftp:\/\/shop"$/],
    ['REDIS_URL', 'localhost:6379', /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/],
    ['SUBGRAPH_ECOMMERCE_TIMEOUT_MS', '0', /^SUBGRAPH_ECOMMERCE_TIMEOUT_MS .*"0"$/],
    ['SUBGRAPH_ECOMMERCE_TIMEOUT_MS', '2.5', /^SUBGRAPH_ECOMMERCE_TIMEOUT_MS .*"2.5"$/],
    ['SUBGRAPH_ECOMMERCE_CURRENCY', 'eur', /^SUBGRAPH_ECOMMERCE_CURRENCY must be an ISO 4217 code/],
  ])('refuses %s=%j, naming the variable', (name, value, message) => {
    expect(() => loadConfig({ CROSSCANAL_INTERNAL_SECRET: SECRET, [name]: value })).toThrow(message);
  });
});
