import { selectWhereAny, type LayoutMapper, type LayoutQueries, type PosLayout, type Row } from '../layout.js';
import {
  cards,
  cents,
  centsPromotion,
  gtin14Of,
  instant,
  integer,
  itemCode,
  jsonRows,
  optionalInteger,
  optionalText,
  orderLine,
  phoneOf,
  POS_CURRENCY,
  promotionValue,
  required,
  seller,
  sumOfLines,
} from '../mapping.js';
import type { QuoteStatus } from '../records.js';

const stripped = (column: string): string => `regexp_replace(${column}, '[^0-9+]', '', 'g')`;

/** Clients whose phone is one of `param`: the till files a phone, sales and quotes point at it. */
const clientsByPhone = (s: string, param: string) => `SELECT client_id FROM ${s}.clients WHERE ${stripped('telephone')} = ANY(${param}::text[])`;

const SALE = (s: string) => /* SQL */ `
  SELECT h.sale_ref, h.shop_code, h.staff_code, st.staff_name, h.sale_ts, h.loyalty_card, h.client_id, c.telephone,
         h.currency_code, h.amount_cents,
         COALESCE((SELECT json_agg(l ORDER BY l.seq) FROM ${s}.sale_line l WHERE l.sale_ref = h.sale_ref), '[]') AS lines
    FROM ${s}.sale_header h
    LEFT JOIN ${s}.staff st ON st.shop_code = h.shop_code AND st.staff_code = h.staff_code
    LEFT JOIN ${s}.clients c ON c.client_id = h.client_id`;

const REFUND = (s: string) => /* SQL */ `
  SELECT r.refund_ref, r.shop_code, r.staff_code, st.staff_name, r.refund_ts, r.sale_ref, r.web_order_ref,
         r.loyalty_card, r.amount_cents,
         h.currency_code AS sale_currency_code, h.loyalty_card AS sale_loyalty_card, h.client_id AS sale_client_id,
         c.telephone AS sale_telephone,
         COALESCE((SELECT json_agg(l ORDER BY l.seq) FROM ${s}.refund_line l WHERE l.refund_ref = r.refund_ref), '[]') AS lines
    FROM ${s}.refund_header r
    LEFT JOIN ${s}.staff st ON st.shop_code = r.shop_code AND st.staff_code = r.staff_code
    LEFT JOIN ${s}.sale_header h ON h.sale_ref = r.sale_ref
    LEFT JOIN ${s}.clients c ON c.client_id = h.client_id`;

const QUOTE = (s: string) => /* SQL */ `
  SELECT q.quote_ref, q.shop_code, q.staff_code, st.staff_name, q.created_ts, q.expires_ts, q.state, q.loyalty_card,
         q.client_id, c.telephone,
         COALESCE((SELECT json_agg(l ORDER BY l.seq) FROM ${s}.quote_line l WHERE l.quote_ref = q.quote_ref), '[]') AS lines
    FROM ${s}.quote_header q
    LEFT JOIN ${s}.staff st ON st.shop_code = q.shop_code AND st.staff_code = q.staff_code
    LEFT JOIN ${s}.clients c ON c.client_id = q.client_id`;

const OFFER = `o.offer_id, o.shop_code, o.title, o.offer_type, o.offer_value, o.start_ts, o.end_ts`;

