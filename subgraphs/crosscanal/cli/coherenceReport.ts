import { parseArgs } from 'node:util';
import { parseIsoInstant } from '../../../utilities/isoInstant.js';
import { toleranceBasisPoints } from '../pricing/coherence.js';
import type { CoherenceReport } from '../pricing/coherenceScan.js';

export const COHERENCE_USAGE = `Usage: npm run coherence -- [--at INSTANT] [--tolerance PERCENT] [--franchise CODE] [--top N] [--json] [--max-incoherent N]

Where the channels disagree on price (docs/pricing.md), as the priceCoherence query gives it:
every product whose price for one item, on the web or at a store that sells it, differs from
the national price (the list price after the campaigns run on every channel) by more than the
tolerance, with the cause at each place.

  --at INSTANT          price as of this ISO 8601 instant (default now)
  --tolerance PERCENT   a difference up to this is no incoherence (default 1)
  --franchise CODE      that franchise's stores only (default head office: every store and the web)
  --top N               list N products in the text report (default 20; 0 for counts only)
  --json                print the whole report as JSON
  --max-incoherent N    exit 3 when more than N products are incoherent

Reads the systems the subgraph reads (LEGACY_CATALOGUE_URL, LEGACY_ECOMMERCE_URL,
LEGACY_POS_URL, LEGACY_POS_SCHEMA_PREFIX); a progress bar goes to standard error on a terminal.
Exit status: 0 done, 1 a system could not be read, 2 bad usage, 3 --max-incoherent exceeded.`;

export interface CoherenceOptions {
  atMs: number;
  toleranceBp: number;
  franchise: string | null;
  top: number;
  json: boolean;
  maxIncoherent: number | null;
}

export class UsageError extends Error {}

function whole(flag: string, raw: string | undefined): number | null {
  if (raw === undefined) return null;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** The command's options, or a UsageError saying what is wrong. */
export function readCoherenceOptions(argv: string[], now = Date.now()): CoherenceOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        at: { type: 'string' },
        tolerance: { type: 'string' },
        franchise: { type: 'string' },
        top: { type: 'string' },
        json: { type: 'boolean' },
        'max-incoherent': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  let atMs = now;
  if (values.at !== undefined) {
    const parsed = parseIsoInstant(values.at);
    if (parsed === null) throw new UsageError(`--at must be an ISO 8601 instant, got ${JSON.stringify(values.at)}`);
    atMs = parsed;
  }
  let toleranceBp = 100;
  if (values.tolerance !== undefined) {
    const percent = /^\d+(\.\d+)?$/.test(values.tolerance) ? Number(values.tolerance) : Number.NaN;
    try {
      toleranceBp = toleranceBasisPoints(percent);
    } catch {
      throw new UsageError(`--tolerance must be a percentage from 0 to 100, got ${JSON.stringify(values.tolerance)}`);
    }
  }
  const franchise = values.franchise ?? null;
  if (franchise !== null && !/^[A-Z0-9]{1,10}$/.test(franchise)) throw new UsageError(`--franchise must be a franchise code such as NRD, got ${JSON.stringify(franchise)}`);
  return { atMs, toleranceBp, franchise, top: whole('--top', values.top) ?? 20, json: values.json ?? false, maxIncoherent: whole('--max-incoherent', values['max-incoherent']) };
}


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
