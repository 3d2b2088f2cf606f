import { gatewayConfigFromEnv } from './config.js';

describe('gateway configuration', () => {
  it('defaults to port 4000, the checked-in supergraph and the local subgraph URLs', () => {
    const config = gatewayConfigFromEnv({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', supergraphPath: 'schema/supergraph.graphql', subgraphTimeoutMs: 5000, development: false });
    expect(config.subgraphUrls).toEqual({
      catalogue: 'http://127.0.0.1:4204/',
      crosscanal: 'http://127.0.0.1:4205/',
      ecommerce: 'http://127.0.0.1:4201/',
      loyalty: 'http://127.0.0.1:4202/',
      pos: 'http://127.0.0.1:4203/',
    });
  });

  it('routes a subgraph elsewhere from SUBGRAPH_<NAME>_URL, and allows port 0', () => {
    const config = gatewayConfigFromEnv({ SUBGRAPH_POS_URL: 'http://pos.internal:8080/graphql', GATEWAY_PORT: '0' });
    expect(config.subgraphUrls.pos).toBe('http://pos.internal:8080/graphql');
    expect(config.port).toBe(0);
  });

  it.each([
    [{ GATEWAY_PORT: '70000' }, /GATEWAY_PORT must be an integer from 0 to 65535, got "70000"/],
    [{ GATEWAY_PORT: '4000abc' }, /GATEWAY_PORT/],
    [{ GATEWAY_SUBGRAPH_TIMEOUT_MS: '0' }, /GATEWAY_SUBGRAPH_TIMEOUT_MS/],
    [{ SUBGRAPH_LOYALTY_URL: 'loyalty:4202' }, /SUBGRAPH_LOYALTY_URL must be an http\(s\) URL, got "loyalty:4202"/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => gatewayConfigFromEnv(env)).toThrow(message);
  });
});
