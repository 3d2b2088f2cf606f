import type { EcomCustomer } from '../generator/model.js';
import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

const fixture = ecommerceFixture();
/** A customer as served: the record as stored, never erased. */
const customer = (id: number) => ({ ...fixture.customers.find((c) => c.id === id)!, erased_at: null });
const ids = (records: { id: number }[]) => records.map((r) => r.id);

let server: RunningEcommerce;
let api: ReturnType<typeof jsonClient>;

beforeAll(async () => {
  server = await startEcommerce({ data: ecommerceFixture() });
  api = jsonClient(server.url);
});
afterAll(() => server.stop());

describe('GET /api/v1/customers', () => {
  test('pages through every customer in id order, linking each next page with the other parameters kept', async () => {
    const first = await api.get('/api/v1/customers?per_page=3&updated_since=2000-01-01');
    const allIds = ids(fixture.customers).sort((a, b) => a - b);
    expect(first.body.meta).toEqual({ page: 1, per_page: 3, total: allIds.length, total_pages: Math.ceil(allIds.length / 3) });
    const next = new URL(first.body.links.next);
    expect(`${next.origin}${next.pathname}`).toBe(`${server.url}/api/v1/customers`);
    expect(Object.fromEntries(next.searchParams)).toEqual({ page: '2', per_page: '3', updated_since: '2000-01-01' });

    const { records, pages } = await api.all('/api/v1/customers?per_page=3');
    expect(pages).toBe(Math.ceil(allIds.length / 3));
    expect(ids(records)).toEqual(allIds);
    expect(records.find((c: EcomCustomer) => c.id === 1002)).toEqual(customer(1002));
  });

  test('serves 50 a page by default, and an empty page past the end', async () => {
    const { body } = await api.get('/api/v1/customers');
    expect(body.meta).toEqual({ page: 1, per_page: 50, total: fixture.customers.length, total_pages: 1 });
    expect(body.links.next).toBeNull();
    const past = await api.get('/api/v1/customers?page=4');
    expect(past.status).toBe(200);
    expect(past.body).toEqual({ data: [], meta: { page: 4, per_page: 50, total: fixture.customers.length, total_pages: 1 }, links: { next: null } });
  });

  test('ids= answers a batch in id order, leaving out the unknown ones', async () => {
    const { status, body } = await api.get('/api/v1/customers?ids=1010,1001,424242,1003,1001');
    expect(status).toBe(200);
    expect(body.data).toEqual([customer(1001), customer(1003), customer(1010)]);
    expect(body.meta.total).toBe(3);
  });

  test('email= compares case-insensitively, as typed: both accounts of one address, in any case', async () => {
    for (const email of ['jean.dupont@orange.fr', 'JEAN.DUPONT@orange.FR']) {
      const { body } = await api.get(`/api/v1/customers?email=${encodeURIComponent(email)}`);
      expect(ids(body.data)).toEqual([1001, 1007]);
    }
  });

  test('email= does not trim: a stored stray space must be sent to match, and a sent one spoils the match', async () => {
    const lookup = async (query: string) => ids((await api.get(`/api/v1/customers?email=${query}`)).body.data);
    expect(await lookup('marie.martin%40gmail.com')).toEqual([]);
    expect(await lookup('%20marie.martin%40gmail.com')).toEqual([1002]);
    expect(await lookup('sophie.legall%40laposte.net')).toEqual([]);
    expect(await lookup('sophie.legall%40laposte.net%20')).toEqual([1003]);
    expect(await lookup('%20e.moreau%40sfr.fr')).toEqual([]);
    expect(await lookup('e.moreau%40sfr.fr')).toEqual([1005]);
    // An unencoded "+" is a space in a query string.
    expect(await lookup('chloe.petit+promo@hotmail.fr')).toEqual([]);
    expect(await lookup('chloe.petit%2Bpromo@hotmail.fr')).toEqual([1004]);
  });

  test('updated_since= lists the changes from that instant on, oldest first, same-second changes by id', async () => {
    const expected = [...fixture.customers]
      .filter((c) => c.updated_at >= '2026-02-01T09:00:00.000Z')
      .sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id)
      .map((c) => customer(c.id));
    expect(ids(expected)).toEqual([1002, 1007, 1012]);
    for (const since of ['2026-02-01T09:00:00Z', '2026-02-01T10:00:00.000%2B01:00', '2026-02-01T09:00Z']) {
      const { status, body } = await api.get(`/api/v1/customers?updated_since=${since}`);
      expect(status).toBe(200);
      expect(body.data).toEqual(expected);
    }
    const justAfter = await api.get('/api/v1/customers?updated_since=2026-02-01T09:00:00.001Z');
    expect(ids(justAfter.body.data)).toEqual([1012]);
  });

  test('filters combine', async () => {
    const { body } = await api.get('/api/v1/customers?ids=1001,1007,1012&updated_since=2026-01-01&email=jean.dupont%40orange.fr');
    expect(ids(body.data)).toEqual([1007]);
  });
});

describe('GET /api/v1/customers/:id', () => {
  test('answers the record as stored', async () => {
    const { status, body } = await api.get('/api/v1/customers/1003');
    expect(status).toBe(200);
    expect(body).toEqual({ data: customer(1003) });
  });

  test('404 for an unknown id, 400 for a malformed one', async () => {
    expect(await api.get('/api/v1/customers/999')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: 'no customer with id 999' } },
    });
    expect(await api.get('/api/v1/customers/10x1')).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_request', message: 'customer id must be an integer id, got "10x1"' } },
    });
  });
});

describe('addresses', () => {
  test('GET /customers/:id/addresses lists one customer\'s addresses; none is an empty list; 404 for no customer', async () => {
    const { body } = await api.get('/api/v1/customers/1001/addresses');
    expect(body.data).toEqual(fixture.addresses.filter((a) => a.customer_id === 1001).sort((a, b) => a.id - b.id));
    expect(ids(body.data)).toEqual([501, 502]);
    expect((await api.get('/api/v1/customers/1005/addresses')).body.data).toEqual([]);
    expect((await api.get('/api/v1/customers/999/addresses')).status).toBe(404);
  });

  test('GET /addresses?customer_ids= answers a batch in address id order', async () => {
    const { body } = await api.get('/api/v1/addresses?customer_ids=1003,1005,1001,31337');
    expect(ids(body.data)).toEqual([501, 502, 510]);
    expect(body.data.every((a: { customer_id: number }) => [1001, 1003].includes(a.customer_id))).toBe(true);
  });
});

test('GET /customers/:id/orders pages one customer\'s orders in id order', async () => {
  const expected = fixture.orders.filter((o) => o.customer_id === 1001).sort((a, b) => a.id - b.id);
  const first = await api.get('/api/v1/customers/1001/orders?per_page=2');
  expect(first.body.data).toEqual(expected.slice(0, 2));
  expect(first.body.meta).toEqual({ page: 1, per_page: 2, total: 3, total_pages: 2 });
  const { records } = await api.all('/api/v1/customers/1001/orders?per_page=2');
  expect(records).toEqual(expected);
  expect((await api.get('/api/v1/customers/1012/orders')).body.data).toEqual([]);
  expect((await api.get('/api/v1/customers/999/orders')).status).toBe(404);
});
