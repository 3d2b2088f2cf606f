import type { ReferenceSyncSummary } from '../products/referenceSync.js';

/** A product reference sync's summary as a few aligned lines, laid out like the identity sync's. */
export function formatReferenceSummary(summary: ReferenceSyncSummary): string {
  if (summary.skipped) return `${summary.kind} sync skipped: ${summary.skipped}`;
  const lines = [`${summary.kind} sync, ${(summary.durationMs / 1000).toFixed(1)} s`];
  for (const [source, s] of Object.entries(summary.sources)) {
    let outcome: string;
    if (s.error) outcome = `FAILED: ${s.error}`;
    // A franchise's codes are rewritten whole, so the tills count rows written, not new and changed.
    else if (source === 'pos') outcome = `${s.read} codes seen at the tills: ${s.added} rows written${s.full ? `, ${s.removed} dropped` : ''}`;
    else outcome = `${s.read} read: ${s.added} new, ${s.changed} changed, ${s.unchanged} unchanged${s.full ? `, ${s.removed} gone` : ''}`;
    lines.push(`  ${source.padEnd(10)} ${outcome}`);
  }
  if (summary.missesPruned) lines.push(`  misses     ${summary.missesPruned} references asked for that named nothing forgotten (past their retention)`);
  return lines.join('\n');
}

/** Whether a system could not be read. */
export function referenceSyncFailed(summary: ReferenceSyncSummary): boolean {
  return Object.values(summary.sources).some((s) => s.error !== undefined);
}
