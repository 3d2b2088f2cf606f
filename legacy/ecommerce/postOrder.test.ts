import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EcomOrder, EcommerceData } from '../generator/model.js';
import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

const PLACED = '2026-03-14T10:22:00.000Z';

/** An order that finishes a store quote: one line at the quote's price, the others at the web price. */
const quoteOrder = {
  customer_id: 1003,
  currency: 'EUR',
  lines: [
    { sku: 'WEB-TENT-2P', quantity: 2 },
    { sku: 'web-cap-001', quantity: 1, discount: '2.50' },
    { sku: 'WEB-RUN-4471-W', quantity: 1, unit_price: '79.90' },
  ],
  // 2 × 129.00 + (12.50 − 2.50) + 79.90
  total: '347.90',
  fulfilment: { type: 'click_and_collect', store_code: 'OUE01' },
  quote_number: 'Q-OUE01-000099',
};

/** `quoteOrder` as the platform stores it: the fixture's orders go up to id 90008 and number W1000230. */
const quoteOrderStored: EcomOrder = {
  id: 90009,
  number: 'W1000231',
  customer_id: 1003,
  placed_at: PLACED,
  updated_at: PLACED,
  status: 'pending',
  currency: 'EUR',
  fulfilment: { type: 'click_and_collect', store_code: 'OUE01' },
  quote_number: 'Q-OUE01-000099',
  coupon_code: null,
  delivery: { first_name: 'Sophie', last_name: 'Le Gall', phone: '0298765432' },
  lines: [
    { sku: 'WEB-TENT-2P', quantity: 2, unit_price: '129.00', discount: '0.00' },
    { sku: 'web-cap-001', quantity: 1, unit_price: '12.5', discount: '2.50' },
    { sku: 'WEB-RUN-4471-W', quantity: 1, unit_price: '79.90', discount: '0.00' },
  ],
  total: '347.90',
};

/** A paid gift, delivered to someone without an account. */
const giftOrder = {
  customer_id: 1001,
  currency: 'EUR',
  status: 'paid',
  lines: [{ sku: 'WEB-SOCK-0032', quantity: 3, discount: '2.97' }],
  total: '27.00',
  fulfilment: { type: 'home_delivery', store_code: null },
  coupon_code: 'BIENVENUE10',
  delivery: { first_name: 'Camille', last_name: 'Roussel', phone: '07 62 18 90 45' },
};

let data: EcommerceData;
let now: number;
let server: RunningEcommerce;
let api: ReturnType<typeof jsonClient>;

async function start(options: Partial<Parameters<typeof startEcommerce>[0]> = {}) {
  server = await startEcommerce({ data, clock: () => now, ...options });
  api = jsonClient(server.url);
}

beforeEach(async () => {
  data = ecommerceFixture();
  now = Date.parse(PLACED);
  await start();
});
afterEach(() => server.stop());

const ids = (records: { id: number }[]) => records.map((record) => record.id);
const orderCount = async () => (await api.get('/api/v1/orders?per_page=1')).body.meta.total as number;
/** Each problem of a 422 as [field, reason]. */
const problems = (body: { error: { details: { field: string; code: string }[] } }) => body.error.details.map(({ field, code }) => [field, code]);

