import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { writeEstate } from '../legacy/generator/files.js';
import { generateEstate } from '../legacy/generator/generate.js';
import type { CrosswalkBenchReport } from './crosswalkReport.js';

/** A smoke run of the benchmark command at tiny scale; the bench-scale figures live in RESULTS.md. */

const COMMAND = fileURLToPath(new URL('./crosswalk.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATABASE_URL = process.env.DATABASE_URL;

let dir: string;
let fullReport: CrosswalkBenchReport | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosswalk-bench-'));
  await writeEstate(join(dir, 'tiny'), generateEstate({ scale: 'tiny' }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', COMMAND, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectConsistent(report: CrosswalkBenchReport): void {
  const { build } = report;
  expect(report.estate.scale).toBe('tiny');
  expect(report.estate.people).toBeGreaterThan(0);
  expect(build.sources.map((s) => s.source).sort()).toEqual(['ecommerce', 'loyalty', 'pos']);
  for (const source of build.sources) {
    expect(source.records).toBeGreaterThan(0);
    expect(source.calls).toBe(report.standIns.calls[source.source]!.total);
    expect(source.wallMs).toBeLessThanOrEqual(build.totalMs);
  }
  // Every record read is stored once, and the phases cut the build without gap or overlap.
  expect(build.summary.totals.records).toBe(build.records);
  expect(build.phases.map((p) => p.phase)).toEqual(['start', 'read', 'block', 'load', 'resolve', 'write', 'finish']);
  for (const phase of build.phases) expect(phase.ms).toBeGreaterThanOrEqual(0);
  expect(build.phases.reduce((sum, p) => sum + p.ms, 0)).toBeCloseTo(build.totalMs, 3);
  expect(build.peakRss).toBeGreaterThanOrEqual(build.rssBeforeBuild);
  // The crosswalk finds pairs the exact-email baseline cannot.
  if (report.accuracy.scope === 'full') {
    expect(report.accuracy.crosswalk.records).toBe(report.accuracy.exactEmail.records);
    expect(report.accuracy.crosswalk.correctPairs).toBeGreaterThan(report.accuracy.exactEmail.correctPairs);
  }
  // A tiny estate is not the bench scale, and the report says so.
  expect(report.targets.find((t) => t.target.startsWith('bench scale'))?.met).toBe(false);
}

test('builds the crosswalk from a tiny estate on PGlite, and reports times, memory and accuracy', async () => {
  const json = join(dir, 'tiny.json');
  const result = await run(['--data', join(dir, 'tiny'), '--scale', 'tiny', '--json', json]);
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stderr).not.toMatch(/generated/);
  expect(result.stdout).toMatch(/full link build: [\d.]+ s, \d+ records, \d+ records\/s/);
  expect(result.stdout).toMatch(/exact email +precision/);
  const report = JSON.parse(await readFile(json, 'utf8')) as CrosswalkBenchReport;
  expectConsistent(report);
  fullReport = report;
  expect(report.estate.generation).toBeNull();
  expect(report.standIns.posBackend).toBe('pglite');
  expect(report.store.backend).toBe('pglite');
  const folder = /^pglite folder (.+)$/.exec(report.store.where)![1]!;
  expect(report.store.sizeBytes).toBeGreaterThan(0);
  expect(report.store.removed).toBe(true);
  await expect(stat(folder)).rejects.toThrow(/ENOENT/);
}, 60_000);

test('in small batches, with the truth streamed, scores the same (on PostgreSQL when there is one); the batches are reported', async () => {
  const json = join(dir, 'tiny-batched.json');
  // The store does not change what is scored: with a PostgreSQL to hand the batched build runs
  // there (the deployed store, and quicker to start than a second PGlite), so that the same
  // pairs come out of both stores.
  const store = DATABASE_URL ? ['--database-url', DATABASE_URL] : [];
  const result = await run(['--data', join(dir, 'tiny'), '--scale', 'tiny', '--batch-records', '40', '--score', 'pairwise', ...store, '--json', json]);
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stdout).toMatch(/pairwise only/);
  const report = JSON.parse(await readFile(json, 'utf8')) as CrosswalkBenchReport;
  expectConsistent(report);
  expect(report.accuracy.scope).toBe('pairwise');
  expect(report.accuracy.crosswalk).toEqual(fullReport!.accuracy.crosswalk);
  expect(report.estate.peopleWithRecords).toBe(fullReport!.estate.peopleWithRecords);
  expect(report.build.summary.batches!.count).toBeGreaterThan(3);
  expect(report.build.summary.batches!.largestBatch).toBeLessThan(40 + report.build.summary.batches!.largestComponent);
  expect(fullReport!.build.summary.batches!.count).toBe(1);
}, 60_000);

test('refuses a folder that holds another estate, and a scale it does not know', async () => {
  const other = join(dir, 'other');
  await mkdir(other);
  await writeFile(join(other, 'manifest.json'), JSON.stringify({ format: 1, seed: 'crosscanal', scale: 'tiny', counts: {}, stats: {} }));
  const [otherSeed, badScale] = await Promise.all([
    run(['--data', other, '--scale', 'tiny', '--seed', 'another']),
    run(['--data', join(dir, 'x'), '--scale', 'huge']),
  ]);
  expect(otherSeed.code).toBe(2);
  expect(otherSeed.stderr).toMatch(/holds a tiny estate with seed "crosscanal", not tiny with seed "another"/);
  expect(badScale.code).toBe(2);
  expect(badScale.stderr).toMatch(/--scale must be one of tiny, demo, bench, national, got "huge"/);
}, 30_000);

(DATABASE_URL ? test : test.skip)('generates the estate when the folder is empty; on PostgreSQL, drops its throw-away schemas when done', async () => {
  const json = join(dir, 'tiny-pg.json');
  const result = await run(['--data', join(dir, 'fresh'), '--scale', 'tiny', '--database-url', DATABASE_URL!, '--json', json]);
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stderr).toMatch(/generated tiny estate/);
  const report = JSON.parse(await readFile(json, 'utf8')) as CrosswalkBenchReport;
  expectConsistent(report);
  expect(report.estate.generation?.summary).toMatch(/generated in [\d.]+ s, written in [\d.]+ s, peak RSS \d+ MiB/);
  expect(report.standIns.posBackend).toBe('postgresql');
  expect(report.store.backend).toBe('postgresql');
  expect(report.store.removed).toBe(true);
  const prefix = /^postgresql schema (\w+)crosswalk$/.exec(report.store.where)![1]!;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT schema_name FROM information_schema.schemata WHERE starts_with(schema_name, $1)', [prefix]);
    expect(rows).toEqual([]);
  } finally {
    await client.end();
  }
}, 60_000);
