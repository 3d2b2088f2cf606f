import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, SCALES } from '../../legacy/generator/generate.js';
import { EstateMismatch } from '../benchEstate.js';
import { BENCH_POS_POOL_SIZE, runBench, type BenchOptions, type GatewayBenchReport } from './bench.js';
import { buildCompiled } from './compiled.js';
import { ROOT, type ChildRuntime } from './ipc.js';
import { formatChart, formatMarkdown, verdicts, writeSection } from './report.js';
import { GRAPH_ROLES, type GraphRole } from './graphProcess.js';
import type { TargetKind } from './targets.js';

/*
 * The gateway benchmark (issue 14): `npm run bench:gateway -- [options]`.
 *
 * Durations, each a flag or, when the flag is absent, an environment variable:
 *   --duration  / BENCH_GATEWAY_DURATION  seconds of measured load per cell (default 10)
 *   --warmup    / BENCH_GATEWAY_WARMUP    seconds of unmeasured load before it (default 2)
 *   --serial    / BENCH_GATEWAY_SERIAL    seconds of one request at a time after it (default 3)
 *   --rounds    / BENCH_GATEWAY_ROUNDS    rounds, every target once per workload in each (default 3)
 *   --soak      / BENCH_GATEWAY_SOAK      seconds of soak per gateway (default 0; the issue asks 300)
 * A cell is every identifier once (unmeasured), then warm-up + duration + serial; a run is
 * rounds × latencies × workloads × targets cells (3 × 2 × 5 × 5 = 150 by default): some 45 to
 * 60 minutes at the defaults after a minute or two of start-up, the crosswalk built (the first
 * run on a new estate builds it: a few minutes at the bench scale). The short validation run
 * (`--rounds 3 --duration 3 --warmup 1 --serial 1 --pool 16`) takes about 20 minutes;
 * `--calls-only --no-warm --no-write` (answers checked, legacy calls counted) about 3.
 */

const USAGE = `Usage: npm run bench:gateway -- [options]

Starts the stand-ins and the subgraphs over a generated estate, then the targets in their own
processes (the floor, stock @apollo/gateway, Hive Gateway, Crosscanal's gateway, and Crosscanal's
with warm caches), and loads each in turn with autocannon from another process; writes
bench/RESULTS.md's gateway section, bench/results/gateway-<scale>.json and
bench/results/gateway-<scale>.svg.

  --data DIR              the estate's folder; generated there first when empty (default data/<scale>-gateway)
  --scale NAME            tiny, demo or bench (default bench)
  --seed TEXT             the generator's seed (default ${JSON.stringify(DEFAULT_SEED)})
  --duration SECONDS      load per cell (default 10; env BENCH_GATEWAY_DURATION)
  --warmup SECONDS        unmeasured load before each cell (default 2; env BENCH_GATEWAY_WARMUP)
  --serial SECONDS        one request at a time per cell (default 3; env BENCH_GATEWAY_SERIAL)
  --rounds N              rounds, targets interleaved in each (default 3, at least 1; env BENCH_GATEWAY_ROUNDS)
  --connections N         autocannon connections (default 16)
  --pool N                identifiers per workload (customers, products, categories, franchise
                          days), each request one at random (default 64; 1: every request alike,
                          which lets gateways that merge identical in-flight fetches skip work)
  --workers N             worker processes per target (default 1)
  --latencies LIST        legacy latencies in ms, comma-separated (default 0,20)
  --sizes LIST            item counts for the legacy-calls table (default 10,100,1000)
  --calls-only            the answers checked and the legacy-calls table only: no load, no soak
                          (minutes, where a run takes most of an hour)
  --soak SECONDS          soak each gateway this long, memory sampled (default 0: none; the issue
                          asks 300; env BENCH_GATEWAY_SOAK)
  --soak-targets LIST      the gateways soaked: apollo, hive, crosscanal, crosscanal-warm
                          (default all)
  --heap-snapshots DIR    a heap snapshot of each soaked gateway's processes in DIR, after the
                          soak's warm-up and at its end (each is as large as the heap, and
                          pauses the gateway while it is written)
  --subgraph-caches on|off|auto  the legacy subgraphs' caches under load, but for the warm
                          variant (always on); auto (the default): on with no legacy latency, so
                          that the gateways, not the stand-ins, are what is measured, off with
                          latency, so that every request pays it; the legacy-calls table always
                          runs with them off
  --pos-pool N            connections of the POS subgraph's pool to the tills (default ${BENCH_POS_POOL_SIZE}; 10
                          as deployed, SUBGRAPH_POS_POOL_SIZE): at 20 ms a statement, 10 give
                          500 statements a second, which caps every target alike under load
  --node PATH|current     the Node.js every measured process runs on (default the image's, the
                          Dockerfile's version, installed under bench/gateway as the \`node\`
                          package; current: the one running this command)
  --node-env VALUE|none   their NODE_ENV (default production, as the image sets it; none: this
                          command's environment's)
  --code compiled|source  what they run: the project compiled to JavaScript as the image builds
                          it (default; tsc into data/bench-build, incremental, files read at run
                          time copied beside), or the TypeScript sources under tsx (quicker to
                          start; tsx's loader hooks then run on every require, as Apollo Server
                          makes one per request)
  --no-warm               leave out "Crosscanal (warm caches)" (GATEWAY_RESPONSE_CACHE=on and
                          the subgraphs' caches on, warmed by the warm-up)
  --crosscanal-env K=V    environment for the Crosscanal gateway (both variants), repeatable
  --cpu-prof DIR          run targets under node --cpu-prof, profiles in DIR/<target>/
                          (written when they stop)
  --cpu-prof-targets LIST the kinds profiled (default crosscanal); estate and subgraphs profile
                          the stand-ins' and the subgraphs' processes
  --targets LIST          floor,apollo,hive,crosscanal (default all)
  --workloads LIST        customer360,productPage,categoryPage,partnerDay,typename (default all)
  --database-url URL      the crosswalk and the POS in this PostgreSQL (default PGlite)
  --results DIR           where the JSON and the chart go (default bench/results)
  --markdown FILE         the results file whose gateway section is rewritten (default bench/RESULTS.md)
  --from-json FILE        render the report again from a run's JSON (no run; the other options
                          but --results, --markdown and --no-write are ignored)
  --no-write              print the report only
  --verbose               pass the children's output through`;

