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
import { openFreshStore } from './freshStore.js';
import { instrumentStore, SQL, timedReader } from './instrument.js';
import { formatReport, verdicts, type CrosswalkBenchReport, type PhaseFigure, type SourceFigure } from './crosswalkReport.js';
import { MemorySampler, peakRssBytes, perSecond, Timeline } from './measure.js';
import { startStandInsProcess } from './standIns.js';

const USAGE = `Usage: npx tsx bench/crosswalk.ts [--data DIR] [--scale tiny|demo|bench] [--seed TEXT] [--database-url URL] [--json FILE] [--store-in-memory] [--strict]

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
  --strict            exit 3 when a target is not met

The stand-ins run in a process of their own on free ports; the build runs in this one, so the
memory figures are the crosswalk's. Exit status: 0 done, 1 failed, 2 bad usage, 3 a target
missed under --strict.`;

/** The memory sampler's phases from the start of the build to its end. */
const BUILD_PHASES = ['read', 'load', 'resolve', 'write', 'finish', 'after'];

interface Options {
  help: boolean;
  dataDir: string;
  scale: string;
  seed: string;
  databaseUrl?: string;
  json?: string;
  storeInMemory: boolean;
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
    const restoreStore = instrumentStore(store, timeline, memory);
    const readers = createReaders(standIns.ready.sources).map((reader) => timedReader(reader, timeline));
    const progress = progressReporter();
    const onProgress = (event: SyncProgress) => {
      if (event.phase === 'resolve') memory.enter('resolve');
      progress.onProgress(event);
      timeline.mark(event.phase);
    };

    const loadAtStart = loadavg()[0]!;
    const cpuAtStart = process.cpuUsage();
    memory.enter('read');
    const sync = createIdentitySync({ store, readers, onProgress });
    let summary;
    try {
      summary = await timeline.time('build', () => sync.full());
    } finally {
      progress.stop();
      await Promise.allSettled(readers.map((reader) => reader.close()));
    }
    memory.enter('after');
    const cpu = process.cpuUsage(cpuAtStart);
    const loadAtEnd = loadavg()[0]!;
    const buildPeakRss = peakRssBytes();
    memory.stop();
    restoreStore();
    const failed = Object.entries(summary.sources).filter(([, s]) => s.error !== undefined);
    if (failed.length > 0) throw new Error(`the build could not read ${failed.map(([name, s]) => `${name} (${s.error})`).join(', ')}`);

    stopped = await standIns.stop();

    const evaluation = await timeline.time('evaluate', async () => {
      const [data, truth] = await Promise.all([readEstate(options.dataDir), readGroundTruth(options.dataDir)]);
      const generated: Generated = { seed: estate.manifest.seed, scale: estate.manifest.scale, asOf: estate.manifest.asOf, estate: data, truth, stats: estate.manifest.stats };
      return { accuracy: await measureAccuracy(store, generated), peopleWithRecords: truth.persons.length };
    });

    const build = timeline.span('build')!;
    const sources = sourceFigures(readers, summary.sources, timeline, build.firstStartMs, stopped.calls);
    const records = sources.reduce((n, s) => n + s.records, 0);
    const peaks = memory.byPhase();
    const m = estate.manifest;
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
        phases: phaseFigures(timeline, build, peaks),
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
  return {
    help: values.help!,
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
 * they add up to the whole.
 */
function phaseFigures(timeline: Timeline, build: { firstStartMs: number; lastEndMs: number }, peaks: ReturnType<MemorySampler['byPhase']>): PhaseFigure[] {
  const readSpans = ['ecommerce', 'loyalty', 'pos'].map((name) => timeline.span(`read ${name}`)).filter((s) => s !== undefined);
  const readStart = Math.min(...readSpans.map((s) => s.firstStartMs));
  const readEnd = Math.max(...readSpans.map((s) => s.lastEndMs));
  const resolveAt = timeline.markAt('resolve') ?? readEnd;
  const writeAt = timeline.markAt('write') ?? resolveAt;
  const applied = timeline.span('applyPlan');
  const writeEnd = applied?.lastEndMs ?? writeAt;
  const ms = (label: string) => timeline.span(label)?.totalMs ?? 0;
  const peak = (phase: string) => peaks[phase] ?? null;
  return [
    { phase: 'start', ms: readStart - build.firstStartMs, what: 'lease, run record, sync states', memory: null },
    { phase: 'read', ms: readEnd - readStart, what: 'the three systems read at once, each batch upserted into the store', memory: peak('read') },
    {
      phase: 'load',
      ms: resolveAt - readEnd,
      what: `every stored record (${(ms('allRecords') / 1000).toFixed(1)} s) and link (${(ms('allLinks') / 1000).toFixed(1)} s) read back into memory`,
      memory: peak('load'),
    },
    {
      phase: 'resolve',
      ms: writeAt - resolveAt,
      what: `match rules, clusters, candidates, the link plan (golden ids in use read in ${(ms('usedCustomerIds') / 1000).toFixed(1)} s)`,
      memory: peak('resolve'),
    },
    { phase: 'write', ms: writeEnd - writeAt, what: 'customers, links, events, candidates in one transaction', memory: peak('write') },
    { phase: 'finish', ms: build.lastEndMs - writeEnd, what: 'source watermarks, counts, run summary', memory: peak('finish') },
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
