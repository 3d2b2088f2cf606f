/**
 * What the benchmarks measure: spans of wall time on one clock, and memory sampled through
 * a run. Both are plain data so that a report can be printed or written as JSON.
 */

/** Time spent under one label: how often, in total, and first start to last end. */
export interface SpanTotal {
  label: string;
  calls: number;
  /** Summed durations; concurrent calls each count in full. */
  totalMs: number;
  /** From the clock's origin. */
  firstStartMs: number;
  lastEndMs: number;
}

/** Wall-clock spans and instants, measured from the moment the timeline was made. */
export class Timeline {
  private readonly origin = performance.now();
  private readonly totals = new Map<string, SpanTotal>();
  private readonly marks = new Map<string, number>();

  /** Milliseconds since the origin. */
  now(): number {
    return performance.now() - this.origin;
  }

  /** Runs `work` and adds its duration to `label`, whether it resolves or throws. */
  async time<T>(label: string, work: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      return await work();
    } finally {
      this.add(label, start, this.now());
    }
  }

  /** Adds a span measured elsewhere on this clock. */
  add(label: string, start: number, end: number): void {
    const total = this.totals.get(label);
    if (total) {
      total.calls += 1;
      total.totalMs += end - start;
      total.lastEndMs = Math.max(total.lastEndMs, end);
    } else {
      this.totals.set(label, { label, calls: 1, totalMs: end - start, firstStartMs: start, lastEndMs: end });
    }
  }

  /** Notes an instant under `name`; the first one given wins. */
  mark(name: string): void {
    if (!this.marks.has(name)) this.marks.set(name, this.now());
  }

  markAt(name: string): number | undefined {
    return this.marks.get(name);
  }

  span(label: string): SpanTotal | undefined {
    return this.totals.get(label);
  }

  spans(): SpanTotal[] {
    return [...this.totals.values()].sort((a, b) => a.firstStartMs - b.firstStartMs);
  }
}

/** Peaks of `process.memoryUsage()` over the samples taken while one phase was current (bytes). */
export interface MemoryPeak {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** Memory outside the JS heap held by JS objects: buffers, and PGlite's WebAssembly memory. */
  external: number;
  samples: number;
}

/**
 * Samples the process's memory on a timer and whenever asked, and keeps the peaks per
 * phase. A timer cannot fire during a long synchronous computation, so the phase that does
 * one is also sampled by hand at its edges.
 */
export class MemorySampler {
  private readonly peaks = new Map<string, MemoryPeak>();
  private phase = 'start';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 100) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  /** Samples once under the current phase, then makes `phase` current. */
  enter(phase: string): void {
    this.sample();
    this.phase = phase;
    this.sample();
  }

  sample(): void {
    const usage = process.memoryUsage();
    const peak = this.peaks.get(this.phase) ?? { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, samples: 0 };
    peak.rss = Math.max(peak.rss, usage.rss);
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
    peak.heapTotal = Math.max(peak.heapTotal, usage.heapTotal);
    peak.external = Math.max(peak.external, usage.external);
    peak.samples += 1;
    this.peaks.set(this.phase, peak);
  }

  /** Peaks per phase, in the order the phases were entered. */
  byPhase(): Record<string, MemoryPeak> {
    return Object.fromEntries(this.peaks);
  }

  /** The peaks over every phase. */
  overall(): MemoryPeak {
    const all = [...this.peaks.values()];
    const max = (pick: (p: MemoryPeak) => number) => Math.max(0, ...all.map(pick));
    return {
      rss: max((p) => p.rss),
      heapUsed: max((p) => p.heapUsed),
      heapTotal: max((p) => p.heapTotal),
      external: max((p) => p.external),
      samples: all.reduce((n, p) => n + p.samples, 0),
    };
  }
}

/** The process's peak resident set so far, in bytes (`resourceUsage().maxRSS` is in KiB). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Records per second, rounded; 0 when no time was measured. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000) / ms) : 0;
}

/**
 * Consecutive phases on one clock, each entered when the work it names starts, with the memory
 * sampler following along: a phase entered again (one batch after another) adds to its total,
 * so the totals add up to the whole, whatever the interleaving.
 */
export class PhaseClock {
  private readonly totals = new Map<string, number>();
  private current: string | null = null;
  private since = 0;

  constructor(
    private readonly timeline: Timeline,
    private readonly memory: MemorySampler,
  ) {}

  enter(phase: string, now = this.timeline.now()): void {
    if (this.current !== null) this.totals.set(this.current, (this.totals.get(this.current) ?? 0) + now - this.since);
    this.current = phase;
    this.since = now;
    this.memory.enter(phase);
  }

  /** Ends the current phase. */
  stop(now = this.timeline.now()): void {
    this.enter('after', now);
    this.current = null;
  }

  /** Milliseconds spent in `phase`, every visit summed. */
  ms(phase: string): number {
    return this.totals.get(phase) ?? 0;
  }
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
