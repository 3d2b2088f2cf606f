import { referenceStoreOf } from '../products/referenceIndex.js';
import type { ReferenceQualityReport, UnmappedCode } from '../products/referenceStore.js';
import type { CrosswalkStore, QualityReport } from '../store/crosswalkStore.js';

/** Most codes `unmappedProductCodes` lists in one answer, and so `--top`. */
export const MAX_TOP = 500;

const SOURCE_SYSTEM: Readonly<Record<string, string>> = { ecommerce: 'ECOMMERCE', loyalty: 'LOYALTY', pos: 'POS' };

/** What the `identityQuality` query answers. */
export interface IdentityQuality extends QualityReport {
  unusableValues: { source: string; values: number }[];
}

/** A system's records (a POS kind's), and those linked to no other record. */
export interface UnlinkedTally {
  system: string;
  /** The POS record kind (`card`, `phone`, `client`); null for the other systems. */
  kind: string | null;
  records: number;
  /** Records that are a customer on their own, or not resolved yet. */
  unlinked: number;
}

/** The data-quality report: the two quality queries' answers, and what they add up to. */
export interface DataQualityReport {
  identity: IdentityQuality;
  /** Per system and kind, in the order of `identity.records`; the unlinked add up to `identity.singleRecordCustomers` once every record is resolved. */
  unlinkedRecords: UnlinkedTally[];
  /** What the `referenceQuality` query answers. */
  references: ReferenceQualityReport;
  /** What `unmappedProductCodes(first: top)` answers: the most used codes first. */
  topUnmappedCodes: UnmappedCode[];
  totals: {
    records: number;
    unlinkedRecords: number;
    /** Candidate pairs kept apart for a steward's review. */
    candidatePairs: number;
    unmappedCodes: number;
    unmappedTillLines: number;
    unmappedLookups: number;
  };
}

/**
 * Reads the report through the functions the `identityQuality`, `referenceQuality` and
 * `unmappedProductCodes` resolvers call, in one transaction.
 */
export async function readQualityReport(store: CrosswalkStore, { top = 10 }: { top?: number } = {}): Promise<DataQualityReport> {
  if (!Number.isInteger(top) || top < 0 || top > MAX_TOP) throw new RangeError(`top must be a whole number from 0 to ${MAX_TOP}, got ${top}`);
  return store.transaction(async (tx) => {
    const quality = await tx.quality();
    const states = await tx.syncStates();
    const index = referenceStoreOf(tx);
    const references = await index.quality();
    const topUnmappedCodes = top === 0 ? [] : await index.unmapped({ system: null, franchise: null, first: top });
    const identity: IdentityQuality = {
      ...quality,
      unusableValues: [...states.values()]
        .filter((state) => state.unusableValues !== null)
        .map((state) => ({ source: SOURCE_SYSTEM[state.source] ?? state.source.toUpperCase(), values: state.unusableValues! })),
    };
    const unlinkedRecords: UnlinkedTally[] = quality.records.map(({ system, kind, records, unlinked }) => ({ system, kind, records, unlinked }));
    return {
      identity,
      unlinkedRecords,
      references,
      topUnmappedCodes,
      totals: {
        records: sum(quality.records.map((r) => r.records)),
        unlinkedRecords: sum(unlinkedRecords.map((r) => r.unlinked)),
        candidatePairs: sum(quality.candidatesByReason.map((c) => c.pairs)),
        unmappedCodes: sum(references.unmappedCodes.map((u) => u.codes)),
        unmappedTillLines: sum(references.unmappedCodes.map((u) => u.tillLines)),
        unmappedLookups: sum(references.unmappedCodes.map((u) => u.lookups)),
      },
    };
  });
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The report for a terminal: a few aligned tables. */
export function formatQualityReport(report: DataQualityReport): string {
  const { identity, references, totals } = report;
  const out: string[] = [];
  out.push(`Customers: ${identity.customers}, ${identity.singleRecordCustomers} of them known from one record only`);
  out.push('');
  out.push('Records per system');
  out.push(
    ...table(
      ['', 'records', 'unlinked'],
      [...report.unlinkedRecords.map((r) => [r.kind ? `${r.system} ${r.kind}` : r.system, r.records, r.unlinked]), ['total', totals.records, totals.unlinkedRecords]],
    ),
  );
  out.push('');
  out.push(`Candidate matches awaiting review: ${totals.candidatePairs} pairs`);
  if (identity.candidatesByReason.length > 0) out.push(...table(['reason', 'pairs'], identity.candidatesByReason.map((c) => [c.reason, c.pairs])));
  out.push('');
  out.push(`Links by rule: ${list(identity.linksByRule.map((l) => [l.rule, l.links]))}`);
  out.push(
    `Customers with several web accounts ${identity.duplicateWebAccounts}, phones shared by customers ${identity.sharedPhones}, ` +
      `emails shared by customers ${identity.sharedEmails}, web accounts and members without email or phone ${identity.recordsWithoutContact}`,
  );
  out.push(`Unusable values at the last full read: ${list(identity.unusableValues.map((u) => [u.source, u.values]))}`);
  out.push('');
  out.push('Product references');
  out.push(`  catalogue products       ${references.catalogueProducts} (${references.catalogueProductsWithoutGtin} without a GTIN, ${references.unusableAliases} unusable codes)`);
  out.push(`  codes per kind           ${list(references.aliases.map((a) => [a.kind, a.codes]))}`);
  out.push(`  codes shared by products ${list(references.sharedAliases.map((a) => [a.kind, a.codes]))}`);
  out.push(`  web-only products        ${references.webOnlyProducts} (${references.webProductsWithoutGtin} web products without a GTIN)`);
  out.push(`  GTINs only at the tills  ${references.storeOnlyGtins}`);
  out.push('');
  out.push(`Unmapped product codes: ${totals.unmappedCodes} codes, ${totals.unmappedTillLines} till lines, ${totals.unmappedLookups} lookups`);
  if (references.unmappedCodes.length > 0) {
    out.push(...table(['system', 'franchise', 'codes', 'till lines', 'lookups'], references.unmappedCodes.map((u) => [u.system, u.franchise ?? '-', u.codes, u.tillLines, u.lookups])));
  }
  if (report.topUnmappedCodes.length > 0) {
    out.push('');
    out.push(`Most used unmapped codes (${report.topUnmappedCodes.length} of ${totals.unmappedCodes})`);
    out.push(
      ...table(
        ['system', 'franchise', 'code', 'till lines', 'stores', 'lookups', 'last seen', 'label'],
        report.topUnmappedCodes.map((u) => [u.system, u.franchise ?? '-', u.code, u.tillLines, u.stores, u.lookups, u.lastSeenAt?.slice(0, 10) ?? '-', u.label ?? '']),
      ),
    );
  }
  return out.join('\n');
}

function list(pairs: [string, number][]): string {
  return pairs.length === 0 ? 'none' : pairs.map(([name, count]) => `${name} ${count}`).join(', ');
}

/** Rows under a header, two spaces in; numbers right-aligned, text left-aligned. */
function table(header: string[], rows: (string | number)[][]): string[] {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const numeric = header.map((_, column) => rows.every((row) => typeof row[column] === 'number'));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return cells.map((row) =>
    `  ${row.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ')}`.trimEnd(),
  );
}
