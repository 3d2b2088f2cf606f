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

/** The till phone with its separators stripped, to compare with {@link phoneVariants}. */
const stripped = (column: string): string => `regexp_replace(${column}, '[^0-9+]', '', 'g')`;

const SALE = (s: string) => /* SQL */ `
  SELECT r.receipt_no, r.store_code, r.seller_code, v.name AS seller_name, r.sold_at, r.card_number, r.phone,
         r.currency, r.total_cents,
         COALESCE((SELECT json_agg(l ORDER BY l.line_no) FROM ${s}.receipt_lines l WHERE l.receipt_no = r.receipt_no), '[]') AS lines
    FROM ${s}.receipts r
    LEFT JOIN ${s}.sellers v ON v.store_code = r.store_code AND v.seller_code = r.seller_code`;

const RETURN = (s: string) => /* SQL */ `
  SELECT t.return_no, t.store_code, t.seller_code, v.name AS seller_name, t.returned_at, t.receipt_no,
         t.web_order_number, t.card_number, t.refund_total_cents,
         r.currency AS receipt_currency, r.card_number AS receipt_card_number, r.phone AS receipt_phone,
         COALESCE((SELECT json_agg(l ORDER BY l.line_no) FROM ${s}.return_lines l WHERE l.return_no = t.return_no), '[]') AS lines
    FROM ${s}.returns t
    LEFT JOIN ${s}.sellers v ON v.store_code = t.store_code AND v.seller_code = t.seller_code
    LEFT JOIN ${s}.receipts r ON r.receipt_no = t.receipt_no`;

const QUOTE = (s: string) => /* SQL */ `
  SELECT q.quote_no, q.store_code, q.seller_code, v.name AS seller_name, q.created_at, q.valid_until, q.status,
         q.card_number, q.phone,
         COALESCE((SELECT json_agg(l ORDER BY l.line_no) FROM ${s}.quote_lines l WHERE l.quote_no = q.quote_no), '[]') AS lines
    FROM ${s}.quotes q
    LEFT JOIN ${s}.sellers v ON v.store_code = q.store_code AND v.seller_code = q.seller_code`;

const PROMOTION = /* SQL */ `p.promo_id, p.store_code, p.label, p.kind, p.value, p.starts_at, p.ends_at`;

const queries: LayoutQueries = {
  salesByNumber: (s, numbers) => ({ text: `${SALE(s)} WHERE r.receipt_no = ANY($1::text[])`, values: [numbers] }),
  salesFor: (s, f) =>
    selectWhereAny(SALE(s), [
      { values: f.cards, condition: (p) => `r.card_number = ANY(${p}::text[])` },
      { values: f.phones, condition: (p) => `${stripped('r.phone')} = ANY(${p}::text[])` },
    ]),
  returnsFor: (s, f) =>
    selectWhereAny(RETURN(s), [
      { values: f.cards, condition: (p) => `t.card_number = ANY(${p}::text[]) OR r.card_number = ANY(${p}::text[])` },
      { values: f.phones, condition: (p) => `${stripped('r.phone')} = ANY(${p}::text[])` },
    ]),
  quotesByNumber: (s, numbers) => ({ text: `${QUOTE(s)} WHERE q.quote_no = ANY($1::text[])`, values: [numbers] }),
  quotesFor: (s, f) =>
    selectWhereAny(QUOTE(s), [
      { values: f.cards, condition: (p) => `q.card_number = ANY(${p}::text[])` },
      { values: f.phones, condition: (p) => `${stripped('q.phone')} = ANY(${p}::text[])` },
    ]),
  stock: (s, eans, stores) => ({
    text: /* SQL */ `SELECT store_code, ean, quantity, updated_at FROM ${s}.stock
      WHERE ean = ANY($1::text[]) AND ($2::text[] IS NULL OR store_code = ANY($2::text[]))`,
    values: [eans, stores],
  }),
  prices: (s, eans, stores) => ({
    text: /* SQL */ `SELECT store_code, ean, price_cents, valid_from, valid_to FROM ${s}.prices
      WHERE ean = ANY($1::text[]) AND ($2::text[] IS NULL OR store_code = ANY($2::text[]))`,
    values: [eans, stores],
  }),
  promotionsForItems: (s, eans, stores) => ({
    text: /* SQL */ `SELECT ${PROMOTION}, i.ean FROM ${s}.promotions p JOIN ${s}.promotion_items i ON i.promo_id = p.promo_id
      WHERE i.ean = ANY($1::text[]) AND ($2::text[] IS NULL OR p.store_code IS NULL OR p.store_code = ANY($2::text[]))`,
    values: [eans, stores],
  }),
  promotionsForStores: (s, stores) => ({
    text: /* SQL */ `SELECT ${PROMOTION}, NULL::text AS ean FROM ${s}.promotions p
      WHERE p.store_code IS NULL OR p.store_code = ANY($1::text[])`,
    values: [stores],
  }),
};

interface ReceiptLineRow {
  line_no: number;
  ean: string | null;
  local_code: string | null;
  label: string;
  quantity: number;
  unit_price_cents: number;
  discount_cents: number;
}

interface ReturnLineRow {
  line_no: number;
  ean: string | null;
  local_code: string | null;
  quantity: number;
  refund_cents: number;
  restock: boolean;
}

interface QuoteLineRow {
  line_no: number;
  ean: string | null;
  local_code: string | null;
  quantity: number;
  unit_price_cents: number;
}

const QUOTE_STATUS: Readonly<Record<string, QuoteStatus>> = {
  OPEN: 'OPEN',
  CONVERTED_IN_STORE: 'CONVERTED_IN_STORE',
  CONVERTED_ONLINE: 'CONVERTED_ONLINE',
  EXPIRED: 'EXPIRED',
};

