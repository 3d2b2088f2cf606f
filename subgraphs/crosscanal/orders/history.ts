import { badUserInput } from '../../shared/errors.js';

/**
 * One order history across channels, from the headers the owners give: the ordering, the
 * filters and the cursors of `Customer.orders`. Pure: the reading is in `estate.ts`.
 */

export type OrderKind = 'WEB_ORDER' | 'STORE_SALE' | 'STORE_RETURN';
export type Channel = 'WEB' | 'STORE';

/** What the history needs of an order to place it; the owners resolve the rest. */
export interface OrderHeader {
  kind: OrderKind;
  /** The number the owner prints: web order, receipt or return number. Unique within its kind. */
  number: string;
  channel: Channel;
  /** When it was placed, or brought back for a return (ISO 8601, UTC). */
  placedAt: string;
  /** The store of a receipt or a return, the collection store of a click-and-collect order; null for home delivery. */
  storeCode: string | null;
}

export interface HistoryFilter {
  channel?: Channel | null;
  storeCode?: string | null;
}

export interface PageArgs extends HistoryFilter {
  first?: number | null;
  after?: string | null;
}

export interface HistoryPage {
  headers: OrderHeader[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

/** Most orders one page gives. */
export const MAX_FIRST = 100;
const DEFAULT_FIRST = 20;
const CURSOR_VERSION = 'o1';

/** Newest first; at the same instant, by number, then kind (a receipt and its return may share a second). */
export function newestFirst(a: OrderHeader, b: OrderHeader): number {
  return b.placedAt.localeCompare(a.placedAt) || a.number.localeCompare(b.number) || a.kind.localeCompare(b.kind);
}

/** The headers without repeats (a return found both by card and by receipt), newest first. */
export function mergeHistory(lists: readonly (readonly OrderHeader[])[]): OrderHeader[] {
  const unique = new Map<string, OrderHeader>();
  for (const header of lists.flat()) unique.set(`${header.kind}:${header.number}`, header);
  return [...unique.values()].sort(newestFirst);
}

/** An opaque cursor: the position of an order in the history's order. */
export function cursorOf(header: OrderHeader): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, header.placedAt, header.number, header.kind])).toString('base64url');
}

function parseCursor(cursor: string): OrderHeader {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = null;
  }
  const valid =
    Array.isArray(parts) &&
    parts.length === 4 &&
    parts[0] === CURSOR_VERSION &&
    typeof parts[1] === 'string' &&
    !Number.isNaN(Date.parse(parts[1])) &&
    typeof parts[2] === 'string' &&
    (parts[3] === 'WEB_ORDER' || parts[3] === 'STORE_SALE' || parts[3] === 'STORE_RETURN');
  if (!valid) throw badUserInput(`after ${JSON.stringify(cursor.slice(0, 80))} is not a cursor of orders: pass an edge's cursor or pageInfo.endCursor back unchanged`, 'after');
  const [, placedAt, number, kind] = parts as [string, string, string, OrderKind];
  return { kind, number, placedAt, channel: kind === 'WEB_ORDER' ? 'WEB' : 'STORE', storeCode: null };
}

/** Checks `first`: BAD_USER_INPUT outside 0–100, before anything is read. */
export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_FIRST;
  if (!Number.isInteger(size) || size < 0 || size > MAX_FIRST) throw badUserInput(`first must be from 0 to ${MAX_FIRST}, got ${first}`, 'first');
  return size;
}

export function matches(header: OrderHeader, { channel, storeCode }: HistoryFilter): boolean {
  return (!channel || header.channel === channel) && (!storeCode || header.storeCode === storeCode);
}

/**
 * The page after `after` (from the start without it): the filters applied first, so that
 * `totalCount` and the cursors count the filtered history. A cursor stays valid while orders
 * are added: it names a position, not an index.
 */
export function pageOf(history: readonly OrderHeader[], args: PageArgs): HistoryPage {
  const size = pageSize(args.first);
  const after = args.after === null || args.after === undefined ? null : parseCursor(args.after);
  const kept = history.filter((header) => matches(header, args));
  const start = after === null ? 0 : kept.findIndex((header) => newestFirst(after, header) < 0);
  const rest = start < 0 ? [] : kept.slice(start);
  const headers = rest.slice(0, size);
  const cursors = headers.map(cursorOf);
  return { headers, cursors, hasNextPage: rest.length > size, endCursor: cursors.at(-1) ?? null, totalCount: kept.length };
}
