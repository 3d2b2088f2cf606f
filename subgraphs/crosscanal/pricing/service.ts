import { coherenceReport, type CoherenceProgress, type CoherenceReport, type CoherenceSources } from './coherenceScan.js';

export interface CoherenceQuery {
  atMs: number;
  toleranceBp: number;
  franchise: string | null;
}

/** Coherence reports worked out once per arguments and kept a while, so that paging through one is cheap. */
export interface CoherenceService {
  report(query: CoherenceQuery, onProgress?: (progress: CoherenceProgress) => void): Promise<CoherenceReport>;
}

export interface CoherenceServiceOptions {
  /** How long a report is kept. Default one minute. */
  keepMs?: number;
  /** Reports kept at most. Default 8. */
  maxReports?: number;
  now?: () => number;
}

/**
 * The report for the same arguments is shared: asked again while it is being worked out, the
 * same work is awaited; asked within `keepMs` of its end, it is served again. A failed report
 * is not kept.
 */
export function coherenceService(sources: () => CoherenceSources, { keepMs = 60_000, maxReports = 8, now = Date.now }: CoherenceServiceOptions = {}): CoherenceService {
  const kept = new Map<string, { report: Promise<CoherenceReport>; until: number }>();
  return {
    report(query, onProgress) {
      const key = `${query.atMs}|${query.toleranceBp}|${query.franchise ?? ''}`;
      const at = now();
      for (const [k, entry] of kept) if (entry.until <= at) kept.delete(k);
      const known = kept.get(key);
      if (known) return known.report;
      const report = coherenceReport(sources(), { ...query, onProgress });
      const entry = { report, until: Number.POSITIVE_INFINITY };
      kept.set(key, entry);
      while (kept.size > maxReports) kept.delete(kept.keys().next().value!);
      report.then(
        () => (entry.until = now() + keepMs),
        () => kept.delete(key),
      );
      return report;
    },
  };
}
