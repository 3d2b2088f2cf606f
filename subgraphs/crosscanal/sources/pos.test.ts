import pg from 'pg';
import { generateEstate, type Generated } from '../../../legacy/generator/generate.js';
import { startPos, type RunningPos } from '../../../legacy/pos/server.js';
import { toE164 } from '../../../utilities/phone.js';
import { LegacySource } from '../../shared/source.js';
import type { SourceRecord } from '../matching/records.js';
import { posReader } from './pos.js';
import type { ReadResult } from './reader.js';

/**
 * Where the stand-in's tills keep the evidence of a sale, a return or a quote (its README's
 * table), read here row by row to compute what the reader should give.
 */
const EVIDENCE = [
  { code: 'NRD', table: 'franchise_nrd.receipts', seen: 'sold_at', card: 'card_number', phone: 'phone', client: null },
  { code: 'NRD', table: 'franchise_nrd.returns', seen: 'returned_at', card: 'card_number', phone: null, client: null },
  { code: 'NRD', table: 'franchise_nrd.quotes', seen: 'created_at', card: 'card_number', phone: 'phone', client: null },
  { code: 'SUD', table: 'franchise_sud.tickets', seen: "date_vente AT TIME ZONE 'Europe/Paris'", card: 'carte_fidelite', phone: 'telephone', client: null },
  { code: 'SUD', table: 'franchise_sud.retours', seen: "date_retour AT TIME ZONE 'Europe/Paris'", card: 'carte_fidelite', phone: null, client: null },
  { code: 'SUD', table: 'franchise_sud.devis', seen: "date_creation AT TIME ZONE 'Europe/Paris'", card: 'carte_fidelite', phone: 'telephone', client: null },
  { code: 'OUE', table: 'franchise_oue.sale_header', seen: 'sale_ts', card: 'loyalty_card', phone: null, client: 'client_id' },
  { code: 'OUE', table: 'franchise_oue.refund_header', seen: 'refund_ts', card: 'loyalty_card', phone: null, client: null },
  { code: 'OUE', table: 'franchise_oue.quote_header', seen: 'created_ts', card: 'loyalty_card', phone: null, client: 'client_id' },
] as const;

/** The directory's order. */
const FRANCHISES = ['NRD', 'OUE', 'SUD'];

interface Sighting {
  code: string;
  card: string | null;
  phone: string | null;
  client: string | null;
  seen: number;
}

interface Expected {
  records: SourceRecord[];
  unusable: number;
  watermark: Record<string, string>;
}

let generated: Generated;
let pos: RunningPos;
let sightings: Sighting[];
let clients: { id: string; phone: string; name: string | null }[];
/** An hour after the estate's last day: later than any sighting the generator made. */
let late: number;

