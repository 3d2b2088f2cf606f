import type { CoherenceReport } from '../pricing/coherenceScan.js';

const euros = (m: { amount: number; currency: string } | null) => (m === null ? '—' : `${(m.amount / 100).toFixed(2)} ${m.currency}`);

/** The report as text: the counts, then the first products with each deviating place. */
export function formatCoherenceReport(report: CoherenceReport, top: number): string {
  const lines = [
    `Price coherence at ${report.at}, tolerance ${report.tolerancePercent} %, ${report.franchise === null ? 'head office (every store and the web)' : `franchise ${report.franchise}`}`,
    `  ${report.productsChecked} products checked at ${report.placesChecked} places; ${report.products.length} incoherent`,
  ];
  if (report.byCause.length > 0) {
    lines.push('  places by cause:');
    for (const { cause, places } of report.byCause) lines.push(`    ${cause.padEnd(22)} ${places}`);
  }
  for (const product of report.products.slice(0, top)) {
    const { catalogueRef, webSku, tillRef, gtin } = product.keys;
    lines.push('', `  ${catalogueRef ?? webSku ?? tillRef ?? gtin}  reference ${euros(product.reference)}${product.referenceSource === 'PLACES' ? ' (no list price: most asked)' : ''}`);
    for (const d of product.deviations) {
      const where = d.storeCode ?? 'web';
      const change = d.differenceBasisPoints === null ? '' : ` (${d.differenceBasisPoints > 0 ? '+' : ''}${(d.differenceBasisPoints / 100).toFixed(2)} %)`;
      lines.push(`    ${where.padEnd(6)} ${euros(d.price).padStart(12)}${change}  ${d.causes.join(', ')}${d.applied.length > 0 ? `  [${d.applied.map((p) => p.id).join(', ')}]` : ''}`);
    }
  }
  if (report.products.length > top && top > 0) lines.push('', `  … and ${report.products.length - top} more products (--top, or --json for all)`);
  return lines.join('\n');
}
