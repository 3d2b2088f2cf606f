import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { generateEstate } from '../../../legacy/generator/generate.js';
import type { FranchiseCode, PosClient as TillClient, PosData, PosQuote, PosReceipt, PosReturn, Store } from '../../../legacy/generator/model.js';
import { dropPos } from '../../../legacy/pos/loadPos.js';
import { startPos, type RunningPos } from '../../../legacy/pos/server.js';
import { pgPoolDatabase } from '../../../legacy/pos/sqlDatabase.js';
import { createCache } from '../../shared/cache.js';
import { SourceFailure } from '../../shared/errors.js';
import { LegacySource } from '../../shared/source.js';
import { PosClient } from '../client.js';
import { HeldDirectory } from '../heldDirectory.js';
import { createLoaders } from '../loaders.js';
import { PosWriter } from './posWriter.js';
import { PosWriteRefused } from './posWriteRefused.js';
import type { RecordReturnInput } from './returnInput.js';

/**
 * The writer against the POS stand-in loaded with a small generated estate (PGlite in memory,
 * or the PostgreSQL at DATABASE_URL under a schema prefix of its own, where concurrent
 * transactions really do run at once), plus a few quotes per franchise in every state.
 */

const generated = generateEstate({ scale: 'tiny', seed: 'pos-writer' });
const asOf = Date.parse(generated.asOf);
const iso = (ms: number) => new Date(ms).toISOString();
const MINUTE = 60_000;
const DAY = 86_400_000;

const FRANCHISES: FranchiseCode[] = ['NRD', 'SUD', 'OUE'];
const storeOf = (franchise: FranchiseCode) => generated.estate.pos.stores.filter((s) => s.franchise === franchise).map((s) => s.code).sort()[0]!;
const sellerOf = (store: string) => generated.estate.pos.sellers.find((s) => s.store_code === store)!.code;
/** A web order of the estate no generated return names, one per franchise. */
const webOrderFor = (franchise: FranchiseCode) => generated.estate.ecommerce.orders[100 + FRANCHISES.indexOf(franchise)]!.number;

/** Quotes in every state, at the franchise's first store: `Q-<store>-90000n`. */
function testQuotes(franchise: FranchiseCode): PosQuote[] {
  const store = storeOf(franchise);
  const quote = (n: number, status: PosQuote['status'], validUntil: number, webOrder: string | null = null): PosQuote => ({
    franchise,
    quote_no: `Q-${store}-90000${n}`,
    store_code: store,
    seller_code: sellerOf(store),
    created_at: iso(asOf - 10 * DAY),
    valid_until: iso(validUntil),
    status,
    web_order_number: webOrder,
    card_number: null,
    phone: null,
    lines: [{ ean: null, local_code: 'TEST-001', quantity: 1, unit_price_cents: 1990 }],
  });
  return [
    // Valid for half an hour more; the other ended half an hour ago. SUD compares them on Paris
    // wall-clock time (UTC+1 that day): a comparison that forgot the zone would get one wrong.
    quote(1, 'OPEN', asOf + 30 * MINUTE),
    quote(2, 'OPEN', asOf - 30 * MINUTE),
    quote(3, 'CONVERTED_IN_STORE', asOf - 5 * DAY),
    quote(4, 'EXPIRED', asOf - 5 * DAY),
    quote(5, 'CONVERTED_ONLINE', asOf + 20 * DAY, `W19${FRANCHISES.indexOf(franchise)}0005`),
    quote(6, 'OPEN', asOf + 20 * DAY),
  ];
}

/*
 * A person to erase, seen at every franchise's first store: their card on a receipt, a return and
 * a quote, their phone keyed on a receipt and the quote in the franchise's own way (OUE files it
 * in `clients`, under a name). Beside them: another person's card and phone, and the same digits
 * keyed at a Belgian store, which are someone else's number there.
 */
const CARD = '2990000012345';
const PHONE = '+33612345678';
const OTHER_CARD = '2990000012352';
const KEYED: Record<FranchiseCode, string> = { NRD: '06 12 34 56 78', SUD: '+33 6 12 34 56 78', OUE: '06.12.34.56.78' };
/** OUE's clients: the person (by phone), someone the crosswalk names by id only, another person. */
const PERSON_CLIENT = 900;
const NAMED_CLIENT = 901;
const OTHER_CLIENT = 902;
/** The Belgian store, NRD's: `06 12 34 56 78` there is +32612345678. */
const BELGIAN_STORE = 'NRD90';
/** A second person, for the cache: their card on one NRD receipt. */
const CACHED_CARD = '2990000012369';

const erasureNumbers = (franchise: FranchiseCode) => {
  const store = storeOf(franchise);
  return { card: `${store}-9900001`, phone: `${store}-9900002`, other: `${store}-9900003`, named: `${store}-9900004`, quote: `Q-${store}-990001`, returnOfReceipt: `RX-${store}-1`, returnOfWebOrder: `RX-${store}-2` };
};

