import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { readEstate, readGroundTruth } from '../legacy/generator/files.js';
import { DEFAULT_SEED, SCALES, type Generated } from '../legacy/generator/generate.js';
import { createReaders } from '../subgraphs/crosscanal/dataSources.js';
import { measureAccuracy } from '../subgraphs/crosscanal/evaluation/accuracy.js';
import { createIdentitySync, type SyncProgress } from '../subgraphs/crosscanal/identitySync.js';
import type { SourceReader } from '../subgraphs/crosscanal/sources/reader.js';
import { progressReporter } from '../subgraphs/crosscanal/syncReport.js';
import { ensureBenchEstate, EstateMismatch } from './benchEstate.js';
import { pairwiseFromStore } from './crosswalkPairwise.js';
import { openFreshStore } from './freshStore.js';
import { instrumentStore, SQL, timedReader } from './instrument.js';
import { formatReport, verdicts, type CrosswalkBenchReport, type PhaseFigure, type SourceFigure } from './crosswalkReport.js';
import { MemorySampler, peakRssBytes, perSecond, PhaseClock, seconds, Timeline } from './measure.js';
import { startStandInsProcess } from './standIns.js';

const USAGE = `Usage: npx tsx bench/crosswalk.ts [--data DIR] [--scale tiny|demo|bench|national] [--seed TEXT] [--database-url URL] [--json FILE] [--store-in-memory] [--batch-records N] [--score full|pairwise] [--stand-ins-heap MIB] [--strict]

Times the crosswalk's full link build over a generated estate and scores it against the
ground truth, beside the naive exact-email baseline.

  --data DIR          the estate's folder; generated there first when empty (default data/bench)
  --scale NAME        the scale to generate, and to expect in --data (default bench)
  --seed TEXT         the generator's seed (default ${JSON.stringify(DEFAULT_SEED)})
  --database-url URL  a real PostgreSQL: the POS stand-in and the crosswalk store live there,
                      in throw-away schemas dropped at the end (default PGlite: the POS in
                      memory, the store in a temporary folder removed at the end)
  --json FILE         also write the full report as JSON
  --store-in-memory   keep the PGlite store in memory rather than in a temporary folder
  --batch-records N   records the build resolves at once (default: the sync's, 20000)
  --stand-ins-heap MIB  the stand-ins' process's V8 heap limit: they hold the estate in
                      memory (about 12 GiB at the national scale); this process keeps its own
  --score KIND        full: the whole evaluation, baselines and breakdowns (holds the estate
                      in memory); pairwise: the crosswalk's precision and recall alone, the
                      truth streamed (for the national scale). Default full
  --strict            exit 3 when a target is not met

The stand-ins run in a process of their own on free ports; the build runs in this one, so the
memory figures are the crosswalk's. Exit status: 0 done, 1 failed, 2 bad usage, 3 a target
missed under --strict.`;

/** The memory sampler's phases from the start of the build to its end. */
const BUILD_PHASES = ['start', 'read', 'block', 'load', 'resolve', 'write', 'finish'];

