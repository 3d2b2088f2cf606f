import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEcommerce, writeEstate } from '../generator/files.js';
import { generateEstate } from '../generator/generate.js';
import type { EcomCustomer, EcomOrder, EcomProduct } from '../generator/model.js';
import { startStandInProcess } from '../shared/testProcess.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

// Each step starts the platform on the folder the previous one left; they run in order.
const slow = 60_000;

let estateDir: string;
let journalDir: string;
let journalPath: string;
let customers: EcomCustomer[];
let onSale: EcomProduct[];
/** What the generated data holds: the highest order id, and the highest number after its `W`. */
let lastId: number;
let lastNumber: number;
let now = Date.parse('2026-11-02T10:00:00.000Z');
/** Orders the platform acknowledged, as it answered them: idempotency key → request and order. */
const acknowledged = new Map<string, { request: Record<string, unknown>; order: EcomOrder }>();

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'ecommerce-restart-orders-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  journalDir = join(estateDir, 'ecommerce');
  journalPath = join(journalDir, 'writes.jsonl');
  const data = await readEcommerce(estateDir);
  customers = data.customers;
  onSale = data.products.filter((product) => product.active && product.currency === 'EUR');
  lastId = Math.max(...data.orders.map((order) => order.id));
  lastNumber = Math.max(...data.orders.map((order) => Number(order.number.slice(1))));
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

const start = async () => startEcommerce({ data: await readEcommerce(estateDir), journalDir, clock: () => now });

/** An order of `count` products at their web price, the n-th one of them `n` times, for the `which`-th customer. */
function orderRequest(which: number, count: number): Record<string, unknown> {
  const products = onSale.slice(which, which + count);
  const totalCents = products.reduce((sum, product, n) => sum + (n + 1) * Math.round(Number(product.price) * 100), 0);
  return {
    customer_id: customers[which]!.id,
    currency: 'EUR',
    lines: products.map((product, n) => ({ sku: product.sku, quantity: n + 1 })),
    total: (totalCents / 100).toFixed(2),
    fulfilment: { type: 'home_delivery', store_code: null },
  };
}

async function createOrder(url: string, key: string, request: Record<string, unknown>): Promise<EcomOrder> {
  const { status, body } = await jsonClient(url).post('/api/v1/orders', request, key);
  expect(status).toBe(201);
  acknowledged.set(key, { request, order: body.data });
  return body.data as EcomOrder;
}

const journalEntries = async () =>
  (await readFile(journalPath, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Reads every acknowledged order back, and retries each under its key: the same order, replayed. */
async function expectEveryOrder(url: string) {
  const api = jsonClient(url);
  for (const [key, { request, order }] of acknowledged) {
    expect((await api.get(`/api/v1/orders/${order.id}`)).body.data).toEqual(order);
    expect((await api.get(`/api/v1/orders?number=${order.number}`)).body.data).toEqual([order]);
    const retry = await api.post('/api/v1/orders', request, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.data).toEqual(order);
  }
  const numbers = [...acknowledged.values()].map(({ order }) => order.number).sort();
  const feed = await api.all('/api/v1/orders?updated_since=2026-11-02T00:00:00Z&per_page=200');
  expect(feed.records.map((order: EcomOrder) => order.number).sort()).toEqual(numbers);
}

describe('the e-commerce platform keeps the orders it created, and their idempotency keys, across restarts', () => {
  test('an order is in the journal before its 201, and is read back, key included, after a stop and a new start', async () => {
    let shop: RunningEcommerce = await start();
    try {
      const first = await createOrder(shop.url, 'order-1', orderRequest(0, 2));
      expect(first).toMatchObject({ id: lastId + 1, number: `W${lastNumber + 1}`, placed_at: '2026-11-02T10:00:00.000Z' });
      // Answered, so already on disk, with its key and the whole order as created.
      expect(await journalEntries()).toEqual([
        { kind: 'POST /orders', idempotency_key: 'order-1', request_fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), order: first },
      ]);
      // A PATCH between two orders: writes of both kinds are replayed in the order they came.
      now = Date.parse('2026-11-02T10:05:00.000Z');
      const patched = await jsonClient(shop.url).patch(`/api/v1/customers/${customers[1]!.id}`, { newsletter_opt_in: !customers[1]!.newsletter_opt_in });
      expect(patched.status).toBe(200);
      now = Date.parse('2026-11-02T10:10:00.000Z');
      await createOrder(shop.url, 'order-2', orderRequest(1, 3));
      // Refused calls store nothing.
      const api = jsonClient(shop.url);
      expect((await api.post('/api/v1/orders', { ...orderRequest(2, 1), total: '0.01' }, 'order-3')).status).toBe(422);
      expect((await api.post('/api/v1/orders', orderRequest(2, 1), 'order-1')).status).toBe(409);
      expect((await api.post('/api/v1/orders', orderRequest(0, 2), 'order-1')).status).toBe(200);
      expect(await journalEntries()).toHaveLength(3);
      await shop.stop();

      shop = await start();
      expect(shop.journal).toEqual({ path: journalPath, replayed: 3 });
      await expectEveryOrder(shop.url);
      expect((await jsonClient(shop.url).get(`/api/v1/customers/${customers[1]!.id}`)).body.data).toEqual(patched.body.data);
      // The key is still taken by its request, and the numbering goes on where it was.
      const conflict = await jsonClient(shop.url).post('/api/v1/orders', orderRequest(2, 1), 'order-1');
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.code).toBe('idempotency_conflict');
      now = Date.parse('2026-11-02T10:30:00.000Z');
      expect(await createOrder(shop.url, 'order-3', orderRequest(2, 1))).toMatchObject({ id: lastId + 3, number: `W${lastNumber + 3}` });
    } finally {
      await shop.stop();
    }
  }, slow);

  test('an order acknowledged just before the process is killed survives, and its key with it', async () => {
    const child = await startStandInProcess(
      'legacy/ecommerce/index.ts',
      { LEGACY_DATA_DIR: estateDir, LEGACY_ECOMMERCE_PORT: '0' },
      /REST API on (\S+)\/api\/v1 \(.*, (\d+) replayed\)/,
    );
    let killed: EcomOrder;
    try {
      expect(child.ready[2]).toBe('4');
      const url = child.ready[1]!;
      // A double submit to the process with its journal on disk: one order.
      const request = orderRequest(3, 2);
      const answers = await Promise.all([
        jsonClient(url).post('/api/v1/orders', request, 'order-4'),
        jsonClient(url).post('/api/v1/orders', request, 'order-4'),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 201]);
      killed = answers[0]!.body.data;
      acknowledged.set('order-4', { request, order: killed });
    } finally {
      // No SIGTERM handler, no stop(): what was acknowledged must already be on disk.
      await child.kill();
    }
    expect(killed).toMatchObject({ id: lastId + 4, number: `W${lastNumber + 4}` });
    const shop = await start();
    try {
      expect(shop.journal.replayed).toBe(5);
      await expectEveryOrder(shop.url);
      expect((await jsonClient(shop.url).post('/api/v1/orders', orderRequest(0, 1), 'order-4')).status).toBe(409);
    } finally {
      await shop.stop();
    }
  }, slow);
});
