import type { QuoteStatus } from '../records.js';

/**
 * What the writer needs of a till vendor's layout: the tables and columns it writes, and how
 * the till stores what the graph gives in one form (cents, instants, booleans). Conversions
 * are SQL, applied by the database to typed parameters, so that no amount goes through a float
 * and no wall-clock time depends on the session's time zone.
 */
export interface WriteLayout {
  /** As `pos_directory.franchises.layout` names it. */
  name: string;
  sellers: { table: string; store: string; code: string };
  /** Sales receipts: only what an erasure clears on them. */
  receipts: { table: string; number: string; store: string; card: string };
  quotes: {
    table: string;
    number: string;
    store: string;
    status: string;
    validUntil: string;
    /** The web order that finished the quote online. */
    webOrder: string;
    /** The loyalty card scanned for the quote. */
    card: string;
  };
  /** Where the till keeps the phone it asks for, which an erasure clears. */
  phones: PhonesOnRecords | PhonesInClientTable;
  /** The till's code for each of the graph's quote statuses. */
  quoteStatus: Readonly<Record<QuoteStatus, string>>;
  returns: {
    table: string;
    number: string;
    store: string;
    seller: string;
    at: string;
    receipt: string;
    webOrder: string;
    card: string;
    /** The sum of the lines' refunds. */
    total: string;
  };
  returnLines: {
    table: string;
    number: string;
    /** Numbered from 1, in the order given. */
    line: string;
    ean: string;
    localCode: string;
    quantity: string;
    refund: string;
    restock: string;
  };
  /** The stored amount, from an SQL expression of integer cents. */
  money(cents: string): string;
  /** The stored time, from an SQL `timestamptz` expression. */
  time(instant: string): string;
  /** The instant (`timestamptz`) of a stored time column. */
  instant(column: string): string;
  /** The stored flag, from an SQL boolean expression. */
  flag(value: string): string;
  /**
   * How the till numbers a store's returns: the prefix (which names the store, so that the
   * number routes to its franchise) and the sequence's digits, zero-padded.
   */
  returnNumber: { prefix(storeCode: string): string; digits: number };
}

/**
 * Every franchise's till numbers a store's returns `R-<store>-NNNNNN` (`legacy/generator`'s
 * `returnsOfWebOrders`), one sequence per store.
 */
export const GENERATED_RETURN_NUMBER: WriteLayout['returnNumber'] = { prefix: (storeCode) => `R-${storeCode}-`, digits: 6 };

/** The phone keyed at the till is a column of the receipt and of the quote. */
export interface PhonesOnRecords {
  kept: 'on_records';
  /** The phone column of the receipts and of the quotes. */
  receipts: string;
  quotes: string;
}

/**
 * The till files the phone in a customer table (with the name it was given, if any), and the
 * receipts and quotes point at the row by id; returns carry no phone in any layout.
 */
export interface PhonesInClientTable {
  kept: 'client_table';
  table: string;
  id: string;
  /** Not nullable in the tills that have such a table: a filed client always had a phone. */
  phone: string;
  name: string;
  /** The client id column of the receipts and of the quotes. */
  receipts: string;
  quotes: string;
}

/** One SQL statement with its `$n` parameters. */
export interface Statement {
  text: string;
  values: unknown[];
}
