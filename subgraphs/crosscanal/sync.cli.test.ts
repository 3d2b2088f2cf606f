import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEstate, type Generated } from '../../legacy/generator/generate.js';
import { runInProcess, startCommand, dropSchema } from './cli/runCommand.js';
import { startSyncStandIns, type SyncStandIns } from './cli/standIns.js';
import { main } from './sync.js';
import { referenceStoreOf } from './products/referenceIndex.js';
import { CrosswalkStore } from './store/crosswalkStore.js';

/**
 * The sync command against the four stand-ins: customers and product references, side by
 * side. In-process through `main`; as a real process for the watch (what it prints through a
 * pipe, its exit on SIGTERM).
 */

const COMMAND = new URL('./sync.ts', import.meta.url);
const DATABASE_URL = process.env.DATABASE_URL;

let generated: Generated;
let standIns: SyncStandIns;
let dir: string;

beforeAll(async () => {
  generated = generateEstate({ scale: 'tiny' });
  standIns = await startSyncStandIns(generated.estate);
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-sync-'));
}, 60_000);

afterAll(async () => {
  await standIns?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = (more: Record<string, string>) => ({ ...standIns.env, CROSSCANAL_SOURCE_TIMEOUT_MS: '10000', ...more });

/** Runs `main` in-process with `environment` as its whole environment. */
const run = (args: string[], environment: Record<string, string> = {}) => runInProcess(main, args, environment);

/** What a store holds after a sync: the crosswalk's counts, and how each sync left each system. */
async function contents(options: { dataDir?: string; databaseUrl?: string; schema?: string }) {
  const store = await CrosswalkStore.open(options);
  try {
    const index = referenceStoreOf(store);
    return {
      counts: await store.counts(),
      identityStates: [...(await store.syncStates()).values()].map((s) => ({ source: s.source, ok: s.lastRunAt !== null && s.lastError === null })),
      productStates: [...(await index.syncStates()).values()].map((s) => ({ source: s.source, ok: s.lastRunAt !== null && s.lastError === null, entries: s.entries })),
      references: await index.quality(),
    };
  } finally {
    await store.close();
  }
}

/** A full sync writes both the customers and the product references, and prints both summaries. */
async function expectFullSync(result: { code: number | null; stdout: string; stderr: string }, store: Parameters<typeof contents>[0]): Promise<void> {
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  const { estate } = generated;
  expect(result.stdout).toMatch(/^customers: full sync, [\d.]+ s$/m);
  expect(result.stdout).toContain(`  ecommerce  ${estate.ecommerce.customers.length} read: ${estate.ecommerce.customers.length} new`);
  expect(result.stdout).toContain(`  loyalty    ${estate.loyalty.members.length} read: ${estate.loyalty.members.length} new`);
  expect(result.stdout).toMatch(/^products: full sync, [\d.]+ s$/m);
  expect(result.stdout).toContain(`  catalogue  ${estate.catalogue.products.length} read: ${estate.catalogue.products.length} new, 0 changed, 0 unchanged, 0 gone`);
  expect(result.stdout).toContain(`  ecommerce  ${estate.ecommerce.products.length} read: ${estate.ecommerce.products.length} new`);
  expect(result.stdout).toMatch(/^ {2}pos +\d+ codes seen at the tills: \d+ rows written, 0 dropped$/m);
  expect(result.stdout).not.toMatch(/FAILED/);
  // Progress: not a terminal, so a line per system read.
  for (const line of ['customers read ecommerce:', 'customers read loyalty:', 'customers read pos:', 'products  read catalogue:', 'products  read ecommerce:', 'products  read pos:']) {
    expect(result.stderr).toContain(line);
  }
  const held = await contents(store);
  const crosswalk = /^ {2}crosswalk +(\d+) records, (\d+) customers, (\d+) links, (\d+) candidate pairs$/m.exec(result.stdout)!;
  expect(held.counts).toMatchObject({ records: Number(crosswalk[1]), customers: Number(crosswalk[2]), links: Number(crosswalk[3]), candidates: Number(crosswalk[4]) });
  expect(held.counts.records).toBeGreaterThan(estate.ecommerce.customers.length + estate.loyalty.members.length);
  expect(held.identityStates).toEqual(['ecommerce', 'loyalty', 'pos'].map((source) => ({ source, ok: true })));
  expect(held.productStates.map(({ source, ok }) => ({ source, ok }))).toEqual(['catalogue', 'ecommerce', 'pos'].map((source) => ({ source, ok: true })));
  expect(held.references.catalogueProducts).toBe(estate.catalogue.products.length);
  expect(held.productStates.find((s) => s.source === 'ecommerce')!.entries).toBe(estate.ecommerce.products.length);
}

describe('sync command', () => {
  const dataDir = () => join(dir, 'pglite');

  test('--full builds the customer links and the product reference index, with a summary of each', async () => {
    const result = await run(['--full'], env({ CROSSCANAL_DATA_DIR: dataDir() }));
    await expectFullSync(result, { dataDir: dataDir() });
  });

  test('--only products runs the product reference sync alone; nothing changed, nothing new', async () => {
    const result = await run(['--only', 'products'], env({ CROSSCANAL_DATA_DIR: dataDir() }));
    expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^products: incremental sync, [\d.]+ s$/m);
    expect(result.stdout).toMatch(/^ {2}catalogue +\d+ read: 0 new, 0 changed, \d+ unchanged$/m);
    expect(result.stdout).not.toContain('customers:');
    expect(result.stderr).not.toContain('customers');
  });

  test('exits 1 when a system cannot be read, after syncing what it could and printing both summaries', async () => {
    const result = await run(['--incremental'], env({ CROSSCANAL_DATA_DIR: dataDir(), LEGACY_CATALOGUE_URL: 'http://127.0.0.1:1' }));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^customers: incremental sync, [\d.]+ s$/m);
    expect(result.stdout).toMatch(/^ {2}loyalty +\d+ read: 0 new/m);
    expect(result.stdout).toMatch(/^products: incremental sync, [\d.]+ s$/m);
    expect(result.stdout).toMatch(/^ {2}catalogue +FAILED: /m);
    expect(result.stdout).toMatch(/^ {2}ecommerce +\d+ read: 0 new/m);
  });

  test('--watch syncs both again every CROSSCANAL_SYNC_INTERVAL_MS until SIGTERM, then exits 0', async () => {
    const running = startCommand(COMMAND, ['--watch'], env({ CROSSCANAL_DATA_DIR: dataDir(), CROSSCANAL_SYNC_INTERVAL_MS: '200' }));
    const runs = (kind: string) => running.output().stdout.split('\n').filter((line) => line.startsWith(`${kind}: incremental sync`)).length;
    // The first run, then at least one scheduled run of each.
    const ready = new Promise<void>((resolve, reject) => {
      const check = () => (runs('customers') >= 2 && runs('products') >= 2 ? resolve() : undefined);
      running.child.stdout!.on('data', check);
      running.exited.then(() => reject(new Error(`the sync ended on its own: ${JSON.stringify(running.output())}`)), reject);
    });
    try {
      await ready;
    } finally {
      running.child.kill('SIGTERM');
    }
    const result = await running.exited;
    expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).not.toMatch(/FAILED|sync failed/);
  });

  test('bad usage exits 2 with what is wrong and the usage', async () => {
    const cases: [string[], string, Record<string, string>][] = [
      [['--only', 'orders'], '--only must be customers or products, got "orders"', {}],
      [['--full', '--incremental'], '--full and --incremental exclude each other', {}],
      [['--fast'], "Unknown option '--fast'", {}],
      [['--watch'], '--watch needs CROSSCANAL_SYNC_INTERVAL_MS above 0', { CROSSCANAL_SYNC_INTERVAL_MS: '0' }],
    ];
    const results = await Promise.all(cases.map(([args, , more]) => run(args, more)));
    for (const [i, result] of results.entries()) {
      expect({ args: cases[i]![0], code: result.code, stdout: result.stdout }).toEqual({ args: cases[i]![0], code: 2, stdout: '' });
      expect(result.stderr).toContain(cases[i]![1]);
    }
    expect(results[0]!.stderr).toContain('Usage: tsx subgraphs/crosscanal/sync.ts [--full | --incremental] [--watch] [--only customers|products]');
  });

  test('a database it cannot reach exits 1 with one line, no stack', async () => {
    const result = await run(['--full'], env({ DATABASE_URL: 'postgres://127.0.0.1:1/x' }));
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: 'crosscanal sync: DATABASE_URL: cannot reach PostgreSQL: connect ECONNREFUSED 127.0.0.1:1\n',
    });
  });

  (DATABASE_URL ? test : test.skip)('--full on a real PostgreSQL, in the schema CROSSCANAL_DB_SCHEMA names', async () => {
    const schema = `cc_sync_cli_${process.pid}_${Date.now().toString(36)}`;
    try {
      const result = await run(['--full'], env({ DATABASE_URL: DATABASE_URL!, CROSSCANAL_DB_SCHEMA: schema }));
      await expectFullSync(result, { databaseUrl: DATABASE_URL, schema });
    } finally {
      await dropSchema(DATABASE_URL!, schema);
    }
  });
});
