import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peersInstalled, runBench, type GatewayBenchReport } from './bench.js';
import { buildCompiled } from './compiled.js';
import { BEGIN_MARKER, END_MARKER, formatChart, formatMarkdown, verdicts, writeSection } from './report.js';
import { WARM } from './targets.js';

/**
 * The gateway benchmark's harness, in seconds, on the tiny estate, so that it cannot rot: every
 * target starts, answers every workload with the floor's data, takes a one-second load, the
 * legacy calls are counted, and the report renders. Hive runs only when bench/gateway's peers
 * are installed (`npm ci --prefix bench/gateway`, which .ci/run does); without them the load is
 * a plain keep-alive loop instead of autocannon.
 */

describe('bench:gateway smoke', () => {
  let dir: string;
  let report: GatewayBenchReport;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosscanal-bench-gateway-smoke-'));
    report = await runBench({
      dataDir: join(dir, 'estate'),
      scale: 'tiny',
      seed: 'crosscanal',
      duration: 1,
      warmup: 0,
      serialSeconds: 0,
      rounds: 1,
      connections: 4,
      pool: 4,
      checkVariants: 1,
      workers: 1,
      latencies: [0],
      callSizes: [10, 100],
      soak: 0,
      subgraphCaches: 'auto',
      // The tills' and the crosswalk's SQL in the test PostgreSQL when there is one (CI): several
      // times quicker to start than two PGlite databases; the schemas are dropped at the end.
      ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL, schemaPrefix: `bgws${randomBytes(4).toString('hex')}_` } : {}),
      warm: true,
      crosscanalEnv: {},
      // Every measured process as the image runs it: the project compiled to JavaScript (the
      // Dockerfile's build: tsc, then the files read at run time copied beside), and under
      // NODE_ENV=production, where the Crosscanal gateway refuses a development issuer and
      // trusts the run's by its public keys.
      runtime: { node: process.execPath, env: { NODE_ENV: 'production' }, compiled: await buildCompiled(join(dir, 'build')) },
      // Profiles of the Crosscanal gateway and of the graph's two processes, written as they stop.
      cpuProfileDir: join(dir, 'profiles'),
      cpuProfile: ['crosscanal', 'estate', 'subgraphs'],
      loadWorkloads: ['productPage'],
      command: 'smoke',
      verbose: false,
      log: () => undefined,
    });
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('every target starts, Hive when it is installed', () => {
    const names = report.targets.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['floor', 'apollo', 'crosscanal', WARM]));
    expect(names.includes('hive')).toBe(peersInstalled().hive);
    for (const target of report.targets) expect(target.startRss).toBeGreaterThan(0);
    expect(report.machine).toMatchObject({ node: process.version, nodeEnv: 'production', code: 'compiled' });
  });

  test("every workload returns the floor's data through every target, without errors", () => {
    expect(report.correctness).toHaveLength(report.workloads.length * report.targets.length);
    // Hive Gateway's planner once left `availability.web` null (it did not carry the web shop's
    // `webAvailable` into the POS's `@requires`); the product page now asks `webAvailable` and
    // `storeAvailability`, which need no such hand-over, and every target must agree.
    expect(report.correctness.filter((c) => !(c.same && c.errors === 0))).toEqual([]);
  });

  test('a one-second load per target works', () => {
    const cells = report.summary.filter((s) => s.workload === 'productPage');
    expect(cells.map((c) => c.target).sort()).toEqual(report.targets.map((t) => t.name).sort());
    for (const cell of cells) {
      expect(cell.rps).toBeGreaterThan(0);
      expect(cell.failed).toBe(0);
    }
  });

  test("each loaded cell says how long the target's, the subgraphs' and the stand-ins' processes paused while it was loaded", () => {
    const loaded = report.cells.filter((c) => c.workload === 'productPage');
    expect(loaded.length).toBe(report.targets.length);
    for (const cell of loaded) {
      for (const role of ['target', 'subgraphs', 'estate'] as const) {
        const figure = cell.pauses![role];
        // Reset as the load began: the figure covers about the one second of load, not the process's life.
        expect({ target: cell.target, role, span: figure.spanMs > 500 && figure.spanMs < 10_000 }).toEqual({ target: cell.target, role, span: true });
        expect(figure.loopMaxMs).toBeGreaterThanOrEqual(figure.loopP99Ms);
        expect(figure.loopP99Ms).toBeGreaterThanOrEqual(figure.loopP50Ms);
        expect(figure.gcMaxMs).toBeLessThanOrEqual(figure.gcMs);
      }
    }
    // Serving a second of load allocates: the gateway and the subgraphs collected in it.
    expect(loaded.some((c) => c.pauses!.subgraphs.collections > 0)).toBe(true);
    expect(formatMarkdown(report, { chart: 'x.svg' })).toContain('| workload | target | target: timers late | target: GC |');
  });

  test('legacy calls are counted per operation, for every workload, size and gateway', () => {
    const counted = report.workloads.filter((w) => w.name !== 'typename').length * 2 * report.targets.filter((t) => t.name !== WARM).length;
    expect(report.calls).toHaveLength(counted);
    for (const c of report.calls) {
      expect(c.refused).toBeUndefined();
      expect(c.total).toBeGreaterThan(0);
    }
  });

  test('--cpu-prof-targets profiles the chosen gateway and the graph\'s processes, and nothing else', async () => {
    const profiles = async (kind: string) => (await readdir(join(dir, 'profiles', kind)).catch(() => [])).filter((name) => name.endsWith('.cpuprofile'));
    for (const kind of ['crosscanal', 'estate', 'subgraphs']) expect((await profiles(kind)).length).toBeGreaterThan(0);
    expect((await readdir(join(dir, 'profiles'))).sort()).toEqual(['crosscanal', WARM, 'estate', 'subgraphs'].sort());
  });

  test('the report renders, and only the gateway section of the results file is rewritten', async () => {
    const markdown = formatMarkdown(report, { chart: 'results/gateway-tiny.svg' });
    expect(markdown).toContain('## Gateway');
    expect(verdicts(report).length).toBeGreaterThanOrEqual(7);
    expect(formatChart(report)).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\n$/);

    const results = join(dir, 'RESULTS.md');
    const theirs = '## Crosswalk: the full link build\n\nTheir figures, untouched.\n';
    await writeFile(results, `# Benchmark results\n\nIntro.\n\n${theirs}`);
    await writeSection(results, markdown);
    await writeSection(results, markdown);
    const text = await readFile(results, 'utf8');
    expect(text.startsWith('# Benchmark results\n')).toBe(true);
    expect(text.split(BEGIN_MARKER)).toHaveLength(2);
    expect(text.split(END_MARKER)).toHaveLength(2);
    expect(text.startsWith(`# Benchmark results\n\nIntro.\n\n${theirs}`)).toBe(true);
    expect(text.trimEnd().endsWith(END_MARKER)).toBe(true);
  });
});