function erasureRecords(franchise: FranchiseCode): { receipts: PosReceipt[]; returns: PosReturn[]; quotes: PosQuote[] } {
  const store = storeOf(franchise);
  const n = erasureNumbers(franchise);
  const line = { line_no: 1, ean: null, local_code: 'TEST-001', label: 'Test', quantity: 1, unit_price_cents: 1990, discount_cents: 0 };
  const receipt = (receipt_no: string, card: string | null, phone: string | null, client: number | null = null): PosReceipt => ({
    franchise, receipt_no, store_code: store, seller_code: sellerOf(store), sold_at: iso(asOf - 20 * DAY), card_number: card,
    phone: franchise === 'OUE' ? null : phone, client_id: franchise === 'OUE' ? client : null, currency: 'EUR', total_cents: 1990, lines: [line],
  });
  const personsPhone = franchise === 'OUE' ? null : KEYED[franchise];
  const receipts = [
    receipt(n.card, CARD, null),
    receipt(n.phone, null, personsPhone, PERSON_CLIENT),
    receipt(n.other, OTHER_CARD, '06 12 34 56 79', OTHER_CLIENT),
    ...(franchise === 'OUE' ? [receipt(n.named, null, null, NAMED_CLIENT)] : []),
    ...(franchise === 'NRD' ? [{ ...receipt(`${BELGIAN_STORE}-9900001`, null, '06 12 34 56 78'), store_code: BELGIAN_STORE }] : []),
    ...(franchise === 'NRD' ? [receipt(`${store}-9900009`, CACHED_CARD, null)] : []),
  ];
  const returned = (return_no: string, receipt_no: string | null, web_order_number: string | null, card_number: string | null): PosReturn => ({
    franchise, return_no, store_code: store, seller_code: sellerOf(store), returned_at: iso(asOf - 15 * DAY), receipt_no, web_order_number, card_number,
    refund_total_cents: 1990, lines: [{ ean: null, local_code: 'TEST-001', quantity: 1, refund_cents: 1990, restock: true }],
  });
  const returns = [
    returned(n.returnOfReceipt, n.card, null, CARD),
    returned(n.returnOfWebOrder, null, `W14${FRANCHISES.indexOf(franchise)}4444`, CARD),
    returned(`RX-${store}-3`, n.phone, null, null),
  ];
  const quote: PosQuote = {
    franchise, quote_no: n.quote, store_code: store, seller_code: sellerOf(store), created_at: iso(asOf - 20 * DAY), valid_until: iso(asOf + 20 * DAY),
    status: 'OPEN', web_order_number: null, card_number: CARD, phone: KEYED[franchise], lines: [{ ean: null, local_code: 'TEST-001', quantity: 1, unit_price_cents: 1990 }],
  };
  return { receipts, returns, quotes: [quote] };
}

const belgianStore: Store = { ...generated.estate.pos.stores.find((s) => s.code === storeOf('NRD'))!, code: BELGIAN_STORE, country: 'BE', city: 'Tournai', postcode: '7500' };
const erasureClients: TillClient[] = [
  { franchise: 'OUE', client_id: PERSON_CLIENT, phone: KEYED.OUE, name: 'TESTPERSONNE' },
  { franchise: 'OUE', client_id: NAMED_CLIENT, phone: '07 00 00 00 01', name: 'NOMMEE' },
  { franchise: 'OUE', client_id: OTHER_CLIENT, phone: '06 12 34 56 79', name: 'AUTRE' },
];
const planted = FRANCHISES.map(erasureRecords);

const data: PosData = {
  ...generated.estate.pos,
  stores: [...generated.estate.pos.stores, belgianStore],
  clients: [...generated.estate.pos.clients, ...erasureClients],
  receipts: [...generated.estate.pos.receipts, ...planted.flatMap((p) => p.receipts)],
  returns: [...generated.estate.pos.returns, ...planted.flatMap((p) => p.returns)],
  quotes: [...generated.estate.pos.quotes, ...FRANCHISES.flatMap(testQuotes), ...planted.flatMap((p) => p.quotes)],
};

let pos: RunningPos;
let prefix: string;
let writer: PosWriter;
let client: PosClient;
let sql: pg.Pool;
const readSource = new LegacySource('pos');

/** The store directory as the POS subgraph holds it: read once, on first use. */
let held: HeldDirectory | undefined;
const directory = () => (held ??= new HeldDirectory(client));
/** A fresh request's loaders: the POS subgraph's own read path. */
const loaders = () => createLoaders(client, readSource, directory());
const newWriter = (source = new LegacySource('pos', { retryBaseMs: 5 })) => new PosWriter({ url: pos.url, schemaPrefix: prefix, source, clock: () => new Date(asOf) });

