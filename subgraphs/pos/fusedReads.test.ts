import { setTimeout as sleep } from 'node:timers/promises';
import Keyv from 'keyv';
import type { PosData } from '../../legacy/generator/model.js';
import { LegacySource } from '../shared/source.js';
import { fuseStatements, PosClient, type StatementBuilder } from './client.js';
import { FusedReads } from './fusedReads.js';
import { HeldDirectory } from './heldDirectory.js';
import type { LayoutMapper, MapContext, Row } from './layout.js';
import { layoutFor } from './layouts.js';
import type { Directory } from './directory.js';
import { posTestData, startPosStack, type PosStack } from './testStack.js';

/**
 * Reads of one franchise's items asked together go to its tills as one statement
 * (`FusedReads`, `PosClient.fusedRows`): the rows come back as JSON and must read exactly as
 * the statements' own rows do, in every layout.
 */

let stack: PosStack;
let data: PosData;
let client: PosClient;
let directory: Directory;

const statements = () => stack.pos.counter.snapshot().total;

beforeAll(async () => {
  data = posTestData();
  stack = await startPosStack(data);
  const source = new LegacySource('pos', { cache: new Keyv(), timeoutMs: 2000, retryBaseMs: 1, retries: 0 });
  client = new PosClient(source, { url: stack.pos.url, schemaPrefix: stack.schemaPrefix, timeoutMs: 2000, poolSize: 4 });
  directory = await new HeldDirectory(client).current();
}, 120_000);

afterAll(async () => {
  await client?.close();
  await stack?.stop();
});

describe('fuseStatements', () => {
  test("numbers each statement's parameters on after the ones before it, $10 and up included", () => {
    const fused = fuseStatements([
      { text: 'SELECT a FROM t WHERE a = ANY($1::text[]) AND b = $2', values: [['x'], 2] },
      { text: 'SELECT a FROM u WHERE c = $1 OR d = $1', values: [3] },
      { text: `SELECT a FROM v WHERE ${Array.from({ length: 10 }, (_, i) => `c${i} = $${i + 1}`).join(' AND ')}`, values: Array.from({ length: 10 }, (_, i) => i) },
    ]);
    expect(fused.values).toEqual([['x'], 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(fused.text).toContain('SELECT 0 AS part, row_to_json(part0) AS data FROM (SELECT a FROM t WHERE a = ANY($1::text[]) AND b = $2) part0');
    expect(fused.text).toContain('FROM (SELECT a FROM u WHERE c = $3 OR d = $3) part1');
    expect(fused.text).toContain('c0 = $4 AND');
    expect(fused.text).toContain('c9 = $13) part2');
    expect(fused.text.split('UNION ALL')).toHaveLength(3);
  });
});

describe('rows read together', () => {
  const eans = () => [...new Set(data.stock.flatMap((row) => (row.ean ? [row.ean] : [])))];
  const localCodes = ['L0001', 'SUD-000731', 'OUE-77812'];
  const parts: Array<{ operation: string; build: StatementBuilder; map: (mapper: LayoutMapper) => (row: Row, context: MapContext) => unknown }> = [
    { operation: 'stockByCodes', build: (q, s) => q.stockByCodes(s, eans(), localCodes), map: (m) => m.stockLine },
    { operation: 'stock', build: (q, s) => q.stock(s, eans(), null), map: (m) => m.stock },
    {
      operation: 'itemPricing',
      build: (q, s) => q.itemPricing(s, eans(), null),
      map: (m) => (row, context) => (row.row_kind === 'price' ? m.price(row.data as Row, context) : m.promotion(row.data as Row, context)),
    },
  ];

  test('map to the same records as the statements sent alone, in each franchise and layout, in one statement per franchise', async () => {
    expect(new Set(directory.franchises.map((f) => f.layout)).size).toBe(3);
    for (const franchise of directory.franchises) {
      const mapper = layoutFor(franchise).mapper;
      const context: MapContext = { franchise, directory };
      const alone = await Promise.all(parts.map((part) => client.franchiseRows(part.operation, franchise, part.build)));
      stack.pos.counter.reset();
      const together = await client.fusedRows(franchise, parts);
      expect(statements()).toBe(1);
      parts.forEach((part, i) => {
        const records = (rows: Row[]) => rows.map((row) => part.map(mapper)(row, context));
        expect(together[i]).toHaveLength(alone[i]!.length);
        // Same records, whatever order the database returned them in.
        const sorted = (rows: Row[]) => records(rows).map((record) => JSON.stringify(record)).sort();
        expect(sorted(together[i]!)).toEqual(sorted(alone[i]!));
      });
      // Each kind has rows somewhere, so that the comparison compares something.
      expect(alone[0]!.length + alone[2]!.length).toBeGreaterThan(0);
    }
  });

  test('asked in the same turns, one statement per franchise; asked apart in time, one each', async () => {
    const reads = new FusedReads(client);
    const [nrd, sud] = ['NRD', 'SUD'].map((code) => directory.franchise(code)!);
    stack.pos.counter.reset();
    const [a, b, c] = await Promise.all([
      reads.read('stockByCodes', nrd!, parts[0]!.build),
      Promise.resolve().then(() => reads.read('itemPricing', nrd!, parts[2]!.build)),
      reads.read('itemPricing', sud!, parts[2]!.build),
    ]);
    // NRD's two reads in one statement, SUD's alone in its own, as the database answers it.
    expect(statements()).toBe(2);
    expect(a!.length).toBeGreaterThan(0);
    expect(b!.every((row) => typeof row.row_kind === 'string')).toBe(true);
    expect(c!.every((row) => typeof row.row_kind === 'string')).toBe(true);

    stack.pos.counter.reset();
    const first = reads.read('stockByCodes', nrd!, parts[0]!.build);
    await sleep(5);
    const second = reads.read('itemPricing', nrd!, parts[2]!.build);
    await Promise.all([first, second]);
    expect(statements()).toBe(2);
  });

  test('a fused statement that fails fails every read in it with the source coded error, and the next reads go on', async () => {
    const reads = new FusedReads(client);
    const nrd = directory.franchise('NRD')!;
    const broken: StatementBuilder = (_, s) => ({ text: `SELECT 1 AS x FROM ${s}.no_such_table WHERE $1::text IS NOT NULL`, values: ['x'] });
    const outcomes = await Promise.allSettled([reads.read('stockByCodes', nrd, parts[0]!.build), reads.read('broken', nrd, broken)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    for (const outcome of outcomes) {
      const error = (outcome as PromiseRejectedResult).reason as { extensions?: { code?: string; source?: string }; message: string };
      expect(error.extensions?.code).toMatch(/^SOURCE_/);
      expect(error.extensions?.source).toBe('pos');
      expect(error.message).toContain('stockByCodes+broken NRD');
    }
    expect((await reads.read('stockByCodes', nrd, parts[0]!.build)).length).toBeGreaterThan(0);
  });
});
