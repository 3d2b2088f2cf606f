import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { posFixture } from './fixture.js';
import { frontend, RawWireClient } from './rawWireClient.js';
import { parseDatabaseUrl, startPos } from './server.js';

const receiptCount = async (url: string, schema: string): Promise<number> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(`SELECT count(*)::int AS n FROM ${schema}.receipts`)).rows[0].n;
  } finally {
    await client.end();
  }
};

describe('startPos on a PGlite folder kept between runs', () => {
  // Each step opens PGlite, which takes seconds, more on a busy machine.
  const slow = 90_000;

  let parent: string;
  let dataDir: string;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'pos-pglite-'));
    // A folder that does not exist yet, inside one that does not either.
    dataDir = join(parent, 'estate', 'pos-pglite');
  });

  afterAll(() => rm(parent, { recursive: true, force: true }));

  // The steps share the folder and run in order: each start finds what the previous left.
  test('an empty database started without data is refused, naming what is missing', async () => {
    await expect(startPos({ dataDir })).rejects.toThrow('the database holds no POS dataset (no pos_directory.load_marker): pass data to load one');
  }, slow);

  test('a first start loads the dataset', async () => {
    const pos = await startPos({ data: posFixture, dataDir, seed: 'fixture' });
    try {
      expect(pos.backend).toBe('pglite');
      expect(pos.load).toMatchObject({ loaded: true });
      expect(await receiptCount(pos.url, pos.schemas.franchises.NRD!)).toBe(4);
    } finally {
      await pos.stop();
    }
  }, slow);

  test('a restart with the same dataset writes nothing and serves what is there', async () => {
    const pos = await startPos({ data: posFixture, dataDir, seed: 'fixture' });
    try {
      expect(pos.load).toMatchObject({ loaded: false, rows: {} });
      // Two PGlite instances on one folder would corrupt it.
      await expect(startPos({ dataDir })).rejects.toThrow(`${dataDir} is in use by process ${process.pid}`);
      expect(pos.load!.elapsedMs).toBeLessThan(1000);
      expect(await receiptCount(pos.url, pos.schemas.franchises.NRD!)).toBe(4);
    } finally {
      await pos.stop();
    }
  }, slow);

  test('a start without data serves the dataset in place, its schemas read from the directory', async () => {
    const pos = await startPos({ dataDir });
    try {
      // The first client names no user. Were its startup the first PGlite's session sees,
      // the refusal would leave the session unable to take any other.
      const raw = await RawWireClient.connect(pos.port);
      await raw.send(frontend.startupWith({ database: 'postgres' }));
      await raw.readUntilReady();
      raw.close();
      const blocked = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the session stayed blocked')), 5000).unref());
      expect(await Promise.race([receiptCount(pos.url, 'franchise_nrd'), blocked])).toBe(4);
      expect(pos.load).toBeNull();
      expect(pos.schemas).toEqual({
        directory: 'pos_directory',
        franchises: { NRD: 'franchise_nrd', OUE: 'franchise_oue', SUD: 'franchise_sud' },
      });
      expect(await receiptCount(pos.url, 'franchise_nrd')).toBe(4);
    } finally {
      await pos.stop();
    }
  }, slow);
});

describe('startPos options', () => {
  test('refuses a PGlite folder and a PostgreSQL URL together', async () => {
    await expect(startPos({ dataDir: 'x', databaseUrl: 'postgres://localhost/x' })).rejects.toThrow(
      'give dataDir (PGlite) or databaseUrl (PostgreSQL), not both',
    );
  });

  test('refuses a schema prefix that is not a lower-case identifier', async () => {
    await expect(startPos({ data: posFixture, schemaPrefix: 'Test-1' })).rejects.toThrow(
      'schemaPrefix must be a lower-case SQL identifier of at most 63 characters ([a-z_][a-z0-9_]*), got "Test-1"',
    );
  });

  test('refuses a connection limit below one', async () => {
    await expect(startPos({ data: posFixture, maxConnections: 0 })).rejects.toThrow('maxConnections must be a positive integer, got 0');
  });

  test('fails to start when the PostgreSQL it is given does not answer', async () => {
    await expect(startPos({ data: posFixture, databaseUrl: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toThrow(/ECONNREFUSED/);
  });

  test('reads host and port from a PostgreSQL URL, 5432 when none is given', () => {
    expect(parseDatabaseUrl('postgres://u:secret@db.example:6543/pos?sslmode=disable')).toEqual({ host: 'db.example', port: 6543 });
    expect(parseDatabaseUrl('postgresql://localhost/pos')).toEqual({ host: 'localhost', port: 5432 });
    expect(() => parseDatabaseUrl('mysql://localhost/pos')).toThrow('databaseUrl must be a postgres:// or postgresql:// URL, got one starting "mysql:"');
    expect(() => parseDatabaseUrl('not a url')).toThrow('databaseUrl must be a postgres:// or postgresql:// URL');
  });
});