beforeAll(async () => {
  generated = generateEstate({ scale: 'tiny' });
  pos = await startPos({ data: generated.estate.pos });
  late = Date.parse(generated.asOf) + 3_600_000;
  const hour = 3_600_000;
  const day = 24 * hour;
  const at = (ms: number) => new Date(ms).toISOString();
  const client = new pg.Client({ connectionString: pos.url });
  await client.connect();
  try {
    // One mobile spelt four ways at NRD's tills, a card padded with whitespace (a no-break space
    // too) and seen at NRD and SUD, a blank card, a phone that is no number, a client never
    // seen at a till, and a client with an unreadable phone: what the grouping must get right.
    const nrdReceipt = (no: string, soldAt: number, card: string | null, phone: string | null) =>
      client.query(
        `INSERT INTO franchise_nrd.receipts (receipt_no, store_code, seller_code, sold_at, card_number, phone, currency, total_cents)
         SELECT $1, store_code, seller_code, $2, $3, $4, currency, total_cents FROM franchise_nrd.receipts LIMIT 1`,
        [no, at(soldAt), card, phone],
      );
    await nrdReceipt('NRD-T-1', late - 90 * day, ' 4000999 ', '06 12 34 56 78');
    await nrdReceipt('NRD-T-2', late - 60 * day, '\u00a04000999', '+33 6 12 34 56 78');
    await nrdReceipt('NRD-T-3', late - 30 * day, null, '0033612345678');
    await nrdReceipt('NRD-T-4', late - 10 * day, null, '+33 (0)6 12 34 56 78');
    await nrdReceipt('NRD-T-5', late - 5 * day, null, '12 34');
    await nrdReceipt('NRD-T-6', late, '   ', null);
    await client.query(
      `INSERT INTO franchise_sud.tickets (num_ticket, code_magasin, code_vendeur, date_vente, carte_fidelite, telephone, devise, montant_total)
       SELECT 'SUD-T-1', code_magasin, code_vendeur, $1::timestamptz AT TIME ZONE 'Europe/Paris', '4000999' || chr(9), '06.12.34.56.78', devise, montant_total
       FROM franchise_sud.tickets LIMIT 1`,
      [at(late - 20 * day)],
    );
    await client.query(`INSERT INTO franchise_oue.clients (client_id, telephone, nom) VALUES (999001, '+33 6 98 76 54 32', 'Jamais Vu'), (999002, '12', NULL)`);
    await client.query(
      `INSERT INTO franchise_oue.sale_header (sale_ref, shop_code, staff_code, sale_ts, loyalty_card, client_id, currency_code, amount_cents)
       SELECT 'OUE-T-1', shop_code, staff_code, $1, NULL, 999002, currency_code, amount_cents FROM franchise_oue.sale_header LIMIT 1`,
      [at(late - 2 * day)],
    );

    sightings = [];
    for (const e of EVIDENCE) {
      const { rows } = await client.query<{ card: string | null; phone: string | null; client: string | null; seen: Date }>(
        `SELECT ${e.card} AS card, ${e.phone ?? 'NULL::text'} AS phone, ${e.client ? `${e.client}::text` : 'NULL::text'} AS client, ${e.seen} AS seen FROM ${e.table}`,
      );
      for (const row of rows) sightings.push({ code: e.code, card: row.card, phone: row.phone, client: row.client, seen: row.seen.getTime() });
    }
    ({ rows: clients } = await client.query<{ id: string; phone: string; name: string | null }>(`SELECT client_id::text AS id, telephone AS phone, nom AS name FROM franchise_oue.clients`));
  } finally {
    await client.end();
  }
}, 60_000);

afterAll(async () => {
  await pos?.stop();
});

function record(localId: string, franchise: string | null, phone: string | null, lastName: string | null, seen: { first: number; last: number } | undefined): SourceRecord {
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
    createdAt: seen ? new Date(seen.first).toISOString() : null,
    updatedAt: seen ? new Date(seen.last).toISOString() : null,
  };
}

/**
 * What a read from `since` gives, straight from the rows: a franchise's sightings from its
 * watermark less the overlap (all of them when it has none), each card once across the
 * franchises, each phone once per franchise whatever its spelling, OUE's clients (those seen
 * in the window on an incremental read), and each franchise's latest sighting.
 */
