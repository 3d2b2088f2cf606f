import pg from 'pg';
import { inPoolTransaction } from './poolTransaction.js';

// Against a real PostgreSQL when DATABASE_URL is set (CI sets it); there is no pool without one.
const DATABASE_URL = process.env.DATABASE_URL;
const maybe = DATABASE_URL ? describe : describe.skip;

maybe('inPoolTransaction', () => {
  const table = `pool_tx_${process.pid}_${Date.now().toString(36)}`;
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    await pool.query(`CREATE TABLE ${table} (n integer PRIMARY KEY)`);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  test('commits what the work wrote when it resolves, and returns its result', async () => {
    const result = await inPoolTransaction(pool, async (client) => {
      await client.query(`INSERT INTO ${table} VALUES (1), (2)`);
      return 'done';
    });
    expect(result).toBe('done');
    expect((await pool.query(`SELECT n FROM ${table} ORDER BY n`)).rows).toEqual([{ n: 1 }, { n: 2 }]);
  });

  test('rolls everything back when the work throws, rethrows its error, and leaves the pool usable', async () => {
    await expect(
      inPoolTransaction(pool, async (client) => {
        await client.query(`INSERT INTO ${table} VALUES (3)`);
        await client.query(`INSERT INTO ${table} VALUES (1)`); // duplicate key
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await pool.query(`SELECT n FROM ${table} ORDER BY n`)).rows).toEqual([{ n: 1 }, { n: 2 }]);
    // The one client of the pool was released: the next transaction gets it.
    await expect(inPoolTransaction(pool, async (client) => (await client.query('SELECT 1 AS one')).rows)).resolves.toEqual([{ one: 1 }]);
  });
});
