import { GENERATED_RETURN_NUMBER, type WriteLayout } from '../writeLayout.js';

/**
 * OUE's till: the vendor's own names (`refund_header`, `shop_code`, `staff`…), integer cents,
 * `timestamptz`, one-letter quote states, and the phone filed in `clients`, which sales and
 * quotes point at.
 */
export const oueClientTableWrites: WriteLayout = {
  name: 'oue_client_table',
  sellers: { table: 'staff', store: 'shop_code', code: 'staff_code' },
  receipts: { table: 'sale_header', number: 'sale_ref', store: 'shop_code', card: 'loyalty_card' },
  quotes: { table: 'quote_header', number: 'quote_ref', store: 'shop_code', status: 'state', validUntil: 'expires_ts', webOrder: 'web_order_ref', card: 'loyalty_card' },
  phones: { kept: 'client_table', table: 'clients', id: 'client_id', phone: 'telephone', name: 'nom', receipts: 'client_id', quotes: 'client_id' },
  quoteStatus: { OPEN: 'O', CONVERTED_IN_STORE: 'S', CONVERTED_ONLINE: 'W', EXPIRED: 'X' },
  returns: {
    table: 'refund_header',
    number: 'refund_ref',
    store: 'shop_code',
    seller: 'staff_code',
    at: 'refund_ts',
    receipt: 'sale_ref',
    webOrder: 'web_order_ref',
    card: 'loyalty_card',
    total: 'amount_cents',
  },
  returnLines: {
    table: 'refund_line',
    number: 'refund_ref',
    line: 'seq',
    ean: 'ean',
    localCode: 'item_code',
    quantity: 'qty',
    refund: 'amount_cents',
    restock: 'back_to_stock',
  },
  money: (cents) => `(${cents})::integer`,
  time: (instant) => instant,
  instant: (column) => column,
  flag: (value) => value,
  returnNumber: GENERATED_RETURN_NUMBER,
};
