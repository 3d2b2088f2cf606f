import type { PosClient, PosQuote } from '../../generator/model.js';
import type { BulkColumn } from '../bulkInsert.js';
import type { FranchiseLayout, FranchiseRecords } from '../franchiseLayout.js';
import { addRatingsTable, loadRatings, scoreColumn, type RatingsTable } from '../visitRatings.js';
import { addQuoteWebOrderColumn, quoteWebOrderIndex, type QuoteWebOrderColumn } from '../quoteWebOrders.js';

/** OUE's one-letter quote states. */
export const OUE_QUOTE_STATE: Record<PosQuote['status'], string> = {
  OPEN: 'O',
  CONVERTED_IN_STORE: 'S',
  CONVERTED_ONLINE: 'W',
  EXPIRED: 'X',
};

const text = (name: string): BulkColumn => ({ name, type: 'text' });
const int = (name: string): BulkColumn => ({ name, type: 'int4' });
const at = (name: string): BulkColumn => ({ name, type: 'timestamptz' });

/** The web order that finished a quote online, named like `refund_header.web_order_ref`. */
const QUOTE_WEB_ORDER: QuoteWebOrderColumn = { table: 'quote_header', number: 'quote_ref', column: 'web_order_ref' };

/** The post-visit survey's answers (1 to 5 stars), filed with the client the sale was. */
const RATINGS: RatingsTable = {
  table: 'survey_answer',
  create: (s) => /* SQL */ `
    CREATE TABLE ${s}.survey_answer (
      sale_ref text NOT NULL, shop_code text NOT NULL, client_id integer, answer_ts timestamptz NOT NULL,
      stars smallint NOT NULL CHECK (stars BETWEEN 1 AND 5), remark text);`,
  indexes: (s) => /* SQL */ `
    ALTER TABLE ${s}.survey_answer ADD PRIMARY KEY (sale_ref);
    CREATE INDEX survey_answer_shop_ts ON ${s}.survey_answer (shop_code, answer_ts);
    CREATE INDEX survey_answer_client ON ${s}.survey_answer (client_id) WHERE client_id IS NOT NULL;`,
  columns: [text('sale_ref'), text('shop_code'), int('client_id'), at('answer_ts'), scoreColumn('stars'), text('remark')],
  row: (r) => [r.receipt_no, r.store_code, r.client_id, r.answered_at, r.score, r.comment],
};

/**
 * Franchise OUE: the till asks for a phone number and files it in `clients`; sales and
 * quotes point at that table by `client_id` and never carry the phone themselves. Money in
 * integer cents, `timestamptz`, and the vendor's own naming (`sale_header`, `sale_line`…).
 */
