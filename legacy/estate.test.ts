import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEstate, type RunningEstate } from './estate.js';
import { readEcommerce, readLoyalty, readPos } from './generator/files.js';
import { jsonClient } from './ecommerce/testClient.js';
import { arg, soapClient } from './loyalty/testClient.js';
import { startStandInProcess } from './shared/testProcess.js';

const ANY_PORT = { ecommerce: 0, loyalty: 0, pos: 0, posAdmin: 0, catalogue: 0 };
// Generating the estate and opening PGlite on disk take seconds each.
const slow = 180_000;

let dataDir: string;
let estate: RunningEstate | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'estate-restart-'));
});
afterAll(async () => {
  await estate?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const start = () => startEstate({ dataDir, scale: 'tiny', ports: ANY_PORT });

async function sql<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

test('a consent update, a newsletter choice and a till receipt survive stop() and a new startEstate on the same folder', async () => {
  estate = await start();
  expect(estate.generated).toBe(true);
  const member = (await readLoyalty(dataDir)).members[0]!.member_id;
  const customer = (await readEcommerce(dataDir)).customers.find((c) => !c.newsletter_opt_in)!.id;
  const pos = await readPos(dataDir);
  const store = pos.stores.find((s) => s.franchise === 'NRD')!.code;
  const seller = pos.sellers.find((s) => s.store_code === store)!.code;

  const consentArgs = [
    arg('memberId', member),
    arg('channel', 'SMS'),
    arg('status', 'OPT_OUT'),
    arg('source', 'STORE:NRD01'),
    arg('capturedAt', '2026-11-02T09:00:00Z'),
  ].join('');
  const consent = (await soapClient(estate.loyalty.endpoint).call('UpdateConsent', consentArgs)).body.consent;
  expect(consent).toMatchObject({ memberId: member, channel: 'SMS', status: 'OPT_OUT' });
  const patched = (await jsonClient(estate.ecommerce.url).patch(`/api/v1/customers/${customer}`, { newsletter_opt_in: true })).body.data;
  expect(patched).toMatchObject({ id: customer, newsletter_opt_in: true });
  await sql(
    estate.pos.url,
    `INSERT INTO franchise_nrd.receipts (receipt_no, store_code, seller_code, sold_at, card_number, phone, currency, total_cents)
     VALUES ('ESTATE-0001', $1, $2, '2026-11-02T10:00:00Z', NULL, NULL, 'EUR', 990)`,
    [store, seller],
  );
  await estate.stop();
  estate = undefined;

  // The POS run on its own (legacy/pos/index.ts) loads with the seed startEstate used: it keeps the row too.
  const child = await startStandInProcess(
    'legacy/pos/index.ts',
    { LEGACY_DATA_DIR: dataDir, LEGACY_POS_PORT: '0', LEGACY_POS_ADMIN_PORT: '0' },
    /on (postgres:\/\/\S+) \(PGlite in .*, (dataset already in place|loaded in [\d.]+ s)\)/,
    slow,
  );
  try {
    expect(child.ready[2]).toBe('dataset already in place');
  } finally {
    await child.kill();
  }

  estate = await start();
  expect(estate.generated).toBe(false);
  expect(estate.loyalty.journal).toEqual({ path: join(dataDir, 'loyalty', 'writes.jsonl'), replayed: 1 });
  expect(estate.ecommerce.journal).toEqual({ path: join(dataDir, 'ecommerce', 'writes.jsonl'), replayed: 1 });
  expect(estate.pos.load).toMatchObject({ loaded: false });

  const consents = (await soapClient(estate.loyalty.endpoint).call('GetConsents', arg('memberId', member))).body.consent;
  expect(consents).toContainEqual(consent);
  expect((await jsonClient(estate.ecommerce.url).get(`/api/v1/customers/${customer}`)).body.data).toEqual(patched);
  expect(await sql(estate.pos.url, `SELECT receipt_no, total_cents FROM franchise_nrd.receipts WHERE receipt_no = 'ESTATE-0001'`)).toEqual([
    { receipt_no: 'ESTATE-0001', total_cents: 990 },
  ]);
}, slow);
