import type { EcomCustomer, EcommerceData } from '../generator/model.js';
import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

/** The fixture plus 60 more customers, enough for a batch of 50. */
function withManyCustomers(): EcommerceData {
  const data = ecommerceFixture();
  const template = data.customers[0]!;
  const extra: EcomCustomer[] = Array.from({ length: 60 }, (_, i) => ({
    ...template,
    id: 2000 + i,
    email: `client${i}@example.fr`,
  }));
  return { ...data, customers: [...data.customers, ...extra] };
}

let server: RunningEcommerce;
let api: ReturnType<typeof jsonClient>;

beforeAll(async () => {
  server = await startEcommerce({ data: withManyCustomers() });
  api = jsonClient(server.url);
});
afterAll(() => server.stop());
beforeEach(() => server.counter.reset());

test('a batch of 50 ids is one call asking for 50 items', async () => {
  const ids = Array.from({ length: 50 }, (_, i) => 2005 + i);
  const { body } = await api.get(`/api/v1/customers?ids=${ids.join(',')}&per_page=100`);
  expect(body.data.map((c: EcomCustomer) => c.id)).toEqual(ids);
  expect(server.counter.snapshot()).toEqual({
    total: 1,
    byOperation: { 'GET /customers': 1 },
    itemsByOperation: { 'GET /customers': 50 },
    faulted: 0,
  });
});

test('the same 50 customers one by one are 50 calls', async () => {
  const ids = Array.from({ length: 50 }, (_, i) => 2005 + i);
  await Promise.all(ids.map((id) => api.get(`/api/v1/customers/${id}`)));
  expect(server.counter.snapshot()).toMatchObject({
    total: 50,
    byOperation: { 'GET /customers/:id': 50 },
    itemsByOperation: { 'GET /customers/:id': 50 },
  });
});

test('every batch parameter counts the ids asked for, found or not; other calls count 1', async () => {
  await api.get('/api/v1/orders?customer_ids=1001,1003,4040');
  await api.get('/api/v1/orders?numbers=W1000101,W1000190&status=delivered');
  await api.get('/api/v1/orders?customer_id=1001');
  await api.get('/api/v1/addresses?customer_ids=1001,1002');
  await api.get('/api/v1/products?skus=WEB-TENT-2P');
  await api.get('/api/v1/products?eans=3608077027912,3291310500411,3501840062717,0');
  await api.get('/api/v1/customers/1001/orders');
  await api.get('/api/v1/cart-rules?code=BIENVENUE10');
  expect(server.counter.snapshot()).toEqual({
    total: 8,
    byOperation: {
      'GET /orders': 3,
      'GET /addresses': 1,
      'GET /products': 2,
      'GET /customers/:id/orders': 1,
      'GET /cart-rules': 1,
    },
    itemsByOperation: {
      'GET /orders': 6,
      'GET /addresses': 2,
      'GET /products': 5,
      'GET /customers/:id/orders': 1,
      'GET /cart-rules': 1,
    },
    faulted: 0,
  });
});
