import type { LegacySource } from '../../shared/source.js';
import { posConnection, type PosFranchise } from '../sources/posConnection.js';
import type { ReadProgress } from '../sources/reader.js';
import type { PosCodeDay, PosFranchiseCodes, PosGtinSighting, PosStockEntry, ProductReader, ProductReadResult } from './readers.js';
import { gtinKeyOf, lookupCode } from './references.js';

export interface PosCodeReaderOptions {
  /** The POS database, `postgres://…`. */
  databaseUrl: string;
  source: LegacySource;
  /** Prefix of the POS schema names (`<prefix>pos_directory`, …). Default ''. */
  schemaPrefix?: string;
  /**
   * How far before its watermark an incremental read starts again, in milliseconds (tills
   * that were offline upload their sales late); the read then starts at the beginning of
   * that day (UTC). Default one day.
   */
  overlapMs?: number;
}

/** Where a till vendor's layout keeps receipt lines and stock. */
interface CodeLayout {
  /** The zone of a till that stores wall-clock time without one. */
  localTime?: string;
  receipts: { header: string; key: string; at: string; lines: string; ean: string; local: string; label: string };
  stock: { table: string; store: string; ean: string; local: string };
}

/** The till vendors' layouts, by the name `pos_directory.franchises.layout` gives them. */
const LAYOUTS: Readonly<Record<string, CodeLayout>> = {
  nrd_cents: {
    receipts: { header: 'receipts', key: 'receipt_no', at: 'sold_at', lines: 'receipt_lines', ean: 'ean', local: 'local_code', label: 'label' },
    stock: { table: 'stock', store: 'store_code', ean: 'ean', local: 'local_code' },
  },
  sud_euros_local_time: {
    localTime: 'Europe/Paris',
    receipts: { header: 'tickets', key: 'num_ticket', at: 'date_vente', lines: 'lignes_ticket', ean: 'ean', local: 'code_local', label: 'libelle' },
    stock: { table: 'stock_magasin', store: 'code_magasin', ean: 'ean', local: 'code_local' },
  },
  oue_client_table: {
    receipts: { header: 'sale_header', key: 'sale_ref', at: 'sale_ts', lines: 'sale_line', ean: 'ean', local: 'item_code', label: 'description' },
    stock: { table: 'stock_level', store: 'shop_code', ean: 'ean', local: 'item_code' },
  },
};

/** The shape of a GTIN; its check digit is verified in code, not in SQL. */
const GTIN_SHAPE = `'^([0-9]{8}|[0-9]{12,14})$'`;

type Franchise = PosFranchise<CodeLayout>;

/**
 * Reads the product codes a franchise's tills use, over SQL, read-only, one franchise per
 * snapshot: the GTINs sold (first and last sale), the local codes on receipt lines counted
 * per day (a line whose EAN is not a valid GTIN counts under that raw code, as the POS
 * subgraph shows it), and what each store's stock lists. An incremental read looks at the
 * receipts from the watermark's day (less the overlap) on; stock is read whole each time.
 */