const queries: LayoutQueries = {
  salesByNumber: (s, numbers) => ({ text: `${SALE(s)} WHERE h.sale_ref = ANY($1::text[])`, values: [numbers] }),
  salesFor: (s, f) =>
    selectWhereAny(SALE(s), [
      { values: f.cards, condition: (p) => `h.loyalty_card = ANY(${p}::text[])` },
      { values: f.phones, condition: (p) => `h.client_id IN (${clientsByPhone(s, p)})` },
      { values: f.clientIds, condition: (p) => `h.client_id = ANY(${p}::int[])` },
    ]),
  returnsFor: (s, f) =>
    selectWhereAny(REFUND(s), [
      { values: f.cards, condition: (p) => `r.loyalty_card = ANY(${p}::text[]) OR h.loyalty_card = ANY(${p}::text[])` },
      { values: f.phones, condition: (p) => `h.client_id IN (${clientsByPhone(s, p)})` },
      { values: f.clientIds, condition: (p) => `h.client_id = ANY(${p}::int[])` },
    ]),
  quotesByNumber: (s, numbers) => ({ text: `${QUOTE(s)} WHERE q.quote_ref = ANY($1::text[])`, values: [numbers] }),
  quotesFor: (s, f) =>
    selectWhereAny(QUOTE(s), [
      { values: f.cards, condition: (p) => `q.loyalty_card = ANY(${p}::text[])` },
      { values: f.phones, condition: (p) => `q.client_id IN (${clientsByPhone(s, p)})` },
      { values: f.clientIds, condition: (p) => `q.client_id = ANY(${p}::int[])` },
    ]),
  stock: (s, eans, stores) => ({
    text: /* SQL */ `SELECT shop_code, ean, qty_on_hand, last_update FROM ${s}.stock_level
      WHERE ean = ANY($1::text[]) AND ($2::text[] IS NULL OR shop_code = ANY($2::text[]))`,
    values: [eans, stores],
  }),
  prices: (s, eans, stores) => ({
    text: /* SQL */ `SELECT shop_code, ean, unit_cents, valid_from, valid_to FROM ${s}.price_list
      WHERE ean = ANY($1::text[]) AND ($2::text[] IS NULL OR shop_code = ANY($2::text[]))`,
    values: [eans, stores],
  }),
  promotionsForItems: (s, eans, stores) => ({
    text: /* SQL */ `SELECT ${OFFER}, i.ean FROM ${s}.offer o JOIN ${s}.offer_item i ON i.offer_id = o.offer_id
      WHERE i.ean = ANY($1::text[]) AND ($2::text[] IS NULL OR o.shop_code IS NULL OR o.shop_code = ANY($2::text[]))`,
    values: [eans, stores],
  }),
  promotionsForStores: (s, stores) => ({
    text: /* SQL */ `SELECT ${OFFER}, NULL::text AS ean FROM ${s}.offer o
      WHERE o.shop_code IS NULL OR o.shop_code = ANY($1::text[])`,
    values: [stores],
  }),
};

interface SaleLineRow {
  seq: number;
  ean: string | null;
  item_code: string | null;
  description: string;
  qty: number;
  unit_cents: number;
  discount_cents: number;
}

interface RefundLineRow {
  seq: number;
  ean: string | null;
  item_code: string | null;
  qty: number;
  amount_cents: number;
  back_to_stock: boolean;
}

interface QuoteLineRow {
  seq: number;
  ean: string | null;
  item_code: string | null;
  qty: number;
  unit_cents: number;
}

const STATE: Readonly<Record<string, QuoteStatus>> = {
  O: 'OPEN',
  S: 'CONVERTED_IN_STORE',
  W: 'CONVERTED_ONLINE',
  X: 'EXPIRED',
};

