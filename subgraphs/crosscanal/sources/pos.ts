import { toE164 } from '../../../utilities/phone.js';
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

interface SightingRow {
  kind: 'card' | 'phone' | 'client';
  value: string;
  first_seen: Date | string;
  last_seen: Date | string;
}

type Franchise = PosFranchise<Layout>;

/**
 * Reads the customer evidence the franchise tills keep, over SQL, read-only: every loyalty
 * card seen on a sale, a return or a quote (`card:<number>`, across franchises), every phone
 * keyed at an NRD or SUD till (`phone:<E.164>`, per franchise) and OUE's client table
 * (`client:<id>`). A record's dates are its first and last sighting. The change feed is the
 * sales themselves: an incremental read looks at what was sold since the watermark.
 */
export function posReader({ databaseUrl, source, schemaPrefix = '', overlapMs = 86_400_000 }: PosReaderOptions): SourceReader {
  const pos = posConnection({ databaseUrl, source, schemaPrefix, max: 2, applicationName: 'crosscanal-sync' });
  const readOnly = pos.readOnly;
  const franchises = () => pos.franchises(LAYOUTS, 'the crosswalk');

  const readFranchise = (franchise: Franchise, since: string | null) =>
    readOnly(`sightings ${franchise.code}`, async (client) => {
      const { schema, layout } = franchise;
      const at = (column: string) => (layout.localTime ? `(${column} AT TIME ZONE '${layout.localTime}')` : column);
      const from = (column: string) => (layout.localTime ? `${column} >= ($1::timestamptz AT TIME ZONE '${layout.localTime}')` : `${column} >= $1::timestamptz`);
      const parts: string[] = [];
      for (const s of layout.sightings) {
        const window = since === null ? '' : ` AND ${from(s.at)}`;
        parts.push(`SELECT 'card' AS kind, ${s.card} AS value, ${at(s.at)} AS seen FROM ${schema}.${s.table} WHERE ${s.card} IS NOT NULL${window}`);
        if (s.phone) parts.push(`SELECT 'phone', ${s.phone}, ${at(s.at)} FROM ${schema}.${s.table} WHERE ${s.phone} IS NOT NULL${window}`);
        if (s.client) parts.push(`SELECT 'client', ${s.client}::text, ${at(s.at)} FROM ${schema}.${s.table} WHERE ${s.client} IS NOT NULL${window}`);
      }
      const { rows: sightings } = await client.query<SightingRow>(
        `SELECT kind, value, min(seen) AS first_seen, max(seen) AS last_seen FROM (${parts.join('\nUNION ALL\n')}) AS s GROUP BY kind, value`,
        since === null ? [] : [since],
      );
      let clients: { id: string; phone: string | null; name: string | null }[] = [];
      if (layout.clients) {
        const c = layout.clients;
        const wanted = sightings.filter((row) => row.kind === 'client').map((row) => Number(row.value));
        const { rows } = await client.query<{ id: string; phone: string | null; name: string | null }>(
          since === null
            ? `SELECT ${c.id}::text AS id, ${c.phone} AS phone, ${c.name} AS name FROM ${schema}.${c.table}`
            : `SELECT ${c.id}::text AS id, ${c.phone} AS phone, ${c.name} AS name FROM ${schema}.${c.table} WHERE ${c.id} = ANY($1::int[])`,
          since === null ? [] : [wanted],
        );
        clients = rows;
      }
      return { sightings, clients };
    });

  return {
    name: 'pos',
    async read(since, onBatch, onProgress?: ReadProgress): Promise<ReadResult> {
      const previous: Record<string, string> = since === null ? {} : parseWatermark(since);
      const list = await franchises();
      const watermark: Record<string, string> = { ...previous };
      const cards = new Map<string, SourceRecord>();
      let unusable = 0;
      let records = 0;
      onProgress?.(0, list.length);
      for (const [index, franchise] of list.entries()) {
        const mark = previous[franchise.code];
        const from = since === null || mark === undefined ? null : new Date(Date.parse(mark) - overlapMs).toISOString();
        const { sightings, clients } = await readFranchise(franchise, from);
        const phones = new Map<string, SourceRecord>();
        const clientSeen = new Map<string, SightingRow>();
        for (const row of sightings) {
          const first = instant(row.first_seen);
          const last = instant(row.last_seen);
          if (!watermark[franchise.code] || Date.parse(last) > Date.parse(watermark[franchise.code]!)) watermark[franchise.code] = last;
          if (row.kind === 'card') {
            const number = text(row.value);
            if (number !== null) addSighting(cards, posRecord(`card:${number}`, null, null, null), first, last);
          } else if (row.kind === 'phone') {
            const e164 = toE164(row.value);
            if (e164 === null) unusable += 1;
            else addSighting(phones, posRecord(`phone:${e164}`, franchise.code, e164, null), first, last);
          } else {
            clientSeen.set(row.value, row);
          }
        }
        const found: SourceRecord[] = [...phones.values()];
        for (const client of clients) {
          const e164 = toE164(client.phone);
          if (e164 === null) unusable += 1;
          const seen = clientSeen.get(client.id);
          const record = posRecord(`client:${client.id}`, franchise.code, e164, text(client.name));
          found.push(seen ? { ...record, createdAt: instant(seen.first_seen), updatedAt: instant(seen.last_seen) } : record);
        }
        records += found.length;
        if (found.length > 0) await onBatch(found);
        onProgress?.(index + 1, list.length);
      }
      records += cards.size;
      if (cards.size > 0) await onBatch([...cards.values()]);
      return { watermark: JSON.stringify(watermark), records, unusable };
    },
    close: () => pos.close(),
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
