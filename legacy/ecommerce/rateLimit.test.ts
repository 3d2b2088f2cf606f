import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

let now: number;
let server: RunningEcommerce | undefined;

beforeEach(() => {
  now = 1_000_000;
});
afterEach(() => server?.stop());

async function start(rateLimitPerSecond: number) {
  server = await startEcommerce({ data: ecommerceFixture(), rateLimitPerSecond, clock: () => now });
  return jsonClient(server.url);
}

test('past the bucket: 429 rate_limited with Retry-After, until tokens come back', async () => {
  const api = await start(3);
  for (let i = 0; i < 3; i++) expect((await api.get('/api/v1/customers/1001')).status).toBe(200);
  const limited = await api.get('/api/v1/customers/1001');
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toBe('1');
  expect(limited.body).toEqual({
    error: { code: 'rate_limited', message: 'more than 3 requests per second; retry after 1 s' },
  });

  now += 340;
  expect((await api.get('/api/v1/customers/1001')).status).toBe(200);
  expect((await api.get('/api/v1/orders')).status).toBe(429);
  now += 1000;
  for (let i = 0; i < 3; i++) expect((await api.get('/api/v1/orders')).status).toBe(200);
  expect((await api.get('/api/v1/orders')).status).toBe(429);
});

test('Retry-After is the whole seconds until the next token, at least 1', async () => {
  const api = await start(0.25);
  expect((await api.get('/api/v1/products')).status).toBe(200);
  expect((await api.get('/api/v1/products')).headers.get('retry-after')).toBe('4');
  now += 1500;
  expect((await api.get('/api/v1/products')).headers.get('retry-after')).toBe('3');
  now += 2500;
  expect((await api.get('/api/v1/products')).status).toBe(200);
});

test('admin calls are never limited, and limited calls are not counted as served', async () => {
  const api = await start(1);
  expect((await api.get('/api/v1/customers/1001')).status).toBe(200);
  expect((await api.get('/api/v1/customers/1002')).status).toBe(429);
  for (let i = 0; i < 3; i++) {
    const counts = await api.get('/__admin/calls');
    expect(counts.status).toBe(200);
    expect(counts.body).toMatchObject({ system: 'ecommerce', total: 1, byOperation: { 'GET /customers/:id': 1 } });
  }
});

test('unlimited by default', async () => {
  server = await startEcommerce({ data: ecommerceFixture() });
  const api = jsonClient(server.url);
  const answers = await Promise.all(Array.from({ length: 60 }, () => api.get('/api/v1/cart-rules')));
  expect(answers.every((a) => a.status === 200)).toBe(true);
});
