import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { openDevIssuer } from '../../gateway/devIssuer.js';
import { internalKey, signGrant, type Principal } from '../../subgraphs/shared/principal.js';
import { dropSchemasWithPrefix } from '../../test/support/testDatabase.js';
import { ensureBenchEstate } from '../benchEstate.js';
import { median } from '../measure.js';
import { createFloor } from './floor.js';
import { GRAPH_ROLES, startGraph, LEGACY_SYSTEMS, type GraphRole, type LegacySystem, type RunningGraph } from './graphProcess.js';
import { CURRENT_RUNTIME, ROOT, type ChildRuntime } from './ipc.js';
import { startLoader, type LoadResult, type Loader, type SerialResult } from './load.js';
import { startTarget, TARGET_DESCRIPTIONS, TARGET_LABELS, WARM, type RunningTarget, type TargetConfig, type TargetKind } from './targets.js';
import { partnerDayLimits, pickIdentifiers, workloads as makeWorkloads, type Picks, type Workload } from './workloads.js';
import type { PauseFigure } from './pauses.js';

export interface BenchOptions {
  dataDir: string;
  scale: string;
  seed: string;
  /** Seconds of load per cell. */
  duration: number;
  /** Seconds of load before each cell, not measured. */
  warmup: number;
  /** Seconds of one request at a time per cell. */
  serialSeconds: number;
  rounds: number;
  connections: number;
  workers: number;
  /** Legacy latencies to run every workload at, ms per call. */
  latencies: number[];
  /** Item counts for the legacy-calls table. */
  callSizes: number[];
  /** Identifiers per workload, taken in turn at random under load (1: every request alike). */
  pool: number;
  /** Identifiers per workload whose answers are checked against the floor's (default 2). */
  checkVariants?: number;
  /** Seconds of soak per gateway; 0: none. */
  soak: number;
  /** The gateways soaked, by name (`apollo`, `hive`, `crosscanal`, `crosscanal-warm`); default every gateway. */
  soakTargets?: string[];
  /** Heap snapshots of each soaked gateway in this folder, after the soak's warm-up and at its end. */
  heapSnapshotDir?: string;
  /**
   * The legacy subgraphs' cross-request caches while the targets other than the warm variant
   * are loaded: `auto` (the default) has them on with no legacy latency, so that the subgraphs
   * answer as deployed and the gateways are what is measured (off, the stand-ins cap every
   * target alike), and off with latency, so that every request pays it. The warm variant always
   * has them on; the legacy-calls table always runs with them off.
   */
  subgraphCaches: 'on' | 'off' | 'auto';
  /**
   * Connections of the POS subgraph's pool to the tills (SUBGRAPH_POS_POOL_SIZE as deployed,
   * default 10 there): at 20 ms a statement, 10 connections give 500 statements a second, which
   * caps every target alike under load. Default {@link BENCH_POS_POOL_SIZE}.
   */
  posPoolSize?: number;
  /**
   * The Node.js and NODE_ENV of every measured process (stand-ins, subgraphs, targets, load
   * generator); default the harness's own. `npm run bench:gateway` runs them as the image does.
   */
  runtime?: ChildRuntime;
  /** Also run "Crosscanal (warm caches)": GATEWAY_RESPONSE_CACHE=on and the subgraphs' caches on. */
  warm: boolean;
  crosscanalEnv: Record<string, string>;
  /** Profile targets with Node's `--cpu-prof` into this folder (a subfolder per target). */
  cpuProfileDir?: string;
  /** The kinds profiled with `cpuProfileDir`, targets or the graph's processes; default the Crosscanal gateway. */
  cpuProfile?: Array<TargetKind | GraphRole>;
  /** Targets to run; default all (Hive when bench/gateway/node_modules has it). */
  targets?: TargetKind[];
  /** Workloads to run, by name; default all. */
  workloads?: string[];
  /** Workloads to load (the rest are only checked and counted); default all that run. None: no load and no soak. */
  loadWorkloads?: string[];
  /** With the PostgreSQL: the schemas' prefix (default `bgw<pid>_`); they are dropped at the end. */
  databaseUrl?: string;
  schemaPrefix?: string;
  command: string;
  verbose: boolean;
  log: (line: string) => void;
}

