import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEstate } from '../../legacy/generator/generate.js';
import type { DataQualityReport } from './cli/qualityReport.js';
import { runCommand, runInProcess, dropSchema } from './cli/runCommand.js';
import { main } from './quality.js';
import { startSyncStandIns, type SyncStandIns } from './cli/standIns.js';
import { parseRecordId } from './matching/records.js';
import { referenceStoreOf } from './products/referenceIndex.js';
import { startCrosscanalSubgraph } from './server.js';
import { CrosswalkStore } from './store/crosswalkStore.js';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../../test/support/grant.js';

/**
 * The data-quality command against a store synced from a tiny estate: its figures are what
 * the identityQuality, referenceQuality and unmappedProductCodes queries answer. In-process
 * through `main`, and as a real process where the process itself is what is tried (its exit
 * status through a pipe; a folder another process holds).
 */

const COMMAND = new URL('./quality.ts', import.meta.url);
const DATABASE_URL = process.env.DATABASE_URL;
const TOP = 3;

const QUERY = /* GraphQL */ `
  query Quality($top: Int!) {
    identityQuality {
      customers
      singleRecordCustomers
      records { system kind records unlinked }
      linksByRule { rule links }
      candidatesByReason { reason pairs }
      duplicateWebAccounts
      sharedPhones
      sharedEmails
      recordsWithoutContact
      unusableValues { source values }
    }
    referenceQuality {
      catalogueProducts
      catalogueProductsWithoutGtin
      aliases { kind codes }
      sharedAliases { kind codes }
      unusableAliases
      webOnlyProducts
      webProductsWithoutGtin
      storeOnlyGtins
      unmappedCodes { system franchise codes tillLines lookups }
    }
    unmappedProductCodes(first: $top) { system franchise code label tillLines stores lookups firstSeenAt lastSeenAt }
  }
`;

/** What the graph and the store answer about a synced store: the figures the command must print. */
interface Expected {
  graph: { identityQuality: DataQualityReport['identity']; referenceQuality: DataQualityReport['references']; unmappedProductCodes: DataQualityReport['topUnmappedCodes'] };
  store: { identity: Awaited<ReturnType<CrosswalkStore['quality']>>; references: DataQualityReport['references'] };
  /** Per system and POS kind: records whose customer has no other record. */
  alone: Map<string, number>;
}

/** Runs `main` in-process with `env` as its whole environment. */
const run = (args: string[], env: Record<string, string> = {}) => runInProcess(main, args, env);

let standIns: SyncStandIns;
let dir: string;
let dataDir: string;
let expected: Expected;

/** Syncs the estate into a store through the subgraph, asks a reference nothing names, and reads the expected figures. */
async function syncAndRead(store: { dataDir?: string; databaseUrl?: string; dbSchema?: string }): Promise<Expected> {
  const { identity, catalogue } = standIns;
  const running = await startCrosscanalSubgraph({ ...store, internalSecret: TEST_INTERNAL_SECRET, port: 0, sources: { ...identity.sources, catalogueUrl: catalogue.url, retries: 0 }, initialSync: 'full' });
  try {
    const ask = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(await grantHeaders()) }, body: JSON.stringify({ query, variables }) });
      const answer = (await response.json()) as { data: Record<string, any>; errors?: unknown[] };
      expect(answer.errors).toBeUndefined();
      return answer.data;
    };
    expect(await ask('{ productByReference(ref: "NOPE-404-XYZ") { ref } }')).toEqual({ productByReference: null });
    const graph = (await ask(QUERY, { top: TOP })) as Expected['graph'];
    const perCustomer = new Map<string, string[]>();
    for (const [id, link] of await running.store.allLinks()) perCustomer.set(link.customerId, [...(perCustomer.get(link.customerId) ?? []), id]);
    const alone = new Map<string, number>();
    for (const ids of perCustomer.values()) {
      if (ids.length !== 1) continue;
      const record = parseRecordId(ids[0]!);
      const key = record.system === 'POS' ? `POS ${record.localId.split(':')[0]}` : record.system;
      alone.set(key, (alone.get(key) ?? 0) + 1);
    }
    return { graph, store: { identity: await running.store.quality(), references: await referenceStoreOf(running.store).quality() }, alone };
  } finally {
    await running.stop();
  }
}

