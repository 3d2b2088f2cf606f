import { CallCounter } from './counters.js';
import { FaultInjector, faultsFromEnv } from './faults.js';
import { applyFaults, handleAdmin, type Controls } from './admin.js';
import { startHttp, type Running } from './http.js';

describe('faultsFromEnv', () => {
  test('reads every fault from the prefixed variables', () => {
    expect(
      faultsFromEnv('LEGACY_X', {
        LEGACY_X_LATENCY_MS: '25',
        LEGACY_X_JITTER_MS: '5',
        LEGACY_X_ERROR_RATE: '0.5',
        LEGACY_X_DOWN: 'true',
      }),
    ).toEqual({ latencyMs: 25, jitterMs: 5, errorRate: 0.5, down: true });
  });

  test('defaults to no fault', () => {
    expect(faultsFromEnv('LEGACY_X', {})).toEqual({ latencyMs: 0, jitterMs: 0, errorRate: 0, down: false });
  });

  test.each([
    ['LEGACY_X_ERROR_RATE', '2', /LEGACY_X_ERROR_RATE must be a number from 0 to 1, got "2"/],
    ['LEGACY_X_LATENCY_MS', 'slow', /LEGACY_X_LATENCY_MS must be a number/],
    ['LEGACY_X_DOWN', 'yes', /LEGACY_X_DOWN must be true, false, 1 or 0, got "yes"/],
  ])('names the variable when %s=%s is malformed', (name, value, message) => {
    expect(() => faultsFromEnv('LEGACY_X', { [name]: value })).toThrow(message);
  });
});

describe('FaultInjector', () => {
  test('an error rate of 0.3 fails about 30% of calls, the same ones for the same seed', async () => {
    const run = async () => {
      const faults = new FaultInjector({ latencyMs: 0, jitterMs: 0, errorRate: 0.3, down: false }, 'seed-1');
      const decisions: string[] = [];
      for (let i = 0; i < 1000; i++) decisions.push(await faults.decide());
      return decisions;
    };
    const first = await run();
    const errors = first.filter((d) => d === 'error').length;
    expect(errors).toBeGreaterThan(240);
    expect(errors).toBeLessThan(360);
    expect(await run()).toEqual(first);
  });

  test('latency delays the decision', async () => {
    const faults = new FaultInjector({ latencyMs: 40, jitterMs: 0, errorRate: 0, down: false });
    const started = performance.now();
    expect(await faults.decide()).toBe('ok');
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });

  test('rejects an invalid patch and keeps the previous configuration', () => {
    const faults = new FaultInjector();
    expect(() => faults.set({ errorRate: 3 })).toThrow('errorRate must be from 0 to 1, got 3');
    expect(() => faults.set({ down: 'yes' as unknown as boolean })).toThrow('down must be a boolean');
    expect(() => faults.set({ slowness: 1 } as never)).toThrow('unknown fault "slowness"');
    expect(faults.config.errorRate).toBe(0);
  });
});

describe('admin endpoint', () => {
  let server: Running;
  let controls: Controls;

  beforeEach(async () => {
    controls = { system: 'test', counter: new CallCounter(), faults: new FaultInjector() };
    server = await startHttp(async (req, res) => {
      if (await handleAdmin(req, res, controls)) return;
      const outcome = await applyFaults(req, controls);
      if (outcome === 'dropped') return;
      if (outcome === 'error') {
        res.writeHead(500).end('boom');
        return;
      }
      controls.counter.record('GET /thing', 3);
      res.end('ok');
    });
  });
  afterEach(() => server.stop());

  test('counts calls, not admin calls, and resets', async () => {
    await fetch(`${server.url}/thing`);
    await fetch(`${server.url}/thing`);
    const counts = await (await fetch(`${server.url}/__admin/calls`)).json();
    expect(counts).toMatchObject({ system: 'test', total: 2, byOperation: { 'GET /thing': 2 }, itemsByOperation: { 'GET /thing': 6 } });
    await fetch(`${server.url}/__admin/calls`, { method: 'DELETE' });
    expect(await (await fetch(`${server.url}/__admin/calls`)).json()).toMatchObject({ total: 0 });
  });

  test('takes faults at run time: error, down, and back', async () => {
    const put = (body: unknown) =>
      fetch(`${server.url}/__admin/faults`, { method: 'PUT', body: JSON.stringify(body) });
    expect((await put({ errorRate: 1 })).status).toBe(200);
    expect((await fetch(`${server.url}/thing`)).status).toBe(500);

    await put({ errorRate: 0, down: true });
    await expect(fetch(`${server.url}/thing`)).rejects.toThrow();
    expect(await (await fetch(`${server.url}/__admin/health`)).json()).toEqual({ system: 'test', status: 'down' });

    await fetch(`${server.url}/__admin/faults`, { method: 'DELETE' });
    expect((await fetch(`${server.url}/thing`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/__admin/calls`)).json()).toMatchObject({ total: 1, faulted: 2 });
  });

  test('refuses a malformed fault patch with a 400 that says why', async () => {
    const res = await fetch(`${server.url}/__admin/faults`, { method: 'PUT', body: '{"errorRate": -1}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'BAD_REQUEST', message: 'errorRate must be a non-negative number, got -1' });
    const notJson = await fetch(`${server.url}/__admin/faults`, { method: 'PUT', body: 'down' });
    expect(await notJson.json()).toEqual({ error: 'BAD_REQUEST', message: 'body is not valid JSON' });
    expect((await fetch(`${server.url}/__admin/calls`, { method: 'POST' })).status).toBe(405);
  });
});