async function refusal(work: Promise<unknown>): Promise<PosWriteRefused> {
  const error = await work.then(
    (value) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(PosWriteRefused);
  return error as PosWriteRefused;
}

beforeAll(async () => {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  prefix = databaseUrl ? `posw_${randomBytes(4).toString('hex')}_` : '';
  pos = await startPos({ data, databaseUrl, schemaPrefix: prefix, seed: 'pos-writer-tests' });
  writer = newWriter();
  client = new PosClient(readSource, { url: pos.url, schemaPrefix: prefix, timeoutMs: 5000 });
  sql = new pg.Pool({ connectionString: pos.url, max: 1 });
}, 120_000);

afterAll(async () => {
  await writer?.close();
  await client?.close();
  await sql?.end();
  await pos?.stop();
  if (process.env.DATABASE_URL && pos) {
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    try {
      await dropPos(pgPoolDatabase(pool), pos.schemas);
    } finally {
      await pool.end();
    }
  }
});

/** Rows as the till keeps them, read with the layout's own names (written out here, not taken from the writer). */
const rows = async (text: string, values: unknown[] = []) => (await sql.query(text.replaceAll('{p}', prefix), values)).rows;

const rawQuote: Record<FranchiseCode, (number: string) => Promise<unknown[]>> = {
  NRD: (n) => rows(`SELECT status, web_order_number AS web FROM {p}franchise_nrd.quotes WHERE quote_no = $1`, [n]),
  SUD: (n) => rows(`SELECT statut AS status, num_commande_web AS web FROM {p}franchise_sud.devis WHERE num_devis = $1`, [n]),
  OUE: (n) => rows(`SELECT state AS status, web_order_ref AS web FROM {p}franchise_oue.quote_header WHERE quote_ref = $1`, [n]),
};
const CONVERTED_ONLINE_CODE: Record<FranchiseCode, string> = { NRD: 'CONVERTED_ONLINE', SUD: 'TRANSFORME_WEB', OUE: 'W' };
const OPEN_CODE: Record<FranchiseCode, string> = { NRD: 'OPEN', SUD: 'EN_COURS', OUE: 'O' };

/** A return's header and lines as stored: time as text in the database's own rendering, money as stored. */
const rawReturn: Record<FranchiseCode, (number: string) => Promise<{ header: unknown[]; lines: unknown[] }>> = {
  NRD: async (n) => ({
    header: await rows(
      `SELECT store_code AS store, seller_code AS seller, to_char(returned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS at_utc,
        receipt_no AS receipt, web_order_number AS web, card_number AS card, refund_total_cents AS total
       FROM {p}franchise_nrd.returns WHERE return_no = $1`,
      [n],
    ),
    lines: await rows(`SELECT line_no AS n, ean, local_code AS code, quantity AS qty, refund_cents AS refund, restock FROM {p}franchise_nrd.return_lines WHERE return_no = $1 ORDER BY 1`, [n]),
  }),
  SUD: async (n) => ({
    header: await rows(
      `SELECT code_magasin AS store, code_vendeur AS seller, date_retour::text AS local_time,
        num_ticket AS receipt, num_commande_web AS web, carte_fidelite AS card, montant_rembourse::text AS total
       FROM {p}franchise_sud.retours WHERE num_retour = $1`,
      [n],
    ),
    lines: await rows(
      `SELECT num_ligne AS n, ean, code_local AS code, quantite AS qty, montant_rembourse::text AS refund, remise_en_stock AS restock FROM {p}franchise_sud.lignes_retour WHERE num_retour = $1 ORDER BY 1`,
      [n],
    ),
  }),
  OUE: async (n) => ({
    header: await rows(
      `SELECT shop_code AS store, staff_code AS seller, to_char(refund_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS at_utc,
        sale_ref AS receipt, web_order_ref AS web, loyalty_card AS card, amount_cents AS total
       FROM {p}franchise_oue.refund_header WHERE refund_ref = $1`,
      [n],
    ),
    lines: await rows(`SELECT seq AS n, ean, item_code AS code, qty, amount_cents AS refund, back_to_stock AS restock FROM {p}franchise_oue.refund_line WHERE refund_ref = $1 ORDER BY 1`, [n]),
  }),
};

/** The next return number of a store, from the estate's own returns: `R-<store>-` and six digits, one sequence per store. */
function nextReturnNumber(store: string, alsoTaken: string[] = []): string {
  const pattern = new RegExp(`^R-${store}-(\\d+)$`);
  const taken = [...generated.estate.pos.returns.map((r) => r.return_no), ...alsoTaken].map((n) => pattern.exec(n)?.[1]).filter((s): s is string => s !== undefined);
  return `R-${store}-${String(Math.max(0, ...taken.map(Number)) + 1).padStart(6, '0')}`;
}

describe.each(FRANCHISES)('PosWriter on franchise %s', (franchise) => {
  const store = storeOf(franchise);
  const seller = sellerOf(store);
  const quoteNo = (n: number) => `Q-${store}-90000${n}`;
  const recorded: string[] = [];

  test('marks an open quote converted online with its web order, in the layout’s own codes; the same again is ALREADY_MARKED', async () => {
    const webOrder = `W18${FRANCHISES.indexOf(franchise)}0001`;
    expect(await writer.markQuoteConvertedOnline({ quoteNumber: quoteNo(1), webOrderNumber: webOrder })).toEqual({ outcome: 'MARKED', franchise, storeCode: store });
    expect(await rawQuote[franchise](quoteNo(1))).toEqual([{ status: CONVERTED_ONLINE_CODE[franchise], web: webOrder }]);
    expect(await loaders().quote.load(quoteNo(1))).toMatchObject({ number: quoteNo(1), franchise, status: 'CONVERTED_ONLINE' });

    expect(await writer.markQuoteConvertedOnline({ quoteNumber: quoteNo(1), webOrderNumber: webOrder })).toEqual({ outcome: 'ALREADY_MARKED', franchise, storeCode: store });
    const elsewhere = await refusal(writer.markQuoteConvertedOnline({ quoteNumber: quoteNo(1), webOrderNumber: 'W1777777' }));
    expect(elsewhere).toMatchObject({ code: 'QUOTE_CONVERTED_ELSEWHERE', details: { quoteNumber: quoteNo(1), webOrderNumber: webOrder } });
    expect(elsewhere.message).toContain(webOrder);
    expect(await rawQuote[franchise](quoteNo(1))).toEqual([{ status: CONVERTED_ONLINE_CODE[franchise], web: webOrder }]);
  });

  test('the same mark sent several times at once marks the quote once', async () => {
    const webOrder = `W17${FRANCHISES.indexOf(franchise)}0006`;
    const mark = () => writer.markQuoteConvertedOnline({ quoteNumber: quoteNo(6), webOrderNumber: webOrder });
    const results = await Promise.all([mark(), mark(), mark(), mark()]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['ALREADY_MARKED', 'ALREADY_MARKED', 'ALREADY_MARKED', 'MARKED']);
    expect(await rawQuote[franchise](quoteNo(6))).toEqual([{ status: CONVERTED_ONLINE_CODE[franchise], web: webOrder }]);
  });

  test('refuses a quote that is unknown, expired, finished in store or by another web order, and writes nothing', async () => {
    const mark = (quoteNumber: string, webOrderNumber = 'W1888888') => refusal(writer.markQuoteConvertedOnline({ quoteNumber, webOrderNumber }));
    expect(await mark(`Q-${store}-999999`)).toMatchObject({ code: 'QUOTE_NOT_FOUND', details: { quoteNumber: `Q-${store}-999999` } });
    expect(await mark(`Q-XYZ${franchise}-000001`)).toMatchObject({ code: 'QUOTE_NOT_FOUND' });

    const expired = await mark(quoteNo(2));
    expect(expired).toMatchObject({ code: 'QUOTE_EXPIRED', details: { quoteNumber: quoteNo(2), validUntil: iso(asOf - 30 * MINUTE), at: iso(asOf) } });
    expect(await rawQuote[franchise](quoteNo(2))).toEqual([{ status: OPEN_CODE[franchise], web: null }]);

    expect(await mark(quoteNo(3))).toMatchObject({ code: 'QUOTE_NOT_OPEN', details: { quoteNumber: quoteNo(3), status: 'CONVERTED_IN_STORE' } });
    expect(await mark(quoteNo(4))).toMatchObject({ code: 'QUOTE_NOT_OPEN', details: { quoteNumber: quoteNo(4), status: 'EXPIRED' } });

    // Finished online by the web order the estate recorded (loaded into the layout's column).
    const loaded = `W19${FRANCHISES.indexOf(franchise)}0005`;
    expect(await mark(quoteNo(5))).toMatchObject({ code: 'QUOTE_CONVERTED_ELSEWHERE', details: { webOrderNumber: loaded } });
    expect(await writer.markQuoteConvertedOnline({ quoteNumber: quoteNo(5), webOrderNumber: loaded })).toEqual({ outcome: 'ALREADY_MARKED', franchise, storeCode: store });
  });

  test('records a return of a web order in the layout’s units, clock and flags, numbered in the store’s sequence; read back by the POS subgraph', async () => {
    const webOrder = webOrderFor(franchise);
    const input: RecordReturnInput = {
      storeCode: store,
      sellerCode: seller,
      returnedAt: '2026-10-30T15:45:12.345Z',
      webOrderNumber: webOrder,
      cardNumber: null,
      lines: [
        { ean: '3614270012341', quantity: 2, refundCents: 2599, restock: true },
        { localCode: `LOC-${franchise}-7`, quantity: 1, refundCents: 5, restock: false },
      ],
    };
    const expectedNumber = nextReturnNumber(store);
    expect(await writer.recordReturn(input)).toEqual({ outcome: 'RECORDED', returnNumber: expectedNumber, franchise });
    recorded.push(expectedNumber);

    const stored = await rawReturn[franchise](expectedNumber);
    if (franchise === 'SUD') {
      // Paris wall-clock time (UTC+1 on 30 October 2026), euros, 'O'/'N'.
      expect(stored).toEqual({
        header: [{ store, seller, local_time: '2026-10-30 16:45:12.345', receipt: null, web: webOrder, card: null, total: '26.04' }],
        lines: [
          { n: 1, ean: '3614270012341', code: null, qty: 2, refund: '25.99', restock: 'O' },
          { n: 2, ean: null, code: 'LOC-SUD-7', qty: 1, refund: '0.05', restock: 'N' },
        ],
      });
    } else {
      expect(stored).toEqual({
        header: [{ store, seller, at_utc: '2026-10-30 15:45:12.345', receipt: null, web: webOrder, card: null, total: 2604 }],
        lines: [
          { n: 1, ean: '3614270012341', code: null, qty: 2, refund: 2599, restock: true },
          { n: 2, ean: null, code: `LOC-${franchise}-7`, qty: 1, refund: 5, restock: false },
        ],
      });
    }

    const read = loaders();
    const expected = {
      number: expectedNumber,
      franchise,
      storeCode: store,
      seller: { code: seller },
      returnedAt: '2026-10-30T15:45:12.345Z',
      receiptNumber: null,
      webOrderNumber: webOrder,
      refund: { amount: 2604, currency: 'EUR' },
      lines: [
        { lineNumber: 1, localCode: null, quantity: 2, refund: { amount: 2599, currency: 'EUR' }, restock: true },
        { lineNumber: 2, localCode: `LOC-${franchise}-7`, quantity: 1, refund: { amount: 5, currency: 'EUR' }, restock: false },
      ],
    };
    expect(await read.storeReturn.load(expectedNumber)).toMatchObject(expected);
    expect(await read.returnsOfWebOrder.load(webOrder)).toEqual([expect.objectContaining({ number: expectedNumber, franchise })]);

    // The same intent again (a retry after a lost answer): found, nothing written twice.
    expect(await writer.recordReturn(input)).toEqual({ outcome: 'ALREADY_RECORDED', returnNumber: expectedNumber, franchise });
    expect(await loaders().returnsOfWebOrder.load(webOrder)).toHaveLength(1);
  });

  test('records a return of a receipt of another franchise, in the store’s franchise, against that receipt', async () => {
    const other = FRANCHISES[(FRANCHISES.indexOf(franchise) + 1) % FRANCHISES.length]!;
    const receipt = generated.estate.pos.receipts.find((r) => r.franchise === other && r.card_number !== null)!;
    const line = receipt.lines[0]!;
    const result = await writer.recordReturn({
      storeCode: store,
      sellerCode: seller,
      returnedAt: iso(asOf - 2 * DAY),
      receiptNumber: receipt.receipt_no,
      cardNumber: receipt.card_number,
      lines: [{ ean: line.ean, localCode: line.local_code, quantity: 1, refundCents: line.unit_price_cents, restock: true }],
    });
    const expectedNumber = nextReturnNumber(store, recorded);
    expect(result).toEqual({ outcome: 'RECORDED', returnNumber: expectedNumber, franchise });
    recorded.push(expectedNumber);

    const returns = await loaders().returnsOfReceipt.load(receipt.receipt_no);
    const ours = returns.find((r) => r.number === expectedNumber);
    expect(ours).toMatchObject({ franchise, storeCode: store, receiptNumber: receipt.receipt_no, webOrderNumber: null, cardNumber: receipt.card_number, refund: { amount: line.unit_price_cents } });
    // The receipt itself is in its own franchise's tills, not in this one's.
    expect(await loaders().sale.load(receipt.receipt_no)).toMatchObject({ franchise: other });
  });

  test('two returns at one store at once take two numbers', async () => {
    const returnAt = (minutes: number): RecordReturnInput => ({
      storeCode: store,
      sellerCode: seller,
      returnedAt: iso(asOf - DAY + minutes * MINUTE),
      webOrderNumber: webOrderFor(franchise),
      lines: [{ localCode: 'TEST-001', quantity: 1, refundCents: 1990, restock: true }],
    });
    const results = await Promise.all([writer.recordReturn(returnAt(1)), writer.recordReturn(returnAt(2)), writer.recordReturn(returnAt(3))]);
    expect(results.map((r) => r.outcome)).toEqual(['RECORDED', 'RECORDED', 'RECORDED']);
    const numbers = results.map((r) => r.returnNumber).sort();
    const first = nextReturnNumber(store, recorded);
    recorded.push(...numbers);
    expect(numbers).toEqual([first, nextReturnNumber(store, [...recorded.slice(0, -3), first]), nextReturnNumber(store, recorded.slice(0, -1))]);
    expect(new Set(numbers).size).toBe(3);
  });

  test('the same return sent several times at once is recorded once', async () => {
    const webOrder = `W16${FRANCHISES.indexOf(franchise)}6666`;
    const input: RecordReturnInput = {
      storeCode: store,
      sellerCode: seller,
      returnedAt: iso(asOf - 3 * DAY),
      webOrderNumber: webOrder,
      lines: [{ ean: '3614270012341', quantity: 1, refundCents: 4990, restock: false }],
    };
    const results = await Promise.all([writer.recordReturn(input), writer.recordReturn(input), writer.recordReturn(input), writer.recordReturn(input)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['ALREADY_RECORDED', 'ALREADY_RECORDED', 'ALREADY_RECORDED', 'RECORDED']);
    expect(new Set(results.map((r) => r.returnNumber))).toEqual(new Set([nextReturnNumber(store, recorded)]));
    const found = await loaders().returnsOfWebOrder.load(webOrder);
    expect(found.map((r) => r.number)).toEqual([results[0]!.returnNumber]);
    expect(found[0]!.lines).toHaveLength(1);
  });

  test('refuses a store the directory does not know and a seller of another store', async () => {
    const webOrder = `W15${FRANCHISES.indexOf(franchise)}5555`;
    const base: RecordReturnInput = { storeCode: store, sellerCode: seller, returnedAt: iso(asOf), webOrderNumber: webOrder, lines: [{ localCode: 'X', quantity: 1, refundCents: 1, restock: true }] };
    expect(await refusal(writer.recordReturn({ ...base, storeCode: `${franchise}99` }))).toMatchObject({ code: 'STORE_NOT_FOUND', details: { storeCode: `${franchise}99` } });
    expect(await refusal(writer.recordReturn({ ...base, sellerCode: 'NOBODY' }))).toMatchObject({ code: 'SELLER_NOT_FOUND', details: { storeCode: store, sellerCode: 'NOBODY' } });
    expect(await loaders().returnsOfWebOrder.load(webOrder)).toEqual([]);
  });
});

describe('PosWriter, whatever the layout', () => {
  test('each quote the generator finished online is already marked with its web order', async () => {
    const finished = generated.estate.pos.quotes.filter((q) => q.web_order_number !== null);
    expect(finished.length).toBeGreaterThan(0);
    for (const quote of finished) {
      await expect(writer.markQuoteConvertedOnline({ quoteNumber: quote.quote_no, webOrderNumber: quote.web_order_number! })).resolves.toEqual({
        outcome: 'ALREADY_MARKED',
        franchise: quote.franchise,
        storeCode: quote.store_code,
      });
    }
  });

  test('refuses malformed input before asking the tills, naming the field', async () => {
    const good: RecordReturnInput = {
      storeCode: storeOf('NRD'),
      sellerCode: sellerOf(storeOf('NRD')),
      returnedAt: '2026-10-30T10:00:00Z',
      receiptNumber: 'NRD01-0000001',
      lines: [{ ean: '3614270012341', quantity: 1, refundCents: 100, restock: true }],
    };
    const line = good.lines[0]!;
    const cases: Array<[Partial<RecordReturnInput> & Record<string, unknown>, string]> = [
      [{ webOrderNumber: 'W1000001' }, 'receiptNumber'],
      [{ receiptNumber: null }, 'receiptNumber'],
      [{ returnedAt: '2026-10-30 10:00:00' }, 'returnedAt'],
      [{ returnedAt: '2026-10-30' }, 'returnedAt'],
      [{ storeCode: ' NRD01' }, 'storeCode'],
      [{ sellerCode: '' }, 'sellerCode'],
      [{ lines: [] }, 'lines'],
      [{ lines: [{ ...line, quantity: 0 }] }, 'lines[0].quantity'],
      [{ lines: [line, { ...line, refundCents: -1 }] }, 'lines[1].refundCents'],
      [{ lines: [{ ...line, refundCents: 12.5 }] }, 'lines[0].refundCents'],
      [{ lines: [{ ...line, restock: 'yes' as unknown as boolean }] }, 'lines[0].restock'],
      [{ lines: [{ ...line, localCode: 'L1' }] }, 'lines[0].ean'],
      [{ lines: [{ quantity: 1, refundCents: 1, restock: true }] }, 'lines[0].ean'],
      [{ lines: [{ ...line, refundCents: 2_000_000_000 }, { ...line, refundCents: 2_000_000_000 }] }, 'lines'],
    ];
    const before = pos.counter.snapshot().total;
    for (const [patch, field] of cases) {
      const refused = await refusal(writer.recordReturn({ ...good, ...patch } as RecordReturnInput));
      expect({ code: refused.code, field: refused.details.field }).toEqual({ code: 'INVALID_RETURN', field });
    }
    const mark = await refusal(writer.markQuoteConvertedOnline({ quoteNumber: 'Q-NRD01-000001', webOrderNumber: '' }));
    expect(mark).toMatchObject({ code: 'INVALID_QUOTE_MARK', details: { field: 'webOrderNumber', value: '' } });
    expect(pos.counter.snapshot().total).toBe(before);
  });

  test('a refusal is not an outage: not retried, and the breaker stays closed', async () => {
    const source = new LegacySource('pos', { breaker: { failureThreshold: 2 } });
    const own = newWriter(source);
    try {
      for (let i = 0; i < 3; i++) {
        const before = pos.counter.snapshot().byOperation;
        expect(await refusal(own.markQuoteConvertedOnline({ quoteNumber: `Q-${storeOf('SUD')}-900004`, webOrderNumber: 'W1444444' }))).toMatchObject({ code: 'QUOTE_NOT_OPEN' });
        // One transaction: BEGIN, the locking read, ROLLBACK.
        const after = pos.counter.snapshot().byOperation;
        expect((after.begin ?? 0) - (before.begin ?? 0)).toBe(1);
      }
      expect(source.breakerState).toBe('closed');
    } finally {
      await own.close();
    }
  });

  test('a database that fails is a SourceFailure the caller may retry later, never a refusal; nothing is half written', async () => {
    const own = newWriter(new LegacySource('pos', { retries: 1, retryBaseMs: 1 }));
    const input: RecordReturnInput = {
      storeCode: storeOf('OUE'),
      sellerCode: sellerOf(storeOf('OUE')),
      returnedAt: iso(asOf - 4 * DAY),
      webOrderNumber: 'W1333333',
      lines: [{ localCode: 'TEST-001', quantity: 1, refundCents: 990, restock: true }],
    };
    try {
      // The directory is read and kept first, so that the fault falls inside the transaction.
      await refusal(own.recordReturn({ ...input, sellerCode: 'NOBODY' }));
      pos.faults.set({ errorRate: 1 });
      const error = await own.recordReturn(input).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SourceFailure);
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect((error as Error).message).toMatch(/^pos: recordReturn OUE: injected fault/);
    } finally {
      pos.faults.reset();
    }
    expect(await loaders().returnsOfWebOrder.load('W1333333')).toEqual([]);
    try {
      expect(await own.recordReturn(input)).toMatchObject({ outcome: 'RECORDED', franchise: 'OUE' });
    } finally {
      await own.close();
    }
  });
});

describe('PosWriter.eraseCustomer, in every layout', () => {
  /** Receipts as the till keeps them: the card, and the phone (NRD, SUD) or the client id it points at (OUE). */
  const rawReceipts: Record<FranchiseCode, (numbers: string[]) => Promise<unknown[]>> = {
    NRD: (n) => rows(`SELECT receipt_no AS number, card_number AS card, phone FROM {p}franchise_nrd.receipts WHERE receipt_no = ANY($1) ORDER BY 1`, [n]),
    SUD: (n) => rows(`SELECT num_ticket AS number, carte_fidelite AS card, telephone AS phone FROM {p}franchise_sud.tickets WHERE num_ticket = ANY($1) ORDER BY 1`, [n]),
    OUE: (n) => rows(`SELECT sale_ref AS number, loyalty_card AS card, client_id AS phone FROM {p}franchise_oue.sale_header WHERE sale_ref = ANY($1) ORDER BY 1`, [n]),
  };
  const rawQuotes: Record<FranchiseCode, (number: string) => Promise<unknown[]>> = {
    NRD: (n) => rows(`SELECT card_number AS card, phone FROM {p}franchise_nrd.quotes WHERE quote_no = $1`, [n]),
    SUD: (n) => rows(`SELECT carte_fidelite AS card, telephone AS phone FROM {p}franchise_sud.devis WHERE num_devis = $1`, [n]),
    OUE: (n) => rows(`SELECT loyalty_card AS card, client_id AS phone FROM {p}franchise_oue.quote_header WHERE quote_ref = $1`, [n]),
  };
  const rawReturnCards: Record<FranchiseCode, (numbers: string[]) => Promise<unknown[]>> = {
    NRD: (n) => rows(`SELECT return_no AS number, card_number AS card FROM {p}franchise_nrd.returns WHERE return_no = ANY($1) ORDER BY 1`, [n]),
    SUD: (n) => rows(`SELECT num_retour AS number, carte_fidelite AS card FROM {p}franchise_sud.retours WHERE num_retour = ANY($1) ORDER BY 1`, [n]),
    OUE: (n) => rows(`SELECT refund_ref AS number, loyalty_card AS card FROM {p}franchise_oue.refund_header WHERE refund_ref = ANY($1) ORDER BY 1`, [n]),
  };
  const rawClients = () => rows(`SELECT client_id AS id, telephone AS phone, nom AS name FROM {p}franchise_oue.clients WHERE client_id = ANY($1) ORDER BY 1`, [[PERSON_CLIENT, NAMED_CLIENT, OTHER_CLIENT]]);
  const begins = () => pos.counter.snapshot().byOperation.begin ?? 0;

  test('clears the person’s card and phone on receipts, returns and quotes, each layout as its till keeps them, one transaction per franchise', async () => {
    const before = begins();
    const erased = await writer.eraseCustomer({ cardNumbers: [CARD], phones: [PHONE] });
    expect(begins() - before).toBe(3);
    const at = iso(asOf);
    expect(erased).toEqual([
      { franchise: 'NRD', receipts: 2, returns: 2, quotes: 1, clients: 0, erasedAt: at },
      { franchise: 'OUE', receipts: 2, returns: 2, quotes: 1, clients: 1, erasedAt: at },
      { franchise: 'SUD', receipts: 2, returns: 2, quotes: 1, clients: 0, erasedAt: at },
    ]);
    for (const franchise of FRANCHISES) {
      const n = erasureNumbers(franchise);
      const other = franchise === 'OUE' ? OTHER_CLIENT : '06 12 34 56 79';
      expect(await rawReceipts[franchise]([n.card, n.phone, n.other])).toEqual([
        { number: n.card, card: null, phone: null },
        { number: n.phone, card: null, phone: null },
        { number: n.other, card: OTHER_CARD, phone: other },
      ]);
      expect(await rawQuotes[franchise](n.quote)).toEqual([{ card: null, phone: null }]);
      expect(await rawReturnCards[franchise]([n.returnOfReceipt, n.returnOfWebOrder])).toEqual([
        { number: n.returnOfReceipt, card: null },
        { number: n.returnOfWebOrder, card: null },
      ]);
    }
    // OUE's client is blanked (its phone column takes no null); the others are as they were.
    expect(await rawClients()).toEqual([
      { id: PERSON_CLIENT, phone: '', name: null },
      { id: NAMED_CLIENT, phone: '07 00 00 00 01', name: 'NOMMEE' },
      { id: OTHER_CLIENT, phone: '06 12 34 56 79', name: 'AUTRE' },
    ]);
    // The same digits at the Belgian store are another number there, and stay.
    expect(await rawReceipts.NRD([`${BELGIAN_STORE}-9900001`])).toEqual([{ number: `${BELGIAN_STORE}-9900001`, card: null, phone: '06 12 34 56 78' }]);
  });

  test('the POS subgraph no longer finds the person by card or phone, while the receipts, returns and quotes themselves stay', async () => {
    const read = loaders();
    expect(await read.salesFor.load(`card:${CARD}`)).toEqual([]);
    expect(await read.salesFor.load(`phone:${PHONE}`)).toEqual([]);
    expect(await read.returnsFor.load(`card:${CARD}`)).toEqual([]);
    expect(await read.quotesFor.load(`phone:${PHONE}`)).toEqual([]);
    expect(await read.salesFor.load(`client:${PERSON_CLIENT}@OUE`)).toEqual([]);
    for (const franchise of FRANCHISES) {
      const n = erasureNumbers(franchise);
      expect(await read.sale.load(n.phone)).toMatchObject({ number: n.phone, franchise, cardNumber: null, phone: null, total: { amount: 1990 } });
      expect(await read.quote.load(n.quote)).toMatchObject({ number: n.quote, status: 'OPEN', holder: { cards: [], phone: null } });
      const [ofReceipt] = await read.returnsOfReceipt.load(n.phone);
      expect(ofReceipt).toMatchObject({ number: `RX-${storeOf(franchise)}-3`, holder: { phone: null } });
    }
    expect((await read.salesFor.load('phone:+33612345679')).map((sale) => sale.number).sort()).toEqual(FRANCHISES.map((f) => erasureNumbers(f).other).sort());
    expect((await read.salesFor.load('phone:+32612345678')).map((sale) => sale.number)).toEqual([`${BELGIAN_STORE}-9900001`]);
  });

  test('a repeat finds nothing left: zero everywhere, nothing written', async () => {
    const erased = await writer.eraseCustomer({ cardNumbers: [CARD], phones: [PHONE] });
    expect(erased.map(({ franchise, receipts, returns, quotes, clients }) => ({ franchise, receipts, returns, quotes, clients }))).toEqual(
      ['NRD', 'OUE', 'SUD'].map((franchise) => ({ franchise, receipts: 0, returns: 0, quotes: 0, clients: 0 })),
    );
  });

  test('in one franchise, a client named by id is blanked and its receipts detached, whatever phone it holds', async () => {
    const before = begins();
    const erased = await writer.eraseCustomer({ franchise: 'OUE', cardNumbers: [], phones: [], clientIds: [{ franchise: 'OUE', clientId: NAMED_CLIENT }] });
    expect(erased).toEqual([{ franchise: 'OUE', receipts: 1, returns: 0, quotes: 0, clients: 1, erasedAt: iso(asOf) }]);
    expect(begins() - before).toBe(1);
    expect(await rawReceipts.OUE([erasureNumbers('OUE').named])).toEqual([{ number: erasureNumbers('OUE').named, card: null, phone: null }]);
    expect((await rawClients()).find((row) => (row as { id: number }).id === NAMED_CLIENT)).toEqual({ id: NAMED_CLIENT, phone: '', name: null });
  });

  test('forgets the POS subgraph’s cached receipt and the cached lists of the person’s card', async () => {
    const cached = new LegacySource('pos', { cache: createCache(`pos-writer-erasure-${randomBytes(4).toString('hex')}`), retryBaseMs: 5 });
    const own = newWriter(cached);
    const read = () => createLoaders(client, cached, directory());
    const number = `${storeOf('NRD')}-9900009`;
    try {
      expect(await read().sale.load(number)).toMatchObject({ cardNumber: CACHED_CARD });
      expect(await read().salesFor.load(`card:${CACHED_CARD}`)).toHaveLength(1);
      // Served from the cache from now on: the tills are not asked again.
      const asked = pos.counter.snapshot().total;
      expect(await read().sale.load(number)).toMatchObject({ cardNumber: CACHED_CARD });
      expect(await read().salesFor.load(`card:${CACHED_CARD}`)).toHaveLength(1);
      expect(pos.counter.snapshot().total).toBe(asked);

      expect(await own.eraseCustomer({ franchise: 'NRD', cardNumbers: [CACHED_CARD], phones: [] })).toMatchObject([{ franchise: 'NRD', receipts: 1 }]);
      expect(await read().sale.load(number)).toMatchObject({ cardNumber: null });
      expect(await read().salesFor.load(`card:${CACHED_CARD}`)).toEqual([]);
    } finally {
      await own.close();
    }
  });

  test('refuses malformed input before asking the tills, and a franchise or client table the directory does not have', async () => {
    const asked = pos.counter.snapshot().total;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ cardNumbers: [], phones: ['0612345678'] }, 'phones[0]'],
      [{ cardNumbers: [], phones: ['+33 6 12 34 56 78'] }, 'phones[0]'],
      [{ cardNumbers: [' 2990000012345'], phones: [] }, 'cardNumbers[0]'],
      [{ cardNumbers: [], phones: [] }, 'cardNumbers'],
      [{ phones: [PHONE] }, 'cardNumbers'],
      [{ cardNumbers: [], phones: [], clientIds: [{ franchise: 'OUE', clientId: 0 }] }, 'clientIds[0].clientId'],
      [{ franchise: 'OUE', cardNumbers: [], phones: [], clientIds: [{ franchise: 'NRD', clientId: 1 }] }, 'clientIds[0].franchise'],
      [{ franchise: ' OUE', cardNumbers: [CARD], phones: [] }, 'franchise'],
    ];
    for (const [input, field] of cases) {
      const refused = await refusal(writer.eraseCustomer(input as never));
      expect({ code: refused.code, field: refused.details.field }).toEqual({ code: 'INVALID_ERASURE', field });
    }
    expect(pos.counter.snapshot().total).toBe(asked);

    expect(await refusal(writer.eraseCustomer({ franchise: 'XYZ', cardNumbers: [CARD], phones: [] }))).toMatchObject({
      code: 'FRANCHISE_NOT_FOUND',
      details: { field: 'franchise', franchise: 'XYZ' },
    });
    expect(await refusal(writer.eraseCustomer({ cardNumbers: [], phones: [], clientIds: [{ franchise: 'NRD', clientId: 1 }] }))).toMatchObject({
      code: 'INVALID_ERASURE',
      details: { field: 'clientIds[0].franchise', value: 'NRD' },
    });
  });
});
