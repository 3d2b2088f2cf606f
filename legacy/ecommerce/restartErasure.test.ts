import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEcommerce, writeEstate } from '../generator/files.js';
import { generateEstate } from '../generator/generate.js';
import type { EcomCustomer } from '../generator/model.js';
import { startStandInProcess } from '../shared/testProcess.js';
import { startEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

// Each step starts the platform on the folder the previous one left; they run in order.
const slow = 60_000;

let estateDir: string;
let journalDir: string;
let journalPath: string;
/** Customers with orders and addresses: what an erasure changes most. */
let withEverything: EcomCustomer[];
let now = Date.parse('2026-11-03T09:00:00.000Z');
/** What each erased customer looked like through the API once erased: customer id → customer, addresses, orders. */
const erased = new Map<number, unknown>();

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'ecommerce-erasure-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  journalDir = join(estateDir, 'ecommerce');
  journalPath = join(journalDir, 'writes.jsonl');
  const { customers, orders, addresses } = await readEcommerce(estateDir);
  const ordered = new Set(orders.map((o) => o.customer_id));
  const addressed = new Set(addresses.map((a) => a.customer_id));
  withEverything = customers.filter((c) => ordered.has(c.id) && addressed.has(c.id));
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

const start = async () => startEcommerce({ data: await readEcommerce(estateDir), journalDir, clock: () => now });
const journal = async () => (await readFile(journalPath, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);

/** Everything the API serves about a customer. */
async function served(url: string, id: number) {
  const api = jsonClient(url);
  return {
    customer: (await api.get(`/api/v1/customers/${id}`)).body.data,
    addresses: (await api.get(`/api/v1/customers/${id}/addresses`)).body.data,
    orders: (await api.all(`/api/v1/orders?customer_id=${id}&per_page=200`)).records,
  };
}

async function expectErased(url: string) {
  for (const [id, state] of erased) expect(await served(url, id)).toEqual(state);
  // Last in the sync feed, in the order they were erased.
  const feed = await jsonClient(url).all('/api/v1/customers?updated_since=2026-11-03T00:00:00Z&per_page=200');
  expect(feed.records.map((c: { id: number }) => c.id)).toEqual([...erased.keys()]);
}

describe('the web shop keeps its erasures across restarts on one folder', () => {
  test('an erasure is journaled once before its answer, and is served the same after a stop and a new start', async () => {
    const target = withEverything[0]!;
    let shop = await start();
    try {
      const api = jsonClient(shop.url);
      const answer = await api.call('DELETE', `/api/v1/customers/${target.id}`);
      expect(answer.body).toEqual({ data: { id: target.id, erased_at: '2026-11-03T09:00:00.000Z' } });
      expect(await journal()).toEqual([{ kind: 'DELETE /customers/:id', id: target.id, at: '2026-11-03T09:00:00.000Z' }]);
      const state = await served(shop.url, target.id);
      expect(state.customer).toMatchObject({ email: `erased-${target.id}@erased.invalid`, first_name: '', phone: null, erased_at: '2026-11-03T09:00:00.000Z' });
      expect(state.addresses).toEqual([]);
      expect(state.orders.length).toBeGreaterThan(0);
      erased.set(target.id, state);

      // A repeat and a refusal are not written.
      now = Date.parse('2026-11-03T09:30:00.000Z');
      expect((await api.call('DELETE', `/api/v1/customers/${target.id}`)).body.data.erased_at).toBe('2026-11-03T09:00:00.000Z');
      expect((await api.call('DELETE', '/api/v1/customers/99999999')).status).toBe(404);
      expect(await journal()).toHaveLength(1);
      await shop.stop();

      shop = await start();
      expect(shop.journal).toEqual({ path: journalPath, replayed: 1 });
      await expectErased(shop.url);
      expect((await jsonClient(shop.url).call('DELETE', `/api/v1/customers/${target.id}`)).body.data.erased_at).toBe('2026-11-03T09:00:00.000Z');
      expect(await journal()).toHaveLength(1);
    } finally {
      await shop.stop();
    }
  }, slow);

  test('an erasure acknowledged just before the process is killed survives', async () => {
    const target = withEverything[1]!;
    const child = await startStandInProcess(
      'legacy/ecommerce/index.ts',
      { LEGACY_DATA_DIR: estateDir, LEGACY_ECOMMERCE_PORT: '0' },
      /REST API on (\S+)\/api\/v1 \(.*, (\d+) replayed\)/,
    );
    try {
      expect(child.ready[2]).toBe('1');
      const url = child.ready[1]!;
      expect((await jsonClient(url).call('DELETE', `/api/v1/customers/${target.id}`)).status).toBe(200);
      erased.set(target.id, await served(url, target.id));
    } finally {
      // No SIGTERM handler, no stop(): what was acknowledged must already be on disk.
      await child.kill();
    }
    const shop = await start();
    try {
      expect(shop.journal.replayed).toBe(2);
      await expectErased(shop.url);
    } finally {
      await shop.stop();
    }
  }, slow);

  test('a journal that erases one customer twice is damaged: the start stops, naming the line', async () => {
    const [first] = erased.keys();
    await appendFile(journalPath, `${JSON.stringify({ kind: 'DELETE /customers/:id', id: first, at: '2026-11-04T00:00:00.000Z' })}\n`);
    await expect(start()).rejects.toThrow(`${journalPath}:3: the ecommerce stand-in could not replay this DELETE /customers/:id write: customer ${first} was already erased`);
  }, slow);
});