const mapper: LayoutMapper = {
  sale(row: Row, { franchise, directory }) {
    const storeCode = required(row.shop_code, 'sale_header.shop_code');
    const currency = required(row.currency_code, 'sale_header.currency_code');
    const number = required(row.sale_ref, 'sale_header.sale_ref');
    const phone = phoneOf(row.telephone, directory.countryOf(storeCode));
    const cardNumber = optionalText(row.loyalty_card);
    return {
      id: number,
      number,
      channel: 'STORE',
      franchise: franchise.code,
      storeCode,
      seller: seller(row.staff_code, row.staff_name),
      placedAt: instant(row.sale_ts, 'sale_header.sale_ts'),
      total: cents(row.amount_cents, currency),
      cardNumber,
      phone,
      lines: jsonRows<SaleLineRow>(row.lines, 'sale_line').map((l) =>
        orderLine(
          { lineNumber: integer(l.seq, 'sale_line.seq'), ean: l.ean, localCode: l.item_code, label: l.description, quantity: l.qty },
          cents(l.unit_cents, currency),
          cents(l.discount_cents, currency),
        ),
      ),
      holder: { cards: cards(cardNumber), phone, clientId: optionalInteger(row.client_id, 'sale_header.client_id') },
    };
  },

  storeReturn(row, { franchise, directory }) {
    const storeCode = required(row.shop_code, 'refund_header.shop_code');
    const currency = optionalText(row.sale_currency_code) ?? POS_CURRENCY;
    return {
      number: required(row.refund_ref, 'refund_header.refund_ref'),
      franchise: franchise.code,
      storeCode,
      seller: seller(row.staff_code, row.staff_name),
      returnedAt: instant(row.refund_ts, 'refund_header.refund_ts'),
      receiptNumber: optionalText(row.sale_ref),
      webOrderNumber: optionalText(row.web_order_ref),
      cardNumber: optionalText(row.loyalty_card),
      refund: cents(row.amount_cents, currency),
      lines: jsonRows<RefundLineRow>(row.lines, 'refund_line').map((l) => ({
        lineNumber: integer(l.seq, 'refund_line.seq'),
        ...itemCode(l.ean, l.item_code),
        quantity: integer(l.qty, 'refund_line.qty'),
        refund: cents(l.amount_cents, currency),
        restock: l.back_to_stock === true,
      })),
      holder: {
        cards: cards(row.loyalty_card, row.sale_loyalty_card),
        phone: phoneOf(row.sale_telephone, directory.countryOf(storeCode)),
        clientId: optionalInteger(row.sale_client_id, 'sale_header.client_id'),
      },
    };
  },

  quote(row, { franchise, directory }) {
    const storeCode = required(row.shop_code, 'quote_header.shop_code');
    const status = STATE[required(row.state, 'quote_header.state')];
    if (!status) throw new RangeError(`quote_header.state: unknown state ${JSON.stringify(row.state)}`);
    const phone = phoneOf(row.telephone, directory.countryOf(storeCode));
    const cardNumber = optionalText(row.loyalty_card);
    const lines = jsonRows<QuoteLineRow>(row.lines, 'quote_line').map((l) =>
      orderLine(
        { lineNumber: integer(l.seq, 'quote_line.seq'), ean: l.ean, localCode: l.item_code, label: null, quantity: l.qty },
        cents(l.unit_cents, POS_CURRENCY),
        null,
      ),
    );
    return {
      number: required(row.quote_ref, 'quote_header.quote_ref'),
      franchise: franchise.code,
      storeCode,
      seller: seller(row.staff_code, row.staff_name),
      createdAt: instant(row.created_ts, 'quote_header.created_ts'),
      validUntil: instant(row.expires_ts, 'quote_header.expires_ts'),
      status,
      cardNumber,
      phone,
      lines,
      total: sumOfLines(lines, POS_CURRENCY),
      holder: { cards: cards(cardNumber), phone, clientId: optionalInteger(row.client_id, 'quote_header.client_id') },
    };
  },

  stock(row) {
    const gtin14 = gtin14Of(row.ean);
    if (gtin14 === null) return null;
    return {
      storeCode: required(row.shop_code, 'stock_level.shop_code'),
      gtin14,
      quantity: integer(row.qty_on_hand, 'stock_level.qty_on_hand'),
      updatedAt: instant(row.last_update, 'stock_level.last_update'),
    };
  },

  price(row) {
    const gtin14 = gtin14Of(row.ean);
    if (gtin14 === null) return null;
    return {
      storeCode: required(row.shop_code, 'price_list.shop_code'),
      gtin14,
      price: cents(row.unit_cents, POS_CURRENCY),
      validFrom: instant(row.valid_from, 'price_list.valid_from'),
      validTo: row.valid_to === null ? null : instant(row.valid_to, 'price_list.valid_to'),
    };
  },

  promotion(row, { franchise }) {
    const id = required(row.offer_id, 'offer.offer_id');
    return {
      promotion: promotionValue({
        franchise: franchise.code,
        id,
        title: row.title,
        ...centsPromotion(required(row.offer_type, 'offer.offer_type'), integer(row.offer_value, 'offer.offer_value')),
        startsAt: instant(row.start_ts, 'offer.start_ts'),
        endsAt: instant(row.end_ts, 'offer.end_ts'),
      }),
      franchise: franchise.code,
      storeCode: optionalText(row.shop_code),
      gtin14: gtin14Of(row.ean),
    };
  },
};

/**
 * OUE's till: a phone-only customer table (`clients`) that sales and quotes reference by
 * `client_id`, the vendor's own names (`sale_header`, `shop_code`, `staff`…), integer cents,
 * `timestamptz`, one-letter quote states.
 */
export const oueClientTable: PosLayout = { name: 'oue_client_table', queries, mapper };
