import { canonicalMapper } from '../canonicalMapper.js';
import { canonicalQueries, jsonLines, stripped } from '../canonicalQueries.js';
import type { PosLayout } from '../layout.js';
import { cents, centsPromotion, instant } from '../mapping.js';

const staff = (s: string, alias: string) => `${s}.staff st ON st.shop_code = ${alias}.shop_code AND st.staff_code = ${alias}.staff_code`;

/** Rows whose client's phone is one of `param`: the till files a phone, sales and quotes point at it. */
const clientPhone = (column: string) => (s: string, param: string) =>
  `${column} IN (SELECT client_id FROM ${s}.clients WHERE ${stripped('telephone')} = ANY(${param}::text[]))`;

const queries = canonicalQueries({
  sale: {
    columns: (s) => ({
      number: 'h.sale_ref', store_code: 'h.shop_code', seller_code: 'h.staff_code', seller_name: 'st.staff_name', placed_at: 'h.sale_ts',
      card_number: 'h.loyalty_card', phone: 'c.telephone', client_id: 'h.client_id', currency: 'h.currency_code', total: 'h.amount_cents',
      lines: jsonLines(
        { line_no: 'l.seq', ean: 'l.ean', local_code: 'l.item_code', label: 'l.description', quantity: 'l.qty', unit_price: 'l.unit_cents', discount: 'l.discount_cents' },
        `${s}.sale_line l WHERE l.sale_ref = h.sale_ref`,
        'l.seq',
      ),
    }),
    from: (s) => `${s}.sale_header h LEFT JOIN ${staff(s, 'h')} LEFT JOIN ${s}.clients c ON c.client_id = h.client_id`,
    number: 'h.sale_ref',
    cards: ['h.loyalty_card'],
    phones: clientPhone('h.client_id'),
    clientId: 'h.client_id',
  },
  storeReturn: {
    columns: (s) => ({
      number: 'r.refund_ref', store_code: 'r.shop_code', seller_code: 'r.staff_code', seller_name: 'st.staff_name', returned_at: 'r.refund_ts',
      receipt_number: 'r.sale_ref', web_order_number: 'r.web_order_ref', card_number: 'r.loyalty_card', refund: 'r.amount_cents',
      receipt_currency: 'h.currency_code', receipt_card_number: 'h.loyalty_card', receipt_phone: 'c.telephone', receipt_client_id: 'h.client_id',
      lines: jsonLines(
        { line_no: 'l.seq', ean: 'l.ean', local_code: 'l.item_code', quantity: 'l.qty', refund: 'l.amount_cents', restock: 'l.back_to_stock' },
        `${s}.refund_line l WHERE l.refund_ref = r.refund_ref`,
        'l.seq',
      ),
    }),
    from: (s) =>
      `${s}.refund_header r LEFT JOIN ${staff(s, 'r')} LEFT JOIN ${s}.sale_header h ON h.sale_ref = r.sale_ref LEFT JOIN ${s}.clients c ON c.client_id = h.client_id`,
    number: 'r.refund_ref',
    cards: ['r.loyalty_card', 'h.loyalty_card'],
    phones: clientPhone('h.client_id'),
    clientId: 'h.client_id',
  },
  quote: {
    columns: (s) => ({
      number: 'q.quote_ref', store_code: 'q.shop_code', seller_code: 'q.staff_code', seller_name: 'st.staff_name', created_at: 'q.created_ts',
      valid_until: 'q.expires_ts', status: 'q.state', web_order_number: 'q.web_order_ref', card_number: 'q.loyalty_card', phone: 'c.telephone', client_id: 'q.client_id',
      lines: jsonLines(
        { line_no: 'l.seq', ean: 'l.ean', local_code: 'l.item_code', quantity: 'l.qty', unit_price: 'l.unit_cents' },
        `${s}.quote_line l WHERE l.quote_ref = q.quote_ref`,
        'l.seq',
      ),
    }),
    from: (s) => `${s}.quote_header q LEFT JOIN ${staff(s, 'q')} LEFT JOIN ${s}.clients c ON c.client_id = q.client_id`,
    number: 'q.quote_ref',
    cards: ['q.loyalty_card'],
    phones: clientPhone('q.client_id'),
    clientId: 'q.client_id',
  },
  stock: { columns: { store_code: 'shop_code', ean: 'ean', local_code: 'item_code', quantity: 'qty_on_hand', updated_at: 'last_update' }, table: (s) => `${s}.stock_level` },
  price: { columns: { store_code: 'shop_code', ean: 'ean', local_code: 'item_code', price: 'unit_cents', valid_from: 'valid_from', valid_to: 'valid_to' }, table: (s) => `${s}.price_list` },
  promotion: {
    columns: { id: 'o.offer_id', store_code: 'o.shop_code', title: 'o.title', kind: 'o.offer_type', value: 'o.offer_value', starts_at: 'o.start_ts', ends_at: 'o.end_ts' },
    table: (s) => `${s}.offer o`,
    itemTable: (s) => `${s}.offer_item i`,
    itemOf: 'i.offer_id = o.offer_id',
    itemEan: 'i.ean',
  },
});

const mapper = canonicalMapper({
  money: cents,
  instant,
  quoteStatuses: { O: 'OPEN', S: 'CONVERTED_IN_STORE', W: 'CONVERTED_ONLINE', X: 'EXPIRED' },
  promotion: centsPromotion,
  restock: (value) => value === true,
});

/**
 * OUE's till: a phone-only customer table (`clients`) that sales and quotes reference by
 * `client_id`, the vendor's own names (`sale_header`, `shop_code`, `staff`…), integer cents,
 * `timestamptz`, one-letter quote states.
 */
export const oueClientTable: PosLayout = { name: 'oue_client_table', queries, mapper };
