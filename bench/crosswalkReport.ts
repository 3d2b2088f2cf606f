import type { SyncSummary } from '../subgraphs/crosscanal/identitySync.js';
import type { Accuracy } from '../subgraphs/crosscanal/evaluation/accuracy.js';
import type { PairwiseScore } from '../subgraphs/crosscanal/evaluation/pairwise.js';
import type { CallCounts } from '../legacy/shared/counters.js';
import { mib, seconds, type MemoryPeak } from './measure.js';

/** The targets the crosswalk's link build is held to at bench scale. */
export const TARGETS = {
  people: 100_000,
  receiptLines: 1_000_000,
  /** "Runs in minutes": under ten of them. */
  buildMs: 10 * 60_000,
  precision: 0.999,
  recall: 0.98,
} as const;

/** One system's read, as the sync ran it (the three reads run at once). */
export interface SourceFigure {
  source: string;
  records: number;
  /** From the start of the build to the end of this read. */
  wallMs: number;
  recordsPerSecond: number;
  /** Time inside `upsertRecords` for this system's batches (waits for the store included). */
  storeWriteMs: number;
  storeWriteCalls: number;
  /** Calls the stand-in served. */
  calls: number;
}

export interface PhaseFigure {
  phase: 'start' | 'read' | 'block' | 'load' | 'resolve' | 'write' | 'finish';
  ms: number;
  what: string;
  /** Peak memory sampled while the phase ran; null when no sample fell in it. */
  memory: MemoryPeak | null;
}

export interface TargetVerdict {
  target: string;
  met: boolean;
  measured: string;
}

export interface CrosswalkBenchReport {
  date: string;
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    totalMemory: number;
    node: string;
    platform: string;
    /** 1-minute load averages when the build started and when it ended: other work on the machine skews the times. */
    load: { atStart: number; atEnd: number };
  };
  estate: {
    dataDir: string;
    scale: string;
    seed: string;
    /** People the generator made (its scale). */
    people: number;
    /** Those who left at least one customer record (the others shop anonymously): the ground truth's persons. */
    peopleWithRecords: number;
    webAccounts: number;
    loyaltyMembers: number;
    receipts: number;
    receiptLines: number;
    /** Set when this run generated the estate. */
    generation: { wallMs: number; summary: string } | null;
  };
  standIns: {
    posBackend: 'pglite' | 'postgresql';
    readFilesMs: number;
    posLoadMs: number;
    posRows: number;
    startMs: number;
    peakRss: number;
    calls: Record<string, CallCounts>;
  };
  store: {
    backend: 'pglite' | 'postgresql';
    where: string;
    openMs: number;
    /** On disk when the build was scored (PostgreSQL: the schema's relations); null in memory. */
    sizeBytes: number | null;
    /** The throw-away store was removed at the end. */
    removed: boolean;
  };
  build: {
    totalMs: number;
    records: number;
    recordsPerSecond: number;
    sources: SourceFigure[];
    phases: PhaseFigure[];
    /** CPU time over the build: this process (readers, store, resolver) and the stand-ins' process (serving). */
    cpu: { buildProcessMs: number; standInsMs: number };
    /** SQL statements the build ran, by verb and table, longest total first (waits for the store included). */
    statements: { statement: string; calls: number; totalMs: number }[];
    /** `resourceUsage().maxRSS` when the build ended: the process's peak so far, in bytes. */
    peakRss: number;
    /** RSS when the store was open and the build about to start. */
    rssBeforeBuild: number;
    /** Sampled over the build. */
    peakHeapUsed: number;
    peakExternal: number;
    summary: SyncSummary;
  };
  /**
   * `full`: the whole evaluation (needs the estate in memory); `pairwise`: the crosswalk's
   * precision and recall alone, streamed, for an estate too large for the full one.
   */
  accuracy: (Accuracy & { scope: 'full'; evaluateMs: number }) | { scope: 'pairwise'; crosswalk: PairwiseScore; evaluateMs: number };
  targets: TargetVerdict[];
}

export function verdicts(report: Omit<CrosswalkBenchReport, 'targets'>): TargetVerdict[] {
  const { estate, build, accuracy } = report;
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  return [
    {
      target: `bench scale: >= ${TARGETS.people} people, >= ${TARGETS.receiptLines} store receipt lines`,
      met: estate.people >= TARGETS.people && estate.receiptLines >= TARGETS.receiptLines,
      measured: `${estate.people} people (${estate.peopleWithRecords} with a customer record), ${estate.receiptLines} receipt lines`,
    },
    { target: `full link build in minutes (< ${TARGETS.buildMs / 60_000} min)`, met: build.totalMs < TARGETS.buildMs, measured: seconds(build.totalMs) },
    {
      target: `pairwise precision >= ${pct(TARGETS.precision)}`,
      met: accuracy.crosswalk.precision >= TARGETS.precision,
      measured: pct(accuracy.crosswalk.precision),
    },
    {
      target: `pairwise recall >= ${pct(TARGETS.recall)} (of every true pair)`,
      met: accuracy.crosswalk.recall >= TARGETS.recall,
      measured:
        accuracy.scope === 'full'
          ? `${pct(accuracy.crosswalk.recall)}; of the pairs the records' values support: ${pct(accuracy.linkable.recall)}`
          : pct(accuracy.crosswalk.recall),
    },
  ];
}