describe('POST /api/v1/orders creates an order', () => {
  test('201 with the order as stored, its Location, and the next id and number', async () => {
    const { status, headers, body } = await api.post('/api/v1/orders', quoteOrder, 'quote-99-attempt');
    expect(status).toBe(201);
    expect(body).toEqual({ data: quoteOrderStored });
    expect(headers.get('location')).toBe('/api/v1/orders/90009');
    expect(headers.get('idempotent-replayed')).toBeNull();

    now = Date.parse('2026-03-14T11:00:00.000Z');
    const gift = await api.post('/api/v1/orders', giftOrder, 'gift-1');
    expect(gift.status).toBe(201);
    expect(gift.body.data).toEqual({
      id: 90010,
      number: 'W1000232',
      customer_id: 1001,
      placed_at: '2026-03-14T11:00:00.000Z',
      updated_at: '2026-03-14T11:00:00.000Z',
      status: 'paid',
      currency: 'EUR',
      fulfilment: { type: 'home_delivery', store_code: null },
      quote_number: null,
      coupon_code: 'BIENVENUE10',
      delivery: { first_name: 'Camille', last_name: 'Roussel', phone: '07 62 18 90 45' },
      lines: [{ sku: 'WEB-SOCK-0032', quantity: 3, unit_price: '9.99', discount: '2.97' }],
      total: '27.00',
    });
    expect(data).toEqual(ecommerceFixture());
  });

  test('the new order is read back like any other: by id, through every filter of /orders, and under its customer', async () => {
    await api.post('/api/v1/orders', quoteOrder, 'quote-99-attempt');
    expect((await api.get('/api/v1/orders/90009')).body).toEqual({ data: quoteOrderStored });
    const listed = async (path: string) => ids((await api.get(path)).body.data);
    expect(await listed('/api/v1/orders?per_page=200')).toEqual([90001, 90002, 90003, 90004, 90005, 90006, 90007, 90008, 90009]);
    expect(await listed('/api/v1/orders?updated_since=2026-03-09T00:00:00Z')).toEqual([90008, 90009]);
    expect(await listed('/api/v1/orders?updated_since=2026-03-14T10:22:00Z')).toEqual([90009]);
    expect(await listed('/api/v1/orders?customer_ids=1003,1001')).toEqual([90001, 90002, 90004, 90005, 90008, 90009]);
    expect(await listed('/api/v1/orders?customer_id=1003')).toEqual([90004, 90008, 90009]);
    expect(await listed('/api/v1/orders?numbers=W1000231,W1000101')).toEqual([90001, 90009]);
    expect(await listed('/api/v1/orders?number=W1000231')).toEqual([90009]);
    expect(await listed('/api/v1/orders?quote_number=Q-OUE01-000099')).toEqual([90009]);
    expect(await listed('/api/v1/orders?status=pending')).toEqual([90007, 90009]);
    expect(await listed('/api/v1/customers/1003/orders')).toEqual([90004, 90008, 90009]);
  });

  test('a total equal in cents but written with one decimal is accepted and kept as sent', async () => {
    const { status, body } = await api.post('/api/v1/orders', { ...quoteOrder, total: '347.9' }, 'one-decimal');
    expect(status).toBe(201);
    expect(body.data.total).toBe('347.9');
  });

  test('is counted as its own operation, refused calls included', async () => {
    await api.post('/api/v1/orders', quoteOrder, 'counted');
    await api.post('/api/v1/orders', quoteOrder, 'counted');
    await api.post('/api/v1/orders', { ...quoteOrder, total: '1.00' }, 'refused');
    await api.post('/api/v1/orders', quoteOrder);
    expect(server.counter.snapshot()).toMatchObject({ total: 4, byOperation: { 'POST /orders': 4 }, itemsByOperation: { 'POST /orders': 4 } });
  });
});

describe('the Idempotency-Key header', () => {
  test.each([
    ['missing', undefined, 'the Idempotency-Key header is required: one key per order, sent again with every retry of it'],
    ['empty', '', 'Idempotency-Key must be 1 to 255 visible ASCII characters (no space), got "" (0 characters)'],
    ['with a space', 'order 1', 'Idempotency-Key must be 1 to 255 visible ASCII characters (no space), got "order 1" (7 characters)'],
    ['not ASCII', 'commandé', 'Idempotency-Key must be 1 to 255 visible ASCII characters (no space), got "commandé" (8 characters)'],
    ['256 characters long', 'k'.repeat(256), `Idempotency-Key must be 1 to 255 visible ASCII characters (no space), got "${'k'.repeat(80)}…" (256 characters)`],
  ])('400 bad_request when %s, and nothing is stored', async (_, key, message) => {
    const { status, body } = await api.post('/api/v1/orders', quoteOrder, key);
    expect({ status, body }).toEqual({ status: 400, body: { error: { code: 'bad_request', message } } });
    expect(await orderCount()).toBe(8);
  });

  test('255 visible ASCII characters are a key', async () => {
    const key = Array.from({ length: 255 }, (_, i) => String.fromCharCode(0x21 + (i % 94))).join('');
    expect((await api.post('/api/v1/orders', quoteOrder, key)).status).toBe(201);
  });

  test('sent twice, the header is refused like any other key with a space', async () => {
    const res = await fetch(`${server.url}/api/v1/orders`, {
      method: 'POST',
      headers: [['Idempotency-Key', 'a'], ['Idempotency-Key', 'b']],
      body: JSON.stringify(quoteOrder),
    });
    expect(res.status).toBe(400);
  });

  test('400 for a body that is not a JSON object, and for a query parameter', async () => {
    expect((await api.post('/api/v1/orders', '[1]', 'k')).body).toEqual({ error: { code: 'bad_request', message: 'body must be a JSON object, got [1]' } });
    expect((await api.post('/api/v1/orders', '{"customer_id":', 'k')).status).toBe(400);
    expect((await api.post('/api/v1/orders?dry_run=1', quoteOrder, 'k')).body.error.message).toBe(
      'unknown query parameter "dry_run"; this endpoint takes none',
    );
  });
});