export interface Cell {
  latencyMs: number;
  round: number;
  workload: string;
  target: string;
  load: LoadResult;
  serial: SerialResult;
  rss: number;
  /** Pauses while it was loaded, in the target's process(es), the subgraphs' and the stand-ins' (absent from older runs). */
  pauses?: { target: PauseFigure; subgraphs: PauseFigure; estate: PauseFigure };
}

export interface Summary {
  latencyMs: number;
  workload: string;
  target: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  serialP50Ms: number;
  serialP99Ms: number;
  /** Requests that failed, answered non-2xx, or answered with GraphQL errors. */
  failed: number;
  rssMax: number;
}

export interface Correctness {
  workload: string;
  target: string;
  same: boolean;
  errors: number;
  /** Whether asking twice gave the same bytes. */
  stableBody: boolean;
  note?: string;
}

export interface CallFigure {
  workload: string;
  target: string;
  asked: number;
  effective: number;
  bySystem: Record<LegacySystem, number>;
  total: number;
  refused?: string;
}

export interface SoakSample {
  atSeconds: number;
  /** Resident memory as the load left it, before the collection. */
  rss: number;
  /** After a full collection in each process (absent in reports made before it was measured). */
  rssAfterGc?: number;
  heapUsedAfterGc?: number;
  externalAfterGc?: number;
}

export interface SoakFigure {
  target: string;
  seconds: number;
  samples: SoakSample[];
  warmRss: number;
  finalRss: number;
  /** Resident growth from warm-up to the end. */
  growth: number;
  /**
   * The heap used after a full collection, at warm-up and at the end, and its growth: what the
   * gateway retains, which the verdict is taken on (resident memory rises and falls with V8's
   * collections, whatever is retained).
   */
  warmHeap?: number;
  finalHeap?: number;
  heapGrowth?: number;
  /** Heap snapshots written, after warm-up and at the end. */
  snapshots?: string[];
}

export interface TargetInfo {
  name: string;
  label: string;
  kind: TargetKind;
  /** The warm variant: its response cache and the subgraphs' caches on. */
  warm: boolean;
  description: string;
  env: Record<string, string>;
  startRss: number;
}

export interface GatewayBenchReport {
  date: string;
  command: string;
  commit: string;
  machine: {
    cpus: number;
    cpuModel: string;
    totalMemory: number;
    /** The Node.js of the measured processes (the harness's own in reports before it could differ). */
    node: string;
    /** Their NODE_ENV (absent in reports before it was set). */
    nodeEnv?: string;
    /** What the measured processes ran: the project compiled as the image builds it, or its TypeScript sources under tsx (absent in runs before the choice). */
    code?: 'compiled' | 'source';
    platform: string;
    load: { atStart: number[]; atEnd: number[] };
  };
  options: Omit<BenchOptions, 'log' | 'verbose' | 'command' | 'databaseUrl' | 'schemaPrefix' | 'cpuProfileDir' | 'cpuProfile' | 'checkVariants' | 'heapSnapshotDir' | 'runtime'> & { database: 'pglite' | 'postgresql' };
  estate: { dataDir: string; scale: string; seed: string; generatedNow: boolean };
  /** The identifiers the workloads took (the partner days by their receipt counts). */
  picks: Omit<Picks, 'partnerDays'> & { partnerDays: Array<{ franchise: string; day: string; receipts: number }> };
  workloads: Array<{ name: string; title: string; description: string; planDepth: number; fetches: number; connections: number }>;
  targets: TargetInfo[];
  /** GATEWAY_RESPONSE_CACHE found in gateway/config.ts: the Crosscanal gateway ran with it off and on. */
  responseCacheVariable: boolean;
  correctness: Correctness[];
  cells: Cell[];
  summary: Summary[];
  calls: CallFigure[];
  soak: SoakFigure[];
  /** What made the load. */
  generator: 'autocannon' | 'builtin';
  elapsedSeconds: number;
}

