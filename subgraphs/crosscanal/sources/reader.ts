import type { SourceRecord } from '../matching/records.js';

/** The systems the crosswalk reads, as `extensions.source` names them. */
export type ReaderName = 'ecommerce' | 'loyalty' | 'pos';

/** Progress of one read: records (or steps) done, and the total when the system says it. */
export type ReadProgress = (done: number, total: number | null) => void;

export interface ReadResult {
  /** Where the next incremental read starts; opaque to everyone but the reader. */
  watermark: string;
  /** Records handed over (a record read twice on a page boundary counts once). */
  records: number;
  /** Values the system holds that cannot be used (a phone that is no phone number). */
  unusable: number;
}

/**
 * Reads one system's customer records through its own protocol: everything when `since` is
 * null, else what changed since that watermark (with some overlap: reading a record twice
 * is harmless). Records reach `onBatch` page by page, normalised.
 */
export interface SourceReader {
  readonly name: ReaderName;
  read(since: string | null, onBatch: (records: SourceRecord[]) => Promise<void>, onProgress?: ReadProgress): Promise<ReadResult>;
  close(): Promise<void>;
}

/** Trimmed text, or null when nothing is left. */
export function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The later of two ISO instants (null-safe). */
export function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** One page of a change feed: its rows, and whether the system says more follow. */
export interface FeedPage<T> {
  rows: T[];
  more: boolean;
}

/**
 * Walks a change feed that is paged by offset, oldest change first, from `since`. A row that
 * changes mid-read moves to the feed's end, which would shift later pages; so after each page
 * the walk restarts from the last instant seen (inclusive) instead of asking for the next
 * offset, and pages on only within one instant. A row may arrive twice, which is harmless.
 */
export async function walkFeed<T>(
  since: string,
  fetchPage: (cursor: string, page: number) => Promise<FeedPage<T>>,
  instantOf: (row: T) => string,
  onPage: (rows: T[]) => Promise<void>,
): Promise<void> {
  let cursor = since;
  let page = 1;
  for (;;) {
    const { rows, more } = await fetchPage(cursor, page);
    await onPage(rows);
    if (!more || rows.length === 0) return;
    const last = instantOf(rows[rows.length - 1]!);
    if (Date.parse(last) > Date.parse(cursor)) {
      cursor = last;
      page = 1;
    } else {
      page += 1;
    }
  }
}
