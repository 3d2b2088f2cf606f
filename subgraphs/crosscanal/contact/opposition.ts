import { toE164 } from '../../../utilities/phone.js';
import type { Database, SqlSession } from '../store/database.js';

/**
 * The national do-not-call list (Bloctel in France, Code de la consommation L223-1): the
 * retailer submits its customers' numbers, Bloctel answers with those on the list, and phone
 * marketing must never reach them. The crosswalk keeps the list as last imported
 * (`opposition_phone`, migration 030) with a row per import (`opposition_import`).
 *
 * The file is the whole list as of its date, so an import replaces the list: a number no
 * longer on it leaves. That makes a wrong file dangerous (an empty or truncated one would
 * free every number for calls), hence the refusals below, which leave the list in place.
 */

/** The list the command imports unless told otherwise. */
export const DEFAULT_OPPOSITION_LIST = 'BLOCTEL';

/** A line of the file that is not a French phone number, with why. */
export interface RejectedLine {
  /** 1-based, as an editor numbers it. */
  line: number;
  /** The line as it was, trimmed. */
  value: string;
  reason: string;
}

export interface ParsedOppositionList {
  /** E.164, without repeats, in code-unit order. */
  numbers: string[];
  rejected: RejectedLine[];
}

export type OppositionRefusal =
  /** The file holds no valid number at all. */
  | 'OPPOSITION_LIST_EMPTY'
  /** More than {@link MAX_REJECTED_PERCENT} % of its lines are not French numbers. */
  | 'OPPOSITION_LIST_REJECTED';

/** Above this share of rejected lines a file is taken for a wrong one, not for a few typos. */
export const MAX_REJECTED_PERCENT = 1;

/** An import refused on the file's merits: nothing was written, the previous list is in force. */
export class OppositionListRefused extends Error {
  override name = 'OppositionListRefused';

  constructor(
    readonly code: OppositionRefusal,
    message: string,
    readonly rejected: readonly RejectedLine[],
  ) {
    super(message);
  }
}

export interface OppositionImport {
  /** The list's name (`BLOCTEL`): a label for the audit trail; there is one national list. */
  list: string;
  /** Where the text came from, as the audit trail shows it. */
  fileName: string;
  text: string;
  /** Who imports it (`cli:<user>`, `stack`). */
  actor: string;
  /** The import's instant; default the present one. */
  now?: Date | string;
  /** Import anyway when more than 1 % of the lines are rejected (never when no number is valid). */
  allowRejected?: boolean;
}

export interface OppositionImportResult {
  importId: string;
  /** Numbers on the list now. */
  numbers: number;
  rejected: RejectedLine[];
  /** Numbers on this list and not on the previous one. */
  added: number;
  /** Numbers on the previous list and not on this one. */
  removed: number;
}

export interface OppositionStatus {
  importId: string;
  list: string;
  fileName: string;
  numbers: number;
  rejected: number;
  importedAt: string;
  importedBy: string;
}

/** A French number in E.164: +33 then nine digits, the first not 0 (the trunk 0 is dropped). */
const FRENCH_E164 = /^\+33[1-9]\d{8}$/;
/** Where a CSV line's first column ends. */
const COLUMN_SEPARATOR = /[;,\t]/;

/** What each non-blank line of a list file says. */
type LineReading = { kind: 'header' } | { kind: 'number'; e164: string } | { kind: 'rejected'; rejected: RejectedLine };

/**
 * Reads the file line by line. Only the first non-blank line may be a header (its first column
 * has no digit: `numero`, `telephone;date 2024`): a digitless line further down is a broken
 * line, and is rejected rather than skipped, so that a damaged file shows.
 */
