import { join } from 'node:path';
import { configFromEnv, DEFAULT_DATA_DIR, DEFAULT_PORT } from './config.js';

describe('configFromEnv', () => {
  test('defaults to port 4102 on 127.0.0.1, the demo estate and no fault', () => {
    expect(configFromEnv({})).toEqual({
      port: DEFAULT_PORT,
      host: '127.0.0.1',
      dataDir: DEFAULT_DATA_DIR,
      journalDir: join(DEFAULT_DATA_DIR, 'loyalty'),
      faults: { latencyMs: 0, jitterMs: 0, errorRate: 0, down: false },
    });
    expect(DEFAULT_PORT).toBe(4102);
  });

  test('reads the LEGACY_LOYALTY_ variables and LEGACY_DATA_DIR', () => {
    expect(
      configFromEnv({
        LEGACY_LOYALTY_PORT: '0',
        LEGACY_LOYALTY_HOST: '0.0.0.0',
        LEGACY_DATA_DIR: '/srv/estate',
        LEGACY_LOYALTY_LATENCY_MS: '250',
        LEGACY_LOYALTY_ERROR_RATE: '0.1',
        LEGACY_LOYALTY_DOWN: 'false',
      }),
    ).toEqual({ port: 0, host: '0.0.0.0', dataDir: '/srv/estate', journalDir: '/srv/estate/loyalty', faults: { latencyMs: 250, jitterMs: 0, errorRate: 0.1, down: false } });
  });

  test.each([
    [{ LEGACY_LOYALTY_PORT: '70000' }, /LEGACY_LOYALTY_PORT must be a port number from 0 to 65535, got "70000"/],
    [{ LEGACY_LOYALTY_PORT: 'soap' }, /LEGACY_LOYALTY_PORT must be a port number/],
    [{ LEGACY_LOYALTY_ERROR_RATE: '5%' }, /LEGACY_LOYALTY_ERROR_RATE must be a number from 0 to 1, got "5%"/],
  ])('names the variable when %o is malformed', (env, message) => {
    expect(() => configFromEnv(env)).toThrow(message);
  });
});
