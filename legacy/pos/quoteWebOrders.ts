import type { LayoutUpgrade } from './franchiseLayout.js';

/** Where a layout keeps its quotes and the web order that finished one. */
export interface QuoteWebOrderColumn {
  /** The quotes table, e.g. `quotes`. */
  table: string;
  /** Its quote-number column. */
  number: string;
  /** The web order column, named like the returns table's. */
  column: string;
}

/** The partial index on a quotes table's web order column (which quote did this order finish?). */
export function quoteWebOrderIndex(schema: string, { table, column }: QuoteWebOrderColumn): string {
  return `CREATE INDEX IF NOT EXISTS ${table}_${column} ON ${schema}.${table} (${column}) WHERE ${column} IS NOT NULL;`;
}

/**
 * LAYOUT_VERSION 2: the tills record which web order finished a quote. Adds the column and its
 * index to a schema loaded under version 1, and fills it from the dataset's quotes where it is
 * still empty (a quote's status, changed through the wire since, is left as it is).
 */
export function addQuoteWebOrderColumn(where: QuoteWebOrderColumn): LayoutUpgrade {
  return async (tx, schema, records) => {
    const { table, number, column } = where;
    await tx.exec(`ALTER TABLE ${schema}.${table} ADD COLUMN IF NOT EXISTS ${column} text;\n${quoteWebOrderIndex(schema, where)}`);
    const finished = records.quotes.filter((q) => typeof q.web_order_number === 'string');
    if (finished.length === 0) return;
    await tx.query(
      `UPDATE ${schema}.${table} AS q SET ${column} = u.web_order
       FROM unnest($1::text[], $2::text[]) AS u(quote_no, web_order)
       WHERE q.${number} = u.quote_no AND q.${column} IS NULL`,
      [finished.map((q) => q.quote_no), finished.map((q) => q.web_order_number)],
    );
  };
}
