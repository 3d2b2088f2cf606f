import { ecommerceFixture } from './fixture.js';
import { feedbackFixture } from './feedbackFixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

const feedback = feedbackFixture();
const ids = (records: { id: number }[]) => records.map((r) => r.id);

let server: RunningEcommerce;
let api: ReturnType<typeof jsonClient>;

beforeAll(async () => {
  server = await startEcommerce({ data: { ...ecommerceFixture(), ...feedbackFixture() } });
  api = jsonClient(server.url);
});
afterAll(() => server.stop());
beforeEach(() => server.counter.reset());

describe('GET /api/v1/products/:sku/reviews', () => {
  test('pages the published reviews, newest first (same instant: higher id first), without the account behind them', async () => {
    const { records, pages } = await api.all('/api/v1/products/WEB-RUN-4471/reviews?per_page=2');
    expect(pages).toBe(2);
    expect(ids(records)).toEqual([4, 3, 1]);
    expect(records[0]).toEqual({
      id: 4, sku: 'WEB-RUN-4471', author_name: 'Sophie L.', rating: 4, title: 'Très bien', body: 'Conforme à la description.', created_at: '2026-02-20T09:00:00.000Z',
    });
    for (const record of records) expect(Object.keys(record)).not.toEqual(expect.arrayContaining(['customer_id']));
  });

  test('an existing product without a published review is an empty list; an unknown SKU a 404 (SKUs are exact)', async () => {
    const tent = await api.get('/api/v1/products/WEB-TENT-2P/reviews');
    expect(tent.body).toEqual({ data: [], meta: { page: 1, per_page: 50, total: 0, total_pages: 0 }, links: { next: null } });
    const unknown = await api.get('/api/v1/products/web-run-4471/reviews');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  test('is counted under its own operation', async () => {
    await api.get('/api/v1/products/WEB-RUN-4471/reviews');
    expect(server.counter.snapshot().byOperation).toEqual({ 'GET /products/:sku/reviews': 1 });
  });
});

describe('GET /api/v1/customers/:id/reviews', () => {
  test('lists every review of the customer, any status, in id order', async () => {
    const { body } = await api.get('/api/v1/customers/1001/reviews');
    expect(ids(body.data)).toEqual([3, 5, 6]);
    expect(body.data.map((r: { status: string }) => r.status)).toEqual(['published', 'pending', 'published']);
    expect(body.data[1]).toEqual(feedback.reviews.find((r) => r.id === 5));
  });

  test('an unknown customer is a 404, a malformed id a 400', async () => {
    expect((await api.get('/api/v1/customers/4242/reviews')).status).toBe(404);
    expect((await api.get('/api/v1/customers/abc/reviews')).status).toBe(400);
  });
});

describe('GET /api/v1/reviews', () => {
  test('answers a batch of SKUs, filtered by status, counting one item per value sent', async () => {
    const { body } = await api.get('/api/v1/reviews?skus=WEB-RUN-4471,RUN-KS500-OLD,NOPE&status=published');
    expect(ids(body.data)).toEqual([1, 3, 4, 6]);
    expect(server.counter.snapshot()).toMatchObject({ byOperation: { 'GET /reviews': 1 }, itemsByOperation: { 'GET /reviews': 3 } });
  });

  test('answers a batch of customers, any status unless asked', async () => {
    const { body } = await api.get('/api/v1/reviews?customer_ids=1002,1007');
    expect(ids(body.data)).toEqual([1, 2]);
    const both = await api.get('/api/v1/reviews?customer_ids=1001&skus=WEB-TENT-2P');
    expect(ids(both.body.data)).toEqual([5]);
  });

  test('refuses an unknown status, more than 100 values, an unknown parameter', async () => {
    expect((await api.get('/api/v1/reviews?status=hidden')).body.error.code).toBe('bad_request');
    const many = Array.from({ length: 101 }, (_, i) => `S${i}`).join(',');
    expect((await api.get(`/api/v1/reviews?skus=${many}`)).status).toBe(400);
    expect((await api.get('/api/v1/reviews?sku=WEB-TENT-2P')).status).toBe(400);
  });
});

describe('service contacts (the helpdesk module)', () => {
  test('GET /customers/:id/service-contacts lists the tickets in id order, open ones with closed_at null', async () => {
    const { body } = await api.get('/api/v1/customers/1001/service-contacts');
    expect(body.data).toEqual([feedback.serviceContacts[1], feedback.serviceContacts[0]]);
    expect(body.meta.total).toBe(2);
    expect((await api.get('/api/v1/customers/1002/service-contacts')).body.data).toEqual([]);
    expect((await api.get('/api/v1/customers/4242/service-contacts')).status).toBe(404);
  });

  test('GET /service-contacts takes a batch of customer_ids, and requires it', async () => {
    const { body } = await api.get('/api/v1/service-contacts?customer_ids=1003,1001');
    expect(ids(body.data)).toEqual([7, 9, 12]);
    const none = await api.get('/api/v1/service-contacts');
    expect(none.status).toBe(400);
    expect(none.body.error.message).toBe('customer_ids is required');
  });
});

test('an estate without feedback serves empty lists', async () => {
  const bare = await startEcommerce({ data: ecommerceFixture() });
  try {
    const client = jsonClient(bare.url);
    expect((await client.get('/api/v1/products/WEB-RUN-4471/reviews')).body.data).toEqual([]);
    expect((await client.get('/api/v1/customers/1001/service-contacts')).body.data).toEqual([]);
  } finally {
    await bare.stop();
  }
});

test('a review outside the platform’s contract stops the start, naming it', async () => {
  const bad = feedbackFixture();
  bad.reviews[0]!.rating = 6;
  await expect(startEcommerce({ data: { ...ecommerceFixture(), ...bad } })).rejects.toThrow('review 3 has rating 6, not 1 to 5');
});
