import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ecommerceFixture } from '../../legacy/ecommerce/fixture.js';
import { startEcommerce, type RunningEcommerce } from '../../legacy/ecommerce/server.js';
import { LegacySource } from '../shared/source.js';
import { EcommerceClient } from './client.js';
import { toWebAccount, toWebOrder } from './mappers.js';

const EPOCH = '1970-01-01T00:00:00.000Z';
const source = () => new LegacySource('ecommerce', { retryBaseMs: 1, retries: 2, timeoutMs: 10_000, breaker: { failureThreshold: 100 } });

/** The fixture's records in feed order, worked out here: `updated_at`, then id (SKU for products). */
const fixture = ecommerceFixture();
const feedOrder = <T extends { updated_at: string }>(records: T[], key: (record: T) => number | string) =>
  [...records].sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
const customersInFeedOrder = feedOrder(fixture.customers, (c) => c.id).map((c) => c.id);

describe('EcommerceClient change feeds, against the stand-in', () => {
  let shop: RunningEcommerce;
  let client: EcommerceClient;
  beforeAll(async () => {
    shop = await startEcommerce({ data: ecommerceFixture(), port: 0 });
    client = new EcommerceClient(shop.url, source());
  });
  afterAll(() => shop.stop());
  beforeEach(() => shop.counter.reset());

  test('changedCustomers pages the feed oldest change first, with the total and whether a page follows, one call a page', async () => {
    const first = await client.changedCustomers(EPOCH, 1, 3);
    expect(first).toMatchObject({ total: fixture.customers.length, hasMore: true });
    expect(first.records.map((c) => c.id)).toEqual(customersInFeedOrder.slice(0, 3));
    const pages = Math.ceil(fixture.customers.length / 3);
    const last = await client.changedCustomers(EPOCH, pages, 3);
    expect(last.hasMore).toBe(false);
    expect(last.records.map((c) => c.id)).toEqual(customersInFeedOrder.slice((pages - 1) * 3));
    // Records as the platform sent them: the email as typed.
    expect(first.records.find((c) => c.id === 1003)?.email).toBe('SOPHIE.LEGALL@LAPOSTE.NET ');
    expect(shop.counter.snapshot().byOperation).toEqual({ 'GET /customers': 2 });
  });

  test('updated_since is inclusive: a record changed at that very instant is read again', async () => {
    const pivot = feedOrder(fixture.customers, (c) => c.id)[3]!;
    const page = await client.changedCustomers(pivot.updated_at, 1, 200);
    const expected = fixture.customers.filter((c) => Date.parse(c.updated_at) >= Date.parse(pivot.updated_at)).length;
    expect(page).toMatchObject({ total: expected, hasMore: false });
    expect(page.records[0]!.updated_at).toBe(pivot.updated_at);
  });

  test('changedOrders and changedProducts follow their own feeds', async () => {
    const orders = await client.changedOrders(EPOCH, 1, 200);
    expect(orders.records.map((o) => o.id)).toEqual(feedOrder(fixture.orders, (o) => o.id).map((o) => o.id));
    expect(orders).toMatchObject({ total: fixture.orders.length, hasMore: false });
    const products = await client.changedProducts('2026-01-01T00:00:00Z', 1, 200);
    expect(products.records.map((p) => p.sku)).toEqual(
      feedOrder(fixture.products.filter((p) => p.updated_at >= '2026-01-01'), (p) => p.sku).map((p) => p.sku),
    );
    expect(shop.counter.snapshot().byOperation).toEqual({ 'GET /orders': 1, 'GET /products': 1 });
  });

  test("the platform's error body becomes a coded failure of the right kind: a refused request is a bad request, not retried", async () => {
    await expect(client.changedCustomers('last tuesday', 1, 200)).rejects.toMatchObject({
      message: expect.stringMatching(/^ecommerce: GET \/customers: HTTP 400 bad_request: .*updated_since/),
      extensions: { code: 'SOURCE_BAD_REQUEST', source: 'ecommerce' },
    });
    await expect(client.changedOrders(EPOCH, 1, 201)).rejects.toMatchObject({
      message: expect.stringMatching(/^ecommerce: GET \/orders: HTTP 400 bad_request: .*per_page/),
      extensions: { code: 'SOURCE_BAD_REQUEST', source: 'ecommerce' },
    });
    expect(shop.counter.snapshot().byOperation).toEqual({ 'GET /customers': 1, 'GET /orders': 1 });
  });

  test('a server error is the system unavailable, retried, then SOURCE_UNAVAILABLE with its code and message', async () => {
    shop.faults.set({ errorRate: 1 });
    try {
      await expect(client.changedProducts(EPOCH, 1, 200)).rejects.toMatchObject({
        message: 'ecommerce: GET /products: HTTP 500 server_error: the platform failed to answer (injected fault)',
        extensions: { code: 'SOURCE_UNAVAILABLE', source: 'ecommerce' },
      });
      expect(shop.counter.snapshot().faulted).toBe(3);
    } finally {
      shop.faults.set({ errorRate: 0 });
    }
  });
});