interface Options {
  help: boolean;
  dataDir: string;
  scale: string;
  seed: string;
  databaseUrl?: string;
  json?: string;
  storeInMemory: boolean;
  batchRecords?: number;
  score: 'full' | 'pairwise';
  standInsHeapMib?: number;
  strict: boolean;
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = readOptions();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let estate;
  try {
    estate = await ensureBenchEstate(options.dataDir, options.scale, options.seed);
  } catch (error) {
    if (error instanceof EstateMismatch) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (estate.generation) process.stderr.write(`generated: ${estate.generation.summary}\n`);

  // Throw-away names on a shared PostgreSQL, unique to this run.
  const runTag = `bench_${process.pid}_${Date.now().toString(36)}`;
  const posSchemaPrefix = options.databaseUrl ? `${runTag}_` : '';
  const storeSchema = options.databaseUrl ? `${runTag}_crosswalk` : 'crosscanal';

  // The stand-ins' process inherits this environment; this process's own heap was set when it started.
  if (options.standInsHeapMib) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${options.standInsHeapMib}`.trim();
  // The stand-ins start in their process while the store opens in this one.
  const timeline = new Timeline();
  const memory = new MemorySampler().start();
  const [starting, opening] = await Promise.allSettled([
    startStandInsProcess({ dataDir: options.dataDir, posDatabaseUrl: options.databaseUrl, posSchemaPrefix }),
    timeline.time('open store', () => openFreshStore({ databaseUrl: options.databaseUrl, schema: storeSchema, inMemory: options.storeInMemory })),
  ]);
  if (starting.status === 'rejected' || opening.status === 'rejected') {
    if (starting.status === 'fulfilled') await starting.value.stop().catch(() => undefined);
    if (opening.status === 'fulfilled') await opening.value.dispose().catch(() => undefined);
    memory.stop();
    throw starting.status === 'rejected' ? starting.reason : (opening as PromiseRejectedResult).reason;
  }
  const standIns = starting.value;
  const fresh = opening.value;
  const store = fresh.store;
  let stopped: Awaited<ReturnType<typeof standIns.stop>> | undefined;
  let disposed = false;
  try {
    const rssBeforeBuild = process.memoryUsage().rss;
    const phases = new PhaseClock(timeline, memory);
    const restoreStore = instrumentStore(store, timeline, phases);
    let reading = false;
    const readers = createReaders(standIns.ready.sources).map((reader) => {
      const timed = timedReader(reader, timeline);
      return {
        ...timed,
        read: (...args: Parameters<SourceReader['read']>) => {
          if (!reading) phases.enter('read');
          reading = true;
          return timed.read(...args);
        },
      };
    });
    const progress = progressReporter();
    const onProgress = (event: SyncProgress) => {
      if (event.phase === 'resolve') phases.enter('resolve');
      progress.onProgress(event);
      timeline.mark(event.phase);
    };

    const loadAtStart = loadavg()[0]!;
    const cpuAtStart = process.cpuUsage();
    const sync = createIdentitySync({ store, readers, onProgress, ...(options.batchRecords ? { batchRecords: options.batchRecords } : {}) });
    let summary;
    try {
      const start = timeline.now();
      phases.enter('start', start);
      summary = await sync.full();
      const end = timeline.now();
      phases.stop(end);
      timeline.add('build', start, end);
    } finally {
      progress.stop();
      await Promise.allSettled(readers.map((reader) => reader.close()));
    }
    const cpu = process.cpuUsage(cpuAtStart);
    const loadAtEnd = loadavg()[0]!;
    const buildPeakRss = peakRssBytes();
    memory.stop();
    restoreStore();
    const failed = Object.entries(summary.sources).filter(([, s]) => s.error !== undefined);
    if (failed.length > 0) throw new Error(`the build could not read ${failed.map(([name, s]) => `${name} (${s.error})`).join(', ')}`);

    stopped = await standIns.stop();
    const m = estate.manifest;

    const evaluation = await timeline.time('evaluate', async () => {
      if (options.score === 'pairwise') {
        const { score, persons } = await pairwiseFromStore(store, options.dataDir);
        return { accuracy: { scope: 'pairwise' as const, crosswalk: score }, peopleWithRecords: persons };
      }
      const [data, truth] = await Promise.all([readEstate(options.dataDir), readGroundTruth(options.dataDir)]);
      const generated: Generated = { seed: estate.manifest.seed, scale: estate.manifest.scale, asOf: estate.manifest.asOf, estate: data, truth, stats: estate.manifest.stats };
      return { accuracy: { scope: 'full' as const, ...(await measureAccuracy(store, generated)) }, peopleWithRecords: truth.persons.length };
    });

    const build = timeline.span('build')!;
    const sources = sourceFigures(readers, summary.sources, timeline, build.firstStartMs, stopped.calls);
    const records = sources.reduce((n, s) => n + s.records, 0);
    const peaks = memory.byPhase();
    const partial: Omit<CrosswalkBenchReport, 'targets'> = {
      date: new Date().toISOString(),
      command: commandLine(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        totalMemory: totalmem(),
        node: process.version,
        platform: `${platform()} ${release()}`,
        load: { atStart: loadAtStart, atEnd: loadAtEnd },
      },
      estate: {
        dataDir: options.dataDir,
        scale: m.scale,
        seed: m.seed,
        people: SCALES[m.scale as keyof typeof SCALES]?.people ?? evaluation.peopleWithRecords,
        peopleWithRecords: evaluation.peopleWithRecords,
        webAccounts: m.counts.ecommerce?.customers ?? 0,
        loyaltyMembers: m.counts.loyalty?.members ?? 0,
        receipts: m.counts.pos?.receipts ?? 0,
        receiptLines: m.stats.receiptLines,
        generation: estate.generation,
      },
      standIns: {
        posBackend: standIns.ready.posBackend,
        readFilesMs: standIns.ready.readFilesMs,
        posLoadMs: standIns.ready.posLoadMs,
        posRows: standIns.ready.posRows,
        startMs: standIns.ready.startMs,
        peakRss: Math.max(standIns.ready.peakRss, stopped.peakRss),
        calls: stopped.calls,
      },
      store: { backend: store.kind, where: fresh.where, openMs: timeline.span('open store')!.totalMs, sizeBytes: await fresh.sizeBytes(), removed: false },
      build: {
        totalMs: build.totalMs,
        records,
        recordsPerSecond: perSecond(records, build.totalMs),
        sources,
        phases: phaseFigures(timeline, phases, summary, peaks),
        cpu: { buildProcessMs: (cpu.user + cpu.system) / 1000, standInsMs: stopped.cpuMs - standIns.ready.cpuMs },
        statements: timeline
          .spans()
          .filter((span) => span.label.startsWith(SQL))
          .map((span) => ({ statement: span.label.slice(SQL.length), calls: span.calls, totalMs: span.totalMs }))
          .sort((a, b) => b.totalMs - a.totalMs),
        peakRss: buildPeakRss,
        rssBeforeBuild,
        peakHeapUsed: Math.max(0, ...BUILD_PHASES.map((p) => peaks[p]?.heapUsed ?? 0)),
        peakExternal: Math.max(0, ...BUILD_PHASES.map((p) => peaks[p]?.external ?? 0)),
        summary,
      },
      accuracy: { ...evaluation.accuracy, evaluateMs: timeline.span('evaluate')!.totalMs },
    };

    const removed = await fresh.dispose();
    disposed = true;
    const report: CrosswalkBenchReport = { ...partial, store: { ...partial.store, removed }, targets: verdicts(partial) };
    process.stdout.write(`${formatReport(report)}\n`);
    if (options.databaseUrl) process.stdout.write(`throw-away schemas dropped: POS ${stopped.dropped ? 'yes' : 'NO'}, crosswalk ${removed ? 'yes' : 'NO'}\n`);
    if (options.json) await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    return options.strict && report.targets.some((t) => !t.met) ? 3 : 0;
  } finally {
    if (!stopped) await standIns.stop().catch(() => undefined);
    if (!disposed) await fresh.dispose().catch(() => undefined);
  }
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      scale: { type: 'string', default: 'bench' },
      seed: { type: 'string', default: DEFAULT_SEED },
      'database-url': { type: 'string' },
      json: { type: 'string' },
      'store-in-memory': { type: 'boolean', default: false },
      'batch-records': { type: 'string' },
      score: { type: 'string', default: 'full' },
      'stand-ins-heap': { type: 'string' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const scale = values.scale!;
  if (!(scale in SCALES)) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}, got ${JSON.stringify(scale)}`);
  const databaseUrl = values['database-url'];
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(`--database-url must be a postgres:// or postgresql:// URL, got one starting ${JSON.stringify(databaseUrl.slice(0, 12))}`);
  }
  const batchRecords = values['batch-records'] === undefined ? undefined : Number(values['batch-records']);
  if (batchRecords !== undefined && !(Number.isInteger(batchRecords) && batchRecords >= 1)) {
    throw new Error(`--batch-records must be a whole number above 0, got ${JSON.stringify(values['batch-records'])}`);
  }
  const score = values.score!;
  if (score !== 'full' && score !== 'pairwise') throw new Error(`--score must be full or pairwise, got ${JSON.stringify(score)}`);
  const standInsHeapMib = values['stand-ins-heap'] === undefined ? undefined : Number(values['stand-ins-heap']);
  if (standInsHeapMib !== undefined && !(Number.isInteger(standInsHeapMib) && standInsHeapMib >= 256)) {
    throw new Error(`--stand-ins-heap must be a whole number of MiB, at least 256, got ${JSON.stringify(values['stand-ins-heap'])}`);
  }
  return {
    help: values.help!,
    batchRecords,
    score,
    standInsHeapMib,
    dataDir: values.data ?? `data/${scale}`,
    scale,
    seed: values.seed!,
    databaseUrl,
    json: values.json,
    storeInMemory: values['store-in-memory']!,
    strict: values.strict!,
  };
}

