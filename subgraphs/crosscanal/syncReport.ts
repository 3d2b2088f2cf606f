import { syncProgressReporter } from './cli/syncProgress.js';
import type { SyncProgress, SyncSummary } from './identitySync.js';

/** A sync's summary as a few aligned lines for a terminal or a log. */
export function formatSummary(summary: SyncSummary): string {
  if (summary.skipped) return `${summary.kind} sync skipped: ${summary.skipped}`;
  const lines = [`${summary.kind} sync, ${(summary.durationMs / 1000).toFixed(1)} s`];
  for (const [source, s] of Object.entries(summary.sources)) {
    const outcome = s.error
      ? `FAILED: ${s.error}`
      : `${s.read} read: ${s.added} new, ${s.changed} changed, ${s.unchanged} unchanged${s.unusable ? `, ${s.unusable} unusable values` : ''}`;
    lines.push(`  ${source.padEnd(10)} ${outcome}`);
  }
  lines.push(
    `  resolved   ${summary.resolved} records: ${summary.customersCreated} customers created, ${summary.customersMerged} merged, ` +
      `${summary.linksChanged} links written (${summary.linksMoved} moved), candidates +${summary.candidatesAdded} -${summary.candidatesRemoved}`,
  );
  const t = summary.totals;
  lines.push(`  crosswalk  ${t.records} records, ${t.customers} customers, ${t.links} links, ${t.candidates} candidate pairs`);
  return lines.join('\n');
}

/** Progress of the identity sync alone: the customers' half of {@link syncProgressReporter}. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { onProgress: (progress: SyncProgress) => void; stop: () => void } {
  const reporter = syncProgressReporter(stream);
  return { onProgress: (progress) => reporter.customers(progress), stop: () => reporter.stop() };
}