const number = (name: string, raw: string | undefined, fallback: number, min = 0): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${JSON.stringify(raw)}`);
  return value;
};

const list = (name: string, raw: string | undefined, fallback: number[]): number[] => (raw === undefined ? fallback : raw.split(',').map((v) => number(name, v.trim(), 0)));

function readOptions(argv: string[]): BenchOptions & { results: string; markdown: string; write: boolean; help: boolean; fromJson?: string; code: 'compiled' | 'source' } {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      scale: { type: 'string', default: 'bench' },
      seed: { type: 'string', default: DEFAULT_SEED },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      serial: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      pool: { type: 'string' },
      workers: { type: 'string' },
      latencies: { type: 'string' },
      sizes: { type: 'string' },
      'calls-only': { type: 'boolean', default: false },
      soak: { type: 'string' },
      'soak-targets': { type: 'string' },
      'heap-snapshots': { type: 'string' },
      'subgraph-caches': { type: 'string', default: 'auto' },
      'pos-pool': { type: 'string' },
      'no-warm': { type: 'boolean', default: false },
      node: { type: 'string' },
      'node-env': { type: 'string', default: 'production' },
      code: { type: 'string', default: 'compiled' },
      'cpu-prof': { type: 'string' },
      'cpu-prof-targets': { type: 'string' },
      'crosscanal-env': { type: 'string', multiple: true },
      targets: { type: 'string' },
      workloads: { type: 'string' },
      'database-url': { type: 'string' },
      results: { type: 'string' },
      markdown: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      'from-json': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const scale = values.scale!;
  if (!(scale in SCALES)) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}, got ${JSON.stringify(scale)}`);
  const caches = values['subgraph-caches'];
  if (caches !== 'on' && caches !== 'off' && caches !== 'auto') throw new Error(`--subgraph-caches must be on, off or auto, got ${JSON.stringify(caches)}`);
  const crosscanalEnv: Record<string, string> = {};
  for (const pair of values['crosscanal-env'] ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--crosscanal-env takes KEY=VALUE, got ${JSON.stringify(pair)}`);
    crosscanalEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const kinds: TargetKind[] = ['floor', 'apollo', 'hive', 'crosscanal'];
  const targets = values.targets?.split(',').map((t) => t.trim()) as TargetKind[] | undefined;
  for (const t of targets ?? []) if (!kinds.includes(t)) throw new Error(`--targets takes ${kinds.join(', ')}, got ${JSON.stringify(t)}`);
  const profiled = values['cpu-prof-targets']?.split(',').map((t) => t.trim()) as Array<TargetKind | GraphRole> | undefined;
  const profilable = [...kinds, ...GRAPH_ROLES];
  for (const t of profiled ?? []) if (!profilable.includes(t)) throw new Error(`--cpu-prof-targets takes ${profilable.join(', ')}, got ${JSON.stringify(t)}`);
  const soaked = values['soak-targets']?.split(',').map((t) => t.trim());
  for (const t of soaked ?? []) if (!['apollo', 'hive', 'crosscanal', 'crosscanal-warm'].includes(t)) throw new Error(`--soak-targets takes apollo, hive, crosscanal, crosscanal-warm, got ${JSON.stringify(t)}`);
  const code = values.code;
  if (code !== 'compiled' && code !== 'source') throw new Error(`--code must be compiled or source, got ${JSON.stringify(code)}`);
  const env = process.env;
  const workers = number('workers', values.workers, 1, 1);
  return {
    help: values.help!,
    dataDir: values.data ?? join('data', `${scale}-gateway`),
    scale,
    seed: values.seed!,
    duration: number('duration', values.duration ?? env.BENCH_GATEWAY_DURATION, 10, 1),
    warmup: number('warmup', values.warmup ?? env.BENCH_GATEWAY_WARMUP, 2),
    serialSeconds: number('serial', values.serial ?? env.BENCH_GATEWAY_SERIAL, 3, 0),
    rounds: Math.floor(number('rounds', values.rounds ?? env.BENCH_GATEWAY_ROUNDS, 3, 1)),
    connections: number('connections', values.connections, 16, 1),
    pool: Math.floor(number('pool', values.pool, 64, 1)),
    workers: Math.floor(workers),
    latencies: list('latencies', values.latencies, [0, 20]),
    callSizes: list('sizes', values.sizes, [10, 100, 1000]),
    soak: number('soak', values.soak ?? env.BENCH_GATEWAY_SOAK, 0),
    ...(soaked ? { soakTargets: soaked } : {}),
    ...(values['heap-snapshots'] ? { heapSnapshotDir: resolve(values['heap-snapshots']) } : {}),
    subgraphCaches: caches,
    posPoolSize: Math.floor(number('pos-pool', values['pos-pool'], BENCH_POS_POOL_SIZE, 1)),
    warm: !values['no-warm'],
    runtime: runtimeOf(values.node, values['node-env']!),
    code,
    ...(values['cpu-prof'] ? { cpuProfileDir: resolve(values['cpu-prof']) } : {}),
    ...(profiled ? { cpuProfile: profiled } : {}),
    crosscanalEnv,
    ...(targets ? { targets } : {}),
    ...(values.workloads ? { workloads: values.workloads.split(',').map((w) => w.trim()) } : {}),
    ...(values['calls-only'] ? { loadWorkloads: [] } : {}),
    databaseUrl: values['database-url'],
    command: [
      ...Object.entries(env)
        .filter(([name]) => name.startsWith('BENCH_GATEWAY_'))
        .map(([name, value]) => `${name}=${value ?? ''}`),
      'npm run bench:gateway --',
      ...argv.map((arg) => arg.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@')),
    ].join(' '),
    verbose: values.verbose!,
    log: (line) => process.stderr.write(`${line}\n`),
    results: values.results ?? join(ROOT, 'bench', 'results'),
    markdown: values.markdown ?? join(ROOT, 'bench', 'RESULTS.md'),
    write: !values['no-write'],
    fromJson: values['from-json'],
  };
}

/** The bench's own Node.js: the \`node\` package of bench/gateway, the image's version. */
export const BENCH_NODE = join(ROOT, 'bench', 'gateway', 'node_modules', '.bin', 'node');

/** The runtime of the measured processes from --node and --node-env. */
function runtimeOf(node: string | undefined, nodeEnv: string): ChildRuntime {
  const env: Record<string, string> = nodeEnv === 'none' ? {} : { NODE_ENV: nodeEnv };
  if (node === 'current') return { node: process.execPath, env };
  if (node !== undefined) {
    if (!existsSync(node)) throw new Error(`--node: no such file ${JSON.stringify(node)}`);
    return { node: resolve(node), env };
  }
  return { node: BENCH_NODE, env };
}

/** Installs the bench's own peers (`npm ci --prefix bench/gateway`) when they are missing. */
function ensurePeers(): void {
  if (existsSync(join(ROOT, 'bench', 'gateway', 'node_modules', 'autocannon')) && existsSync(BENCH_NODE)) return;
  process.stderr.write('installing the benchmark\'s peers (npm ci --prefix bench/gateway)…\n');
  const result = spawnSync('npm', ['ci', '--prefix', join(ROOT, 'bench', 'gateway'), '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm ci --prefix bench/gateway exited with ${String(result.status)}`);
}