/** Whether the legacy subgraphs cache across requests while the (not warm) targets are loaded at `latencyMs`. */
/** The POS subgraph's pool in the bench, sized for its load: 16 connections of product pages at 20 ms a statement. */
export const BENCH_POS_POOL_SIZE = 30;

export function subgraphCachesAt(setting: BenchOptions['subgraphCaches'], latencyMs: number): boolean {
  return setting === 'on' || (setting === 'auto' && latencyMs === 0);
}

const PRINCIPAL: Principal = Object.freeze({ role: 'service', actor: 'bench-gateway' });


/** Whether the Hive runtime and autocannon are installed under bench/gateway. */
export function peersInstalled(): { hive: boolean; autocannon: boolean } {
  const modules = join(ROOT, 'bench', 'gateway', 'node_modules');
  return { hive: existsSync(join(modules, '@graphql-hive', 'gateway-runtime')), autocannon: existsSync(join(modules, 'autocannon')) };
}

async function gitCommit(): Promise<string> {
  try {
    const head = (await readFile(join(ROOT, '.git', 'HEAD'), 'utf8')).trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    try {
      return (await readFile(join(ROOT, '.git', ref), 'utf8')).trim();
    } catch {
      const packed = await readFile(join(ROOT, '.git', 'packed-refs'), 'utf8');
      return packed.split('\n').find((line) => line.endsWith(` ${ref}`))?.split(' ')[0] ?? 'unknown';
    }
  } catch {
    return 'unknown';
  }
}

/** The first place two JSON values differ, as `path: a ≠ b`; undefined when they are alike. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  return `${path || '(root)'}: ${JSON.stringify(a)?.slice(0, 120)} ≠ ${JSON.stringify(b)?.slice(0, 120)}`;
}

/** Counts the items a workload's answer holds in its main list. */
function itemsIn(workload: string, data: unknown): number {
  const d = data as Record<string, any> | null;
  if (!d) return 0;
  if (workload === 'customer360') return d.customer?.orders?.edges?.length ?? 0;
  if (workload === 'productPage') return d.product?.storeAvailability?.length ?? 0;
  if (workload === 'categoryPage') return d.productsByCategory?.nodes?.length ?? 0;
  if (workload === 'partnerDay') return Object.values(d).filter((v) => v !== null).length;
  return 0;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, text: await response.text() };
}

/** The version a Node.js binary reports (`v24.21.0`). */
export function nodeVersion(node: string): string {
  const result = spawnSync(node, ['--version'], { encoding: 'utf8' });
  const version = result.stdout?.trim() ?? '';
  if (result.status !== 0 || !/^v\d+\.\d+\.\d+/.test(version)) throw new Error(`${node} --version did not answer with a version (${result.error?.message ?? result.stderr?.trim() ?? ''})`);
  return version;
}

