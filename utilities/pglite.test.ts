import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite, templateFile } from './pglite.js';

let root: string;
let env: NodeJS.ProcessEnv;
let template: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'crosscanal-pglite-test-'));
  env = { CROSSCANAL_PGLITE_TEMPLATE: join(root, 'template') };
  template = templateFile(join(root, 'template'));
});

afterAll(() => rm(root, { recursive: true, force: true }));

const tables = async (db: Awaited<ReturnType<typeof openPglite>>) =>
  (await db.query<{ name: string }>("SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")).rows.map((r) => r.name);

test('the first fresh database leaves a template; the next is cloned from it, as pristine as initdb made it', async () => {
  const first = await openPglite(undefined, env);
  try {
    expect(existsSync(template)).toBe(true);
    // What the first database holds never reaches the template: it was taken before any write.
    await first.exec('CREATE TABLE kept_here (id int); INSERT INTO kept_here VALUES (1)');
  } finally {
    await first.close();
  }
  const written = (await stat(template)).mtimeMs;
  const second = await openPglite(undefined, env);
  try {
    expect(await tables(second)).toEqual([]);
    await second.exec('CREATE SCHEMA shop; CREATE TABLE shop.items (ean text primary key)');
    await second.query("INSERT INTO shop.items VALUES ('4006381333931')");
    expect((await second.query<{ n: number }>('SELECT count(*)::int AS n FROM shop.items')).rows).toEqual([{ n: 1 }]);
  } finally {
    await second.close();
  }
  // Cloned, not made again: the template is the one the first start wrote; no partial file is left.
  expect((await stat(template)).mtimeMs).toBe(written);
  expect((await readdir(join(root, 'template'))).filter((name) => name.endsWith('.partial'))).toEqual([]);
}, 60_000);

test('a data folder cloned from the template keeps what is written to it, and reopens as it is', async () => {
  const folder = join(root, 'data');
  const db = await openPglite(folder, env);
  try {
    await db.exec("CREATE TABLE receipts (id text); INSERT INTO receipts VALUES ('NRD01-1')");
  } finally {
    await db.close();
  }
  expect(existsSync(join(folder, 'PG_VERSION'))).toBe(true);
  // Were the template loaded over a folder that holds a cluster, the receipt would be gone.
  const again = await openPglite(folder, env);
  try {
    expect((await again.query('SELECT id FROM receipts')).rows).toEqual([{ id: 'NRD01-1' }]);
  } finally {
    await again.close();
  }
}, 60_000);

test('a damaged template is dropped and made again; the database opens all the same', async () => {
  await writeFile(template, 'not a tar image');
  const db = await openPglite(undefined, env);
  try {
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await db.close();
  }
  expect((await stat(template)).size).toBeGreaterThan(1024 * 1024);
}, 60_000);

test('CROSSCANAL_PGLITE_TEMPLATE=off: a plain initdb, which answers', async () => {
  const db = await openPglite(undefined, { CROSSCANAL_PGLITE_TEMPLATE: 'off' });
  try {
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await db.close();
  }
}, 60_000);