export const oueLayout: FranchiseLayout = {
  name: 'oue_client_table',

  tables: (s) => /* SQL */ `
    CREATE SCHEMA ${s};
    CREATE TABLE ${s}.shops (
      shop_code text NOT NULL, shop_name text NOT NULL, town text NOT NULL, zip text NOT NULL,
      country_code char(2) NOT NULL, cc_enabled boolean NOT NULL, lat double precision, lng double precision);
    CREATE TABLE ${s}.staff (staff_code text NOT NULL, shop_code text NOT NULL, staff_name text NOT NULL);
    CREATE TABLE ${s}.clients (client_id integer NOT NULL, telephone text NOT NULL, nom text);
    CREATE TABLE ${s}.sale_header (
      sale_ref text NOT NULL, shop_code text NOT NULL, staff_code text NOT NULL, sale_ts timestamptz NOT NULL,
      loyalty_card text, client_id integer, currency_code char(3) NOT NULL, amount_cents integer NOT NULL);
    CREATE TABLE ${s}.sale_line (
      sale_ref text NOT NULL, seq integer NOT NULL, ean text, item_code text, description text NOT NULL,
      qty integer NOT NULL, unit_cents integer NOT NULL, discount_cents integer NOT NULL);
    CREATE TABLE ${s}.refund_header (
      refund_ref text NOT NULL, shop_code text NOT NULL, staff_code text NOT NULL, refund_ts timestamptz NOT NULL,
      sale_ref text, web_order_ref text, loyalty_card text, amount_cents integer NOT NULL);
    CREATE TABLE ${s}.refund_line (
      refund_ref text NOT NULL, seq integer NOT NULL, ean text, item_code text,
      qty integer NOT NULL, amount_cents integer NOT NULL, back_to_stock boolean NOT NULL);
    CREATE TABLE ${s}.quote_header (
      quote_ref text NOT NULL, shop_code text NOT NULL, staff_code text NOT NULL, created_ts timestamptz NOT NULL,
      expires_ts timestamptz NOT NULL, state char(1) NOT NULL, loyalty_card text, client_id integer, web_order_ref text);
    CREATE TABLE ${s}.quote_line (
      quote_ref text NOT NULL, seq integer NOT NULL, ean text, item_code text, qty integer NOT NULL, unit_cents integer NOT NULL);
    CREATE TABLE ${s}.stock_level (
      shop_code text NOT NULL, ean text, item_code text, qty_on_hand integer NOT NULL, last_update timestamptz NOT NULL);
    CREATE TABLE ${s}.price_list (
      shop_code text NOT NULL, ean text, item_code text, unit_cents integer NOT NULL,
      valid_from timestamptz NOT NULL, valid_to timestamptz);
    CREATE TABLE ${s}.offer (
      offer_id text NOT NULL, shop_code text, title text NOT NULL, offer_type text NOT NULL, offer_value integer NOT NULL,
      start_ts timestamptz NOT NULL, end_ts timestamptz NOT NULL);
    CREATE TABLE ${s}.offer_item (offer_id text NOT NULL, ean text NOT NULL);
    ${RATINGS.create(s)}
    ${RATINGS.indexes(s)}
  `,

  indexes: (s) => /* SQL */ `
    ALTER TABLE ${s}.shops ADD PRIMARY KEY (shop_code);
    ALTER TABLE ${s}.staff ADD PRIMARY KEY (shop_code, staff_code);
    ALTER TABLE ${s}.clients ADD PRIMARY KEY (client_id);
    ALTER TABLE ${s}.sale_header ADD PRIMARY KEY (sale_ref);
    ALTER TABLE ${s}.sale_header ADD FOREIGN KEY (client_id) REFERENCES ${s}.clients (client_id);
    ALTER TABLE ${s}.sale_line ADD PRIMARY KEY (sale_ref, seq);
    ALTER TABLE ${s}.refund_header ADD PRIMARY KEY (refund_ref);
    ALTER TABLE ${s}.refund_line ADD PRIMARY KEY (refund_ref, seq);
    ALTER TABLE ${s}.quote_header ADD PRIMARY KEY (quote_ref);
    ALTER TABLE ${s}.quote_header ADD FOREIGN KEY (client_id) REFERENCES ${s}.clients (client_id);
    ALTER TABLE ${s}.quote_line ADD PRIMARY KEY (quote_ref, seq);
    ALTER TABLE ${s}.offer ADD PRIMARY KEY (offer_id);
    ALTER TABLE ${s}.offer_item ADD PRIMARY KEY (offer_id, ean);
    CREATE INDEX clients_telephone ON ${s}.clients (telephone);
    CREATE INDEX sale_header_client_id ON ${s}.sale_header (client_id) WHERE client_id IS NOT NULL;
    CREATE INDEX sale_header_loyalty_card ON ${s}.sale_header (loyalty_card) WHERE loyalty_card IS NOT NULL;
    CREATE INDEX sale_header_shop_ts ON ${s}.sale_header (shop_code, sale_ts);
    CREATE INDEX sale_line_ean ON ${s}.sale_line (ean);
    CREATE INDEX refund_header_sale_ref ON ${s}.refund_header (sale_ref) WHERE sale_ref IS NOT NULL;
    CREATE INDEX refund_header_web_order_ref ON ${s}.refund_header (web_order_ref) WHERE web_order_ref IS NOT NULL;
    CREATE INDEX refund_header_loyalty_card ON ${s}.refund_header (loyalty_card) WHERE loyalty_card IS NOT NULL;
    CREATE INDEX quote_header_client_id ON ${s}.quote_header (client_id) WHERE client_id IS NOT NULL;
    CREATE INDEX quote_header_loyalty_card ON ${s}.quote_header (loyalty_card) WHERE loyalty_card IS NOT NULL;
    ${quoteWebOrderIndex(s, QUOTE_WEB_ORDER)}
    CREATE INDEX stock_level_shop_ean ON ${s}.stock_level (shop_code, ean);
    CREATE INDEX stock_level_ean ON ${s}.stock_level (ean);
    CREATE INDEX stock_level_shop_item_code ON ${s}.stock_level (shop_code, item_code) WHERE item_code IS NOT NULL;
    CREATE INDEX price_list_shop_ean ON ${s}.price_list (shop_code, ean);
    CREATE INDEX price_list_shop_item_code ON ${s}.price_list (shop_code, item_code) WHERE item_code IS NOT NULL;
    CREATE INDEX offer_item_ean ON ${s}.offer_item (ean);
  `,

  async load(insert, s, r) {
    const clients = clientFile(r);
    const sales = r.receipts.map((x) => [
      x.receipt_no,
      x.store_code,
      x.seller_code,
      x.sold_at,
      x.card_number,
      x.client_id ?? (x.phone ? clients.file(x.phone) : null),
      x.currency,
      x.total_cents,
    ]);
    const quotes = r.quotes.map((x) => [
      x.quote_no,
      x.store_code,
      x.seller_code,
      x.created_at,
      x.valid_until,
      OUE_QUOTE_STATE[x.status],
      x.card_number,
      x.phone ? clients.file(x.phone) : null,
      x.web_order_number,
    ]);
    return {
      shops: await insert(
        `${s}.shops`,
        [
          text('shop_code'),
          text('shop_name'),
          text('town'),
          text('zip'),
          text('country_code'),
          { name: 'cc_enabled', type: 'bool' },
          { name: 'lat', type: 'float8' },
          { name: 'lng', type: 'float8' },
        ],
        r.stores.map((x) => [x.code, x.name, x.city, x.postcode, x.country, x.click_and_collect, x.latitude, x.longitude]),
      ),
      staff: await insert(
        `${s}.staff`,
        [text('staff_code'), text('shop_code'), text('staff_name')],
        r.sellers.map((x) => [x.code, x.store_code, x.name]),
      ),
      clients: await insert(
        `${s}.clients`,
        [int('client_id'), text('telephone'), text('nom')],
        clients.all().map((x) => [x.client_id, x.phone, x.name]),
      ),
      sale_header: await insert(
        `${s}.sale_header`,
        [
          text('sale_ref'),
          text('shop_code'),
          text('staff_code'),
          at('sale_ts'),
          text('loyalty_card'),
          int('client_id'),
          text('currency_code'),
          int('amount_cents'),
        ],
        sales,
      ),
      sale_line: await insert(
        `${s}.sale_line`,
        [text('sale_ref'), int('seq'), text('ean'), text('item_code'), text('description'), int('qty'), int('unit_cents'), int('discount_cents')],
        r.receipts.flatMap((x) =>
          x.lines.map((l) => [x.receipt_no, l.line_no, l.ean, l.local_code, l.label, l.quantity, l.unit_price_cents, l.discount_cents]),
        ),
      ),
      refund_header: await insert(
        `${s}.refund_header`,
        [
          text('refund_ref'),
          text('shop_code'),
          text('staff_code'),
          at('refund_ts'),
          text('sale_ref'),
          text('web_order_ref'),
          text('loyalty_card'),
          int('amount_cents'),
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
      refund_line: await insert(
        `${s}.refund_line`,
        [text('refund_ref'), int('seq'), text('ean'), text('item_code'), int('qty'), int('amount_cents'), { name: 'back_to_stock', type: 'bool' }],
        r.returns.flatMap((x) => x.lines.map((l, i) => [x.return_no, i + 1, l.ean, l.local_code, l.quantity, l.refund_cents, l.restock])),
      ),
      quote_header: await insert(
        `${s}.quote_header`,
        [
          text('quote_ref'),
          text('shop_code'),
          text('staff_code'),
          at('created_ts'),
          at('expires_ts'),
          text('state'),
          text('loyalty_card'),
          int('client_id'),
          text('web_order_ref'),
        ],
        quotes,
      ),
      quote_line: await insert(
        `${s}.quote_line`,
        [text('quote_ref'), int('seq'), text('ean'), text('item_code'), int('qty'), int('unit_cents')],
        r.quotes.flatMap((x) => x.lines.map((l, i) => [x.quote_no, i + 1, l.ean, l.local_code, l.quantity, l.unit_price_cents])),
      ),
      stock_level: await insert(
        `${s}.stock_level`,
        [text('shop_code'), text('ean'), text('item_code'), int('qty_on_hand'), at('last_update')],
        r.stock.map((x) => [x.store_code, x.ean, x.local_code, x.quantity, x.updated_at]),
      ),
      price_list: await insert(
        `${s}.price_list`,
        [text('shop_code'), text('ean'), text('item_code'), int('unit_cents'), at('valid_from'), at('valid_to')],
        r.prices.map((x) => [x.store_code, x.ean, x.local_code, x.price_cents, x.valid_from, x.valid_to]),
      ),
      offer: await insert(
        `${s}.offer`,
        [text('offer_id'), text('shop_code'), text('title'), text('offer_type'), int('offer_value'), at('start_ts'), at('end_ts')],
        r.promotions.map((x) => [x.promo_id, x.store_code, x.label, x.kind, x.value, x.starts_at, x.ends_at]),
      ),
      offer_item: await insert(
        `${s}.offer_item`,
        [text('offer_id'), text('ean')],
        r.promotions.flatMap((x) => [...new Set(x.eans)].map((ean) => [x.promo_id, ean])),
      ),
      [RATINGS.table]: await loadRatings(insert, s, RATINGS, r.ratings),
    };
  },

  upgrades: { 2: addQuoteWebOrderColumn(QUOTE_WEB_ORDER), 3: addRatingsTable(RATINGS) },
};

/**
 * OUE's customer table as the till keeps it: the estate's clients, plus a new entry for any
 * phone keyed on a sale or quote that no client carries yet (the till files it on the spot).
 */
function clientFile(r: FranchiseRecords): { file(phone: string): number; all(): PosClient[] } {
  const clients = [...r.clients];
  const byPhone = new Map<string, number>();
  let lastId = 0;
  for (const client of clients) {
    if (!byPhone.has(client.phone)) byPhone.set(client.phone, client.client_id);
    lastId = Math.max(lastId, client.client_id);
  }
  const known = new Set(clients.map((c) => c.client_id));
  for (const receipt of r.receipts) {
    if (receipt.client_id !== null && !known.has(receipt.client_id)) {
      throw new Error(`OUE receipt ${receipt.receipt_no} points at client_id ${receipt.client_id}, which PosData.clients does not list`);
    }
  }
  return {
    file(phone) {
      let id = byPhone.get(phone);
      if (id === undefined) {
        id = ++lastId;
        byPhone.set(phone, id);
        clients.push({ franchise: r.franchise.code, client_id: id, phone, name: null });
      }
      return id;
    },
    all: () => clients,
  };
}
