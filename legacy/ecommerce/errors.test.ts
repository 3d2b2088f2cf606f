import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

let server: RunningEcommerce;
let api: ReturnType<typeof jsonClient>;

beforeAll(async () => {
  server = await startEcommerce({ data: ecommerceFixture() });
  api = jsonClient(server.url);
});
afterAll(() => server.stop());

const hundredAndOne = Array.from({ length: 101 }, (_, i) => 1000 + i).join(',');

test.each([
  ['/api/v1/customers?page=0', 'page must be an integer from 1 to 9007199254740991, got "0"'],
  ['/api/v1/customers?page=two', 'page must be an integer from 1 to 9007199254740991, got "two"'],
  ['/api/v1/customers?per_page=201', 'per_page must be an integer from 1 to 200, got "201"'],
  ['/api/v1/customers?per_page=%2050', 'per_page must be an integer from 1 to 200, got " 50"'],
  ['/api/v1/orders?page=', 'query parameter "page" must not be empty'],
  [
    '/api/v1/customers?sort=email',
    'unknown query parameter "sort"; expected one of page, per_page, ids, email, updated_since',
  ],
  ['/api/v1/customers/1001?expand=orders', 'unknown query parameter "expand"; this endpoint takes none'],
  ['/api/v1/customers?page=1&page=2', 'query parameter "page" is given more than once'],
  [`/api/v1/customers?ids=${hundredAndOne}`, 'ids takes at most 100 values per call, got 101'],
  [`/api/v1/orders?customer_ids=${hundredAndOne}`, 'customer_ids takes at most 100 values per call, got 101'],
  [`/api/v1/products?eans=${hundredAndOne}`, 'eans takes at most 100 values per call, got 101'],
  ['/api/v1/customers?ids=1001,,1002', 'ids has an empty value at position 2: "1001,,1002"'],
  ['/api/v1/customers?ids=1001,%201002', 'ids must be an integer id, got " 1002"'],
  ['/api/v1/addresses?customer_ids=1001,x', 'customer_ids must be an integer id, got "x"'],
  ['/api/v1/orders?customer_id=-4', 'customer_id must be an integer id, got "-4"'],
  [
    '/api/v1/customers?updated_since=yesterday',
    'updated_since must be an ISO 8601 date or date-time with a zone (2026-03-14T10:22:00Z), got "yesterday"',
  ],
  [
    '/api/v1/orders?updated_since=2026-03-14T10:22:00',
    'updated_since must be an ISO 8601 date or date-time with a zone (2026-03-14T10:22:00Z), got "2026-03-14T10:22:00"',
  ],
  [
    '/api/v1/products?updated_since=2026-03-14T12:22:00+02:00',
    'updated_since must be an ISO 8601 date or date-time with a zone (2026-03-14T10:22:00Z), got "2026-03-14T12:22:00 02:00"',
  ],
  [
    '/api/v1/cart-rules?active_at=2026-02-29',
    'active_at must be an ISO 8601 date or date-time with a zone (2026-03-14T10:22:00Z), got "2026-02-29"',
  ],
  ['/api/v1/products/%E0%A4%A', 'path segment "%E0%A4%A" is not valid percent-encoding'],
])('400 bad_request for %s', async (path, message) => {
  const { status, body } = await api.get(path);
  expect({ status, body }).toEqual({ status: 400, body: { error: { code: 'bad_request', message } } });
});

test.each([
  ['/api/v1/nothing-here', 'no resource at /api/v1/nothing-here'],
  ['/api/v2/customers', 'no resource at /api/v2/customers'],
  ['/api/v1/customers/1001/', 'no resource at /api/v1/customers/1001/'],
  ['/', 'no resource at /'],
])('404 not_found for %s', async (path, message) => {
  expect(await api.get(path)).toMatchObject({ status: 404, body: { error: { code: 'not_found', message } } });
});

test.each([
  ['POST', '/api/v1/customers', 'GET'],
  ['PUT', '/api/v1/customers/1001', 'GET, PATCH, DELETE'],
  ['DELETE', '/api/v1/orders/90001', 'GET'],
  ['PUT', '/api/v1/orders/90001', 'GET'],
  ['PATCH', '/api/v1/products/WEB-TENT-2P', 'GET'],
])('405 method_not_allowed for %s %s, with Allow', async (method, path, allowed) => {
  const { status, headers, body } = await api.call(method, path);
  expect(status).toBe(405);
  expect(headers.get('allow')).toBe(allowed);
  expect(body).toEqual({
    error: { code: 'method_not_allowed', message: `${method} is not allowed on ${path}; use ${allowed.replaceAll(', ', ' or ')}` },
  });
});

test('refused calls to a known operation are counted; unknown paths and methods are not', async () => {
  server.counter.reset();
  await api.get('/api/v1/customers?per_page=500');
  await api.get('/api/v1/customers/424242');
  await api.get('/api/v1/nothing-here');
  await api.call('POST', '/api/v1/customers');
  expect(server.counter.snapshot()).toMatchObject({ total: 2, byOperation: { 'GET /customers': 1, 'GET /customers/:id': 1 } });
});