async function main(): Promise<number> {
  let options;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let report: GatewayBenchReport;
  try {
    if (options.fromJson) {
      report = JSON.parse(await readFile(options.fromJson, 'utf8')) as GatewayBenchReport;
    } else {
      ensurePeers();
      if (options.heapSnapshotDir) await mkdir(options.heapSnapshotDir, { recursive: true });
      const runtime = options.code === 'compiled' ? { ...options.runtime!, compiled: await buildCompiled(join(ROOT, 'data', 'bench-build'), options.log) } : options.runtime!;
      report = await runBench({ ...options, runtime });
    }
  } catch (error) {
    if (error instanceof EstateMismatch) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const base = `gateway-${report.estate.scale}`;
  const chartPath = join(options.results, `${base}.svg`);
  const markdown = formatMarkdown(report, { chart: relative(join(options.markdown, '..'), chartPath) });
  process.stdout.write(`${markdown}\n`);
  if (options.write) {
    await mkdir(options.results, { recursive: true });
    await writeFile(join(options.results, `${base}.json`), `${JSON.stringify({ ...report, verdicts: verdicts(report) }, null, 2)}\n`);
    await writeFile(chartPath, formatChart(report));
    await writeSection(options.markdown, markdown);
    process.stderr.write(`written: ${relative(ROOT, options.markdown)} (gateway section), ${relative(ROOT, join(options.results, `${base}.json`))}, ${relative(ROOT, chartPath)}\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`gateway bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