function expectFigures(report: DataQualityReport, { graph, store, alone }: Expected): void {
  // The same figures as the queries, which are the store's own.
  expect(report.identity).toEqual(graph.identityQuality);
  expect(report.references).toEqual(graph.referenceQuality);
  expect(report.topUnmappedCodes).toEqual(graph.unmappedProductCodes);
  expect(report.identity).toMatchObject(store.identity);
  expect(report.references).toEqual(store.references);
  // The estate has something of each to report.
  expect(report.identity.customers).toBeGreaterThan(0);
  expect(report.totals.candidatePairs).toBeGreaterThan(0);
  expect(report.references.unmappedCodes.map((u) => u.system)).toEqual(expect.arrayContaining(['POS', 'CROSSCANAL']));
  expect(report.topUnmappedCodes).toHaveLength(TOP);
  // Unlinked per system: records alone in their customer (every record is resolved after a sync).
  expect(report.unlinkedRecords.map((r) => [r.kind ? `${r.system} ${r.kind}` : r.system, r.unlinked])).toEqual(
    report.identity.records.map((r) => {
      const key = r.kind ? `${r.system} ${r.kind}` : r.system;
      return [key, alone.get(key) ?? 0];
    }),
  );
  expect(report.totals).toEqual({
    records: store.identity.records.reduce((sum, r) => sum + r.records, 0),
    unlinkedRecords: store.identity.singleRecordCustomers,
    candidatePairs: store.identity.candidatesByReason.reduce((sum, c) => sum + c.pairs, 0),
    unmappedCodes: store.references.unmappedCodes.reduce((sum, u) => sum + u.codes, 0),
    unmappedTillLines: store.references.unmappedCodes.reduce((sum, u) => sum + u.tillLines, 0),
    unmappedLookups: 1,
  });
}

beforeAll(async () => {
  standIns = await startSyncStandIns(generateEstate({ scale: 'tiny' }).estate);
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-quality-'));
  dataDir = join(dir, 'pglite');
  expected = await syncAndRead({ dataDir });
}, 120_000);

