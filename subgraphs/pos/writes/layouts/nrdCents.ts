import { GENERATED_RETURN_NUMBER, type WriteLayout } from '../writeLayout.js';

/** NRD's till: English names, integer cents, `timestamptz`, booleans. */
export const nrdCentsWrites: WriteLayout = {
  name: 'nrd_cents',
  sellers: { table: 'sellers', store: 'store_code', code: 'seller_code' },
  receipts: { table: 'receipts', number: 'receipt_no', store: 'store_code', card: 'card_number' },
  quotes: { table: 'quotes', number: 'quote_no', store: 'store_code', status: 'status', validUntil: 'valid_until', webOrder: 'web_order_number', card: 'card_number' },
  phones: { kept: 'on_records', receipts: 'phone', quotes: 'phone' },
  quoteStatus: { OPEN: 'OPEN', CONVERTED_IN_STORE: 'CONVERTED_IN_STORE', CONVERTED_ONLINE: 'CONVERTED_ONLINE', EXPIRED: 'EXPIRED' },
  returns: {
    table: 'returns',
    number: 'return_no',
    store: 'store_code',
    seller: 'seller_code',
    at: 'returned_at',
    receipt: 'receipt_no',
    webOrder: 'web_order_number',
    card: 'card_number',
    total: 'refund_total_cents',
  },
  returnLines: {
    table: 'return_lines',
    number: 'return_no',
    line: 'line_no',
    ean: 'ean',
    localCode: 'local_code',
    quantity: 'quantity',
    refund: 'refund_cents',
    restock: 'restock',
  },
  money: (cents) => `(${cents})::integer`,
  time: (instant) => instant,
  instant: (column) => column,
  flag: (value) => value,
  returnNumber: GENERATED_RETURN_NUMBER,
};
