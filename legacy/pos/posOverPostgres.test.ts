import pg from 'pg';
import { posFixture } from './fixture.js';
import { dropPos } from './loadPos.js';
import { describePosContract } from './posContract.js';
import { startPos } from './server.js';
import { pgPoolDatabase } from './sqlDatabase.js';

const databaseUrl = process.env.DATABASE_URL;

if (databaseUrl) {
  describePosContract('PostgreSQL', {
    start: () => startPos({ data: posFixture, databaseUrl, schemaPrefix: `t_${process.pid}_`, seed: 'fixture' }),
    async cleanUp(pos) {
      const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      try {
        await dropPos(pgPoolDatabase(pool), pos.schemas);
      } finally {
        await pool.end();
      }
    },
  });

  describe('the franchise POS over PostgreSQL, as PostgreSQL', () => {
    test("the startup message reaches PostgreSQL unchanged: it judges the database and user itself", async () => {
      const pos = await startPos({ data: posFixture, databaseUrl, schemaPrefix: `t_${process.pid}_u_` });
      try {
        const elsewhere = new URL(pos.url);
        elsewhere.pathname = '/no_such_database_here';
        const client = new pg.Client({ connectionString: elsewhere.toString() });
        await expect(client.connect()).rejects.toMatchObject({ code: '3D000', message: 'database "no_such_database_here" does not exist' });
        const stranger = new URL(pos.url);
        stranger.username = 'no_such_role_here';
        await expect(new pg.Client({ connectionString: stranger.toString() }).connect()).rejects.toMatchObject({ code: '28000' });
      } finally {
        await pos.stop();
        const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
        await dropPos(pgPoolDatabase(pool), pos.schemas).finally(() => pool.end());
      }
    });
  });
} else {
  test.skip('the franchise POS over PostgreSQL runs when DATABASE_URL is set', () => undefined);
}
