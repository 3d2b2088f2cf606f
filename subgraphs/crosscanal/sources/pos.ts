import type pg from 'pg';
import { toE164 } from '../../../utilities/phone.js';
import { SourceFailure } from '../../shared/errors.js';
import type { LegacySource } from '../../shared/source.js';
import type { SourceRecord } from '../matching/records.js';
import { posConnection, type PosFranchise } from './posConnection.js';
import { text, type ReadProgress, type ReadResult, type SourceReader } from './reader.js';

export interface PosReaderOptions {
  /** The POS database, `postgres://…`. */
  databaseUrl: string;
  source: LegacySource;
  /** Prefix of the POS schema names (`<prefix>pos_directory`, …). Default ''. */
  schemaPrefix?: string;
  /**
   * How far before its watermark an incremental read starts again, in milliseconds: tills
   * that were offline upload their sales late. Default one day.
   */
  overlapMs?: number;
  /**
   * Rows fetched from the database at once, and the most records handed over in one batch:
   * what the reader holds at a time, whatever the estate's size. Default 5,000.
   */
  pageSize?: number;
  /**
   * Each SQL statement's bound (a cursor's declaration, each fetch). The source's own timeout
   * bounds a whole step, the caller's work on its pages included: give the reader a source whose
   * timeout fits the largest franchise. Default none.
   */
  statementTimeoutMs?: number;
}

/** Where a franchise's layout keeps the customer evidence of a sale, a return or a quote. */
interface Sightings {
  table: string;
  at: string;
  card: string;
  phone?: string;
  client?: string;
}

interface Layout {
  sightings: Sightings[];
  /** The zone of a till that stores wall-clock time without one. */
  localTime?: string;
  /** The phone-only customer table sales point at. */
  clients?: { table: string; id: string; phone: string; name: string };
}

/** The till vendors' layouts, by the name `pos_directory.franchises.layout` gives them. */
const LAYOUTS: Readonly<Record<string, Layout>> = {
  nrd_cents: {
    sightings: [
      { table: 'receipts', at: 'sold_at', card: 'card_number', phone: 'phone' },
      { table: 'returns', at: 'returned_at', card: 'card_number' },
      { table: 'quotes', at: 'created_at', card: 'card_number', phone: 'phone' },
    ],
  },
  sud_euros_local_time: {
    localTime: 'Europe/Paris',
    sightings: [
      { table: 'tickets', at: 'date_vente', card: 'carte_fidelite', phone: 'telephone' },
      { table: 'retours', at: 'date_retour', card: 'carte_fidelite' },
      { table: 'devis', at: 'date_creation', card: 'carte_fidelite', phone: 'telephone' },
    ],
  },
  oue_client_table: {
    clients: { table: 'clients', id: 'client_id', phone: 'telephone', name: 'nom' },
    sightings: [
      { table: 'sale_header', at: 'sale_ts', card: 'loyalty_card', client: 'client_id' },
      { table: 'refund_header', at: 'refund_ts', card: 'loyalty_card' },
      { table: 'quote_header', at: 'created_ts', card: 'loyalty_card', client: 'client_id' },
    ],
  },
};

type Franchise = PosFranchise<Layout>;

/** A franchise, and the instant its read starts from (null: its whole history). */
interface FranchiseWindow {
  franchise: Franchise;
  from: string | null;
}

interface Query {
  sql: string;
  params: unknown[];
}

/** A card's first and last sighting across the franchises, or (`f` set) the latest sighting of franchise `f`. */
interface CardRow {
  f: number | null;
  number: string | null;
  first_seen: Date | string;
  last_seen: Date | string;
}

interface PhoneRow {
  value: string;
  tail: string;
  first_seen: Date | string;
  last_seen: Date | string;
}

interface ClientRow {
  id: string;
  phone: string | null;
  name: string | null;
  first_seen: Date | string | null;
  last_seen: Date | string | null;
}

/** The one cursor a read's transaction has open at a time. */
const CURSOR = 'crosscanal_pos_sightings';

/**
 * Digits at the end of a phone number that every way of writing it keeps: `toE164` only
 * rewrites the prefix (`0`, `00`, `+33 (0)`) of a number of at least 7 digits. Sightings
 * ordered by them bring every spelling of one number together, so that its record is complete
 * when the next tail starts; the reader checks the claim on every number it reads.
 */
const TAIL = 7;

/** The characters `String.prototype.trim` removes, so that SQL trims a card number as `text()` does. */
const WHITESPACE = Array.from({ length: 0x10000 }, (_, code) => String.fromCharCode(code))
  .filter((c) => c.trim() === '')
  .join('');

