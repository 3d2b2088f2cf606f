import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';

/**
 * How long a process kept its requests waiting while a cell was loaded: how late its event loop
 * ran timers (a long task or a collection holds up every request in flight) and the garbage
 * collections it made. Sampled in each of the bench's processes, read and reset over IPC.
 */
export interface PauseFigure {
  /** Timer lateness: median, 99th percentile and worst, in ms. */
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Time in garbage collection, the longest collection, and how many. */
  gcMs: number;
  gcMaxMs: number;
  collections: number;
  /** How long the figure covers, in ms. */
  spanMs: number;
}

export interface PauseSampler {
  /** What was seen since the last reset; `reset` starts again from now. */
  read(reset: boolean): PauseFigure;
}

/** How often the event loop's delay is sampled, in ms. */
const RESOLUTION_MS = 10;

/** Samples this process's event-loop delay and observes its collections, for as long as it runs. */
export function samplePauses(): PauseSampler {
  const loop: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loop.enable();
  let since = performance.now();
  let gcMs = 0;
  let gcMaxMs = 0;
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration;
      gcMaxMs = Math.max(gcMaxMs, entry.duration);
      collections += 1;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  // The histogram counts from the sampling resolution up: lateness is what is above it.
  const late = (ns: number) => (Number.isFinite(ns) && ns > 0 ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0);
  return {
    read(reset) {
      const figure: PauseFigure = {
        loopP50Ms: late(loop.percentile(50)),
        loopP99Ms: late(loop.percentile(99)),
        loopMaxMs: late(loop.max),
        gcMs,
        gcMaxMs,
        collections,
        spanMs: performance.now() - since,
      };
      if (reset) {
        loop.reset();
        since = performance.now();
        gcMs = 0;
        gcMaxMs = 0;
        collections = 0;
      }
      return figure;
    },
  };
}

/** The worst of several processes' figures (a target's workers): each field at its worst. */
export function worstPauses(figures: readonly PauseFigure[]): PauseFigure {
  const worst = (pick: (f: PauseFigure) => number) => Math.max(0, ...figures.map(pick));
  return {
    loopP50Ms: worst((f) => f.loopP50Ms),
    loopP99Ms: worst((f) => f.loopP99Ms),
    loopMaxMs: worst((f) => f.loopMaxMs),
    gcMs: worst((f) => f.gcMs),
    gcMaxMs: worst((f) => f.gcMaxMs),
    collections: worst((f) => f.collections),
    spanMs: worst((f) => f.spanMs),
  };
}
