import type { Statement, WriteLayout } from './writeLayout.js';

/** A quote as {@link lockQuote} reads it, in the till's own codes. */
export interface LockedQuoteRow {
  store_code: string;
  status: string;
  web_order_number: string | null;
  valid_until: Date;
  /** Its validity had passed at the instant given. */
  expired: boolean;
}

/**
 * The quote, locked until the transaction ends (a concurrent mark waits, then sees this one's
 * outcome), and whether its validity has passed at `now`, compared on the till's own clock.
 */
export function lockQuote(layout: WriteLayout, schema: string, quoteNumber: string, now: string): Statement {
  const q = layout.quotes;
  return {
    text: /* SQL */ `SELECT ${q.store} AS store_code, ${q.status} AS status, ${q.webOrder} AS web_order_number,
        ${layout.instant(q.validUntil)} AS valid_until, ${q.validUntil} < ${layout.time('$2::timestamptz')} AS expired
      FROM ${schema}.${q.table} WHERE ${q.number} = $1 FOR UPDATE`,
    values: [quoteNumber, now],
  };
}

/** Sets the quote's status to the till's converted-online code and records the web order. */
export function markConvertedOnline(layout: WriteLayout, schema: string, quoteNumber: string, webOrderNumber: string): Statement {
  const q = layout.quotes;
  return {
    text: /* SQL */ `UPDATE ${schema}.${q.table} SET ${q.status} = $2, ${q.webOrder} = $3 WHERE ${q.number} = $1`,
    values: [quoteNumber, layout.quoteStatus.CONVERTED_ONLINE, webOrderNumber],
  };
}