describe('validation: every problem at once, before anything is stored', () => {
  test('several bad lines are reported together, each with its index and reason', async () => {
    const { status, body } = await api.post(
      '/api/v1/orders',
      {
        customer_id: 1003,
        currency: 'EUR',
        lines: [
          { sku: 'WEB-TENT-2P', quantity: 1 },
          { sku: 'WEB-NOPE-1', quantity: 1 },
          { sku: 'RUN-KS500-OLD', quantity: 1 },
          { sku: 'web-CAP-001', quantity: 0 },
          { sku: 'WEB-SOCK-0032', quantity: 1.5, unit_price: '9,99', discount: '-1' },
          { sku: 'WEB-BAG-20L', quantity: 1, gift_wrap: true },
          { sku: 'WEB-SOCK-0032', quantity: 1, discount: '10.00' },
        ],
        total: '129.00',
        fulfilment: { type: 'click_and_collect', store_code: null },
      },
      'bad-lines',
    );
    expect(status).toBe(422);
    expect(problems(body)).toEqual([
      ['lines[1].sku', 'unknown_sku'],
      ['lines[2].sku', 'not_sold_online'],
      ['lines[3].sku', 'unknown_sku'],
      ['lines[3].quantity', 'invalid_quantity'],
      ['lines[4].quantity', 'invalid_quantity'],
      ['lines[4].unit_price', 'malformed_decimal'],
      ['lines[4].discount', 'malformed_decimal'],
      ['lines[5].gift_wrap', 'unknown_field'],
      ['lines[6].discount', 'discount_exceeds_line'],
      ['fulfilment.store_code', 'store_code_required'],
    ]);
    expect(body.error).toMatchObject({ code: 'unprocessable', field: 'lines[1].sku' });
    expect(body.error.message).toMatch(/^the order has 10 problems: lines\[1\]\.sku: no product with sku "WEB-NOPE-1" \(SKUs compare exactly, case included\); lines\[2\]\.sku: /);
    expect(body.error.details.slice(0, 2)).toEqual([
      { field: 'lines[1].sku', code: 'unknown_sku', message: 'no product with sku "WEB-NOPE-1" (SKUs compare exactly, case included)' },
      { field: 'lines[2].sku', code: 'not_sold_online', message: 'product "RUN-KS500-OLD" is not sold online (inactive)' },
    ]);
    expect(body.error.details[4].message).toBe('quantity must be a positive integer, got 1.5');
    expect(body.error.details[5].message).toBe('lines[4].unit_price must be a decimal string with at most 2 decimals, such as "9.99", got "9,99"');
    expect(body.error.details[8].message).toBe("discount 10.00 is more than the line's 9.99 (quantity × unit_price)");
    expect(await orderCount()).toBe(8);
  });

  test('problems of the order itself are reported together, unknown fields first', async () => {
    const { status, body } = await api.post(
      '/api/v1/orders',
      {
        channel: 'app',
        customer_id: 4242,
        currency: 'USD',
        lines: [],
        total: '10',
        status: 'shipped',
        fulfilment: { type: 'home_delivery', store_code: 'NRD01' },
        quote_number: '',
        coupon_code: 5,
        delivery: { first_name: 'Camille', phone: null, email: 'c@example.fr' },
      },
      'bad-order',
    );
    expect(status).toBe(422);
    expect(body.error.details).toEqual([
      { field: 'channel', code: 'unknown_field', message: expect.stringMatching(/^unknown field "channel"; expected one of customer_id, currency, lines, total, status, /) },
      { field: 'customer_id', code: 'unknown_customer', message: 'no customer with id 4242' },
      { field: 'currency', code: 'unsupported_currency', message: 'the shop sells in EUR only, got "USD"' },
      { field: 'lines', code: 'empty_lines', message: 'an order needs at least one line' },
      { field: 'status', code: 'invalid_value', message: 'the status of a new order must be one of pending, paid, got "shipped"' },
      { field: 'fulfilment.store_code', code: 'store_code_not_allowed', message: 'home_delivery takes no store_code (null), got "NRD01"' },
      { field: 'quote_number', code: 'invalid_value', message: 'quote_number must not be empty' },
      { field: 'coupon_code', code: 'invalid_type', message: 'coupon_code must be a string, got 5' },
      { field: 'delivery.email', code: 'unknown_field', message: 'unknown field "email"; expected one of first_name, last_name, phone' },
      { field: 'delivery.last_name', code: 'required', message: 'delivery.last_name is required' },
    ]);
    expect(body.error.field).toBe('channel');
  });

  test('an empty object names every required field', async () => {
    const { body } = await api.post('/api/v1/orders', {}, 'empty');
    expect(problems(body)).toEqual([
      ['customer_id', 'required'],
      ['currency', 'required'],
      ['lines', 'required'],
      ['total', 'required'],
      ['fulfilment', 'required'],
    ]);
  });

  test.each<[string, Record<string, unknown>, string, string]>([
    ['customer_id as a string', { customer_id: '1003' }, 'customer_id', 'invalid_type'],
    ['a negative customer_id', { customer_id: -1 }, 'customer_id', 'invalid_type'],
    ['lines not an array', { lines: { sku: 'WEB-TENT-2P' } }, 'lines', 'invalid_type'],
    ['a line that is not an object', { lines: [42] }, 'lines[0]', 'invalid_type'],
    ['a line without quantity', { lines: [{ sku: 'WEB-TENT-2P' }] }, 'lines[0].quantity', 'required'],
    ['a line without sku', { lines: [{ quantity: 1 }] }, 'lines[0].sku', 'required'],
    ['a quantity as a string', { lines: [{ sku: 'WEB-TENT-2P', quantity: '1' }] }, 'lines[0].quantity', 'invalid_quantity'],
    ['a negative quantity', { lines: [{ sku: 'WEB-TENT-2P', quantity: -1 }] }, 'lines[0].quantity', 'invalid_quantity'],
    ['a price with 3 decimals', { lines: [{ sku: 'WEB-TENT-2P', quantity: 1, unit_price: '129.000' }] }, 'lines[0].unit_price', 'malformed_decimal'],
    ['a price as a number', { lines: [{ sku: 'WEB-TENT-2P', quantity: 1, unit_price: 129 }] }, 'lines[0].unit_price', 'malformed_decimal'],
    ['a price with a leading zero', { lines: [{ sku: 'WEB-TENT-2P', quantity: 1, unit_price: '0129.00' }] }, 'lines[0].unit_price', 'malformed_decimal'],
    ['a total as a number', { total: 347.9 }, 'total', 'malformed_decimal'],
    ['a total in exponent form', { total: '3.479e2' }, 'total', 'malformed_decimal'],
    ['fulfilment as a string', { fulfilment: 'home_delivery' }, 'fulfilment', 'invalid_type'],
    ['an unknown fulfilment type', { fulfilment: { type: 'drone', store_code: null } }, 'fulfilment.type', 'invalid_value'],
    ['click_and_collect without store_code', { fulfilment: { type: 'click_and_collect' } }, 'fulfilment.store_code', 'store_code_required'],
    ['an unknown fulfilment field', { fulfilment: { type: 'click_and_collect', store_code: 'OUE01', slot: 'am' } }, 'fulfilment.slot', 'unknown_field'],
    ['delivery as an array', { delivery: [] }, 'delivery', 'invalid_type'],
    ['an empty delivery first name', { delivery: { first_name: '', last_name: 'Le Gall', phone: null } }, 'delivery.first_name', 'invalid_value'],
    ['a status of null', { status: null }, 'status', 'invalid_value'],
    ['an id of its own', { id: 1 }, 'id', 'unknown_field'],
    ['a number of its own', { number: 'W1' }, 'number', 'unknown_field'],
  ])('422 for %s', async (_, change, field, code) => {
    const { status, body } = await api.post('/api/v1/orders', { ...quoteOrder, ...change }, 'one-problem');
    expect(status).toBe(422);
    expect(problems(body)).toEqual([[field, code]]);
    expect(body.error.field).toBe(field);
  });

  test('a product priced in another currency than the order', async () => {
    await server.stop();
    data = ecommerceFixture();
    data.products.push({ sku: 'WEB-GLOVE-CH', ean: null, title: 'Gants', price: '19.00', currency: 'CHF', active: true, updated_at: '2026-01-01T00:00:00.000Z' });
    await start();
    const { status, body } = await api.post(
      '/api/v1/orders',
      { ...quoteOrder, lines: [{ sku: 'WEB-TENT-2P', quantity: 1 }, { sku: 'WEB-GLOVE-CH', quantity: 1 }], total: '148.00' },
      'chf',
    );
    expect(status).toBe(422);
    expect(body.error.details).toEqual([
      { field: 'lines[1].sku', code: 'currency_mismatch', message: 'product "WEB-GLOVE-CH" is priced in CHF, the order is in EUR' },
    ]);
  });

  test('a refused order leaves its key free: the corrected request is created under it', async () => {
    expect((await api.post('/api/v1/orders', { ...quoteOrder, total: '1.00' }, 'fix-me')).status).toBe(422);
    expect((await api.post('/api/v1/orders', quoteOrder, 'fix-me')).status).toBe(201);
  });
});