function readLines(text: string): LineReading[] {
  const readings: LineReading[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (const [index, raw] of lines.entries()) {
    const value = raw.trim();
    if (value === '') continue;
    const first = readings.length === 0;
    readings.push(first && !/\d/.test(firstColumn(value)) ? { kind: 'header' } : readNumber(index + 1, value));
  }
  return readings;
}

/** One line that should hold a number. */
function readNumber(line: number, value: string): LineReading {
  const rejected = (reason: string): LineReading => ({ kind: 'rejected', rejected: { line, value, reason } });
  const cell = firstColumn(value);
  if (cell === '') return rejected('the first column is empty');
  const e164 = toE164(cell, 'FR');
  if (e164 === null) return rejected('not a phone number');
  if (!FRENCH_E164.test(e164)) return rejected(`not a French number (${e164})`);
  return { kind: 'number', e164 };
}

/** The first column of a `;`-, `,`- or tab-separated line (the whole line otherwise), its quotes removed. */
function firstColumn(line: string): string {
  const cell = line.split(COLUMN_SEPARATOR)[0]!.trim();
  return /^".*"$|^'.*'$/.test(cell) ? cell.slice(1, -1).trim() : cell;
}

/** Code-unit order, the same on every machine whatever its locale (and PostgreSQL's `C` order). */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A do-not-call list as Bloctel returns it: one number a line, national (`0612345678`) or
 * international (`+33612345678`, `0033612345678`), with spaces or dots or not; an optional
 * header line; blank lines; or a CSV whose first column is the number. Numbers come back in
 * E.164 without repeats; a line that is not a French number comes back rejected with its line
 * number, never dropped.
 */
export function parseOppositionList(text: string): ParsedOppositionList {
  return tally(readLines(text));
}

function tally(readings: readonly LineReading[]): ParsedOppositionList {
  const numbers = new Set<string>();
  const rejected: RejectedLine[] = [];
  for (const reading of readings) {
    if (reading.kind === 'number') numbers.add(reading.e164);
    else if (reading.kind === 'rejected') rejected.push(reading.rejected);
  }
  return { numbers: [...numbers].sort(byCodeUnit), rejected };
}

/** The first rejected lines, for a message a person reads. */
function describeRejected(rejected: readonly RejectedLine[], shown = 5): string {
  const lines = rejected.slice(0, shown).map((r) => `line ${r.line} ${JSON.stringify(r.value)}: ${r.reason}`);
  return lines.join('; ') + (rejected.length > shown ? `; … and ${rejected.length - shown} more` : '');
}

/**
 * Why the file must not replace the list, or null when it may. `dataLines` are its lines
 * other than blanks and the header.
 */
function refusal(fileName: string, parsed: ParsedOppositionList, dataLines: number, allowRejected: boolean): OppositionListRefused | null {
  const { numbers, rejected } = parsed;
  if (numbers.length === 0) {
    const why = rejected.length === 0 ? 'it has no number line' : `${rejected.length} ${rejected.length === 1 ? 'line' : 'lines'} rejected: ${describeRejected(rejected)}`;
    return new OppositionListRefused('OPPOSITION_LIST_EMPTY', `${fileName} holds no valid phone number (${why}); the list in force is kept`, rejected);
  }
  if (!allowRejected && rejected.length * 100 > dataLines * MAX_REJECTED_PERCENT) {
    return new OppositionListRefused(
      'OPPOSITION_LIST_REJECTED',
      `${fileName}: ${rejected.length} of ${dataLines} lines are not French phone numbers, more than ${MAX_REJECTED_PERCENT} %; ` +
        `the list in force is kept (to import it anyway: allowRejected, --allow-rejected): ${describeRejected(rejected)}`,
      rejected,
    );
  }
  return null;
}

function isDatabase(db: Database | SqlSession): db is Database {
  return typeof (db as Partial<Database>).transaction === 'function';
}

/**
 * Replaces the do-not-call list with the file's numbers and records the import, in one
 * transaction: readers see the previous list or the new one, never a mix. Refused with an
 * {@link OppositionListRefused} (nothing written) when the file holds no valid number, or when
 * more than 1 % of its lines are rejected unless `allowRejected`. Imports are serialised by a
 * lock on the list, which readers do not wait for.
 *
 * `db` is the crosswalk's database (a transaction is opened), or a session already in a
 * transaction of the caller's (the import is then part of it).
 *
 * A number still on the list keeps the `import_id` of the import that put it there: the list
 * says since when each number has been opposed.
 */
export async function importOppositionList(db: Database | SqlSession, options: OppositionImport): Promise<OppositionImportResult> {
  const { list, fileName, text, actor, allowRejected = false } = options;
  for (const [name, value] of [['list', list], ['fileName', fileName], ['actor', actor]] as const) {
    if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`importOppositionList: ${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  const now = new Date(options.now ?? Date.now());
  if (Number.isNaN(now.getTime())) throw new TypeError(`importOppositionList: now must be an instant, got ${JSON.stringify(options.now)}`);

  const readings = readLines(text);
  const parsed = tally(readings);
  const dataLines = readings.filter((r) => r.kind !== 'header').length;
  const refused = refusal(fileName, parsed, dataLines, allowRejected);
  if (refused) throw refused;

  const write = async (tx: SqlSession): Promise<OppositionImportResult> => {
    // EXCLUSIVE: a second import waits for this one; reading the list (ACCESS SHARE) does not.
    await tx.query('LOCK TABLE opposition_phone IN EXCLUSIVE MODE');
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO opposition_import (list, file_name, numbers, rejected, imported_at, imported_by)
       VALUES ($1, $2, $3, $4, $5::timestamptz, $6) RETURNING id::text AS id`,
      [list.trim(), fileName, parsed.numbers.length, parsed.rejected.length, now.toISOString(), actor],
    );
    const importId = row!.id;
    // Anti-join and ON CONFLICT rather than `<> ALL`: a national list runs to many thousands of numbers.
    const [removed] = await tx.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM opposition_phone o
         WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS n(phone) WHERE n.phone = o.phone)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [parsed.numbers],
    );
    const [added] = await tx.query<{ n: number }>(
      `WITH added AS (
         INSERT INTO opposition_phone (phone, import_id)
         SELECT phone, $2::bigint FROM unnest($1::text[]) AS n(phone)
         ON CONFLICT (phone) DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS n FROM added`,
      [parsed.numbers, importId],
    );
    return { importId, numbers: parsed.numbers.length, rejected: parsed.rejected, added: added!.n, removed: removed!.n };
  };
  return isDatabase(db) ? db.transaction(write) : write(db);
}

/** Which of these E.164 numbers are on the do-not-call list, in one query. */
export async function opposedPhones(db: SqlSession, phones: readonly string[]): Promise<Set<string>> {
  const asked = [...new Set(phones)];
  if (asked.length === 0) return new Set();
  const rows = await db.query<{ phone: string }>('SELECT phone FROM opposition_phone WHERE phone = ANY($1::text[])', [asked]);
  return new Set(rows.map((r) => r.phone));
}

/** The last import that replaced the list, or null before the first. */
export async function oppositionStatus(db: SqlSession): Promise<OppositionStatus | null> {
  const [row] = await db.query<{ id: string; list: string; file_name: string; numbers: number; rejected: number; imported_at: Date | string; imported_by: string }>(
    'SELECT id::text AS id, list, file_name, numbers, rejected, imported_at, imported_by FROM opposition_import ORDER BY id DESC LIMIT 1',
  );
  if (!row) return null;
  return {
    importId: row.id,
    list: row.list,
    fileName: row.file_name,
    numbers: row.numbers,
    rejected: row.rejected,
    importedAt: new Date(row.imported_at).toISOString(),
    importedBy: row.imported_by,
  };
}