/**
 * Reads the customer evidence the franchise tills keep, over SQL, read-only: every loyalty
 * card seen on a sale, a return or a quote (`card:<number>`, across franchises), every phone
 * keyed at an NRD or SUD till (`phone:<E.164>`, per franchise) and OUE's client table
 * (`client:<id>`). A record's dates are its first and last sighting. The change feed is the
 * sales themselves: an incremental read looks at what was sold since the watermark.
 *
 * The database groups the sightings (the cards across every franchise's schema) and the reader
 * fetches the groups through a cursor, `pageSize` at a time, handing each page over before it
 * fetches the next: it holds a page whatever the estate's size. Pages are handed over inside the
 * step's read-only transaction (the cards, then each franchise), so one attempt of the source,
 * hence its timeout, spans the step's query and the caller's work on every page of it.
 */
export function posReader({ databaseUrl, source, schemaPrefix = '', overlapMs = 86_400_000, pageSize = 5_000, statementTimeoutMs }: PosReaderOptions): SourceReader {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  const pos = posConnection({ databaseUrl, source, schemaPrefix, max: 2, applicationName: 'crosscanal-sync', ...(statementTimeoutMs !== undefined ? { statementTimeoutMs } : {}) });
  const readOnly = pos.readOnly;
  const franchises = () => pos.franchises(LAYOUTS, 'the crosswalk');

  /** Every card (one record across the franchises) and each franchise's latest sighting, by its index in `windows`. */
  const readCards = (windows: FranchiseWindow[], handOver: HandOver) =>
    readOnly('sightings of cards', async (client) => {
      const pages = new Pager(pageSize, handOver);
      const latest = new Map<number, string>();
      await fetchAll<CardRow>(client, cardQuery(windows), pageSize, async (rows) => {
        for (const row of rows) {
          if (row.f !== null) {
            latest.set(row.f, instant(row.last_seen));
            continue;
          }
          const number = text(row.number);
          if (number !== null) pages.add({ ...posRecord(`card:${number}`, null, null, null), createdAt: instant(row.first_seen), updatedAt: instant(row.last_seen) });
        }
        await pages.handOverFull();
      });
      await pages.handOverAll();
      return { records: pages.handed, latest };
    });

  /** A franchise's phones and clients. */
  const readFranchise = ({ franchise, from }: FranchiseWindow, handOver: HandOver) =>
    readOnly(`sightings ${franchise.code}`, async (client) => {
      const pages = new Pager(pageSize, handOver);
      let unusable = 0;
      const phones = phoneQuery(franchise, from);
      if (phones) {
        // The spellings of one number share a tail: its record is whole when the tail changes.
        let tail: string | null = null;
        let spellings = new Map<string, SourceRecord>();
        const complete = () => {
          for (const record of spellings.values()) pages.add(record);
          spellings = new Map();
        };
        await fetchAll<PhoneRow>(client, phones, pageSize, async (rows) => {
          for (const row of rows) {
            if (row.tail !== tail) {
              complete();
              tail = row.tail;
            }
            const e164 = toE164(row.value);
            if (e164 === null) {
              unusable += 1;
              continue;
            }
            if (e164.slice(-TAIL) !== row.tail) {
              throw new Error(`phone ${JSON.stringify(row.value)} reads as ${e164}, which does not end in the tail ${JSON.stringify(row.tail)} its sightings were ordered by`);
            }
            addSighting(spellings, posRecord(`phone:${e164}`, franchise.code, e164, null), instant(row.first_seen), instant(row.last_seen));
          }
          await pages.handOverFull();
        });
        complete();
      }
      const clients = clientQuery(franchise, from);
      if (clients) {
        await fetchAll<ClientRow>(client, clients, pageSize, async (rows) => {
          for (const row of rows) {
            const e164 = toE164(row.phone);
            if (e164 === null) unusable += 1;
            const record = posRecord(`client:${row.id}`, franchise.code, e164, text(row.name));
            pages.add(row.first_seen === null || row.last_seen === null ? record : { ...record, createdAt: instant(row.first_seen), updatedAt: instant(row.last_seen) });
          }
          await pages.handOverFull();
        });
      }
      await pages.handOverAll();
      return { records: pages.handed, unusable };
    });

  return {
    name: 'pos',
    async read(since, onBatch, onProgress?: ReadProgress): Promise<ReadResult> {
      const previous: Record<string, string> = since === null ? {} : parseWatermark(since);
      const list = await franchises();
      const windows = list.map((franchise): FranchiseWindow => {
        const mark = previous[franchise.code];
        return { franchise, from: since === null || mark === undefined ? null : new Date(Date.parse(mark) - overlapMs).toISOString() };
      });
      const watermark: Record<string, string> = { ...previous };
      const { handOver, settle } = handingOver(onBatch);
      let unusable = 0;
      let records = 0;
      // The cards and the watermark first: a sale rung up while the phones and clients are read
      // is after the watermark, so the next read has it whatever the overlap.
      const steps = list.length + 1;
      onProgress?.(0, steps);
      if (list.length > 0) {
        const cards = await settle(readCards(windows, handOver));
        records += cards.records;
        for (const [index, franchise] of list.entries()) {
          const last = cards.latest.get(index);
          if (last !== undefined && (!watermark[franchise.code] || Date.parse(last) > Date.parse(watermark[franchise.code]!))) watermark[franchise.code] = last;
        }
      }
      onProgress?.(1, steps);
      for (const [index, window] of windows.entries()) {
        const read = await settle(readFranchise(window, handOver));
        records += read.records;
        unusable += read.unusable;
        onProgress?.(index + 2, steps);
      }
      return { watermark: JSON.stringify(watermark), records, unusable };
    },
    close: () => pos.close(),
  };
}