describe('EcommerceClient over a platform that garbles a record', () => {
  let shop: RunningEcommerce;
  beforeAll(async () => {
    const data = ecommerceFixture();
    // An instant without a zone: the platform sorts it, but which instant it is nobody knows.
    data.customers.find((c) => c.id === 1002)!.updated_at = '2026-02-01 09:00:00';
    shop = await startEcommerce({ data, port: 0 });
  });
  afterAll(() => shop.stop());

  test('the change feed refuses the page, naming the record', async () => {
    await expect(new EcommerceClient(shop.url, source()).changedCustomers(EPOCH, 1, 200)).rejects.toMatchObject({
      message: expect.stringMatching(/^ecommerce: GET \/customers: customers: malformed customer \{"id":1002,/),
      extensions: { code: 'SOURCE_BAD_RESPONSE', source: 'ecommerce' },
    });
  });

  test('a lookup hands it on as sent, for the mappers to refuse alone, unless the client checks records', async () => {
    const lenient = await new EcommerceClient(shop.url, source()).customersByIds([1001, 1002]);
    expect(lenient.map((c) => [c.id, c.updated_at])).toEqual([
      [1001, '2025-11-20T17:40:00.000Z'],
      [1002, '2026-02-01 09:00:00'],
    ]);
    await expect(new EcommerceClient(shop.url, source(), { checkRecords: true }).customersByIds([1001, 1002])).rejects.toMatchObject({
      message: expect.stringMatching(/customers: malformed customer \{"id":1002,/),
      extensions: { code: 'SOURCE_BAD_RESPONSE', source: 'ecommerce' },
    });
  });
});

test('a platform over its rate limit is SOURCE_RATE_LIMITED when its Retry-After is longer than the source waits', async () => {
  const shop = await startEcommerce({ data: ecommerceFixture(), port: 0, rateLimitPerSecond: 1 });
  try {
    const client = new EcommerceClient(shop.url, new LegacySource('ecommerce', { retryBaseMs: 1, maxRetryAfterMs: 0 }));
    await client.changedCustomers(EPOCH, 1, 200);
    await expect(client.changedCustomers(EPOCH, 1, 200)).rejects.toMatchObject({
      message: expect.stringMatching(/^ecommerce: GET \/customers: HTTP 429 rate_limited: /),
      extensions: { code: 'SOURCE_RATE_LIMITED', source: 'ecommerce' },
    });
  } finally {
    await shop.stop();
  }
});

describe('EcommerceClient.eraseCustomer, against the stand-in', () => {
  const ERASED_AT = '2026-03-14T10:22:00.000Z';
  let shop: RunningEcommerce;
  let client: EcommerceClient;
  beforeEach(async () => {
    shop = await startEcommerce({ data: ecommerceFixture(), port: 0, clock: () => Date.parse(ERASED_AT) });
    client = new EcommerceClient(shop.url, source(), { checkRecords: true });
  });
  afterEach(() => shop.stop());

  test('answers the receipt; a repeat, also from another client at once, answers the same one; an unknown customer is null', async () => {
    expect(await client.eraseCustomer(1001)).toEqual({ id: 1001, erasedAt: ERASED_AT });
    const other = new EcommerceClient(shop.url, source());
    expect(await Promise.all([client.eraseCustomer(1001), other.eraseCustomer(1001)])).toEqual([
      { id: 1001, erasedAt: ERASED_AT },
      { id: 1001, erasedAt: ERASED_AT },
    ]);
    expect(await client.eraseCustomer(424242)).toBeNull();
    expect(shop.counter.snapshot().byOperation).toEqual({ 'DELETE /customers/:id': 4 });
  });

  test('the erased account and its orders pass the record checks and the mappers, read as anonymised', async () => {
    await client.eraseCustomer(1001);
    const [account] = await client.customersByIds([1001]);
    expect(account).toMatchObject({ erased_at: ERASED_AT });
    expect(toWebAccount(account!)).toMatchObject({
      email: 'erased-1001@erased.invalid',
      emailKey: 'erased-1001@erased.invalid',
      firstName: '',
      lastName: '',
      phone: null,
      newsletter: { status: 'UNSUBSCRIBED', capturedAt: ERASED_AT },
      updatedAt: ERASED_AT,
    });
    const feed = await client.changedCustomers(ERASED_AT, 1, 200);
    expect(feed.records.map((c) => [c.id, c.erased_at])).toEqual([[1001, ERASED_AT]]);
    const orders = await client.ordersByCustomerIds([1001]);
    expect(orders.length).toBeGreaterThan(0);
    for (const order of orders.map(toWebOrder)) {
      expect(order).toMatchObject({ accountId: '1001', delivery: { firstName: '', lastName: '', phone: null }, updatedAt: ERASED_AT });
      expect(order.lines.length).toBeGreaterThan(0);
    }
    // Never erased: null, which the checks take as well.
    expect((await client.customersByIds([1002]))[0]).toMatchObject({ erased_at: null });
  });

  test('a server error is retried (the call is safe to repeat), then SOURCE_UNAVAILABLE', async () => {
    shop.faults.set({ errorRate: 1 });
    await expect(client.eraseCustomer(1001)).rejects.toMatchObject({
      message: 'ecommerce: DELETE /customers/:id: HTTP 500 server_error: the platform failed to answer (injected fault)',
      extensions: { code: 'SOURCE_UNAVAILABLE', source: 'ecommerce' },
    });
    expect(shop.counter.snapshot().faulted).toBe(3);
    shop.faults.set({ errorRate: 0 });
    expect(await client.eraseCustomer(1001)).toEqual({ id: 1001, erasedAt: ERASED_AT });
  });
});

describe('EcommerceClient.eraseCustomer, against something that is not the platform', () => {
  /** An HTTP server that answers every call with `status` and `body`. */
  async function answering(status: number, body: string): Promise<{ url: string; close: () => Promise<void> }> {
    const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  test.each([
    [404, '<html>Not Found</html>', 'SOURCE_BAD_REQUEST'],
    [200, '{"data":{"id":1001,"erased_at":"yesterday"}}', 'SOURCE_BAD_RESPONSE'],
    [200, '{"data":{"id":7,"erased_at":"2026-03-14T10:22:00.000Z"}}', 'SOURCE_BAD_RESPONSE'],
  ])('HTTP %i %s is a failure, never an erasure or "no such customer"', async (status, body, code) => {
    const server = await answering(status, body);
    try {
      await expect(new EcommerceClient(server.url, source()).eraseCustomer(1001)).rejects.toMatchObject({ extensions: { code } });
    } finally {
      await server.close();
    }
  });
});
