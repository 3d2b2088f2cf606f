import type { EcommerceData } from '../generator/model.js';
import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

let data: EcommerceData;
let now: number;
let server: RunningEcommerce;
let api: ReturnType<typeof jsonClient>;

beforeEach(async () => {
  data = ecommerceFixture();
  now = Date.parse('2026-03-14T10:22:00.000Z');
  server = await startEcommerce({ data, clock: () => now });
  api = jsonClient(server.url);
});
afterEach(() => server.stop());

/** The customer as served before any write: the record as stored, never erased. */
const served = (id: number) => ({ ...data.customers.find((c) => c.id === id)!, erased_at: null });

describe('PATCH /api/v1/customers/:id', () => {
  test('opting in stamps newsletter_opt_in_at and updated_at, and moves the customer to the end of the sync feed', async () => {
    const stored = structuredClone(data.customers.find((c) => c.id === 1002)!);
    const before = served(1002);
    const { status, body } = await api.patch('/api/v1/customers/1002', { newsletter_opt_in: true });
    expect(status).toBe(200);
    const expected = { ...before, newsletter_opt_in: true, newsletter_opt_in_at: '2026-03-14T10:22:00.000Z', updated_at: '2026-03-14T10:22:00.000Z' };
    expect(body).toEqual({ data: expected });
    expect((await api.get('/api/v1/customers/1002')).body.data).toEqual(expected);
    const feed = await api.get('/api/v1/customers?updated_since=2026-02-01T09:00:00Z');
    expect(feed.body.data.map((c: { id: number }) => c.id)).toEqual([1007, 1012, 1002]);
    expect(data.customers.find((c) => c.id === 1002)).toEqual(stored);
  });

  test('opting out stamps the time of that choice too', async () => {
    now = Date.parse('2026-03-15T08:00:00.000Z');
    const { body } = await api.patch('/api/v1/customers/1001', { newsletter_opt_in: false });
    expect(body.data).toMatchObject({ newsletter_opt_in: false, newsletter_opt_in_at: '2026-03-15T08:00:00.000Z', updated_at: '2026-03-15T08:00:00.000Z' });
  });

  test('sending the current choice again changes nothing', async () => {
    const before = served(1003);
    const { status, body } = await api.patch('/api/v1/customers/1003', { newsletter_opt_in: true });
    expect(status).toBe(200);
    expect(body.data).toEqual(before);
  });

  test.each([
    [{ email: 'jean@example.fr' }, 'email', 'customer field email cannot be changed; only newsletter_opt_in can'],
    [{ newsletter_opt_in: true, phone: '0612', last_name: 'X' }, 'phone', 'customer fields phone, last_name cannot be changed; only newsletter_opt_in can'],
    [{ newsletter_opt_in_at: '2026-01-01T00:00:00Z' }, 'newsletter_opt_in_at', 'customer field newsletter_opt_in_at cannot be changed; only newsletter_opt_in can'],
    [{}, 'newsletter_opt_in', 'newsletter_opt_in is required'],
    [{ newsletter_opt_in: 'yes' }, 'newsletter_opt_in', 'newsletter_opt_in must be true or false, got "yes"'],
    [{ newsletter_opt_in: null }, 'newsletter_opt_in', 'newsletter_opt_in must be true or false, got null'],
  ])('422 naming the field for %j', async (patch, field, message) => {
    const { status, body } = await api.patch('/api/v1/customers/1001', patch);
    expect(status).toBe(422);
    expect(body).toEqual({ error: { code: 'unprocessable', message, field } });
    expect((await api.get('/api/v1/customers/1001')).body.data).toEqual(served(1001));
  });

  test.each([
    ['{"newsletter_opt_in": tru', 'body must be a JSON object, got "{\\"newsletter_opt_in\\": tru"'],
    ['[true]', 'body must be a JSON object, got [true]'],
    ['', 'body must be a JSON object, got ""'],
  ])('400 for a body that is not a JSON object: %s', async (text, message) => {
    const { status, body } = await api.patch('/api/v1/customers/1001', text);
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: 'bad_request', message } });
  });

  test('404 for an unknown customer, 400 for a malformed id', async () => {
    expect((await api.patch('/api/v1/customers/999', { newsletter_opt_in: true })).body).toEqual({
      error: { code: 'not_found', message: 'no customer with id 999' },
    });
    expect((await api.patch('/api/v1/customers/me', { newsletter_opt_in: true })).status).toBe(400);
  });

  test('is counted as its own operation', async () => {
    await api.patch('/api/v1/customers/1002', { newsletter_opt_in: true });
    expect(server.counter.snapshot().byOperation).toEqual({ 'PATCH /customers/:id': 1 });
  });
});
