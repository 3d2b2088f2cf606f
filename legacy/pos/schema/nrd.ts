import type { FranchiseLayout } from '../franchiseLayout.js';
import { addRatingsTable, loadRatings, scoreColumn, type RatingsTable } from '../visitRatings.js';
import { addQuoteWebOrderColumn, quoteWebOrderIndex, type QuoteWebOrderColumn } from '../quoteWebOrders.js';

/** The web order that finished a quote online, named like `returns.web_order_number`. */
const QUOTE_WEB_ORDER: QuoteWebOrderColumn = { table: 'quotes', number: 'quote_no', column: 'web_order_number' };

/** The post-visit survey's answers (1 to 5), named like the rest of NRD's tables. */
const RATINGS: RatingsTable = {
  table: 'visit_ratings',
  create: (s) => /* SQL */ `
    CREATE TABLE ${s}.visit_ratings (
      receipt_no text NOT NULL, store_code text NOT NULL, rated_at timestamptz NOT NULL,
      rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5), comment text);`,
  indexes: (s) => /* SQL */ `
    ALTER TABLE ${s}.visit_ratings ADD PRIMARY KEY (receipt_no);
    CREATE INDEX visit_ratings_store_rated_at ON ${s}.visit_ratings (store_code, rated_at);`,
  columns: [
    { name: 'receipt_no', type: 'text' },
    { name: 'store_code', type: 'text' },
    { name: 'rated_at', type: 'timestamptz' },
    scoreColumn('rating'),
    { name: 'comment', type: 'text' },
  ],
  row: (r) => [r.receipt_no, r.store_code, r.answered_at, r.score, r.comment],
};

/**
 * Franchise NRD: English names, money in integer cents, `timestamptz` throughout; the phone
 * keyed at the till is stored on the receipt and the quote.
 */