describe('the total', () => {
  test('422 total_mismatch stating the total the lines come to, computed in cents', async () => {
    // 3 × 0.10 + 0.20 is 0.5 in cents, 0.5000000000000001 in binary floating point.
    await server.stop();
    data = ecommerceFixture();
    data.products.push({ sku: 'WEB-CLIP', ean: null, title: 'Clip', price: '0.10', currency: 'EUR', active: true, updated_at: '2026-01-01T00:00:00.000Z' });
    await start();
    const order = { ...quoteOrder, lines: [{ sku: 'WEB-CLIP', quantity: 3 }, { sku: 'WEB-CLIP', quantity: 1, unit_price: '0.20' }] };
    expect((await api.post('/api/v1/orders', { ...order, total: '0.50' }, 'cents')).status).toBe(201);

    const { status, body } = await api.post('/api/v1/orders', { ...quoteOrder, total: '348.00' }, 'mismatch');
    expect({ status, body }).toEqual({
      status: 422,
      body: {
        error: {
          code: 'unprocessable',
          message: 'the order has 1 problem: total: total is "348.00" but the lines come to 347.90 (sum of quantity × unit_price − discount)',
          field: 'total',
          details: [
            {
              field: 'total',
              code: 'total_mismatch',
              message: 'total is "348.00" but the lines come to 347.90 (sum of quantity × unit_price − discount)',
              expected: '347.90',
            },
          ],
        },
      },
    });
  });

  test('is reported with the other problems of a valid set of lines', async () => {
    const { body } = await api.post('/api/v1/orders', { ...quoteOrder, total: '0.00', status: 'delivered' }, 'mismatch-and-status');
    expect(problems(body)).toEqual([
      ['total', 'total_mismatch'],
      ['status', 'invalid_value'],
    ]);
  });
});

