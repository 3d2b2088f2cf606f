import type pg from 'pg';

/**
 * Runs `work` in a transaction on one client of the pool: committed when it resolves, rolled
 * back when it throws. A client whose ROLLBACK failed is in an unknown state, so the pool
 * discards it rather than lend it again.
 */
export async function inPoolTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