export const nrdLayout: FranchiseLayout = {
  name: 'nrd_cents',

  tables: (s) => /* SQL */ `
    CREATE SCHEMA ${s};
    CREATE TABLE ${s}.stores (
      store_code text NOT NULL, name text NOT NULL, city text NOT NULL, postcode text NOT NULL,
      country char(2) NOT NULL, click_and_collect boolean NOT NULL,
      latitude double precision, longitude double precision);
    CREATE TABLE ${s}.sellers (seller_code text NOT NULL, store_code text NOT NULL, name text NOT NULL);
    CREATE TABLE ${s}.receipts (
      receipt_no text NOT NULL, store_code text NOT NULL, seller_code text NOT NULL, sold_at timestamptz NOT NULL,
      card_number text, phone text, currency char(3) NOT NULL, total_cents integer NOT NULL);
    CREATE TABLE ${s}.receipt_lines (
      receipt_no text NOT NULL, line_no integer NOT NULL, ean text, local_code text, label text NOT NULL,
      quantity integer NOT NULL, unit_price_cents integer NOT NULL, discount_cents integer NOT NULL);
    CREATE TABLE ${s}.returns (
      return_no text NOT NULL, store_code text NOT NULL, seller_code text NOT NULL, returned_at timestamptz NOT NULL,
      receipt_no text, web_order_number text, card_number text, refund_total_cents integer NOT NULL);
    CREATE TABLE ${s}.return_lines (
      return_no text NOT NULL, line_no integer NOT NULL, ean text, local_code text,
      quantity integer NOT NULL, refund_cents integer NOT NULL, restock boolean NOT NULL);
    CREATE TABLE ${s}.quotes (
      quote_no text NOT NULL, store_code text NOT NULL, seller_code text NOT NULL, created_at timestamptz NOT NULL,
      valid_until timestamptz NOT NULL, status text NOT NULL, card_number text, phone text, web_order_number text);
    CREATE TABLE ${s}.quote_lines (
      quote_no text NOT NULL, line_no integer NOT NULL, ean text, local_code text,
      quantity integer NOT NULL, unit_price_cents integer NOT NULL);
    CREATE TABLE ${s}.stock (
      store_code text NOT NULL, ean text, local_code text, quantity integer NOT NULL, updated_at timestamptz NOT NULL);
    CREATE TABLE ${s}.prices (
      store_code text NOT NULL, ean text, local_code text, price_cents integer NOT NULL,
      valid_from timestamptz NOT NULL, valid_to timestamptz);
    CREATE TABLE ${s}.promotions (
      promo_id text NOT NULL, store_code text, label text NOT NULL, kind text NOT NULL, value integer NOT NULL,
      starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL);
    CREATE TABLE ${s}.promotion_items (promo_id text NOT NULL, ean text NOT NULL);
    ${RATINGS.create(s)}
    ${RATINGS.indexes(s)}
  `,

  indexes: (s) => /* SQL */ `
    ALTER TABLE ${s}.stores ADD PRIMARY KEY (store_code);
    ALTER TABLE ${s}.sellers ADD PRIMARY KEY (store_code, seller_code);
    ALTER TABLE ${s}.receipts ADD PRIMARY KEY (receipt_no);
    ALTER TABLE ${s}.receipt_lines ADD PRIMARY KEY (receipt_no, line_no);
    ALTER TABLE ${s}.returns ADD PRIMARY KEY (return_no);
    ALTER TABLE ${s}.return_lines ADD PRIMARY KEY (return_no, line_no);
    ALTER TABLE ${s}.quotes ADD PRIMARY KEY (quote_no);
    ALTER TABLE ${s}.quote_lines ADD PRIMARY KEY (quote_no, line_no);
    ALTER TABLE ${s}.promotions ADD PRIMARY KEY (promo_id);
    ALTER TABLE ${s}.promotion_items ADD PRIMARY KEY (promo_id, ean);
    CREATE INDEX receipts_card_number ON ${s}.receipts (card_number) WHERE card_number IS NOT NULL;
    CREATE INDEX receipts_phone ON ${s}.receipts (phone) WHERE phone IS NOT NULL;
    CREATE INDEX receipts_store_sold_at ON ${s}.receipts (store_code, sold_at);
    CREATE INDEX receipt_lines_ean ON ${s}.receipt_lines (ean);
    CREATE INDEX returns_receipt_no ON ${s}.returns (receipt_no) WHERE receipt_no IS NOT NULL;
    CREATE INDEX returns_web_order_number ON ${s}.returns (web_order_number) WHERE web_order_number IS NOT NULL;
    CREATE INDEX returns_card_number ON ${s}.returns (card_number) WHERE card_number IS NOT NULL;
    CREATE INDEX quotes_card_number ON ${s}.quotes (card_number) WHERE card_number IS NOT NULL;
    CREATE INDEX quotes_phone ON ${s}.quotes (phone) WHERE phone IS NOT NULL;
    ${quoteWebOrderIndex(s, QUOTE_WEB_ORDER)}
    CREATE INDEX stock_store_ean ON ${s}.stock (store_code, ean);
    CREATE INDEX stock_ean ON ${s}.stock (ean);
    CREATE INDEX stock_store_local_code ON ${s}.stock (store_code, local_code) WHERE local_code IS NOT NULL;
    CREATE INDEX prices_store_ean ON ${s}.prices (store_code, ean);
    CREATE INDEX prices_store_local_code ON ${s}.prices (store_code, local_code) WHERE local_code IS NOT NULL;
    CREATE INDEX promotion_items_ean ON ${s}.promotion_items (ean);
  `,

  async load(insert, s, r) {
    return {
      stores: await insert(
        `${s}.stores`,
        [
          { name: 'store_code', type: 'text' },
          { name: 'name', type: 'text' },
          { name: 'city', type: 'text' },
          { name: 'postcode', type: 'text' },
          { name: 'country', type: 'text' },
          { name: 'click_and_collect', type: 'bool' },
          { name: 'latitude', type: 'float8' },
          { name: 'longitude', type: 'float8' },
        ],
        r.stores.map((x) => [x.code, x.name, x.city, x.postcode, x.country, x.click_and_collect, x.latitude, x.longitude]),
      ),
      sellers: await insert(
        `${s}.sellers`,
        [
          { name: 'seller_code', type: 'text' },
          { name: 'store_code', type: 'text' },
          { name: 'name', type: 'text' },
        ],
        r.sellers.map((x) => [x.code, x.store_code, x.name]),
      ),
      receipts: await insert(
        `${s}.receipts`,
        [
          { name: 'receipt_no', type: 'text' },
          { name: 'store_code', type: 'text' },
          { name: 'seller_code', type: 'text' },
          { name: 'sold_at', type: 'timestamptz' },
          { name: 'card_number', type: 'text' },
          { name: 'phone', type: 'text' },
          { name: 'currency', type: 'text' },
          { name: 'total_cents', type: 'int4' },
        ],
        r.receipts.map((x) => [x.receipt_no, x.store_code, x.seller_code, x.sold_at, x.card_number, x.phone, x.currency, x.total_cents]),
      ),
      receipt_lines: await insert(
        `${s}.receipt_lines`,
        [
          { name: 'receipt_no', type: 'text' },
          { name: 'line_no', type: 'int4' },
          { name: 'ean', type: 'text' },
          { name: 'local_code', type: 'text' },
          { name: 'label', type: 'text' },
          { name: 'quantity', type: 'int4' },
          { name: 'unit_price_cents', type: 'int4' },
          { name: 'discount_cents', type: 'int4' },
        ],
        r.receipts.flatMap((x) =>
          x.lines.map((l) => [x.receipt_no, l.line_no, l.ean, l.local_code, l.label, l.quantity, l.unit_price_cents, l.discount_cents]),
        ),
      ),
      returns: await insert(
        `${s}.returns`,
        [
          { name: 'return_no', type: 'text' },
          { name: 'store_code', type: 'text' },
          { name: 'seller_code', type: 'text' },
          { name: 'returned_at', type: 'timestamptz' },
          { name: 'receipt_no', type: 'text' },
          { name: 'web_order_number', type: 'text' },
          { name: 'card_number', type: 'text' },
          { name: 'refund_total_cents', type: 'int4' },
        ],
        r.returns.map((x) => [
          x.return_no,
          x.store_code,
          x.seller_code,
          x.returned_at,
          x.receipt_no,
          x.web_order_number,
          x.card_number,
          x.refund_total_cents,
        ]),
      ),
      return_lines: await insert(
        `${s}.return_lines`,
        [
          { name: 'return_no', type: 'text' },
          { name: 'line_no', type: 'int4' },
          { name: 'ean', type: 'text' },
          { name: 'local_code', type: 'text' },
          { name: 'quantity', type: 'int4' },
          { name: 'refund_cents', type: 'int4' },
          { name: 'restock', type: 'bool' },
        ],
        r.returns.flatMap((x) => x.lines.map((l, i) => [x.return_no, i + 1, l.ean, l.local_code, l.quantity, l.refund_cents, l.restock])),
      ),
      quotes: await insert(
        `${s}.quotes`,
        [
          { name: 'quote_no', type: 'text' },
          { name: 'store_code', type: 'text' },
          { name: 'seller_code', type: 'text' },
          { name: 'created_at', type: 'timestamptz' },
          { name: 'valid_until', type: 'timestamptz' },
          { name: 'status', type: 'text' },
          { name: 'card_number', type: 'text' },
          { name: 'phone', type: 'text' },
          { name: 'web_order_number', type: 'text' },
        ],
        r.quotes.map((x) => [x.quote_no, x.store_code, x.seller_code, x.created_at, x.valid_until, x.status, x.card_number, x.phone, x.web_order_number]),
      ),
      quote_lines: await insert(
        `${s}.quote_lines`,
        [
          { name: 'quote_no', type: 'text' },
          { name: 'line_no', type: 'int4' },
          { name: 'ean', type: 'text' },
          { name: 'local_code', type: 'text' },
          { name: 'quantity', type: 'int4' },
          { name: 'unit_price_cents', type: 'int4' },
        ],
        r.quotes.flatMap((x) => x.lines.map((l, i) => [x.quote_no, i + 1, l.ean, l.local_code, l.quantity, l.unit_price_cents])),
      ),
      stock: await insert(
        `${s}.stock`,
        [
          { name: 'store_code', type: 'text' },
          { name: 'ean', type: 'text' },
          { name: 'local_code', type: 'text' },
          { name: 'quantity', type: 'int4' },
          { name: 'updated_at', type: 'timestamptz' },
        ],
        r.stock.map((x) => [x.store_code, x.ean, x.local_code, x.quantity, x.updated_at]),
      ),
      prices: await insert(
        `${s}.prices`,
        [
          { name: 'store_code', type: 'text' },
          { name: 'ean', type: 'text' },
          { name: 'local_code', type: 'text' },
          { name: 'price_cents', type: 'int4' },
          { name: 'valid_from', type: 'timestamptz' },
          { name: 'valid_to', type: 'timestamptz' },
        ],
        r.prices.map((x) => [x.store_code, x.ean, x.local_code, x.price_cents, x.valid_from, x.valid_to]),
      ),
      promotions: await insert(
        `${s}.promotions`,
        [
          { name: 'promo_id', type: 'text' },
          { name: 'store_code', type: 'text' },
          { name: 'label', type: 'text' },
          { name: 'kind', type: 'text' },
          { name: 'value', type: 'int4' },
          { name: 'starts_at', type: 'timestamptz' },
          { name: 'ends_at', type: 'timestamptz' },
        ],
        r.promotions.map((x) => [x.promo_id, x.store_code, x.label, x.kind, x.value, x.starts_at, x.ends_at]),
      ),
      promotion_items: await insert(
        `${s}.promotion_items`,
        [
          { name: 'promo_id', type: 'text' },
          { name: 'ean', type: 'text' },
        ],
        r.promotions.flatMap((x) => [...new Set(x.eans)].map((ean) => [x.promo_id, ean])),
      ),
      [RATINGS.table]: await loadRatings(insert, s, RATINGS, r.ratings),
    };
  },

  upgrades: { 2: addQuoteWebOrderColumn(QUOTE_WEB_ORDER), 3: addRatingsTable(RATINGS) },
};