describe('idempotency', () => {
  test('the same key with the same body answers 200 with the same order, Idempotent-Replayed, and stores nothing new', async () => {
    const created = await api.post('/api/v1/orders', quoteOrder, 'retry-me');
    now = Date.parse('2026-03-14T12:00:00.000Z');
    // The same request, written with its fields in another order and other spacing.
    const rewritten = JSON.stringify({ ...quoteOrder, customer_id: undefined, currency: undefined }, null, 2).replace(
      '{',
      '{ "currency": "EUR", "customer_id": 1003,',
    );
    for (const body of [quoteOrder, rewritten]) {
      const replay = await api.post('/api/v1/orders', body, 'retry-me');
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.headers.get('location')).toBe('/api/v1/orders/90009');
      expect(replay.body).toEqual(created.body);
    }
    expect(await orderCount()).toBe(9);
  });

  test('the same key with another body is a 409 idempotency_conflict, and stores nothing', async () => {
    await api.post('/api/v1/orders', quoteOrder, 'once');
    for (const other of [{ ...quoteOrder, quote_number: null }, { ...quoteOrder, total: 'x' }]) {
      const { status, body } = await api.post('/api/v1/orders', other, 'once');
      expect({ status, body }).toEqual({
        status: 409,
        body: {
          error: {
            code: 'idempotency_conflict',
            message:
              'Idempotency-Key "once" already created order W1000231 (id 90009) from another request body; a retry must send the same body, a new order a new key',
          },
        },
      });
    }
    expect(await orderCount()).toBe(9);
  });

  describe('at once, with the journal on disk (each write waits for its fsync)', () => {
    let journalDir: string;
    beforeEach(async () => {
      await server.stop();
      journalDir = await mkdtemp(join(tmpdir(), 'ecommerce-orders-'));
      await start({ journalDir });
    });
    afterEach(async () => {
      await server.stop();
      await rm(journalDir, { recursive: true, force: true });
    });
    const journalled = async () =>
      (await readFile(join(journalDir, 'writes.jsonl'), 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { kind: string; idempotency_key: string; order: EcomOrder });

    test('a double submit (two identical requests at once) creates one order; the second answers it', async () => {
      const answers = await Promise.all([api.post('/api/v1/orders', quoteOrder, 'double'), api.post('/api/v1/orders', quoteOrder, 'double')]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 201]);
      expect(answers[0]!.body).toEqual(answers[1]!.body);
      expect(answers[0]!.body.data.id).toBe(90009);
      expect(await orderCount()).toBe(9);
      expect((await journalled()).map((entry) => [entry.kind, entry.idempotency_key, entry.order.id])).toEqual([['POST /orders', 'double', 90009]]);
    });

    test('many retries and other orders at once: one order per key, ids and numbers in sequence', async () => {
      const keys = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'd'];
      const answers = await Promise.all(keys.map((key) => api.post('/api/v1/orders', quoteOrder, key)));
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(4);
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(4);
      const byKey = new Map<string, number>();
      for (const [index, key] of keys.entries()) {
        const { id } = answers[index]!.body.data as EcomOrder;
        expect(byKey.get(key) ?? id).toBe(id);
        byKey.set(key, id);
      }
      expect([...byKey.values()].sort()).toEqual([90009, 90010, 90011, 90012]);
      const { body } = await api.get('/api/v1/orders?updated_since=2026-03-14T00:00:00Z');
      expect(body.data.map((order: EcomOrder) => order.number)).toEqual(['W1000231', 'W1000232', 'W1000233', 'W1000234']);
      expect((await journalled()).map((entry) => entry.order.id)).toEqual([90009, 90010, 90011, 90012]);
    });
  });
});