export async function runBench(options: BenchOptions): Promise<GatewayBenchReport> {
  const log = options.log;
  const started = performance.now();
  const loadAtStart = loadavg();
  const peers = peersInstalled();
  const runtime = options.runtime ?? CURRENT_RUNTIME;
  const runtimeVersion = runtime.node === process.execPath ? process.version : nodeVersion(runtime.node);
  log(`measured processes on Node.js ${runtimeVersion.slice(1)}${runtime.env.NODE_ENV ? `, NODE_ENV=${runtime.env.NODE_ENV}` : ''}, ${runtime.compiled ? 'the project compiled as the image builds it' : 'the TypeScript sources under tsx'}`);
  if (!peers.autocannon) log('autocannon is not installed under bench/gateway (`npm ci --prefix bench/gateway`): a plain keep-alive loop makes the load');

  const estate = await ensureBenchEstate(options.dataDir, options.scale, options.seed);
  if (estate.generation) log(`generated: ${estate.generation.summary}`);
  const picks = await pickIdentifiers(options.dataDir, options.pool);
  const all = makeWorkloads(picks);
  const workloads = options.workloads ? all.filter((w) => options.workloads!.includes(w.name)) : all;
  log(`picked: ${picks.cards.length} cards, ${picks.products.length} products, ${picks.categories.length} categories, ${picks.partnerDays.length} franchise days`);

  const internalSecret = randomBytes(32).toString('base64url');
  const scratch = await mkdtemp(join(tmpdir(), 'crosscanal-bench-gateway-'));
  const devIssuerDir = join(scratch, 'dev-issuer');
  const issuer = await openDevIssuer(devIssuerDir);
  const token = await issuer.sign({ role: PRINCIPAL.role as 'service', actor: PRINCIPAL.actor!, ttlSeconds: 7 * 86400 });
  // One grant for the whole run, for the same principal the token names: the targets that
  // cannot sign per request do the same work as the one that does.
  const grant = await signGrant(internalKey(internalSecret), { principal: PRINCIPAL, requestId: 'bench-gateway', deadline: Date.now() + 7 * 86400_000 });
  const supergraphPath = join(ROOT, 'schema', 'supergraph.graphql');
  const supergraphSdl = await readFile(supergraphPath, 'utf8');
  const planner = createFloor(supergraphSdl, {}, async () => ({ data: null }));
  const fetchCount = (query: string) => {
    const text = JSON.stringify(planner.plan(query));
    return (text.match(/"kind":"Fetch"/g) ?? []).length;
  };

  const responseCacheVariable = (await readFile(join(ROOT, 'gateway', 'config.ts'), 'utf8')).includes('GATEWAY_RESPONSE_CACHE');
  const kinds = (options.targets ?? (['floor', 'apollo', 'hive', 'crosscanal'] as TargetKind[])).filter((kind) => kind !== 'hive' || peers.hive);
  if (!peers.hive && (options.targets ?? []).includes('hive')) log('Hive is not installed under bench/gateway/node_modules: left out');
  // No rate limit (one client makes all the load) and room for the partner day's receipts;
  // the response cache off unless this is the warm variant, whatever its default becomes.
  const baseEnv: Record<string, string> = { GATEWAY_RATE_LIMIT_PER_MINUTE: '0', ...partnerDayLimits(picks), GATEWAY_RESPONSE_CACHE: 'off', ...options.crosscanalEnv };
  const common = { workers: options.workers, supergraphPath, grant, internalSecret, issuer: issuer.trusted };
  const targetConfigs: Array<Omit<TargetConfig, 'subgraphUrls'>> = [];
  for (const kind of kinds) {
    const profile = options.cpuProfileDir && (options.cpuProfile ?? ['crosscanal']).includes(kind) ? { cpuProfileDir: join(options.cpuProfileDir, kind) } : {};
    if (kind !== 'crosscanal') {
      targetConfigs.push({ ...common, kind, name: kind, label: TARGET_LABELS[kind], warm: false, crosscanalEnv: {}, ...profile });
      continue;
    }
    targetConfigs.push({ ...common, kind, name: 'crosscanal', label: TARGET_LABELS.crosscanal, warm: false, crosscanalEnv: baseEnv, ...profile });
    if (options.warm) {
      targetConfigs.push({
        ...common,
        kind,
        name: WARM,
        label: 'Crosscanal (warm caches)',
        warm: true,
        crosscanalEnv: { ...baseEnv, GATEWAY_RESPONSE_CACHE: 'on', ...options.crosscanalEnv },
        ...(profile.cpuProfileDir ? { cpuProfileDir: join(options.cpuProfileDir!, WARM) } : {}),
      });
    }
  }
  const schemaPrefix = options.databaseUrl ? (options.schemaPrefix ?? `bgw${process.pid}_`) : undefined;
  let graph: RunningGraph | undefined;
  const running: RunningTarget[] = [];
  let loader: Loader | undefined;
  try {
    log(`starting the stand-ins and the subgraphs, and meanwhile ${targetConfigs.map((t) => t.name).join(', ')} (${options.workers} worker${options.workers > 1 ? 's' : ''} each) and the load generator…`);
    const graphProfiled = options.cpuProfileDir ? (options.cpuProfile ?? []).filter((kind): kind is GraphRole => (GRAPH_ROLES as readonly string[]).includes(kind)) : [];
    const graphStarting = startGraph({
      dataDir: options.dataDir,
      internalSecret,
      subgraphCaches: false,
      posPoolSize: options.posPoolSize ?? BENCH_POS_POOL_SIZE,
      databaseUrl: options.databaseUrl,
      schemaPrefix,
      verbose: options.verbose,
      runtime,
      ...(graphProfiled.length > 0 ? { cpuProfileDir: options.cpuProfileDir, cpuProfile: graphProfiled } : {}),
    });
    const urls = graphStarting.then((g) => g.subgraphUrls);
    urls.catch(() => undefined);
    const loaderStarting = startLoader({ verbose: options.verbose, runtime });
    loaderStarting.catch(() => undefined);
    const starting = await Promise.allSettled(targetConfigs.map((config) => startTarget(config, urls, { verbose: options.verbose, runtime })));
    for (const result of starting) if (result.status === 'fulfilled') running.push(result.value);
    const graphStarted = await Promise.allSettled([graphStarting]);
    if (graphStarted[0].status === 'fulfilled') graph = graphStarted[0].value;
    const loaderStarted = await Promise.allSettled([loaderStarting]);
    if (loaderStarted[0].status === 'fulfilled') loader = loaderStarted[0].value;
    if (graphStarted[0].status === 'rejected') throw graphStarted[0].reason;
    const failed = starting.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (loaderStarted[0].status === 'rejected') throw loaderStarted[0].reason;
    log(`started in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const targetInfo: TargetInfo[] = await Promise.all(
      running.map(async (t) => ({ name: t.config.name, label: t.config.label, kind: t.config.kind, description: TARGET_DESCRIPTIONS[t.config.kind], env: t.config.crosscanalEnv, warm: t.config.warm, startRss: await t.rss() })),
    );
    if (!graph || !loader) throw new Error('unreachable: the graph and the loader started');
    const headersOf = (t: RunningTarget): Record<string, string> => (t.config.kind === 'crosscanal' ? { authorization: `Bearer ${token}` } : {});
    const floorTarget = running.find((t) => t.config.kind === 'floor');

    // Correctness: every target answers every workload with the floor's data, and no errors.
    log('checking every target against the floor…');
    await graph.setLatency(0);
    const correctness: Correctness[] = [];
    for (const workload of workloads) {
      // The first identifiers of the pool: enough to catch a target that answers another one's data.
      const bodies = Array.from({ length: Math.min(options.checkVariants ?? 2, workload.variants) }, (_, i) => JSON.stringify(workload.body(i)));
      // The floor's second answer: a first one, cold, can miss a field a slow subgraph fetch left out.
      const references: Array<{ data?: unknown }> = [];
      for (const body of floorTarget ? bodies : []) {
        await post(floorTarget!.url, body, {});
        references.push(JSON.parse((await post(floorTarget!.url, body, {})).text) as { data?: unknown });
      }
      for (const target of running) {
        let checked: Correctness = { workload: workload.name, target: target.config.name, same: true, errors: 0, stableBody: true };
        for (const [i, body] of bodies.entries()) {
          const first = await post(target.url, body, headersOf(target));
          const second = await post(target.url, body, headersOf(target));
          let parsed: { data?: unknown; errors?: unknown[] } = {};
          try {
            parsed = JSON.parse(first.text);
          } catch {
            parsed = {};
          }
          const reference = references[i];
          const same = reference ? isDeepStrictEqual(parsed.data, reference.data) : true;
          const note =
            first.status !== 200
              ? `HTTP ${first.status}: ${first.text.slice(0, 200)}`
              : parsed.errors?.length
                ? JSON.stringify(parsed.errors[0]).slice(0, 300)
                : same
                  ? undefined
                  : `data differs from the floor's at ${firstDifference(parsed.data, reference?.data)}`;
          checked = {
            ...checked,
            same: checked.same && same,
            errors: checked.errors + (parsed.errors?.length ?? (first.status === 200 ? 0 : 1)),
            stableBody: checked.stableBody && first.text === second.text,
            ...(note && !checked.note ? { note: bodies.length > 1 ? `${note} (identifier ${i + 1})` : note } : {}),
          };
        }
        correctness.push(checked);
        if (!checked.same || checked.note) log(`  ${workload.name} through ${target.config.name}: ${checked.same ? 'same data' : 'DIFFERENT data'}${checked.note ? `, ${checked.note}` : ''}`);
      }
    }

    // Legacy calls per operation, per item count.
    log('counting legacy calls per operation…');
    await graph.setSubgraphCaches(false);
    const calls: CallFigure[] = [];
    for (const workload of workloads) {
      if (workload.name === 'typename') continue;
      for (const asked of options.callSizes) {
        const { query, variables, effective } = workload.sized(asked);
        for (const target of running.filter((t) => t.config.name !== WARM)) {
          await graph.resetCalls();
          const reply = await post(target.url, JSON.stringify({ query, variables }), headersOf(target));
          const counts = await graph.calls();
          try {
            let refused: string | undefined;
            const parsed = JSON.parse(reply.text) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
            if (reply.status !== 200 || parsed.errors?.length) refused = parsed.errors?.[0]?.extensions?.code ?? parsed.errors?.[0]?.message ?? `HTTP ${reply.status}`;
            const items = itemsIn(workload.name, (parsed as { data?: unknown }).data);
            const bySystem = Object.fromEntries(LEGACY_SYSTEMS.map((s) => [s, counts[s].total])) as Record<LegacySystem, number>;
            calls.push({ workload: workload.name, target: target.config.name, asked, effective: Math.min(effective, items || effective), bySystem, total: Object.values(bySystem).reduce((a, b) => a + b, 0), ...(refused ? { refused } : {}) });
          } catch {
            calls.push({ workload: workload.name, target: target.config.name, asked, effective, bySystem: Object.fromEntries(LEGACY_SYSTEMS.map((s) => [s, 0])) as Record<LegacySystem, number>, total: 0, refused: `HTTP ${reply.status}, not JSON` });
          }
        }
      }
    }

    // Throughput and latency, interleaved: every target in turn, round after round.
    const loaded = options.loadWorkloads ? workloads.filter((w) => options.loadWorkloads!.includes(w.name)) : workloads;
    const cells: Cell[] = [];
    const subgraphs = graph;
    let cachesOn: boolean | undefined;
    // The subgraphs are shared: their caches follow the target loaded (off empties them).
    const cachesFor = async (target: RunningTarget, latencyMs: number) => {
      const wanted = target.config.warm || subgraphCachesAt(options.subgraphCaches, latencyMs);
      if (cachesOn === wanted) return;
      await subgraphs.setSubgraphCaches(wanted);
      cachesOn = wanted;
    };
    for (const latencyMs of options.latencies) {
      await graph.setLatency(latencyMs);
      for (let round = 1; round <= options.rounds; round += 1) {
        for (const workload of loaded) {
          const bodies = Array.from({ length: workload.variants }, (_, i) => JSON.stringify(workload.body(i)));
          for (const target of running) {
            await cachesFor(target, latencyMs);
            const base = { url: target.url, bodies, headers: headersOf(target), connections: Math.min(options.connections, workload.maxConnections ?? options.connections) };
            await loader.prime({ ...base, seconds: 60 });
            if (options.warmup > 0) await loader.load({ ...base, seconds: options.warmup });
            await Promise.all([target.pauses(true), graph.pauses(true)]);
            const load = await loader.load({ ...base, seconds: options.duration });
            const [targetPauses, graphPauses] = await Promise.all([target.pauses(false), graph.pauses(false)]);
            const pauses = { target: targetPauses, ...graphPauses };
            const serial = await loader.serial({ ...base, seconds: options.serialSeconds });
            const rss = await target.rss();
            cells.push({ latencyMs, round, workload: workload.name, target: target.config.name, load, serial, rss, pauses });
            log(
              `  ${latencyMs} ms, round ${round}, ${workload.name.padEnd(12)} ${target.config.name.padEnd(20)} ${load.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${load.p50Ms.toFixed(0)} ms  p99 ${load.p99Ms.toFixed(0)} ms  1-at-a-time p50 ${serial.p50Ms.toFixed(2)} ms  rss ${(rss / 2 ** 20).toFixed(0)} MiB` +
                (load.non2xx + load.errors + load.mismatches + serial.failures > 0 ? `  (${load.non2xx} non-2xx, ${load.errors} errors, ${load.mismatches} other bodies, ${serial.failures} serial failures)` : ''),
            );
          }
        }
      }
    }
    await graph.setLatency(0);

    const summary: Summary[] = [];
    for (const latencyMs of options.latencies) {
      for (const workload of loaded) {
        for (const target of running) {
          const mine = cells.filter((c) => c.latencyMs === latencyMs && c.workload === workload.name && c.target === target.config.name);
          summary.push({
            latencyMs,
            workload: workload.name,
            target: target.config.name,
            rps: median(mine.map((c) => c.load.requestsPerSecond)),
            p50Ms: median(mine.map((c) => c.load.p50Ms)),
            p99Ms: median(mine.map((c) => c.load.p99Ms)),
            serialP50Ms: median(mine.map((c) => c.serial.p50Ms)),
            serialP99Ms: median(mine.map((c) => c.serial.p99Ms)),
            failed: mine.reduce((n, c) => n + c.load.non2xx + c.load.errors + c.load.mismatches + c.serial.failures, 0),
            rssMax: Math.max(0, ...mine.map((c) => c.rss)),
          });
        }
      }
    }

    // Soak: each gateway under load for `soak` seconds, its memory sampled between slices.
    const soak: SoakFigure[] = [];
    if (options.soak > 0 && loaded.length > 0) {
      const workload = loaded.find((w) => w.name === 'productPage') ?? loaded[0]!;
      const bodies = Array.from({ length: workload.variants }, (_, i) => JSON.stringify(workload.body(i)));
      const slice = Math.max(1, Math.min(10, Math.floor(options.soak / 10)));
      for (const target of running.filter((t) => t.config.kind !== 'floor' && (!options.soakTargets || options.soakTargets.includes(t.config.name)))) {
        log(`soaking ${target.config.name} for ${options.soak} s (${workload.name})…`);
        const sample = async (atSeconds: number): Promise<SoakSample> => {
          const memory = await target.memory();
          return { atSeconds, rss: memory.rss, rssAfterGc: memory.rssAfterGc, heapUsedAfterGc: memory.heapUsedAfterGc, externalAfterGc: memory.externalAfterGc };
        };
        const samples: SoakSample[] = [await sample(0)];
        const snapshots: string[] = [];
        await cachesFor(target, 0);
        await loader.prime({ url: target.url, bodies, headers: headersOf(target), connections: options.connections, seconds: 60 });
        // Warm-up: the first fifth of the soak.
        const warmAt = Math.max(slice, Math.ceil(options.soak / 5 / slice) * slice);
        for (let at = slice; at <= options.soak; at += slice) {
          await loader.load({ url: target.url, bodies, headers: headersOf(target), connections: options.connections, seconds: slice });
          samples.push(await sample(at));
          if (options.heapSnapshotDir && (at === warmAt || at + slice > options.soak)) {
            snapshots.push(...(await target.heapSnapshot(options.heapSnapshotDir, `${target.config.name}-${at}s`)));
          }
          log(`  ${at} s: rss ${(samples.at(-1)!.rss / 2 ** 20).toFixed(0)} MiB, heap after a full collection ${(samples.at(-1)!.heapUsedAfterGc! / 2 ** 20).toFixed(1)} MiB`);
        }
        const warm = samples.find((s) => s.atSeconds >= warmAt) ?? samples[1] ?? samples[0]!;
        const final = samples[samples.length - 1]!;
        const heap = warm.heapUsedAfterGc && final.heapUsedAfterGc ? { warmHeap: warm.heapUsedAfterGc, finalHeap: final.heapUsedAfterGc, heapGrowth: (final.heapUsedAfterGc - warm.heapUsedAfterGc) / warm.heapUsedAfterGc } : {};
        soak.push({
          target: target.config.name,
          seconds: options.soak,
          samples,
          warmRss: warm.rss,
          finalRss: final.rss,
          growth: warm.rss > 0 ? (final.rss - warm.rss) / warm.rss : 0,
          ...heap,
          ...(snapshots.length > 0 ? { snapshots } : {}),
        });
      }
    }

    const cpuList = cpus();
    return {
      date: new Date().toISOString(),
      command: options.command,
      commit: await gitCommit(),
      machine: { cpus: cpuList.length, cpuModel: cpuList[0]?.model.trim() ?? 'unknown', totalMemory: totalmem(), node: runtimeVersion, nodeEnv: runtime.env.NODE_ENV ?? process.env.NODE_ENV ?? '', code: runtime.compiled ? 'compiled' : 'source', platform: `${platform()} ${release()}`, load: { atStart: loadAtStart, atEnd: loadavg() } },
      options: {
        dataDir: options.dataDir,
        scale: options.scale,
        seed: options.seed,
        duration: options.duration,
        warmup: options.warmup,
        serialSeconds: options.serialSeconds,
        pool: options.pool,
        rounds: options.rounds,
        connections: options.connections,
        workers: options.workers,
        latencies: options.latencies,
        callSizes: options.callSizes,
        soak: options.soak,
        subgraphCaches: options.subgraphCaches,
        posPoolSize: options.posPoolSize ?? BENCH_POS_POOL_SIZE,
        warm: options.warm,
        crosscanalEnv: options.crosscanalEnv,
        ...(options.targets ? { targets: options.targets } : {}),
        ...(options.workloads ? { workloads: options.workloads } : {}),
        database: options.databaseUrl ? 'postgresql' : 'pglite',
      },
      estate: { dataDir: options.dataDir, scale: estate.manifest.scale, seed: estate.manifest.seed, generatedNow: estate.generation !== null },
      picks: { ...picks, partnerDays: picks.partnerDays.map((d) => ({ franchise: d.franchise, day: d.day, receipts: d.receipts.length })) },
      workloads: workloads.map((w: Workload) => ({ name: w.name, title: w.title, description: w.description, planDepth: planner.depth(w.body().query), fetches: fetchCount(w.body().query), connections: Math.min(options.connections, w.maxConnections ?? options.connections) })),
      targets: targetInfo,
      responseCacheVariable,
      correctness,
      cells,
      summary,
      calls,
      soak,
      generator: loader.generator,
      elapsedSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await loader?.stop().catch(() => undefined);
    await Promise.allSettled(running.map((t) => t.stop()));
    await graph?.stop().catch(() => undefined);
    if (options.databaseUrl && schemaPrefix) await dropSchemasWithPrefix(options.databaseUrl, schemaPrefix).catch((error: Error) => log(`could not drop the schemas ${schemaPrefix}*: ${error.message}`));
    await rm(scratch, { recursive: true, force: true });
  }
}
