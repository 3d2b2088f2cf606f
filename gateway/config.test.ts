import { gatewayConfigFromEnv } from './config.js';

/** What every gateway needs: the secret shared with the subgraphs, and an issuer to trust. */
const BASE = {
  CROSSCANAL_INTERNAL_SECRET: 'a-secret-shared-by-gateway-and-subgraphs',
  GATEWAY_JWT_ISSUER: 'https://id.example',
  GATEWAY_JWKS_URL: 'https://id.example/.well-known/jwks.json',
};

describe('gateway configuration', () => {
  it('defaults to port 4000, the checked-in supergraph, the local subgraph URLs and the safe settings', () => {
    const config = gatewayConfigFromEnv(BASE);
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      supergraphPath: 'schema/supergraph.graphql',
      subgraphTimeoutMs: 5000,
      development: false,
      introspection: false,
      corsOrigins: [],
      vendorTelemetry: false,
      dedupeFetches: true,
      issuers: [{ issuer: 'https://id.example', audience: 'crosscanal', jwksUrl: 'https://id.example/.well-known/jwks.json' }],
    });
    expect(config.devIssuerDir).toBeUndefined();
    expect(config.responseCache).toBeUndefined();
    expect(config.subgraphUrls).toEqual({
      catalogue: 'http://127.0.0.1:4204/',
      crosscanal: 'http://127.0.0.1:4205/',
      ecommerce: 'http://127.0.0.1:4201/',
      loyalty: 'http://127.0.0.1:4202/',
      pos: 'http://127.0.0.1:4203/',
    });
  });

  it('routes a subgraph elsewhere from SUBGRAPH_<NAME>_URL, and allows port 0', () => {
    const config = gatewayConfigFromEnv({ ...BASE, SUBGRAPH_POS_URL: 'http://pos.internal:8080/graphql', GATEWAY_PORT: '0' });
    expect(config.subgraphUrls.pos).toBe('http://pos.internal:8080/graphql');
    expect(config.port).toBe(0);
  });

  it('takes an inline key set, the allowed origins, the limits and the switches', () => {
    const config = gatewayConfigFromEnv({
      ...BASE,
      GATEWAY_JWKS_URL: '',
      GATEWAY_JWKS: '{"keys":[{"kty":"OKP","crv":"Ed25519","x":"abc"}]}',
      GATEWAY_JWT_AUDIENCE: 'graph',
      GATEWAY_CORS_ORIGINS: 'https://shop.example, https://app.example',
      GATEWAY_MAX_DEPTH: '6',
      GATEWAY_INTROSPECTION: 'on',
      GATEWAY_VENDOR_TELEMETRY: 'on',
      GATEWAY_RATE_LIMIT_PER_MINUTE: '0',
    });
    expect(config.issuers).toEqual([{ issuer: 'https://id.example', audience: 'graph', jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] } }]);
    expect(config.corsOrigins).toEqual(['https://shop.example', 'https://app.example']);
    expect(config.limits.maxDepth).toBe(6);
    expect(config).toMatchObject({ introspection: true, vendorTelemetry: true, rateLimitPerMinute: 0 });
  });

  it('turns introspection on by default in development, and takes the development issuer there', () => {
    const config = gatewayConfigFromEnv({ CROSSCANAL_INTERNAL_SECRET: BASE.CROSSCANAL_INTERNAL_SECRET, NODE_ENV: 'development', GATEWAY_DEV_ISSUER_DIR: 'data/dev-issuer' });
    expect(config).toMatchObject({ development: true, introspection: true, devIssuerDir: 'data/dev-issuer', issuers: [] });
  });

  it.each([
    [{ GATEWAY_PORT: '70000' }, /GATEWAY_PORT must be an integer from 0 to 65535, got "70000"/],
    [{ GATEWAY_PORT: '4000abc' }, /GATEWAY_PORT/],
    [{ GATEWAY_SUBGRAPH_TIMEOUT_MS: '0' }, /GATEWAY_SUBGRAPH_TIMEOUT_MS/],
    [{ SUBGRAPH_LOYALTY_URL: 'loyalty:4202' }, /SUBGRAPH_LOYALTY_URL must be an http\(s\) URL, got "loyalty:4202"/],
    [{ CROSSCANAL_INTERNAL_SECRET: 'short' }, /CROSSCANAL_INTERNAL_SECRET must be set to the same secret of at least 32 characters .*got 5 characters/],
    [{ GATEWAY_JWT_ISSUER: '' }, /GATEWAY_JWKS_URL and GATEWAY_JWKS need GATEWAY_JWT_ISSUER/],
    [{ GATEWAY_JWKS: '{"keys":[]}' }, /set exactly one of GATEWAY_JWKS_URL and GATEWAY_JWKS/],
    [{ GATEWAY_JWKS_URL: 'http://id.example/jwks' }, /GATEWAY_JWKS_URL must be https/],
    [{ NODE_ENV: 'production', GATEWAY_DEV_ISSUER_DIR: 'data/dev-issuer' }, /GATEWAY_DEV_ISSUER_DIR is for development/],
    [{ GATEWAY_CORS_ORIGINS: '*' }, /GATEWAY_CORS_ORIGINS must list origins/],
    [{ GATEWAY_INTROSPECTION: 'maybe' }, /GATEWAY_INTROSPECTION must be on or off/],
    [{ GATEWAY_SAFELISTS_BY_CLIENT: '["x"]' }, /GATEWAY_SAFELISTS_BY_CLIENT must be a JSON object/],
    [{ GATEWAY_MAX_COST: '-1' }, /GATEWAY_MAX_COST/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => gatewayConfigFromEnv({ ...BASE, ...env })).toThrow(message);
  });

  it('keeps answers when the response cache is on, for the time and number asked, and refuses nonsense', () => {
    expect(gatewayConfigFromEnv({ ...BASE, GATEWAY_RESPONSE_CACHE: 'on' }).responseCache).toEqual({ ttlMs: 5000, maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });
    expect(gatewayConfigFromEnv({ ...BASE, GATEWAY_RESPONSE_CACHE: 'on', GATEWAY_RESPONSE_CACHE_TTL_MS: '250', GATEWAY_RESPONSE_CACHE_MAX_ENTRIES: '50', GATEWAY_RESPONSE_CACHE_MAX_BYTES: '4096' }).responseCache).toEqual({ ttlMs: 250, maxEntries: 50, maxBytes: 4096 });
    expect(() => gatewayConfigFromEnv({ ...BASE, GATEWAY_RESPONSE_CACHE: 'on', GATEWAY_RESPONSE_CACHE_MAX_BYTES: '10' })).toThrow(/GATEWAY_RESPONSE_CACHE_MAX_BYTES must be an integer/);
    expect(gatewayConfigFromEnv({ ...BASE, GATEWAY_DEDUPE_FETCHES: 'off' }).dedupeFetches).toBe(false);
    expect(gatewayConfigFromEnv({ ...BASE, GATEWAY_BATCH_ENTITY_FETCHES: 'off' }).batchEntityFetches).toBe(false);
    expect(gatewayConfigFromEnv({ ...BASE, GATEWAY_BATCH_QUERY_FETCHES: 'off' }).batchQueryFetches).toBe(false);
    expect(gatewayConfigFromEnv({ ...BASE, GATEWAY_COALESCE_REQUESTS: 'off' }).coalesceRequests).toBe(false);
    expect(gatewayConfigFromEnv({ ...BASE, GATEWAY_KEEP_OPERATIONS: 'off' }).keepOperations).toBe(false);
    expect(gatewayConfigFromEnv(BASE).keepOperations).toBe(true);
    expect(gatewayConfigFromEnv({ ...BASE, GATEWAY_COMPILE_SHAPING: 'off' }).compileShaping).toBe(false);
    expect(gatewayConfigFromEnv(BASE).compileShaping).toBe(true);
    expect(() => gatewayConfigFromEnv({ ...BASE, GATEWAY_RESPONSE_CACHE: 'sometimes' })).toThrow(/GATEWAY_RESPONSE_CACHE must be on or off/);
    expect(() => gatewayConfigFromEnv({ ...BASE, GATEWAY_RESPONSE_CACHE: 'on', GATEWAY_RESPONSE_CACHE_TTL_MS: '-1' })).toThrow(/GATEWAY_RESPONSE_CACHE_TTL_MS must be an integer/);
  });

  it('refuses to start trusting no issuer at all', () => {
    expect(() => gatewayConfigFromEnv({ CROSSCANAL_INTERNAL_SECRET: BASE.CROSSCANAL_INTERNAL_SECRET })).toThrow(/the gateway trusts no token issuer/);
  });
});