const mapper: LayoutMapper = {
  sale(row: Row, { franchise, directory }) {
    const storeCode = required(row.store_code, 'receipts.store_code');
    const currency = required(row.currency, 'receipts.currency');
    const number = required(row.receipt_no, 'receipts.receipt_no');
    const phone = phoneOf(row.phone, directory.countryOf(storeCode));
    const cardNumber = optionalText(row.card_number);
    return {
      id: number,
      number,
      channel: 'STORE',
      franchise: franchise.code,
      storeCode,
      seller: seller(row.seller_code, row.seller_name),
      placedAt: instant(row.sold_at, 'receipts.sold_at'),
      total: cents(row.total_cents, currency),
      cardNumber,
      phone,
      lines: jsonRows<ReceiptLineRow>(row.lines, 'receipt_lines').map((l) =>
        orderLine(
          { lineNumber: integer(l.line_no, 'receipt_lines.line_no'), ean: l.ean, localCode: l.local_code, label: l.label, quantity: l.quantity },
          cents(l.unit_price_cents, currency),
          cents(l.discount_cents, currency),
        ),
      ),
      holder: { cards: cards(cardNumber), phone, clientId: null },
    };
  },

  storeReturn(row, { franchise, directory }) {
    const storeCode = required(row.store_code, 'returns.store_code');
    const currency = optionalText(row.receipt_currency) ?? POS_CURRENCY;
    return {
      number: required(row.return_no, 'returns.return_no'),
      franchise: franchise.code,
      storeCode,
      seller: seller(row.seller_code, row.seller_name),
      returnedAt: instant(row.returned_at, 'returns.returned_at'),
      receiptNumber: optionalText(row.receipt_no),
      webOrderNumber: optionalText(row.web_order_number),
      cardNumber: optionalText(row.card_number),
      refund: cents(row.refund_total_cents, currency),
      lines: jsonRows<ReturnLineRow>(row.lines, 'return_lines').map((l) => ({
        lineNumber: integer(l.line_no, 'return_lines.line_no'),
        ...itemCode(l.ean, l.local_code),
        quantity: integer(l.quantity, 'return_lines.quantity'),
        refund: cents(l.refund_cents, currency),
        restock: l.restock === true,
      })),
      holder: {
        cards: cards(row.card_number, row.receipt_card_number),
        // The receipt's phone was keyed in the receipt's store, not necessarily the return's.
        phone: phoneOf(row.receipt_phone, directory.countryOf(storeCode)),
        clientId: null,
      },
    };
  },

  quote(row, { franchise, directory }) {
    const storeCode = required(row.store_code, 'quotes.store_code');
    const status = QUOTE_STATUS[required(row.status, 'quotes.status')];
    if (!status) throw new RangeError(`quotes.status: unknown status ${JSON.stringify(row.status)}`);
    const phone = phoneOf(row.phone, directory.countryOf(storeCode));
    const cardNumber = optionalText(row.card_number);
    const lines = jsonRows<QuoteLineRow>(row.lines, 'quote_lines').map((l) =>
      orderLine(
        { lineNumber: integer(l.line_no, 'quote_lines.line_no'), ean: l.ean, localCode: l.local_code, label: null, quantity: l.quantity },
        cents(l.unit_price_cents, POS_CURRENCY),
        null,
      ),
    );
    return {
      number: required(row.quote_no, 'quotes.quote_no'),
      franchise: franchise.code,
      storeCode,
      seller: seller(row.seller_code, row.seller_name),
      createdAt: instant(row.created_at, 'quotes.created_at'),
      validUntil: instant(row.valid_until, 'quotes.valid_until'),
      status,
      cardNumber,
      phone,
      lines,
      total: sumOfLines(lines, POS_CURRENCY),
      holder: { cards: cards(cardNumber), phone, clientId: null },
    };
  },

  stock(row) {
    const gtin14 = gtin14Of(row.ean);
    if (gtin14 === null) return null;
    return {
      storeCode: required(row.store_code, 'stock.store_code'),
      gtin14,
      quantity: integer(row.quantity, 'stock.quantity'),
      updatedAt: instant(row.updated_at, 'stock.updated_at'),
    };
  },

  price(row) {
    const gtin14 = gtin14Of(row.ean);
    if (gtin14 === null) return null;
    return {
      storeCode: required(row.store_code, 'prices.store_code'),
      gtin14,
      price: cents(row.price_cents, POS_CURRENCY),
      validFrom: instant(row.valid_from, 'prices.valid_from'),
      validTo: row.valid_to === null ? null : instant(row.valid_to, 'prices.valid_to'),
    };
  },

  promotion(row, { franchise }) {
    const id = required(row.promo_id, 'promotions.promo_id');
    const { kind, value, currency } = centsPromotion(required(row.kind, 'promotions.kind'), integer(row.value, 'promotions.value'));
    return {
      promotion: promotionValue({
        franchise: franchise.code,
        id,
        title: row.label,
        kind,
        value,
        currency,
        startsAt: instant(row.starts_at, 'promotions.starts_at'),
        endsAt: instant(row.ends_at, 'promotions.ends_at'),
      }),
      franchise: franchise.code,
      storeCode: optionalText(row.store_code),
      gtin14: gtin14Of(row.ean),
    };
  },
};

/**
 * NRD's till: English names, integer cents, `timestamptz`; the phone keyed at the till is on
 * the receipt and the quote.
 */
export const nrdCents: PosLayout = { name: 'nrd_cents', queries, mapper };
