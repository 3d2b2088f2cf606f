import { stripped } from '../canonicalQueries.js';
import { storeReturnsLock } from './returnStatements.js';
import type { PhonesInClientTable, Statement, WriteLayout } from './writeLayout.js';

/**
 * Takes the returns lock of every store of the franchise (recordReturn's, one store at a time,
 * in the order given), so that a return the writer is recording right now commits before the
 * erasure reads, and its card is cleared with the others rather than left behind.
 */
export function lockReturnsOfStores(schema: string, storeCodes: readonly string[]): Statement {
  return {
    text: 'SELECT pg_advisory_xact_lock(hashtext(key)) FROM unnest($1::text[]) WITH ORDINALITY AS u(key, n)',
    values: [storeCodes.map((store) => storeReturnsLock(schema, store))],
  };
}

/** A row that holds a phone, as the erasure reads it: its number and store, to read the phone in that store's country. */
export interface PhoneRow {
  number: string;
  store_code: string;
  phone: string;
}

/**
 * The receipts or quotes whose phone, separators stripped, is one of `variants` (the forms of
 * the phones erased, `phoneVariants`), locked until the transaction ends: the filter narrows,
 * the caller decides in each store's country which are really the person's.
 */
export function rowsWithPhones(schema: string, table: { table: string; number: string; store: string }, phone: string, variants: readonly string[]): Statement {
  return {
    text: /* SQL */ `SELECT ${table.number} AS number, ${table.store} AS store_code, ${phone} AS phone
      FROM ${schema}.${table.table} WHERE ${stripped(phone)} = ANY($1::text[]) FOR UPDATE`,
    values: [variants],
  };
}

/** The customer-table rows whose phone is one of `variants`, or whose id is one of `ids`, locked. */
export function clientsToErase(schema: string, clients: PhonesInClientTable, variants: readonly string[], ids: readonly number[]): Statement {
  return {
    text: /* SQL */ `SELECT ${clients.id} AS client_id, ${clients.phone} AS phone FROM ${schema}.${clients.table}
      WHERE ${stripped(clients.phone)} = ANY($1::text[]) OR ${clients.id} = ANY($2::int[]) FOR UPDATE`,
    values: [variants, ids],
  };
}

/**
 * Blanks the clients: the phone empty (the column takes no null: a filed client always had a
 * phone), the name null. A client already blank is left alone, so a repeat changes nothing.
 */
export function blankClients(schema: string, clients: PhonesInClientTable, ids: readonly number[]): Statement {
  return {
    text: /* SQL */ `UPDATE ${schema}.${clients.table} SET ${clients.phone} = '', ${clients.name} = NULL
      WHERE ${clients.id} = ANY($1::int[]) AND (${clients.phone} <> '' OR ${clients.name} IS NOT NULL) RETURNING ${clients.id} AS client_id`,
    values: [ids],
  };
}

/**
 * Sets `column` to null on the rows where `where` is one of `values` and `column` holds
 * something: a repeat changes nothing. Returns each changed row's `returning` columns.
 */
export function clearColumn(
  schema: string,
  table: string,
  column: string,
  where: { column: string; values: readonly (string | number)[]; type: 'text' | 'int' },
  returning: Readonly<Record<string, string>>,
): Statement {
  const output = Object.entries(returning).map(([name, expression]) => `${expression} AS ${name}`);
  return {
    text: /* SQL */ `UPDATE ${schema}.${table} SET ${column} = NULL
      WHERE ${where.column} = ANY($1::${where.type}[]) AND ${column} IS NOT NULL RETURNING ${output.join(', ')}`,
    values: [where.values],
  };
}

/** The returns recorded against these receipts: they show their receipt's card and phone, so the POS subgraph's copies of them must go. */
export function returnsOfReceipts(layout: WriteLayout, schema: string, receiptNumbers: readonly string[]): Statement {
  const r = layout.returns;
  return {
    text: /* SQL */ `SELECT ${r.number} AS number, ${r.receipt} AS receipt FROM ${schema}.${r.table} WHERE ${r.receipt} = ANY($1::text[])`,
    values: [receiptNumbers],
  };
}
