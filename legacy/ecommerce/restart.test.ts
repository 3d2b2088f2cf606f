import { jest } from '@jest/globals';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEcommerce, writeEstate } from '../generator/files.js';
import { generateEstate } from '../generator/generate.js';
import type { EcomCustomer } from '../generator/model.js';
import { startStandInProcess } from '../shared/testProcess.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

// Each step starts the platform on the folder the previous one left; they run in order.
const slow = 60_000;

let estateDir: string;
let journalDir: string;
let journalPath: string;
let optedOut: EcomCustomer[];
let optedIn: EcomCustomer[];
let now = Date.parse('2026-11-02T10:00:00.000Z');
/** What the platform acknowledged, as it answered: customer id → the customer it returned. */
const acknowledged = new Map<number, Record<string, unknown>>();

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'ecommerce-restart-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  journalDir = join(estateDir, 'ecommerce');
  journalPath = join(journalDir, 'writes.jsonl');
  const { customers } = await readEcommerce(estateDir);
  optedOut = customers.filter((customer) => !customer.newsletter_opt_in);
  optedIn = customers.filter((customer) => customer.newsletter_opt_in);
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

const start = async () => startEcommerce({ data: await readEcommerce(estateDir), journalDir, clock: () => now });

async function setNewsletter(url: string, id: number, optIn: boolean) {
  const { status, body } = await jsonClient(url).patch(`/api/v1/customers/${id}`, { newsletter_opt_in: optIn });
  expect(status).toBe(200);
  acknowledged.set(id, body.data);
  return body.data as Record<string, unknown>;
}

/** Reads every acknowledged write back through the API. */
async function expectEveryWrite(url: string) {
  const api = jsonClient(url);
  for (const [id, customer] of acknowledged) {
    expect((await api.get(`/api/v1/customers/${id}`)).body.data).toEqual(customer);
  }
  // The sync feed has them last, by the updated_at each change gave them (the killed process ran on the real clock).
  const feed = await api.all('/api/v1/customers?updated_since=2026-11-02T00:00:00Z&per_page=200');
  const byUpdate = [...acknowledged.values()].sort((a, b) => Date.parse(a.updated_at as string) - Date.parse(b.updated_at as string) || (a.id as number) - (b.id as number));
  expect(feed.records.map((customer: { id: number }) => customer.id)).toEqual(byUpdate.map((customer) => customer.id));
}

describe('the e-commerce platform keeps what it acknowledged across restarts on one folder', () => {
  test('a newsletter choice is in the journal before its answer, and is read back after a stop and a new start', async () => {
    let shop: RunningEcommerce = await start();
    try {
      expect(shop.journal).toEqual({ path: journalPath, replayed: 0 });
      now = Date.parse('2026-11-02T10:00:00.000Z');
      const subscribed = await setNewsletter(shop.url, optedOut[0]!.id, true);
      expect(subscribed).toMatchObject({ newsletter_opt_in: true, newsletter_opt_in_at: '2026-11-02T10:00:00.000Z', updated_at: '2026-11-02T10:00:00.000Z' });
      // Answered, so already on disk.
      expect((await readFile(journalPath, 'utf8')).trimEnd().split('\n').map((text) => JSON.parse(text))).toEqual([
        { kind: 'PATCH /customers/:id', id: optedOut[0]!.id, newsletter_opt_in: true, at: '2026-11-02T10:00:00.000Z' },
      ]);
      now = Date.parse('2026-11-02T10:05:00.000Z');
      await setNewsletter(shop.url, optedIn[0]!.id, false);
      // Refused calls change nothing and are not kept.
      const api = jsonClient(shop.url);
      expect((await api.patch(`/api/v1/customers/${optedIn[1]!.id}`, { newsletter_opt_in: 'yes' })).status).toBe(422);
      expect((await api.patch('/api/v1/customers/99999999', { newsletter_opt_in: true })).status).toBe(404);
      expect((await readFile(journalPath, 'utf8')).trimEnd().split('\n')).toHaveLength(2);
      await shop.stop();

      shop = await start();
      expect(shop.journal).toEqual({ path: journalPath, replayed: 2 });
      await expectEveryWrite(shop.url);
      // Sending the choice in force again changes nothing, after a restart as before it.
      now = Date.parse('2026-11-02T10:30:00.000Z');
      const again = await jsonClient(shop.url).patch(`/api/v1/customers/${optedOut[0]!.id}`, { newsletter_opt_in: true });
      expect(again.body.data).toEqual(acknowledged.get(optedOut[0]!.id));
    } finally {
      await shop.stop();
    }
  }, slow);

  test('a write acknowledged just before the process is killed survives', async () => {
    const child = await startStandInProcess(
      'legacy/ecommerce/index.ts',
      { LEGACY_DATA_DIR: estateDir, LEGACY_ECOMMERCE_PORT: '0' },
      /REST API on (\S+)\/api\/v1 \(.*, (\d+) replayed\)/,
    );
    try {
      // Two choices and the no-op that followed them.
      expect(child.ready[2]).toBe('3');
      await setNewsletter(child.ready[1]!, optedOut[1]!.id, true);
    } finally {
      // No SIGTERM handler, no stop(): what was acknowledged must already be on disk.
      await child.kill();
    }
    const shop = await start();
    try {
      expect(shop.journal.replayed).toBe(4);
      await expectEveryWrite(shop.url);
    } finally {
      await shop.stop();
    }
  }, slow);

  test('a torn last line (a crash mid-write) is skipped with a warning; the platform starts with every acknowledged write', async () => {
    await appendFile(journalPath, `{"kind":"PATCH /customers/:id","id":${optedOut[2]!.id},"newsletter_opt_in":tr`);
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let shop: RunningEcommerce;
    let warnings: unknown[][];
    try {
      shop = await start();
    } finally {
      warnings = [...warn.mock.calls];
      warn.mockRestore();
    }
    try {
      expect(warnings).toEqual([[expect.stringContaining(`${journalPath}:5: skipped a torn last line`), 'JournalWarning']]);
      expect(shop.journal.replayed).toBe(4);
      await expectEveryWrite(shop.url);
      expect((await jsonClient(shop.url).get(`/api/v1/customers/${optedOut[2]!.id}`)).body.data.newsletter_opt_in).toBe(false);
      now = Date.parse('2026-11-02T12:00:00.000Z');
      await setNewsletter(shop.url, optedIn[1]!.id, false);
      await shop.stop();

      shop = await start();
      expect(shop.journal.replayed).toBe(5);
      await expectEveryWrite(shop.url);
    } finally {
      await shop.stop();
    }
  }, slow);
});