function expected(since: Record<string, string> | null, overlapMs: number): Expected {
  const from = (code: string) => (since?.[code] === undefined ? -Infinity : Date.parse(since[code]!) - overlapMs);
  const read = sightings.filter((s) => s.seen >= from(s.code) && (s.card !== null || s.phone !== null || s.client !== null));
  const span = (into: Map<string, { first: number; last: number }>, key: string, seen: number) => {
    const known = into.get(key);
    into.set(key, { first: Math.min(known?.first ?? seen, seen), last: Math.max(known?.last ?? seen, seen) });
  };
  const cards = new Map<string, { first: number; last: number }>();
  const phones = new Map<string, { first: number; last: number }>();
  const clientSeen = new Map<string, { first: number; last: number }>();
  const spellings = new Set<string>();
  for (const s of read) {
    if (s.card !== null && s.card.trim() !== '') span(cards, s.card.trim(), s.seen);
    if (s.client !== null) span(clientSeen, s.client, s.seen);
    if (s.phone !== null) {
      spellings.add(`${s.code}|${s.phone}`);
      const e164 = toE164(s.phone);
      if (e164 !== null) span(phones, `${s.code}|${e164}`, s.seen);
    }
  }
  let unusable = [...spellings].filter((key) => toE164(key.slice(key.indexOf('|') + 1)) === null).length;
  const records: SourceRecord[] = [
    ...[...cards].map(([number, seen]) => record(`card:${number}`, null, null, null, seen)),
    ...[...phones].map(([key, seen]) => {
      const [code, e164] = key.split('|') as [string, string];
      return record(`phone:${e164}`, code, e164, null, seen);
    }),
  ];
  for (const c of clients) {
    if (from('OUE') !== -Infinity && !clientSeen.has(c.id)) continue;
    const phone = toE164(c.phone);
    if (phone === null) unusable += 1;
    records.push(record(`client:${c.id}`, 'OUE', phone, c.name?.trim() || null, clientSeen.get(c.id)));
  }
  const watermark: Record<string, string> = { ...since };
  for (const code of FRANCHISES) {
    const latest = Math.max(...read.filter((s) => s.code === code).map((s) => s.seen));
    if (Number.isFinite(latest) && (watermark[code] === undefined || latest > Date.parse(watermark[code]!))) watermark[code] = new Date(latest).toISOString();
  }
  return { records: sorted(records), unusable, watermark };
}