/** The report as a terminal summary: what a results file quotes. */
export function formatReport(r: CrosswalkBenchReport): string {
  const e = r.estate;
  const b = r.build;
  const lines: string[] = [];
  lines.push(`crosswalk bench, ${r.date}`);
  lines.push(`  command   ${r.command}`);
  lines.push(
    `  machine   ${r.machine.cpus} cores (${r.machine.cpuModel}), ${mib(r.machine.totalMemory)} RAM, node ${r.machine.node}, ${r.machine.platform}; ` +
      `load average ${r.machine.load.atStart.toFixed(2)} at the build's start, ${r.machine.load.atEnd.toFixed(2)} at its end`,
  );
  lines.push(
    `  estate    ${e.scale} (seed ${JSON.stringify(e.seed)}) in ${e.dataDir}: ${e.people} people (${e.peopleWithRecords} with a record), ${e.webAccounts} web accounts, ` +
      `${e.loyaltyMembers} members, ${e.receipts} receipts (${e.receiptLines} lines)`,
  );
  if (e.generation) lines.push(`  generated ${seconds(e.generation.wallMs)} wall: ${e.generation.summary}`);
  const s = r.standIns;
  lines.push(
    `  stand-ins POS on ${s.posBackend}: loaded ${s.posRows} rows in ${seconds(s.posLoadMs)}; files read in ${seconds(s.readFilesMs)}; ` +
      `all listening after ${seconds(s.startMs)}; their process peaked at ${mib(s.peakRss)}`,
  );
  lines.push(
    `  store     ${r.store.where}, opened and migrated in ${seconds(r.store.openMs)}` +
      `${r.store.sizeBytes === null ? '' : `; ${mib(r.store.sizeBytes)} on disk after the build`}`,
  );
  lines.push('');
  lines.push(`full link build: ${seconds(b.totalMs)}, ${b.records} records, ${b.recordsPerSecond} records/s`);
  lines.push(`  ${'read'.padEnd(10)} ${'records'.padStart(8)} ${'wall'.padStart(8)} ${'rec/s'.padStart(7)} ${'store writes'.padStart(20)} ${'calls'.padStart(6)}`);
  for (const f of b.sources) {
    lines.push(
      `  ${f.source.padEnd(10)} ${String(f.records).padStart(8)} ${seconds(f.wallMs).padStart(8)} ${String(f.recordsPerSecond).padStart(7)} ` +
        `${`${seconds(f.storeWriteMs)} in ${f.storeWriteCalls}`.padStart(20)} ${String(f.calls).padStart(6)}`,
    );
  }
  lines.push(`  ${'phase'.padEnd(8)} ${'wall'.padStart(8)} ${'peak RSS'.padStart(9)} ${'peak heap'.padStart(10)} ${'peak ext'.padStart(9)}  what`);
  for (const p of b.phases) {
    const m = p.memory;
    lines.push(
      `  ${p.phase.padEnd(8)} ${seconds(p.ms).padStart(8)} ${(m ? mib(m.rss) : '-').padStart(9)} ${(m ? mib(m.heapUsed) : '-').padStart(10)} ${(m ? mib(m.external) : '-').padStart(9)}  ${p.what}`,
    );
  }
  lines.push(
    `  memory   peak RSS ${mib(b.peakRss)} (maxRSS; ${mib(b.rssBeforeBuild)} before the build), peak heap used ${mib(b.peakHeapUsed)}, ` +
      `peak external ${mib(b.peakExternal)} (sampled)`,
  );
  lines.push(`  cpu      ${seconds(b.cpu.buildProcessMs)} in this process, ${seconds(b.cpu.standInsMs)} in the stand-ins' process, over ${seconds(b.totalMs)} of wall time`);
  lines.push('  statements (longest total first)');
  for (const st of b.statements.slice(0, 10)) lines.push(`    ${seconds(st.totalMs).padStart(8)} ${String(st.calls).padStart(6)} x ${st.statement}`);
  const t = b.summary.totals;
  lines.push(`  crosswalk ${t.records} records, ${t.customers} customers, ${t.links} links, ${t.candidates} candidate pairs`);
  lines.push('');
  const a = r.accuracy;
  lines.push(`accuracy against the ground truth (${a.crosswalk.records} records; scored in ${seconds(a.evaluateMs)}${a.scope === 'pairwise' ? ', pairwise only' : ''}):`);
  lines.push(`  crosswalk        ${score(a.crosswalk)}`);
  if (a.scope === 'full') formatFullAccuracy(a, lines);
  lines.push('');
  lines.push('targets:');
  for (const v of r.targets) lines.push(`  ${v.met ? 'MET    ' : 'NOT MET'} ${v.target}: ${v.measured}`);
  return lines.join('\n');
}

function formatFullAccuracy(a: Accuracy, lines: string[]): void {
  lines.push(`  exact email      ${score(a.exactEmail)}`);
  lines.push(`  value ceiling    ${score(a.ceiling)}`);
  lines.push(`  crosswalk, of the pairs the values support: recall ${(a.linkable.recall * 100).toFixed(2)} % (${a.linkable.correctPairs} of ${a.linkable.truePairs})`);
  lines.push(`  people sharing a landline (the family landline): ${a.sharedLandlinePairs} pairs, ${a.sharedLandlineMerged} merged`);
  lines.push(`  people sharing any phone (a landline, or a mobile a parcel for a relative carries): ${a.sharedPhonePairs} pairs, ${a.sharedPhoneMerged} merged`);
}

function score(s: PairwiseScore): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`.padStart(8);
  return `precision ${pct(s.precision)}  recall ${pct(s.recall)}  (${s.correctPairs} of ${s.truePairs} true pairs, ${s.predictedPairs} predicted)`;
}