const SYSTEM_OF = { ecommerce: 'ECOMMERCE', loyalty: 'LOYALTY', pos: 'POS' } as const;

function sourceFigures(
  readers: SourceReader[],
  summaries: CrosswalkBenchReport['build']['summary']['sources'],
  timeline: Timeline,
  buildStartMs: number,
  calls: CrosswalkBenchReport['standIns']['calls'],
): SourceFigure[] {
  return readers.map((reader) => {
    const read = timeline.span(`read ${reader.name}`);
    const upserts = timeline.span(`upsert ${SYSTEM_OF[reader.name]}`);
    const wallMs = read ? read.lastEndMs - buildStartMs : 0;
    const records = summaries[reader.name]?.read ?? 0;
    return {
      source: reader.name,
      records,
      wallMs,
      recordsPerSecond: perSecond(records, wallMs),
      storeWriteMs: upserts?.totalMs ?? 0,
      storeWriteCalls: upserts?.calls ?? 0,
      calls: calls[reader.name]?.total ?? 0,
    };
  });
}

/**
 * The build cut into consecutive phases on one clock: each ends where the next begins, so
 * they add up to the whole; load, resolve and write are summed over the batches.
 */
function phaseFigures(timeline: Timeline, clock: PhaseClock, summary: CrosswalkBenchReport['build']['summary'], peaks: ReturnType<MemorySampler['byPhase']>): PhaseFigure[] {
  const ms = (label: string) => timeline.span(label)?.totalMs ?? 0;
  const peak = (phase: string) => peaks[phase] ?? null;
  const b = summary.batches;
  const batches = b ? `${b.count} batches (largest ${b.largestBatch} records; ${b.components} components, the largest ${b.largestComponent})` : 'no batch';
  return [
    { phase: 'start', ms: clock.ms('start'), what: 'lease, run record, sync states', memory: peak('start') },
    { phase: 'read', ms: clock.ms('read'), what: 'the three systems read at once, each batch upserted into the store', memory: peak('read') },
    {
      phase: 'block',
      ms: clock.ms('block'),
      what:
        `in SQL: records numbered, ${b?.blockingKeys ?? 0} blocking keys, ${b?.oversizedGroups ?? 0} values over the cap, ` +
        `${b?.blockingPairs ?? 0} pairs sharing an email, phone, card, customer or decision (${seconds(ms('block'))}); ` +
        `union-find over the numbers, components cut into ${batches}`,
      memory: peak('block'),
    },
    { phase: 'load', ms: clock.ms('load'), what: `each batch's records (${seconds(ms('batch records'))}), links and decisions read`, memory: peak('load') },
    { phase: 'resolve', ms: clock.ms('resolve'), what: 'match rules, clusters, candidates, the link plan, golden ids in use (for the batch only)', memory: peak('resolve') },
    { phase: 'write', ms: clock.ms('write'), what: 'customers, links, events, candidates, one transaction per batch', memory: peak('write') },
    { phase: 'finish', ms: clock.ms('finish'), what: 'source watermarks, counts, run summary', memory: peak('finish') },
  ];
}

function commandLine(): string {
  const args = process.argv.slice(2).map((arg) => arg.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@'));
  return ['npx tsx bench/crosswalk.ts', ...args].join(' ');
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`crosswalk bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
