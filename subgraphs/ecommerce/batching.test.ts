import type { EcommerceData } from '../../legacy/generator/model.js';
import { ecommerceFixture } from '../../legacy/ecommerce/fixture.js';
import { MAX_BATCH, MAX_PER_PAGE as PLATFORM_MAX_PER_PAGE } from '../../legacy/ecommerce/queryParams.js';
import { BATCH_LIMIT, MAX_PER_PAGE } from './client.js';
import { startStack, type TestStack } from './testStack.js';

/** 150 more shoppers, each with an address, three orders and a product of their own. */
function bulkData(): EcommerceData {
  const data = ecommerceFixture();
  for (let i = 0; i < 150; i++) {
    const id = 5000 + i;
    const sku = `BULK-${String(i).padStart(3, '0')}`;
    data.customers.push({
      id,
      email: `shopper${i}@example.com`,
      first_name: `Shopper${i}`,
      last_name: 'Bulk',
      phone: null,
      newsletter_opt_in: false,
      newsletter_opt_in_at: null,
      created_at: '2025-01-01T00:00:00.000Z',
      updated_at: '2025-01-01T00:00:00.000Z',
    });
    data.addresses.push({ id: 9000 + i, customer_id: id, kind: 'billing', line1: `${i} rue du Test`, line2: null, postcode: '75001', city: 'Paris', country: 'FR' });
    data.products.push({ sku, ean: null, title: `Article ${i}`, price: '10.00', currency: 'EUR', active: true, updated_at: '2025-01-01T00:00:00.000Z' });
    for (let k = 0; k < 3; k++) {
      data.orders.push({
        id: 700_000 + i * 3 + k,
        number: `W7${String(i * 3 + k).padStart(6, '0')}`,
        customer_id: id,
        placed_at: `2025-0${k + 1}-15T12:00:00.000Z`,
        updated_at: `2025-0${k + 1}-15T12:00:00.000Z`,
        status: 'delivered',
        currency: 'EUR',
        fulfilment: { type: 'home_delivery', store_code: null },
        quote_number: null,
        coupon_code: null,
        delivery: { first_name: `Shopper${i}`, last_name: 'Bulk', phone: null },
        lines: [{ sku, quantity: 1, unit_price: '10.00', discount: '0.00' }],
        total: '10.00',
      });
    }
  }
  return data;
}

let stack: TestStack;

beforeAll(async () => {
  stack = await startStack({ data: bulkData() });
});

afterAll(() => stack.stop());

const ids = Array.from({ length: 150 }, (_, i) => String(5000 + i));

const entities = (representations: unknown[], selection: string) =>
  stack.query(`query ($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`, { representations });

// A batch of N keys costs ceil(N / 100) calls because the platform takes no more (a 400 past
// it): the client's limits are the platform's own, none of ours below them.
it("cuts batches and pages at the platform's own limits", () => {
  expect(BATCH_LIMIT).toBe(MAX_BATCH);
  expect(MAX_PER_PAGE).toBe(PLATFORM_MAX_PER_PAGE);
});

it('resolves 150 accounts and their addresses in two calls each (100 per call), then from the cache in none', async () => {
  await stack.resetCalls();
  const representations = ids.map((id) => ({ __typename: 'WebAccount', id }));
  const first = await entities(representations, '... on WebAccount { id firstName addresses { line1 } }');
  expect(first.errors).toBeUndefined();
  expect(first.data._entities).toHaveLength(150);
  expect(first.data._entities[149]).toEqual({ id: '5149', firstName: 'Shopper149', addresses: [{ line1: '149 rue du Test' }] });
  expect(await stack.calls()).toEqual({ 'GET /customers': 2, 'GET /addresses': 2 });
  expect(stack.shop.counter.snapshot().itemsByOperation).toEqual({ 'GET /customers': 150, 'GET /addresses': 150 });

  await stack.resetCalls();
  const again = await entities(representations, '... on WebAccount { id firstName addresses { line1 } }');
  expect(again).toEqual(first);
  expect(await stack.calls()).toEqual({});
});

it("gathers 150 customers' 450 orders in one call per 100 customers plus the pages past 200 orders, and their products in two", async () => {
  await stack.resetCalls();
  const representations = ids.map((id, i) => ({
    __typename: 'Customer',
    id: `golden-${i}`,
    identities: [{ system: 'ECOMMERCE', localId: id, franchise: null }],
  }));
  const answer = await entities(representations, '... on Customer { webOrders(first: 200) { number lines { label } } }');
  expect(answer.errors).toBeUndefined();
  const orders: Array<Array<{ number: string; lines: Array<{ label: string }> }>> = answer.data._entities.map((customer: { webOrders: unknown }) => customer.webOrders);
  expect(orders.flat()).toHaveLength(450);
  expect(orders[7]).toEqual([
    { number: 'W7000023', lines: [{ label: 'Article 7' }] },
    { number: 'W7000022', lines: [{ label: 'Article 7' }] },
    { number: 'W7000021', lines: [{ label: 'Article 7' }] },
  ]);
  // 100 customers hold 300 orders: two pages of 200; the other 50 hold 150: one page.
  expect(await stack.calls()).toEqual({ 'GET /orders': 3, 'GET /products': 2 });
});

it('asks for each distinct key once per request, however many times it is named', async () => {
  await stack.resetCalls();
  const numbers = Array.from({ length: 30 }, (_, i) => `W7${String(i % 10).padStart(6, '0')}`);
  const query = `{ ${numbers.map((number, i) => `o${i}: webOrder(number: "${number}") { id }`).join(' ')} }`;
  const answer = await stack.query(query);
  expect(answer.errors).toBeUndefined();
  expect(answer.data.o10).toEqual({ id: '700000' });
  expect(await stack.calls()).toEqual({ 'GET /orders': 1 });
  expect(stack.shop.counter.snapshot().itemsByOperation).toEqual({ 'GET /orders': 10 });
});