afterAll(async () => {
  await standIns?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('quality command', () => {
  test('--json prints what the quality queries answer, with the unlinked records per system', async () => {
    const result = await run(['--json', '--top', String(TOP)], { CROSSCANAL_DATA_DIR: dataDir });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expectFigures(JSON.parse(result.stdout) as DataQualityReport, expected);
  });

  test('prints the report for a terminal: counts per system, candidates per reason, unmapped codes', async () => {
    const result = await run(['--top', String(TOP)], { CROSSCANAL_DATA_DIR: dataDir });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const { identityQuality: identity, referenceQuality: references, unmappedProductCodes: top } = expected.graph;
    const unmapped = references.unmappedCodes.reduce((sum, u) => sum + u.codes, 0);
    const pairs = identity.candidatesByReason.reduce((sum, c) => sum + c.pairs, 0);
    const out = result.stdout;
    expect(out).toContain(`Customers: ${identity.customers}, ${identity.singleRecordCustomers} of them known from one record only`);
    const web = identity.records.find((r) => r.system === 'ECOMMERCE')!;
    expect(out).toMatch(new RegExp(`^  ECOMMERCE +${web.records} +${expected.alone.get('ECOMMERCE') ?? 0}$`, 'm'));
    expect(out).toMatch(new RegExp(`^  total +${identity.records.reduce((sum, r) => sum + r.records, 0)} +${identity.singleRecordCustomers}$`, 'm'));
    expect(out).toContain(`Candidate matches awaiting review: ${pairs} pairs`);
    for (const { reason, pairs: count } of identity.candidatesByReason) expect(out).toMatch(new RegExp(`^  ${reason} +${count}$`, 'm'));
    expect(out).toContain(`Unmapped product codes: ${unmapped} codes`);
    expect(out).toMatch(/^ {2}CROSSCANAL +- +1 +0 +1$/m);
    expect(out).toContain(`Most used unmapped codes (${TOP} of ${unmapped})`);
    for (const code of top) expect(out).toMatch(new RegExp(`^  ${code.system} +${code.franchise ?? '-'} +${code.code} +${code.tillLines} +${code.stores} +${code.lookups} `, 'm'));
  });

  test('exits 3 when a --max-… limit is exceeded, 0 when it is not; as a process too', async () => {
    const { referenceQuality, identityQuality } = expected.graph;
    const unmapped = referenceQuality.unmappedCodes.reduce((sum, u) => sum + u.codes, 0);
    const pairs = identityQuality.candidatesByReason.reduce((sum, c) => sum + c.pairs, 0);
    const env = { CROSSCANAL_DATA_DIR: dataDir };
    const overArgs = ['--json', '--top', '0', '--max-unmapped', String(unmapped - 1), '--max-candidates', String(pairs - 1)];
    // One at a time: the PGlite folder serves one process.
    const over = await run(overArgs, env);
    expect(over.code).toBe(3);
    expect(over.stderr).toBe(
      `crosscanal quality: ${unmapped} product codes are unmapped, more than --max-unmapped ${unmapped - 1}\n` +
        `crosscanal quality: ${pairs} candidate pairs await review, more than --max-candidates ${pairs - 1}\n`,
    );
    expect((JSON.parse(over.stdout) as DataQualityReport).topUnmappedCodes).toEqual([]);
    const within = await run(['--top', '0', '--max-unmapped', String(unmapped), '--max-candidates', String(pairs)], env);
    expect({ code: within.code, stderr: within.stderr }).toEqual({ code: 0, stderr: '' });
    // The same as a process: the status is its exit code, the report reaches the pipe whole.
    const spawned = await runCommand(COMMAND, overArgs, env);
    expect({ code: spawned.code, stdout: spawned.stdout, stderr: spawned.stderr }).toEqual({ code: 3, stdout: over.stdout, stderr: over.stderr });
  });

  test('bad usage exits 2 with what is wrong and the usage', async () => {
    const cases: [string[], string][] = [
      [['--top', 'ten'], '--top must be a whole number from 0 to 500, got "ten"'],
      [['--top', '501'], '--top must be a whole number from 0 to 500, got "501"'],
      [['--max-unmapped=-1'], '--max-unmapped must be a whole number from 0, got "-1"'],
      [['--colour'], "Unknown option '--colour'"],
      [['extra'], "Unexpected argument 'extra'"],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    for (const [i, result] of results.entries()) {
      expect({ args: cases[i]![0], code: result.code, stdout: result.stdout }).toEqual({ args: cases[i]![0], code: 2, stdout: '' });
      expect(result.stderr).toContain(cases[i]![1]);
      expect(result.stderr).toContain('Usage: tsx subgraphs/crosscanal/quality.ts');
    }
  });

  test('a store it cannot open exits 1 with one line, no stack', async () => {
    // Held by this process: the command, as a process of its own, finds it in use.
    const held = await CrosswalkStore.open({ dataDir });
    let busy;
    try {
      busy = await runCommand(COMMAND, [], { CROSSCANAL_DATA_DIR: dataDir });
    } finally {
      await held.close();
    }
    const [unreachable, missing] = await Promise.all([
      run([], { DATABASE_URL: 'postgres://127.0.0.1:1/x' }),
      run([], { CROSSCANAL_DATA_DIR: join(dir, 'nothing-here') }),
    ]);
    for (const result of [busy, unreachable, missing]) {
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^crosscanal quality: [^\n]+\n$/);
    }
    expect(unreachable.stderr).toBe('crosscanal quality: DATABASE_URL: cannot reach PostgreSQL: connect ECONNREFUSED 127.0.0.1:1\n');
    expect(missing.stderr).toContain(`CROSSCANAL_DATA_DIR ${join(dir, 'nothing-here')} holds no crosswalk: sync first`);
    expect(busy.stderr).toContain(`is in use by process ${process.pid}`);
  });

  (DATABASE_URL ? test : test.skip)('reads a real PostgreSQL in the schema CROSSCANAL_DB_SCHEMA names', async () => {
    const schema = `cc_quality_${process.pid}_${Date.now().toString(36)}`;
    try {
      const onPostgres = await syncAndRead({ databaseUrl: DATABASE_URL, dbSchema: schema });
      const result = await run(['--json', '--top', String(TOP)], { DATABASE_URL: DATABASE_URL!, CROSSCANAL_DB_SCHEMA: schema });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(result.stdout) as DataQualityReport;
      expectFigures(report, onPostgres);
      // The same estate gives the same figures on either database.
      expect(report.identity).toEqual(expected.graph.identityQuality);
    } finally {
      await dropSchema(DATABASE_URL!, schema);
    }
  }, 60_000);
});
