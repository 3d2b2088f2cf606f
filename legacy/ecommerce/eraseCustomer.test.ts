import type { EcommerceData } from '../generator/model.js';
import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

let data: EcommerceData;
let now: number;
let server: RunningEcommerce;
let api: ReturnType<typeof jsonClient>;

const ERASED_AT = '2026-03-14T10:22:00.000Z';

beforeEach(async () => {
  data = ecommerceFixture();
  now = Date.parse(ERASED_AT);
  server = await startEcommerce({ data, clock: () => now });
  api = jsonClient(server.url);
});
afterEach(() => server.stop());

const ids = (records: { id: number }[]) => records.map((r) => r.id);
const erase = (id: number | string) => api.call('DELETE', `/api/v1/customers/${id}`);

describe('DELETE /api/v1/customers/:id', () => {
  test('anonymises the account: a throwaway email, empty names, no phone, no newsletter, stamped erased_at', async () => {
    const before = structuredClone(data.customers.find((c) => c.id === 1001)!);
    const { status, body } = await erase(1001);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { id: 1001, erased_at: ERASED_AT } });

    expect((await api.get('/api/v1/customers/1001')).body.data).toEqual({
      id: 1001,
      email: 'erased-1001@erased.invalid',
      first_name: '',
      last_name: '',
      phone: null,
      newsletter_opt_in: false,
      newsletter_opt_in_at: ERASED_AT,
      created_at: before.created_at,
      updated_at: ERASED_AT,
      erased_at: ERASED_AT,
    });
    // The data the platform was started with is never changed.
    expect(data).toEqual(ecommerceFixture());
  });

  test('the old email finds the other account that shares it, not the erased one; the throwaway one finds it', async () => {
    await erase(1001);
    expect(ids((await api.get('/api/v1/customers?email=jean.dupont%40orange.fr')).body.data)).toEqual([1007]);
    expect(ids((await api.get('/api/v1/customers?email=ERASED-1001%40erased.invalid')).body.data)).toEqual([1001]);
  });

  test('removes the addresses, and only those of the erased customer', async () => {
    await erase(1001);
    expect((await api.get('/api/v1/customers/1001/addresses')).body.data).toEqual([]);
    expect(ids((await api.get('/api/v1/addresses?customer_ids=1001,1007,1002')).body.data)).toEqual([503, 504]);
    expect(ids((await api.all('/api/v1/addresses')).records)).toEqual([503, 504, 505, 510]);
  });

  test('keeps the orders, lines, totals and status, with the recipient cleared; other customers’ orders are untouched', async () => {
    const kept = data.orders.filter((o) => o.customer_id === 1001).sort((a, b) => a.id - b.id);
    const others = (await api.get('/api/v1/orders?customer_ids=1002,1003,1007&per_page=100')).body.data;
    await erase(1001);

    const orders = (await api.get('/api/v1/customers/1001/orders')).body.data;
    expect(orders).toEqual(kept.map((order) => ({ ...order, delivery: { first_name: '', last_name: '', phone: null }, updated_at: ERASED_AT })));
    for (const order of kept) {
      expect((await api.get(`/api/v1/orders/${order.id}`)).body.data).toMatchObject({ number: order.number, customer_id: 1001, delivery: { first_name: '', phone: null } });
      expect(ids((await api.get(`/api/v1/orders?number=${order.number}`)).body.data)).toEqual([order.id]);
    }
    expect((await api.get('/api/v1/orders?customer_ids=1002,1003,1007&per_page=100')).body.data).toEqual(others);
  });

  test('moves the customer and their orders to the end of the sync feeds', async () => {
    await erase(1001);
    expect(ids((await api.get('/api/v1/customers?updated_since=2026-02-01T09:00:00Z')).body.data)).toEqual([1002, 1007, 1012, 1001]);
    const orders = (await api.get(`/api/v1/orders?updated_since=${ERASED_AT}`)).body.data;
    expect(ids(orders)).toEqual(ids(data.orders.filter((o) => o.customer_id === 1001).sort((a, b) => a.id - b.id)));
  });

  test('a repeat answers the first erased_at and changes nothing, also when sent several times at once', async () => {
    const [first, second, third] = await Promise.all([erase(1002), erase(1002), erase(1002)]);
    expect([first, second, third].map((answer) => [answer.status, answer.body])).toEqual(
      Array.from({ length: 3 }, () => [200, { data: { id: 1002, erased_at: ERASED_AT } }]),
    );
    const erased = (await api.get('/api/v1/customers/1002')).body.data;

    now = Date.parse('2026-04-01T08:00:00.000Z');
    expect((await erase(1002)).body).toEqual({ data: { id: 1002, erased_at: ERASED_AT } });
    expect((await api.get('/api/v1/customers/1002')).body.data).toEqual(erased);
    expect(ids((await api.get('/api/v1/customers?updated_since=2026-04-01T00:00:00Z')).body.data)).toEqual([]);
    expect(server.counter.snapshot().byOperation['DELETE /customers/:id']).toBe(4);
  });

  test('404 for an unknown customer, 400 for a malformed id or a query parameter; nothing is erased', async () => {
    expect(await erase(999)).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'no customer with id 999' } } });
    expect((await erase('me')).status).toBe(400);
    const withQuery = await api.call('DELETE', '/api/v1/customers/1001?force=true');
    expect(withQuery.status).toBe(400);
    expect((await api.get('/api/v1/customers/1001')).body.data).toMatchObject({ erased_at: null, first_name: 'Jean' });
  });

  test('other customers are served with erased_at null', async () => {
    await erase(1001);
    const { records } = await api.all('/api/v1/customers');
    expect(records.filter((c: { erased_at: string | null }) => c.erased_at !== null).map((c: { id: number }) => c.id)).toEqual([1001]);
    expect(records.every((c: object) => 'erased_at' in c)).toBe(true);
  });
});
