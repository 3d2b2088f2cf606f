import { createHash } from 'node:crypto';
import type { Manifest } from '../generator/files.js';
import type { PosData } from '../generator/model.js';

/**
 * Bumped whenever a layout changes, so that a database loaded by older code is brought up to
 * date: migrated in place when every layout has an upgrade to each newer version
 * (`FranchiseLayout.upgrades`), reloaded otherwise.
 *
 * 2: the quotes tables keep the web order that finished a quote online.
 * 3: each franchise files its post-visit survey's answers (`visitRatings.ts`).
 */
export const LAYOUT_VERSION = 3;

/**
 * Identifies a dataset cheaply: layout version, the caller's seed, the record counts and a
 * digest of the franchises and receipt headers (a regenerated dataset of the same size
 * still differs there).
 */
export function posFingerprint(data: PosData, seed = ''): string {
  const hash = createHash('sha1');
  for (const f of data.franchises) hash.update(`${f.code}|${f.schema}\n`);
  for (const r of data.receipts) hash.update(`${r.receipt_no}|${r.sold_at}|${r.total_cents}|${r.lines.length}\n`);
  const counts: Record<string, number> = {
    franchises: data.franchises.length,
    stores: data.stores.length,
    sellers: data.sellers.length,
    clients: data.clients.length,
    receipts: data.receipts.length,
    receipt_lines: data.receipts.reduce((n, r) => n + r.lines.length, 0),
    returns: data.returns.length,
    quotes: data.quotes.length,
    stock: data.stock.length,
    prices: data.prices.length,
    promotions: data.promotions.length,
  };
  // Counted only when there are some: a dataset generated before them keeps the fingerprint it
  // was loaded with (but for the version), so that its database is upgraded in place, not reloaded.
  const ratings = data.ratings?.length ?? 0;
  if (ratings > 0) counts.ratings = ratings;
  const parts = Object.entries(counts).map(([name, count]) => `${name}=${count}`);
  return `v${LAYOUT_VERSION} seed=${JSON.stringify(seed)} ${parts.join(' ')} digest=${hash.digest('hex').slice(0, 16)}`;
}

/**
 * A fingerprint's layout version and the rest of it, which identifies the dataset; null for a
 * string that is not a fingerprint.
 */
export function fingerprintParts(fingerprint: string): { layoutVersion: number; dataset: string } | null {
  const match = /^v(\d+) (.*)$/s.exec(fingerprint);
  return match ? { layoutVersion: Number(match[1]), dataset: match[2]! } : null;
}

/**
 * The seed an estate folder's POS is loaded with: the manifest's seed, scale and date.
 * Every start over a folder (`index.ts`, `startEstate`) passes this one, so that they find
 * the same fingerprint: a different one would reload the database, and drop the rows
 * written through the wire since the last load.
 */
export function estateSeed(manifest: Pick<Manifest, 'seed' | 'scale' | 'asOf'> | null): string {
  return manifest ? `${manifest.seed}/${manifest.scale}/${manifest.asOf}` : '';
}
