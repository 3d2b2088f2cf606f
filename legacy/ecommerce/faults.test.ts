import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

let server: RunningEcommerce;

afterEach(() => server.stop());

test('an error rate of 1 answers every call with a 500 server_error, counted as faulted', async () => {
  server = await startEcommerce({ data: ecommerceFixture(), faults: { latencyMs: 0, jitterMs: 0, errorRate: 1, down: false } });
  const api = jsonClient(server.url);
  for (const path of ['/api/v1/customers/1001', '/api/v1/orders?customer_ids=1001,1003']) {
    expect(await api.get(path)).toMatchObject({
      status: 500,
      body: { error: { code: 'server_error', message: 'the platform failed to answer (injected fault)' } },
    });
  }
  expect(server.counter.snapshot()).toMatchObject({ total: 0, faulted: 2 });
});

test('down drops connections, then comes back after the faults are reset', async () => {
  server = await startEcommerce({ data: ecommerceFixture() });
  const api = jsonClient(server.url);
  const put = await fetch(`${server.url}/__admin/faults`, { method: 'PUT', body: JSON.stringify({ down: true }) });
  expect(put.status).toBe(200);
  await expect(fetch(`${server.url}/api/v1/customers/1001`)).rejects.toThrow();
  expect((await api.get('/__admin/health')).body).toEqual({ system: 'ecommerce', status: 'down' });
  await fetch(`${server.url}/__admin/faults`, { method: 'DELETE' });
  expect((await api.get('/api/v1/customers/1001')).status).toBe(200);
  expect(server.counter.snapshot()).toMatchObject({ total: 1, faulted: 1 });
});

test('latency delays every answer', async () => {
  server = await startEcommerce({ data: ecommerceFixture(), faults: { latencyMs: 80, jitterMs: 0, errorRate: 0, down: false } });
  const api = jsonClient(server.url);
  const started = performance.now();
  expect((await api.get('/api/v1/products/WEB-TENT-2P')).status).toBe(200);
  expect(performance.now() - started).toBeGreaterThanOrEqual(75);
});

test('faults set at run time through the admin endpoint apply to the next call', async () => {
  server = await startEcommerce({ data: ecommerceFixture() });
  const api = jsonClient(server.url);
  expect((await api.get('/api/v1/cart-rules')).status).toBe(200);
  await fetch(`${server.url}/__admin/faults`, { method: 'PATCH', body: JSON.stringify({ errorRate: 1 }) });
  expect((await api.get('/api/v1/cart-rules')).status).toBe(500);
  expect(server.faults.config.errorRate).toBe(1);
});