describe('like every other call', () => {
  test('rate limiting applies: 429, not counted, nothing stored', async () => {
    await server.stop();
    now = 1_000_000;
    await start({ rateLimitPerSecond: 1 });
    expect((await api.post('/api/v1/orders', quoteOrder, 'first')).status).toBe(201);
    const limited = await api.post('/api/v1/orders', giftOrder, 'second');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(server.counter.snapshot().byOperation).toEqual({ 'POST /orders': 1 });
    now += 1000;
    expect(await orderCount()).toBe(9);
  });

  test('an injected error answers 500 and stores nothing; the retry under the same key creates the order', async () => {
    await server.stop();
    await start({ faults: { latencyMs: 0, jitterMs: 0, errorRate: 1, down: false } });
    expect(await api.post('/api/v1/orders', quoteOrder, 'faulted')).toMatchObject({ status: 500, body: { error: { code: 'server_error' } } });
    await fetch(`${server.url}/__admin/faults`, { method: 'PATCH', body: JSON.stringify({ errorRate: 0 }) });
    expect((await api.post('/api/v1/orders', quoteOrder, 'faulted')).status).toBe(201);
    expect(server.counter.snapshot()).toMatchObject({ faulted: 1, byOperation: { 'POST /orders': 1 } });
  });

  test('other methods on /orders are refused with Allow', async () => {
    const { status, headers } = await api.call('PUT', '/api/v1/orders', quoteOrder);
    expect(status).toBe(405);
    expect(headers.get('allow')).toBe('GET, POST');
  });
});