function sorted(records: SourceRecord[]): SourceRecord[] {
  const key = (r: SourceRecord) => `${r.franchise ?? ''}|${r.localId}`;
  return [...records].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** A read through a reader of `pageSize`, every page it handed over kept. */
async function readAll(since: string | null, pageSize: number): Promise<{ result: ReadResult; pages: SourceRecord[][] }> {
  const reader = posReader({ databaseUrl: pos.url, source: new LegacySource('pos', { timeoutMs: 10_000, retries: 1 }), pageSize });
  try {
    const pages: SourceRecord[][] = [];
    const result = await reader.read(since, async (page) => {
      pages.push(page);
    });
    return { result, pages };
  } finally {
    await reader.close();
  }
}

describe('posReader', () => {
  test.each([1, 7, 5_000])('hands a full read over in pages of at most %i records, each record once, as the rows give them', async (pageSize) => {
    const want = expected(null, 0);
    const { result, pages } = await readAll(null, pageSize);
    const records = pages.flat();
    expect(pages.every((page) => page.length > 0 && page.length <= pageSize)).toBe(true);
    if (want.records.length > pageSize) expect(pages.some((page) => page.length === pageSize)).toBe(true);
    expect(sorted(records)).toEqual(want.records);
    expect(result).toMatchObject({ records: want.records.length, unusable: want.unusable });
    expect(JSON.parse(result.watermark)).toEqual(want.watermark);

    // The fixtures, spelt out: four spellings of one mobile make one record, whose first and
    // last sightings span them; a padded card seen in two franchises is one card.
    const day = 86_400_000;
    expect(records.filter((r) => r.localId === 'phone:+33612345678' && r.franchise === 'NRD')).toEqual([
      record('phone:+33612345678', 'NRD', '+33612345678', null, { first: late - 90 * day, last: late - 10 * day }),
    ]);
    expect(records.filter((r) => r.localId === 'card:4000999')).toEqual([record('card:4000999', null, null, null, { first: late - 90 * day, last: late - 20 * day })]);
    expect(records.find((r) => r.localId === 'client:999001')).toMatchObject({ phone: '+33698765432', lastName: 'Jamais Vu', createdAt: null, updatedAt: null });
    expect(records.some((r) => r.localId === 'card:')).toBe(false);
    // The blank card is still a sighting: NRD's latest.
    expect(JSON.parse(result.watermark).NRD).toBe(new Date(late).toISOString());
  });

  test('an incremental read gives what each franchise saw since its watermark less the overlap, cards across franchises included', async () => {
    const day = 86_400_000;
    // Noon UTC, away from the night the clocks change, where SUD's local time is ambiguous.
    const noon = (ms: number) => `${new Date(ms).toISOString().slice(0, 10)}T12:00:00.000Z`;
    // NRD from 40 days back (the card's first two NRD sightings fall out), OUE from 10, SUD from
    // nothing (a franchise new to the watermark is read whole); an unknown franchise is kept.
    const since = { NRD: noon(late - 39 * day), OUE: noon(late - 9 * day), GONE: '2020-01-01T00:00:00.000Z' };
    const want = expected(since, day);
    expect(want.records.length).toBeGreaterThan(10);
    expect(want.records.length).toBeLessThan(expected(null, 0).records.length);
    const { result, pages } = await readAll(JSON.stringify(since), 5);
    expect(pages.every((page) => page.length > 0 && page.length <= 5)).toBe(true);
    expect(sorted(pages.flat())).toEqual(want.records);
    expect(result).toMatchObject({ records: want.records.length, unusable: want.unusable });
    expect(JSON.parse(result.watermark)).toEqual(want.watermark);
    expect(pages.flat().find((r) => r.localId === 'card:4000999')).toMatchObject({ createdAt: new Date(late - 20 * day).toISOString() });
    expect(pages.flat().find((r) => r.localId === 'phone:+33612345678' && r.franchise === 'NRD')).toMatchObject({
      createdAt: new Date(late - 30 * day).toISOString(),
      updatedAt: new Date(late - 10 * day).toISOString(),
    });
  });

  test('a page the caller refuses ends the read with its own error, without a retry', async () => {
    const reader = posReader({ databaseUrl: pos.url, source: new LegacySource('pos', { timeoutMs: 10_000, retries: 2 }), pageSize: 10 });
    const refusal = new Error('the store is read-only');
    let calls = 0;
    try {
      await expect(
        reader.read(null, async () => {
          calls += 1;
          throw refusal;
        }),
      ).rejects.toBe(refusal);
      expect(calls).toBe(1);
    } finally {
      await reader.close();
    }
  });

  test('a caller slower on its pages than the statement bound still reads everything: the bound is per statement', async () => {
    const want = expected(null, 0);
    const reader = posReader({ databaseUrl: pos.url, source: new LegacySource('pos', { timeoutMs: 30_000, retries: 0 }), pageSize: 200, statementTimeoutMs: 150 });
    const records: SourceRecord[] = [];
    try {
      await reader.read(null, async (page) => {
        records.push(...page);
        await new Promise((resolve) => setTimeout(resolve, 200));
      });
    } finally {
      await reader.close();
    }
    expect(sorted(records)).toEqual(want.records);
  });

  // The stand-in's embedded PostgreSQL takes statement_timeout but cannot interrupt a statement:
  // a real server (CI's) shows the bound.
  const onServer = process.env.DATABASE_URL ? test : test.skip;
  onServer('a statement past its bound fails the step (PostgreSQL at DATABASE_URL)', async () => {
    const { posConnection } = await import('./posConnection.js');
    const connection = posConnection({ databaseUrl: process.env.DATABASE_URL!, source: new LegacySource('pos', { timeoutMs: 30_000, retries: 0 }), max: 1, applicationName: 'test', statementTimeoutMs: 100 });
    try {
      await expect(connection.readOnly('sleep', (client) => client.query('SELECT pg_sleep(2)'))).rejects.toThrow();
      await expect(connection.readOnly('quick', async (client) => (await client.query('SELECT 1 AS one')).rows)).resolves.toEqual([{ one: 1 }]);
    } finally {
      await connection.close();
    }
  });

  test('refuses a page size that is no positive integer', () => {
    expect(() => posReader({ databaseUrl: 'postgres://localhost/none', source: new LegacySource('pos'), pageSize: 0 })).toThrow(RangeError);
  });
});
