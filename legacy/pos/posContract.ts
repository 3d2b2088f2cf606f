import pg from 'pg';
import { CallCounter } from '../shared/counters.js';
import { FaultInjector } from '../shared/faults.js';
import { CARD } from './fixture.js';
import { dataRowValues, errorFields, frontend, RawWireClient, type ServerMessage } from './rawWireClient.js';
import type { RunningPos } from './server.js';
import { startWireProxy } from './wireProxy.js';

/** One way of running the POS: PGlite, or a real PostgreSQL. */
export interface PosTarget {
  /** Starts the POS with the fixture loaded, on port 0. */
  start(): Promise<RunningPos>;
  /** Removes what the run left in a shared database, once the POS has stopped. */
  cleanUp?(pos: RunningPos): Promise<void>;
}

/**
 * The checks every way of running the POS must pass, the same over PGlite and over a real
 * PostgreSQL: the three franchise layouts and the directory as a client sees them through
 * the proxy, the statement counters, injected faults, framing, concurrent clients, and
 * PostgreSQL's own errors.
 */
export function describePosContract(name: string, target: PosTarget): void {
  describe(`the franchise POS over ${name}`, () => {
    let pos: RunningPos;
    let client: pg.Client;
    const opened: pg.Client[] = [];

    /** A connected client, ended after the test. */
    const connect = async (): Promise<pg.Client> => {
      const c = new pg.Client({ connectionString: pos.url });
      c.on('error', () => undefined);
      opened.push(c);
      await c.connect();
      return c;
    };
    const admin = (path: string, init?: RequestInit) => fetch(`${pos.adminUrl}/__admin/${path}`, init);
    const putFaults = async (faults: object) => {
      const res = await admin('faults', { method: 'PUT', body: JSON.stringify(faults) });
      expect(res.status).toBe(200);
    };
    const calls = async () => (await admin('calls')).json();
    const s = (code: 'NRD' | 'SUD' | 'OUE') => pos.schemas.franchises[code]!;
    const rowsOf = (messages: ServerMessage[]) => messages.filter((m) => m.type === 'D').map((m) => dataRowValues(m.body));

    // PGlite takes seconds to start, more on a busy machine.
    beforeAll(async () => {
      pos = await target.start();
      client = new pg.Client({ connectionString: pos.url });
      await client.connect();
    }, 90_000);

    afterEach(async () => {
      await admin('faults', { method: 'DELETE' });
      await Promise.all(opened.splice(0).map((c) => c.end().catch(() => undefined)));
    });

    afterAll(async () => {
      await client?.end().catch(() => undefined);
      await pos?.stop();
      if (pos) await target.cleanUp?.(pos);
    });

    describe('what a client sees', () => {
      test('the URL reaches the database it names', async () => {
        const { rows } = await client.query('SELECT current_database() AS db');
        expect(rows[0].db).toBe(new URL(pos.url).pathname.slice(1));
      });

      test('NRD keeps money in integer cents and instants with their zone', async () => {
        const { rows } = await client.query(
          `SELECT r.total_cents, r.sold_at, l.line_no, l.unit_price_cents, l.discount_cents, l.ean, l.local_code
             FROM ${s('NRD')}.receipts r JOIN ${s('NRD')}.receipt_lines l USING (receipt_no)
            WHERE r.receipt_no = $1 ORDER BY l.line_no`,
          ['NRD01-0004711'],
        );
        expect(rows).toEqual([
          { total_cents: 8790, sold_at: new Date('2026-03-14T10:22:00.000Z'), line_no: 1, unit_price_cents: 8990, discount_cents: 900, ean: expect.any(String), local_code: null },
          { total_cents: 8790, sold_at: new Date('2026-03-14T10:22:00.000Z'), line_no: 2, unit_price_cents: 350, discount_cents: 0, ean: null, local_code: 'NRD-LC-0042' },
        ]);
        expect(await columnTypes(client, s('NRD'), 'receipts')).toMatchObject({ total_cents: 'integer', sold_at: 'timestamp with time zone', phone: 'text' });
      });

      test('SUD keeps euros as numeric(10,2) and Paris wall-clock time without a zone, both DST nights included', async () => {
        const { rows } = await client.query(
          `SELECT num_ticket, montant_total, date_vente::text AS date_vente FROM ${s('SUD')}.tickets
            WHERE num_ticket = ANY($1) ORDER BY num_ticket`,
          [['SUD01-0002001', 'SUD01-0002002', 'SUD03-0000077', 'SUD03-0000078']],
        );
        expect(rows).toEqual([
          { num_ticket: 'SUD01-0002001', montant_total: '111.85', date_vente: '2026-03-14 11:22:00' },
          // 01:30Z on the night summer time starts is 03:30 in Paris.
          { num_ticket: 'SUD01-0002002', montant_total: '25.98', date_vente: '2026-03-29 03:30:00' },
          // 00:30Z and 01:30Z on the night it ends are both 02:30 in Paris.
          { num_ticket: 'SUD03-0000077', montant_total: '224.10', date_vente: '2026-10-25 02:30:00' },
          { num_ticket: 'SUD03-0000078', montant_total: '29.95', date_vente: '2026-10-25 02:30:00' },
        ]);
        const lines = await client.query(`SELECT prix_unitaire, remise FROM ${s('SUD')}.lignes_ticket WHERE num_ticket = 'SUD01-0002001' ORDER BY num_ligne`);
        expect(lines.rows).toEqual([
          { prix_unitaire: '84.90', remise: '0.00' },
          { prix_unitaire: '29.95', remise: '3.00' },
        ]);
        const types = await client.query(
          `SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns
            WHERE table_schema = $1 AND table_name = 'tickets' AND column_name IN ('montant_total', 'date_vente') ORDER BY column_name`,
          [s('SUD')],
        );
        expect(types.rows).toEqual([
          { column_name: 'date_vente', data_type: 'timestamp without time zone', numeric_precision: null, numeric_scale: null },
          { column_name: 'montant_total', data_type: 'numeric', numeric_precision: 10, numeric_scale: 2 },
        ]);
      });

      test('OUE files phones in clients; its sales point at them by client_id and carry no phone', async () => {
        const { rows } = await client.query(
          `SELECT s.sale_ref, s.client_id, c.telephone, s.loyalty_card, s.amount_cents
             FROM ${s('OUE')}.sale_header s LEFT JOIN ${s('OUE')}.clients c USING (client_id)
            WHERE s.sale_ref = ANY($1) ORDER BY s.sale_ref`,
          [['OUE01-000301', 'OUE01-000302', 'OUE01-000303', 'OUE02-000034']],
        );
        expect(rows).toEqual([
          { sale_ref: 'OUE01-000301', client_id: 101, telephone: '06 12 34 56 78', loyalty_card: null, amount_cents: 8990 },
          { sale_ref: 'OUE01-000302', client_id: null, telephone: null, loyalty_card: CARD.morvan, amount_cents: 12570 },
          // A phone keyed with no client row yet: filed on the spot under the next id.
          { sale_ref: 'OUE01-000303', client_id: 106, telephone: '02 40 99 88 77', loyalty_card: null, amount_cents: 1299 },
          // The family landline, filed twice: this sale points at the second entry.
          { sale_ref: 'OUE02-000034', client_id: 104, telephone: '0240123456', loyalty_card: null, amount_cents: 3897 },
        ]);
        const columns = Object.keys(await columnTypes(client, s('OUE'), 'sale_header'));
        expect(columns).toContain('client_id');
        expect(columns.filter((c) => /phone/.test(c))).toEqual([]);
      });

      test('each franchise files its survey answers in a table of its own, on its own scale and clock', async () => {
        const nrd = await client.query(`SELECT receipt_no, rating, rated_at, comment FROM ${s('NRD')}.visit_ratings ORDER BY receipt_no`);
        expect(nrd.rows).toEqual([
          { receipt_no: 'NRD02-0000815', rating: 4, rated_at: new Date('2026-04-02T18:00:00.000Z'), comment: 'Vendeur très aimable.' },
          { receipt_no: 'NRD03-0000101', rating: 2, rated_at: new Date('2026-05-09T10:00:00.000Z'), comment: null },
        ]);
        const sud = await client.query(`SELECT num_ticket, note, date_reponse::text AS date_reponse FROM ${s('SUD')}.avis_clients ORDER BY num_ticket`);
        expect(sud.rows).toEqual([
          // 0 to 10, at Paris wall-clock time (UTC+1 in March, +2 in July).
          { num_ticket: 'SUD01-0002001', note: 0, date_reponse: '2026-03-14 13:00:00' },
          { num_ticket: 'SUD02-0000450', note: 9, date_reponse: '2026-07-03 20:05:00' },
        ]);
        const oue = await client.query(`SELECT sale_ref, stars, client_id, remark FROM ${s('OUE')}.survey_answer ORDER BY sale_ref`);
        expect(oue.rows).toEqual([
          { sale_ref: 'OUE01-000301', stars: 5, client_id: 101, remark: 'Rapide et efficace en caisse.' },
          { sale_ref: 'OUE02-000034', stars: 3, client_id: 104, remark: null },
        ]);
        // The vendors' own checks: a score off their scale is refused by the database.
        await expect(client.query(`INSERT INTO ${s('NRD')}.visit_ratings VALUES ('NRD01-0004712', 'NRD01', now(), 6, null)`)).rejects.toMatchObject({ code: '23514' });
        expect(await columnTypes(client, s('SUD'), 'avis_clients')).toMatchObject({ note: 'smallint', date_reponse: 'timestamp without time zone' });
      });

      test('the directory says which schema serves which store, in which layout', async () => {
        const dir = pos.schemas.directory;
        const { rows } = await client.query(
          `SELECT s.store_code, f.code, f.schema_name, f.layout FROM ${dir}.stores s
             JOIN ${dir}.franchises f ON f.code = s.franchise_code ORDER BY s.store_code`,
        );
        expect(rows).toHaveLength(8);
        expect(rows.find((r) => r.store_code === 'SUD02')).toEqual({ store_code: 'SUD02', code: 'SUD', schema_name: s('SUD'), layout: 'sud_euros_local_time' });
        expect(rows.find((r) => r.store_code === 'OUE01')).toEqual({ store_code: 'OUE01', code: 'OUE', schema_name: s('OUE'), layout: 'oue_client_table' });
        expect(new Set(rows.map((r) => r.schema_name))).toEqual(new Set(Object.values(pos.schemas.franchises)));
        // The schema a store's row names really holds that store.
        const store = await client.query(`SELECT shop_name FROM ${rows.find((r) => r.store_code === 'OUE01').schema_name}.shops WHERE shop_code = 'OUE01'`);
        expect(store.rows).toEqual([{ shop_name: 'Nantes Commerce' }]);
      });

      test("a mistake gets PostgreSQL's own error, and the connection carries on", async () => {
        await expect(client.query('SELECT * FROM nowhere')).rejects.toMatchObject({ code: '42P01', message: 'relation "nowhere" does not exist' });
        await expect(client.query('SELECT $1::int FROM nowhere', [1])).rejects.toMatchObject({ code: '42P01' });
        await expect(client.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
        await expect(client.query(`SELECT shop_code FROM ${s('OUE')}.shops WHERE shop_code = $1`, [1, 2])).rejects.toThrow();
        expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      });
    });

    describe('counters', () => {
      test('a simple query and an extended-protocol cycle count once each, under their first keyword', async () => {
        await admin('calls', { method: 'DELETE' });
        await client.query('SELECT 1');
        await client.query('select $1::int AS n', [2]);
        const byStore = { name: 'receipts_by_store', text: `SELECT count(*) FROM ${s('NRD')}.receipts WHERE store_code = $1` };
        expect((await client.query({ ...byStore, values: ['NRD01'] })).rows).toEqual([{ count: '2' }]);
        // Prepared once: this time the cycle is Bind, Execute, Sync, still a select.
        expect((await client.query({ ...byStore, values: ['NRD02'] })).rows).toEqual([{ count: '1' }]);
        await client.query('/* dashboard */ WITH x AS (SELECT 1) SELECT * FROM x');
        await client.query('BEGIN; SELECT 1; COMMIT');
        const counts = await calls();
        expect(counts).toEqual({
          system: 'pos',
          total: 6,
          byOperation: { select: 4, with: 1, begin: 1 },
          itemsByOperation: { select: 4, with: 1, begin: 1 },
          faulted: 0,
        });
        expect(pos.counter.snapshot().total).toBe(6);
      });
    });

    describe('faults', () => {
      test('an injected error answers the statement with 08006 without running it; the connection carries on', async () => {
        await admin('calls', { method: 'DELETE' });
        await putFaults({ errorRate: 1 });
        await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '08006', message: 'injected fault', severity: 'ERROR' });
        await expect(client.query(`UPDATE ${s('NRD')}.stores SET name = 'gone' WHERE store_code = $1`, ['NRD01'])).rejects.toMatchObject({
          code: '08006',
          message: 'injected fault',
        });
        await admin('faults', { method: 'DELETE' });
        const { rows } = await client.query(`SELECT name FROM ${s('NRD')}.stores WHERE store_code = $1`, ['NRD01']);
        expect(rows).toEqual([{ name: 'Lille Centre' }]);
        expect(await calls()).toMatchObject({ total: 1, faulted: 2 });
      });

      test('an injected error inside a transaction leaves the transaction as it was', async () => {
        const c = await connect();
        await c.query('BEGIN');
        await putFaults({ errorRate: 1 });
        await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '08006' });
        await admin('faults', { method: 'DELETE' });
        expect((await c.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
        await c.query('COMMIT');
      });

      test('down drops new connections and open ones at their next statement; back after a reset', async () => {
        const c = await connect();
        await admin('calls', { method: 'DELETE' });
        await putFaults({ down: true });
        expect(await (await admin('health')).json()).toEqual({ system: 'pos', status: 'down' });
        await expect(connect()).rejects.toThrow();
        await expect(c.query('SELECT 1')).rejects.toThrow();
        expect(await calls()).toMatchObject({ total: 0, faulted: 2 });
        await admin('faults', { method: 'DELETE' });
        expect(await (await admin('health')).json()).toEqual({ system: 'pos', status: 'up' });
        const back = await connect();
        expect((await back.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      });

      test('latency delays every statement', async () => {
        await putFaults({ latencyMs: 120 });
        const started = performance.now();
        await client.query('SELECT 1');
        await client.query('SELECT $1::int', [1]);
        expect(performance.now() - started).toBeGreaterThanOrEqual(230);
        await admin('faults', { method: 'DELETE' });
        const again = performance.now();
        await client.query('SELECT 1');
        expect(performance.now() - again).toBeLessThan(120);
      });

      test('the admin endpoint reads and refuses fault settings like the other stand-ins', async () => {
        expect(await (await admin('faults')).json()).toEqual({ system: 'pos', latencyMs: 0, jitterMs: 0, errorRate: 0, down: false });
        const refused = await admin('faults', { method: 'PUT', body: '{"errorRate": 2}' });
        expect(refused.status).toBe(400);
        expect(await refused.json()).toEqual({ error: 'BAD_REQUEST', message: 'errorRate must be from 0 to 1, got 2' });
        const elsewhere = await fetch(`${pos.adminUrl}/api`);
        expect(elsewhere.status).toBe(404);
        expect(await elsewhere.json()).toMatchObject({ error: 'NOT_FOUND' });
      });
    });

    describe('framing', () => {

      test('messages sent one byte per write are put back together', async () => {
        const raw = await RawWireClient.connect(pos.port);
        try {
          await raw.send(frontend.sslRequest(), { byteByByte: true });
          expect((await raw.readBytes(1)).toString()).toBe('N');
          await raw.send(frontend.startup('postgres', new URL(pos.url).pathname.slice(1)), { byteByByte: true });
          const hello = await raw.readUntilReady();
          expect(hello.map((m) => m.type)).toContain('R');
          await admin('calls', { method: 'DELETE' });
          await raw.send(frontend.query('SELECT 42 AS answer'), { byteByByte: true });
          expect(rowsOf(await raw.readUntilReady())).toEqual([['42']]);
          await raw.send(
            Buffer.concat([frontend.parse('', 'SELECT $1::int + 1'), frontend.bind('', '', ['41']), frontend.execute(''), frontend.sync()]),
            { byteByByte: true },
          );
          expect(rowsOf(await raw.readUntilReady())).toEqual([['42']]);
          expect(await calls()).toMatchObject({ total: 2, byOperation: { select: 2 } });
        } finally {
          raw.close();
        }
      });

      test('messages coalesced into one write are taken apart, and answered in order', async () => {
        const raw = await RawWireClient.connect(pos.port);
        try {
          await admin('calls', { method: 'DELETE' });
          await putFaults({ errorRate: 0 });
          await raw.send(
            Buffer.concat([
              frontend.startup('postgres', new URL(pos.url).pathname.slice(1)),
              frontend.query('SELECT 1'),
              frontend.parse('', 'SELECT $1::text'),
              frontend.bind('', '', ['two']),
              frontend.describePortal(''),
              frontend.execute(''),
              frontend.sync(),
              frontend.query('SELECT * FROM nowhere'),
              frontend.query(`SELECT code FROM ${pos.schemas.directory}.franchises ORDER BY code`),
            ]),
          );
          const answers = await raw.readUntilReady(5);
          const groups: ServerMessage[][] = [[]];
          for (const m of answers) {
            groups.at(-1)!.push(m);
            if (m.type === 'Z') groups.push([]);
          }
          expect(rowsOf(groups[1]!)).toEqual([['1']]);
          expect(rowsOf(groups[2]!)).toEqual([['two']]);
          expect(errorFields(groups[3]!.find((m) => m.type === 'E')!.body)).toMatchObject({ C: '42P01', S: 'ERROR' });
          expect(rowsOf(groups[4]!)).toEqual([['NRD'], ['OUE'], ['SUD']]);
          expect(await calls()).toMatchObject({ total: 4, byOperation: { select: 4 } });
        } finally {
          raw.close();
        }
      });

      test('COPY FROM STDIN: PostgreSQL takes the rows, PGlite refuses it with 0A000; the database carries on', async () => {
        const raw = await RawWireClient.connect(pos.port);
        try {
          await raw.send(frontend.startup('postgres', new URL(pos.url).pathname.slice(1)));
          await raw.readUntilReady();
          await raw.send(frontend.query('CREATE TEMP TABLE keyed_in (code text)'));
          await raw.readUntilReady();
          await raw.send(frontend.query('COPY keyed_in FROM STDIN'));
          if (pos.backend === 'pglite') {
            // PGlite's socket server cannot take COPY data: the statement never reaches it.
            const refused = await raw.readUntilReady();
            expect(errorFields(refused.find((m) => m.type === 'E')!.body)).toMatchObject({ C: '0A000' });
          } else {
            expect((await raw.readMessages(1))[0]!.type).toBe('G');
            await raw.send(Buffer.concat([frontend.copyData('NRD01\n'), frontend.copyData('SUD02\n'), frontend.copyDone()]));
            expect((await raw.readUntilReady()).map((m) => m.type)).toEqual(['C', 'Z']);
          }
          await raw.send(frontend.query('SELECT count(*) FROM keyed_in'));
          expect(rowsOf(await raw.readUntilReady())).toEqual([[pos.backend === 'pglite' ? '0' : '2']]);
          expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        } finally {
          raw.close();
        }
      });

      test('an injected error in a pipelined extended cycle discards it up to Sync, then carries on', async () => {
        const raw = await RawWireClient.connect(pos.port);
        try {
          await raw.send(frontend.startup('postgres', new URL(pos.url).pathname.slice(1)));
          await raw.readUntilReady();
          await putFaults({ errorRate: 1 });
          await raw.send(Buffer.concat([frontend.parse('', 'SELECT 1'), frontend.bind('', '', []), frontend.execute(''), frontend.sync()]));
          const failed = await raw.readUntilReady();
          expect(failed.map((m) => m.type)).toEqual(['E', 'Z']);
          expect(errorFields(failed[0]!.body)).toMatchObject({ C: '08006', M: 'injected fault' });
          await admin('faults', { method: 'DELETE' });
          await raw.send(frontend.query('SELECT 3'));
          expect(rowsOf(await raw.readUntilReady())).toEqual([['3']]);
        } finally {
          raw.close();
        }
      });
    });

    describe('several clients at once', () => {
      test('a pool of four running in parallel: every answer is its own', async () => {
        const pool = new pg.Pool({ connectionString: pos.url, max: 4 });
        try {
          const outcomes = await Promise.all(
            Array.from({ length: 120 }, async (_, i) => {
              if (i % 5 === 0) {
                const error = await pool.query(`SELECT $1::int FROM missing_${i}`, [i]).then(() => null, (e: { code: string }) => e);
                return error?.code === '42P01';
              }
              const { rows } = await pool.query(`SELECT $1::int * ${i} AS product, '${i}' AS tag`, [i]);
              return rows[0].product === i * i && rows[0].tag === String(i);
            }),
          );
          expect(outcomes.filter((ok) => !ok)).toEqual([]);
        } finally {
          await pool.end();
        }
      });

      test('two connections may prepare statements of the same name', async () => {
        const [a, b] = await Promise.all([connect(), connect()]);
        for (let round = 0; round < 2; round++) {
          const [ra, rb] = await Promise.all([
            a.query({ name: 'lookup', text: `SELECT name FROM ${s('NRD')}.stores WHERE store_code = $1`, values: ['NRD01'] }),
            b.query({ name: 'lookup', text: `SELECT nom FROM ${s('SUD')}.magasins WHERE code_magasin = $1`, values: ['SUD02'] }),
          ]);
          expect(ra.rows).toEqual([{ name: 'Lille Centre' }]);
          expect(rb.rows).toEqual([{ nom: 'Nice Masséna' }]);
        }
      });

      test("an extended cycle left open across a round trip is not broken into by another connection's statements", async () => {
        const raw = await RawWireClient.connect(pos.port);
        try {
          await raw.send(frontend.startup('postgres', new URL(pos.url).pathname.slice(1)));
          await raw.readUntilReady();
          const other = await connect();
          // Parse the unnamed statement and wait for the answer before binding it.
          await raw.send(Buffer.concat([frontend.parse('', "SELECT 'mine' AS whose"), frontend.flush()]));
          expect((await raw.readMessages(1)).map((m) => m.type)).toEqual(['1']);
          const theirs = other.query("SELECT 'theirs' AS whose, $1::int AS n", [1]);
          await new Promise((resolve) => setTimeout(resolve, 30));
          await raw.send(Buffer.concat([frontend.bind('', '', []), frontend.execute(''), frontend.sync()]));
          expect(rowsOf(await raw.readUntilReady())).toEqual([['mine']]);
          expect((await theirs).rows).toEqual([{ whose: 'theirs', n: 1 }]);
        } finally {
          raw.close();
        }
      });

      test("a connection never sees another's uncommitted changes", async () => {
        const [a, b] = await Promise.all([connect(), connect()]);
        await a.query('BEGIN');
        await a.query(`UPDATE ${s('NRD')}.stores SET name = 'Fermé pour travaux' WHERE store_code = $1`, ['NRD01']);
        expect((await a.query(`SELECT name FROM ${s('NRD')}.stores WHERE store_code = 'NRD01'`)).rows).toEqual([{ name: 'Fermé pour travaux' }]);
        const seenByB = b.query(`SELECT name FROM ${s('NRD')}.stores WHERE store_code = $1`, ['NRD01']);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await a.query('ROLLBACK');
        expect((await seenByB).rows).toEqual([{ name: 'Lille Centre' }]);
      });

      test('a client that vanishes mid-transaction leaves no change, no statement and no block behind', async () => {
        const gone = await connect();
        const marker = `SELECT 'left behind ${process.pid}' AS marker, $1::int AS n`;
        await gone.query({ name: 'left_behind', text: marker, values: [1] });
        await gone.query('BEGIN');
        await gone.query(`UPDATE ${s('SUD')}.magasins SET nom = 'Abandonné' WHERE code_magasin = $1`, ['SUD01']);
        (gone as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        const other = await connect();
        const { rows } = await other.query(`SELECT nom FROM ${s('SUD')}.magasins WHERE code_magasin = $1`, ['SUD01']);
        expect(rows).toEqual([{ nom: 'Marseille Canebière' }]);
        const statements = await other.query('SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1', [marker]);
        expect(statements.rows).toEqual([{ n: 0 }]);
      });

      test('one connection over the limit is refused with 53300', async () => {
        const limited = await startWireProxy({
          upstream: { host: '127.0.0.1', port: pos.port },
          counter: new CallCounter(),
          faults: new FaultInjector(),
          maxConnections: 1,
        });
        const url = new URL(pos.url);
        url.port = String(limited.port);
        const first = new pg.Client({ connectionString: url.toString() });
        const second = new pg.Client({ connectionString: url.toString() });
        second.on('error', () => undefined);
        try {
          await first.connect();
          await expect(second.connect()).rejects.toMatchObject({ code: '53300', message: 'sorry, too many clients already' });
          expect((await first.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        } finally {
          await first.end();
          await limited.stop();
        }
      });
    });
  });
}

/** Column name → data type, for one table. */
async function columnTypes(client: pg.Client, schema: string, table: string): Promise<Record<string, string>> {
  const { rows } = await client.query<{ column_name: string; data_type: string }>(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [schema, table],
  );
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
}
