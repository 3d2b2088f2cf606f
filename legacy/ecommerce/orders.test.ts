import type { EcomOrder } from '../generator/model.js';
import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

const fixture = ecommerceFixture();
const byId = (a: EcomOrder, b: EcomOrder) => a.id - b.id;
const where = (keep: (o: EcomOrder) => boolean) => fixture.orders.filter(keep).sort(byId);
const ids = (records: { id: number }[]) => records.map((r) => r.id);

let server: RunningEcommerce;
let api: ReturnType<typeof jsonClient>;

beforeAll(async () => {
  server = await startEcommerce({ data: ecommerceFixture() });
  api = jsonClient(server.url);
});
afterAll(() => server.stop());

describe('GET /api/v1/orders', () => {
  test('pages through every order in id order', async () => {
    const { records, pages } = await api.all('/api/v1/orders?per_page=3');
    expect(records).toEqual([...fixture.orders].sort(byId));
    expect(pages).toBe(Math.ceil(fixture.orders.length / 3));
  });

  test('customer_id= and the batch customer_ids= answer every asked customer in one list', async () => {
    expect((await api.get('/api/v1/orders?customer_id=1001')).body.data).toEqual(where((o) => o.customer_id === 1001));
    const { body } = await api.get('/api/v1/orders?customer_ids=1003,1001,777,1007');
    const expected = where((o) => [1001, 1003, 1007].includes(o.customer_id));
    expect(ids(expected)).toEqual([90001, 90002, 90004, 90005, 90006, 90008]);
    expect(body.data).toEqual(expected);
    expect(body.meta.total).toBe(expected.length);
  });

  test('a batch bigger than a page continues on the next page', async () => {
    const first = await api.get('/api/v1/orders?customer_ids=1001,1003&per_page=4');
    expect(first.body.meta).toEqual({ page: 1, per_page: 4, total: 5, total_pages: 2 });
    const second = await fetch(first.body.links.next);
    const rest = (await second.json()) as { data: EcomOrder[]; links: { next: string | null } };
    expect(ids([...first.body.data, ...rest.data])).toEqual(ids(where((o) => [1001, 1003].includes(o.customer_id))));
    expect(rest.links.next).toBeNull();
  });

  test('number= and the batch numbers= match order numbers exactly', async () => {
    expect((await api.get('/api/v1/orders?number=W1000190')).body.data).toEqual(where((o) => o.number === 'W1000190'));
    expect((await api.get('/api/v1/orders?number=w1000190')).body.data).toEqual([]);
    const { body } = await api.get('/api/v1/orders?numbers=W1000204,W9999999,W1000101');
    expect(ids(body.data)).toEqual([90001, 90006]);
  });

  test('quote_number= finds the web order that finished a store quote', async () => {
    const { body } = await api.get('/api/v1/orders?quote_number=Q-OUE01-000007');
    expect(body.data).toEqual(where((o) => o.quote_number === 'Q-OUE01-000007'));
    expect(ids(body.data)).toEqual([90008]);
  });

  test('status= keeps one status, and refuses one the platform does not have', async () => {
    expect(ids((await api.get('/api/v1/orders?status=delivered')).body.data)).toEqual(ids(where((o) => o.status === 'delivered')));
    expect(ids((await api.get('/api/v1/orders?status=ready_for_pickup')).body.data)).toEqual([90006]);
    const refused = await api.get('/api/v1/orders?status=lost');
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      'status must be one of pending, paid, shipped, delivered, ready_for_pickup, collected, cancelled, got "lost"',
    );
  });

  test('updated_since= lists changed orders by updated_at', async () => {
    const { body } = await api.get('/api/v1/orders?updated_since=2026-03-01T18:21:00Z');
    const expected = fixture.orders
      .filter((o) => o.updated_at >= '2026-03-01T18:21:00.000Z')
      .sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id);
    expect(ids(expected)).toEqual([90005, 90006, 90007, 90008]);
    expect(body.data).toEqual(expected);
  });

  test('filters combine', async () => {
    const { body } = await api.get('/api/v1/orders?customer_ids=1001,1003&status=delivered&updated_since=2025-01-01');
    expect(ids(body.data)).toEqual([90008]);
    expect((await api.get('/api/v1/orders?number=W1000101&customer_id=1003')).body.data).toEqual([]);
  });

  test('the single and batch form of a filter cannot be combined', async () => {
    expect((await api.get('/api/v1/orders?customer_id=1001&customer_ids=1003')).body).toEqual({
      error: { code: 'bad_request', message: 'give customer_id or customer_ids, not both' },
    });
    expect((await api.get('/api/v1/orders?number=W1000101&numbers=W1000190')).status).toBe(400);
  });
});

describe('GET /api/v1/orders/:id', () => {
  test('answers the order as stored, lines and decimal strings included', async () => {
    const { status, body } = await api.get('/api/v1/orders/90004');
    expect(status).toBe(200);
    expect(body).toEqual({ data: fixture.orders.find((o) => o.id === 90004) });
    expect(body.data.lines[1]).toEqual({ sku: 'web-cap-001', quantity: 1, unit_price: '12.5', discount: '1.25' });
  });

  test('names the recipient and the phone as keyed at checkout: the holder, a relative, a gift, or no phone', async () => {
    const delivery = async (id: number) => (await api.get(`/api/v1/orders/${id}`)).body.data.delivery;
    expect(await delivery(90001)).toEqual({ first_name: 'Jean', last_name: 'Dupont', phone: '06 12 34 56 78' });
    expect(await delivery(90005)).toEqual({ first_name: 'Camille', last_name: 'Roussel', phone: '07 62 18 90 45' });
    expect(await delivery(90008)).toEqual({ first_name: 'Yann', last_name: 'Le Gall', phone: '02 98 76 54 32' });
    expect(await delivery(90006)).toEqual({ first_name: 'jean', last_name: 'DUPONT', phone: null });
    const lists = ['/api/v1/orders?per_page=200', '/api/v1/customers/1001/orders', '/api/v1/orders?numbers=W1000145,W1000204'];
    for (const list of lists) {
      const { body } = await api.get(list);
      expect(body.data.length).toBeGreaterThan(0);
      for (const order of body.data as EcomOrder[]) expect(order.delivery).toEqual(fixture.orders.find((o) => o.id === order.id)!.delivery);
    }
  });

  test('404 for an unknown order, 400 for a malformed id', async () => {
    expect((await api.get('/api/v1/orders/1')).body).toEqual({ error: { code: 'not_found', message: 'no order with id 1' } });
    expect((await api.get('/api/v1/orders/W1000101')).body).toEqual({
      error: { code: 'bad_request', message: 'order id must be an integer id, got "W1000101"' },
    });
  });
});