type HandOver = (page: SourceRecord[]) => Promise<void>;

/**
 * Hands pages to `onBatch` one at a time, including those of an attempt the source gave up on
 * and one retrying it. A page refused is no failure of the POS: the transaction it was read
 * in ends without a retry, and `settle` rethrows the refusal itself.
 */
function handingOver(onBatch: (records: SourceRecord[]) => Promise<void>): { handOver: HandOver; settle: <T>(read: Promise<T>) => Promise<T> } {
  let queue: Promise<void> = Promise.resolve();
  let refused: { error: unknown } | undefined;
  return {
    handOver(page) {
      const handing = queue.then(() => onBatch(page));
      queue = handing.catch(() => undefined);
      return handing.catch((error: unknown) => {
        refused ??= { error };
        throw new SourceFailure('badRequest', `${page.length} records read were refused: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
      });
    },
    settle: (read) =>
      read.catch((error: unknown) => {
        throw refused ? refused.error : error;
      }),
  };
}

/** Records on their way to `onBatch`, handed over `size` at a time. */
class Pager {
  private pending: SourceRecord[] = [];
  /** Records handed over so far. */
  handed = 0;

  constructor(
    private readonly size: number,
    private readonly handOver: HandOver,
  ) {}

  add(record: SourceRecord): void {
    this.pending.push(record);
  }

  /** Hands over every full page. */
  async handOverFull(): Promise<void> {
    while (this.pending.length >= this.size) await this.send(this.pending.splice(0, this.size));
  }

  /** Hands over everything left. */
  async handOverAll(): Promise<void> {
    await this.handOverFull();
    if (this.pending.length > 0) await this.send(this.pending.splice(0));
  }

  private async send(page: SourceRecord[]): Promise<void> {
    await this.handOver(page);
    this.handed += page.length;
  }
}

/**
 * Runs `query` through a cursor of the transaction `client` is in, and gives `onRows` its rows
 * `pageSize` at a time: the client never holds more than one page of the result.
 */
async function fetchAll<R extends pg.QueryResultRow>(client: pg.PoolClient, { sql, params }: Query, pageSize: number, onRows: (rows: R[]) => Promise<void>): Promise<void> {
  await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${sql}`, params);
  for (;;) {
    const { rows } = await client.query<R>(`FETCH FORWARD ${pageSize} FROM ${CURSOR}`);
    if (rows.length > 0) await onRows(rows);
    if (rows.length < pageSize) break;
  }
  await client.query(`CLOSE ${CURSOR}`);
}

/** A sighting's instant: a till on local time keeps wall-clock time, read in its zone. */
function seenAt(layout: Layout, column: string): string {
  return layout.localTime ? `(${column} AT TIME ZONE '${layout.localTime}')` : column;
}

/** ` AND <column> is at or after the instant in <param>`, or nothing for a whole history. */
function windowOf(layout: Layout, column: string, param: string | null): string {
  if (param === null) return '';
  return layout.localTime ? ` AND ${column} >= (${param}::timestamptz AT TIME ZONE '${layout.localTime}')` : ` AND ${column} >= ${param}::timestamptz`;
}

/**
 * Every franchise's sightings in its window, one row a sale, return or quote with any
 * evidence: grouped by card number (trimmed, blank left out), the cards across franchises;
 * grouped by franchise, the latest sighting of each, whatever its evidence.
 */
function cardQuery(windows: FranchiseWindow[]): Query {
  const params: unknown[] = [WHITESPACE];
  const parts: string[] = [];
  for (const [index, { franchise, from }] of windows.entries()) {
    const { schema, layout } = franchise;
    let param: string | null = null;
    if (from !== null) {
      params.push(from);
      param = `$${params.length}`;
    }
    for (const s of layout.sightings) {
      const evidence = [s.card, s.phone, s.client].filter((column): column is string => column !== undefined);
      parts.push(
        `SELECT ${index} AS f, btrim(${s.card}, $1) AS number, ${seenAt(layout, s.at)} AS seen FROM ${schema}.${s.table} WHERE (${evidence.map((c) => `${c} IS NOT NULL`).join(' OR ')})${windowOf(layout, s.at, param)}`,
      );
    }
  }
  return {
    sql: `SELECT f, number, min(seen) AS first_seen, max(seen) AS last_seen FROM (${parts.join('\nUNION ALL\n')}) AS s
      GROUP BY GROUPING SETS ((f), (number)) HAVING GROUPING(f) = 0 OR number <> ''`,
    params,
  };
}

/** A franchise's phones as keyed at its tills, each with its first and last sighting, ordered by their tail. */
function phoneQuery({ schema, layout }: Franchise, from: string | null): Query | null {
  const parts = layout.sightings
    .filter((s) => s.phone !== undefined)
    .map((s) => `SELECT ${s.phone} AS value, ${seenAt(layout, s.at)} AS seen FROM ${schema}.${s.table} WHERE ${s.phone} IS NOT NULL${windowOf(layout, s.at, from === null ? null : '$1')}`);
  if (parts.length === 0) return null;
  return {
    sql: `SELECT value, right(regexp_replace(value, '[^0-9]', '', 'g'), ${TAIL}) AS tail, min(seen) AS first_seen, max(seen) AS last_seen
      FROM (${parts.join('\nUNION ALL\n')}) AS s GROUP BY value ORDER BY tail`,
    params: from === null ? [] : [from],
  };
}

/**
 * A franchise's client table, each client with its first and last sighting: every client for a
 * whole history, the clients seen in the window otherwise.
 */
function clientQuery({ schema, layout }: Franchise, from: string | null): Query | null {
  const c = layout.clients;
  if (!c) return null;
  const parts = layout.sightings
    .filter((s) => s.client !== undefined)
    .map((s) => `SELECT ${s.client} AS client, ${seenAt(layout, s.at)} AS seen FROM ${schema}.${s.table} WHERE ${s.client} IS NOT NULL${windowOf(layout, s.at, from === null ? null : '$1')}`);
  return {
    sql: `SELECT c.${c.id}::text AS id, c.${c.phone} AS phone, c.${c.name} AS name, s.first_seen, s.last_seen
      FROM ${schema}.${c.table} AS c
      ${from === null ? 'LEFT JOIN' : 'JOIN'} (SELECT client, min(seen) AS first_seen, max(seen) AS last_seen FROM (${parts.join('\nUNION ALL\n')}) AS x GROUP BY client) AS s
      ON s.client = c.${c.id}`,
    params: from === null ? [] : [from],
  };
}

function posRecord(localId: string, franchise: string | null, phone: string | null, lastName: string | null): SourceRecord {
  return {
    system: 'POS',
    localId,
    franchise,
    firstName: null,
    lastName,
    email: null,
    phone,
    cards: [],
    postcode: null,
    birthDate: null,
    createdAt: null,
    updatedAt: null,
  };
}

/** Adds a sighting to the record it is of: the earliest first and the latest last sighting win. */
function addSighting(into: Map<string, SourceRecord>, record: SourceRecord, first: string, last: string): void {
  const known = into.get(record.localId);
  if (!known) {
    into.set(record.localId, { ...record, createdAt: first, updatedAt: last });
    return;
  }
  if (Date.parse(first) < Date.parse(known.createdAt!)) known.createdAt = first;
  if (Date.parse(last) > Date.parse(known.updatedAt!)) known.updatedAt = last;
}

function parseWatermark(since: string): Record<string, string> {
  try {
    const parsed = JSON.parse(since) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    }
  } catch {
    // fall through: an unreadable watermark means reading everything again
  }
  return {};
}

function instant(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
