import cliProgress from 'cli-progress';
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

/**
 * Progress bars on a terminal, one per system read, then a line per phase. On anything but a
 * terminal, one line per system when its read completes.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { onProgress: (progress: SyncProgress) => void; stop: () => void } {
  if (!stream.isTTY) {
    const done = new Set<string>();
    return {
      onProgress(progress) {
        if (progress.phase === 'read' && progress.total !== null && progress.done >= progress.total && !done.has(progress.source)) {
          done.add(progress.source);
          stream.write(`read ${progress.source}: ${progress.done}\n`);
        } else if (progress.phase === 'resolve') stream.write(`resolving ${progress.records} records\n`);
        else if (progress.phase === 'write') stream.write(`writing ${progress.links} links\n`);
      },
      stop: () => undefined,
    };
  }
  const bars = new cliProgress.MultiBar(
    { stream, format: ' {source} {bar} {value}/{total} {unit}', hideCursor: true, clearOnComplete: false, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  const bySource = new Map<string, cliProgress.SingleBar>();
  let stopped = false;
  return {
    onProgress(progress) {
      if (progress.phase === 'read') {
        let bar = bySource.get(progress.source);
        if (!bar) {
          bar = bars.create(progress.total ?? 0, 0, { source: progress.source.padEnd(9), unit: progress.source === 'pos' ? 'franchises' : 'records' });
          bySource.set(progress.source, bar);
        }
        if (progress.total !== null) bar.setTotal(progress.total);
        bar.update(progress.done);
      } else if (progress.phase === 'resolve') {
        bars.log(`resolving ${progress.records} records\n`);
      } else {
        bars.log(`writing ${progress.links} links\n`);
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bars.stop();
    },
  };
}