export function posCodeReader({ databaseUrl, source, schemaPrefix = '', overlapMs = 86_400_000 }: PosCodeReaderOptions): ProductReader {
  const pos = posConnection({ databaseUrl, source, schemaPrefix, max: 1, applicationName: 'crosscanal-references' });
  const readOnly = pos.readOnly;
  const franchises = () => pos.franchises(LAYOUTS, 'the reference index');

  const readFranchise = ({ code, schema: s, layout }: Franchise, fromDay: string | null) =>
    readOnly(`product codes ${code}`, async (client) => {
      const r = layout.receipts;
      const at = layout.localTime ? `(h.${r.at} AT TIME ZONE '${layout.localTime}')` : `h.${r.at}`;
      const window = fromDay === null ? '' : ` AND ${at} >= $1::timestamptz`;
      const params = fromDay === null ? [] : [`${fromDay}T00:00:00.000Z`];
      const lines = `${s}.${r.lines} l JOIN ${s}.${r.header} h ON h.${r.key} = l.${r.key}`;
      const { rows: eanRows } = await client.query<{ ean: string; first_seen: Date | string; last_seen: Date | string }>(
        `SELECT btrim(l.${r.ean}) AS ean, min(${at}) AS first_seen, max(${at}) AS last_seen FROM ${lines}
         WHERE btrim(l.${r.ean}) ~ ${GTIN_SHAPE}${window} GROUP BY 1`,
        params,
      );
      const gtins = new Map<string, PosGtinSighting>();
      const misshapen: string[] = [];
      for (const row of eanRows) {
        const key = gtinKeyOf(row.ean);
        if (key === null) {
          misshapen.push(row.ean);
          continue;
        }
        const sighting = { gtin14: key, gtin: row.ean, firstSeen: instant(row.first_seen), lastSeen: instant(row.last_seen) };
        const known = gtins.get(key);
        gtins.set(key, known ? widen(known, sighting) : sighting);
      }
      const local = `NULLIF(btrim(l.${r.local}), '')`;
      const ean = `NULLIF(btrim(l.${r.ean}), '')`;
      const { rows: codeRows } = await client.query<{ code: string; day: string; lines: number; first_seen: Date | string; last_seen: Date | string; label: string | null }>(
        `SELECT code, day, count(*)::int AS lines, min(at) AS first_seen, max(at) AS last_seen, (array_agg(label ORDER BY at DESC))[1] AS label
         FROM (SELECT COALESCE(${local}, ${ean}) AS code, ${at} AS at, ((${at}) AT TIME ZONE 'UTC')::date::text AS day, l.${r.label} AS label
               FROM ${lines}
               WHERE (${local} IS NOT NULL OR (${ean} IS NOT NULL AND (${ean} !~ ${GTIN_SHAPE} OR ${ean} = ANY($${params.length + 1}::text[]))))${window}) AS x
         GROUP BY code, day`,
        [...params, misshapen],
      );
      const days = new Map<string, PosCodeDay>();
      for (const row of codeRows) {
        const entry: PosCodeDay = {
          code: lookupCode(row.code),
          value: row.code,
          day: row.day,
          lines: row.lines,
          label: row.label,
          firstSeen: instant(row.first_seen),
          lastSeen: instant(row.last_seen),
        };
        if (entry.code === '') continue;
        const key = `${entry.code}\n${entry.day}`;
        const known = days.get(key);
        days.set(key, known ? { ...widen(known, entry), lines: known.lines + entry.lines, ...(entry.lastSeen > known.lastSeen ? { value: entry.value, label: entry.label } : {}) } : entry);
      }
      const st = layout.stock;
      const { rows: stockRows } = await client.query<{ local_code: string | null; ean: string | null; stores: number }>(
        `SELECT NULLIF(btrim(${st.local}), '') AS local_code, NULLIF(btrim(${st.ean}), '') AS ean, count(DISTINCT ${st.store})::int AS stores
         FROM ${s}.${st.table} GROUP BY 1, 2`,
      );
      const stock = new Map<string, PosStockEntry>();
      for (const row of stockRows) {
        const gtin = row.local_code === null && row.ean !== null ? gtinKeyOf(row.ean) : null;
        const raw = row.local_code ?? row.ean;
        if (raw === null) continue;
        const entry: PosStockEntry = gtin !== null ? { kind: 'GTIN', code: gtin, value: raw, stores: row.stores } : { kind: 'LOCAL', code: lookupCode(raw), value: raw, stores: row.stores };
        if (entry.code === '') continue;
        const key = `${entry.kind}\n${entry.code}`;
        const known = stock.get(key);
        // The same code written two ways: its stores are those of the form most stores list.
        if (!known || known.stores < entry.stores) stock.set(key, entry);
      }
      return { days: [...days.values()], gtins: [...gtins.values()], stock: [...stock.values()] };
    });

  return {
    name: 'pos',
    async read(since, onBatch, onProgress?: ReadProgress): Promise<ProductReadResult> {
      const previous = since === null ? {} : parseWatermark(since);
      const list = await franchises();
      const watermark: Record<string, string> = { ...previous };
      let entries = 0;
      onProgress?.(0, list.length);
      for (const [index, franchise] of list.entries()) {
        const mark = previous[franchise.code];
        const fromDay = since === null || mark === undefined ? null : new Date(Date.parse(mark) - overlapMs).toISOString().slice(0, 10);
        const codes = await readFranchise(franchise, fromDay);
        for (const seen of [...codes.days, ...codes.gtins]) {
          if (!watermark[franchise.code] || Date.parse(seen.lastSeen) > Date.parse(watermark[franchise.code]!)) watermark[franchise.code] = seen.lastSeen;
        }
        const batch: PosFranchiseCodes = { franchise: franchise.code, fromDay, ...codes };
        entries += new Set(codes.days.map((d) => d.code)).size + codes.gtins.length;
        await onBatch({ source: 'pos', franchise: batch });
        onProgress?.(index + 1, list.length);
      }
      return { watermark: JSON.stringify(watermark), entries };
    },
    close: () => pos.close(),
  };
}

function widen<T extends { firstSeen: string; lastSeen: string }>(known: T, other: T): T {
  return {
    ...known,
    firstSeen: other.firstSeen < known.firstSeen ? other.firstSeen : known.firstSeen,
    lastSeen: other.lastSeen > known.lastSeen ? other.lastSeen : known.lastSeen,
  };
}

function parseWatermark(since: string): Record<string, string> {
  try {
    const parsed = JSON.parse(since) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !Number.isNaN(Date.parse(entry[1]))));
    }
  } catch {
    // fall through: an unreadable watermark means reading everything again
  }
  return {};
}

function instant(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
