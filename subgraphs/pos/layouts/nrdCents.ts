import { canonicalMapper } from '../canonicalMapper.js';
import { canonicalQueries, jsonLines, phoneColumn } from '../canonicalQueries.js';
import type { PosLayout } from '../layout.js';
import { cents, centsPromotion, instant } from '../mapping.js';

const seller = (s: string, alias: string) => `${s}.sellers v ON v.store_code = ${alias}.store_code AND v.seller_code = ${alias}.seller_code`;

const queries = canonicalQueries({
  sale: {
    columns: (s) => ({
      number: 'r.receipt_no', store_code: 'r.store_code', seller_code: 'r.seller_code', seller_name: 'v.name', placed_at: 'r.sold_at',
      card_number: 'r.card_number', phone: 'r.phone', currency: 'r.currency', total: 'r.total_cents',
      lines: jsonLines(
        { line_no: 'l.line_no', ean: 'l.ean', local_code: 'l.local_code', label: 'l.label', quantity: 'l.quantity', unit_price: 'l.unit_price_cents', discount: 'l.discount_cents' },
        `${s}.receipt_lines l WHERE l.receipt_no = r.receipt_no`,
        'l.line_no',
      ),
    }),
    from: (s) => `${s}.receipts r LEFT JOIN ${seller(s, 'r')}`,
    number: 'r.receipt_no',
    cards: ['r.card_number'],
    phones: phoneColumn('r.phone'),
  },
  storeReturn: {
    columns: (s) => ({
      number: 't.return_no', store_code: 't.store_code', seller_code: 't.seller_code', seller_name: 'v.name', returned_at: 't.returned_at',
      receipt_number: 't.receipt_no', web_order_number: 't.web_order_number', card_number: 't.card_number', refund: 't.refund_total_cents',
      receipt_currency: 'r.currency', receipt_card_number: 'r.card_number', receipt_phone: 'r.phone',
      lines: jsonLines(
        { line_no: 'l.line_no', ean: 'l.ean', local_code: 'l.local_code', quantity: 'l.quantity', refund: 'l.refund_cents', restock: 'l.restock' },
        `${s}.return_lines l WHERE l.return_no = t.return_no`,
        'l.line_no',
      ),
    }),
    from: (s) => `${s}.returns t LEFT JOIN ${seller(s, 't')} LEFT JOIN ${s}.receipts r ON r.receipt_no = t.receipt_no`,
    number: 't.return_no',
    cards: ['t.card_number', 'r.card_number'],
    phones: phoneColumn('r.phone'),
  },
  quote: {
    columns: (s) => ({
      number: 'q.quote_no', store_code: 'q.store_code', seller_code: 'q.seller_code', seller_name: 'v.name', created_at: 'q.created_at',
      valid_until: 'q.valid_until', status: 'q.status', web_order_number: 'q.web_order_number', card_number: 'q.card_number', phone: 'q.phone',
      lines: jsonLines(
        { line_no: 'l.line_no', ean: 'l.ean', local_code: 'l.local_code', quantity: 'l.quantity', unit_price: 'l.unit_price_cents' },
        `${s}.quote_lines l WHERE l.quote_no = q.quote_no`,
        'l.line_no',
      ),
    }),
    from: (s) => `${s}.quotes q LEFT JOIN ${seller(s, 'q')}`,
    number: 'q.quote_no',
    cards: ['q.card_number'],
    phones: phoneColumn('q.phone'),
  },
  stock: { columns: { store_code: 'store_code', ean: 'ean', local_code: 'local_code', quantity: 'quantity', updated_at: 'updated_at' }, table: (s) => `${s}.stock` },
  price: { columns: { store_code: 'store_code', ean: 'ean', local_code: 'local_code', price: 'price_cents', valid_from: 'valid_from', valid_to: 'valid_to' }, table: (s) => `${s}.prices` },
  promotion: {
    columns: { id: 'p.promo_id', store_code: 'p.store_code', title: 'p.label', kind: 'p.kind', value: 'p.value', starts_at: 'p.starts_at', ends_at: 'p.ends_at' },
    table: (s) => `${s}.promotions p`,
    itemTable: (s) => `${s}.promotion_items i`,
    itemOf: 'i.promo_id = p.promo_id',
    itemEan: 'i.ean',
  },
});

const mapper = canonicalMapper({
  money: cents,
  instant,
  quoteStatuses: { OPEN: 'OPEN', CONVERTED_IN_STORE: 'CONVERTED_IN_STORE', CONVERTED_ONLINE: 'CONVERTED_ONLINE', EXPIRED: 'EXPIRED' },
  promotion: centsPromotion,
  restock: (value) => value === true,
});

/**
 * NRD's till: English names, integer cents, `timestamptz`; the phone keyed at the till is on
 * the receipt and the quote.
 */
export const nrdCents: PosLayout = { name: 'nrd_cents', queries, mapper };
