import { accessDenied, type Principal } from '../shared/principal.js';
import type { PosLoaders } from './loaders.js';

/**
 * What of the franchises' data a principal sees beyond what `@access` lets its role read: a
 * partner (one franchise's integration) sees its own franchise's receipts, returns, quotes,
 * stock and prices, by any path; an associate looks up receipts and quotes of their own store
 * by number (a recognised customer's history reaches them through the customer instead).
 */

/** A receipt, return or quote: where it was made. */
interface StoreRecord {
  franchise: string;
  storeCode: string;
}

/** How the record was reached: a number typed in (`lookup`), or a reference handed over by another subgraph. */
export type Reach = 'lookup' | 'reference';

/** The record, or a refusal when the principal may not see it (the field is then null with FORBIDDEN). */
export function visibleRecord<R extends StoreRecord>(principal: Principal, record: R | null, what: string, reach: Reach): R | null {
  if (record === null) return null;
  if (principal.role === 'partner' && record.franchise !== principal.franchise) {
    throw accessDenied(principal, `${what} belongs to another franchise than ${principal.franchise}'s`);
  }
  if (principal.role === 'associate' && reach === 'lookup' && record.storeCode !== principal.store) {
    throw accessDenied(principal, `${what} was made in another store than ${principal.store}: look the customer up to see their history`);
  }
  return record;
}

/** The store codes a partner's rows are limited to; null when the principal is not limited to a franchise. */
export async function partnerStores(principal: Principal, loaders: PosLoaders): Promise<ReadonlySet<string> | null> {
  if (principal.role !== 'partner') return null;
  const directory = await loaders.directory();
  return new Set(directory.storesOf(principal.franchise ?? '').map((store) => store.code));
}

/** Rows of the stores the principal may see. */
export async function ownStoreRows<R extends { storeCode: string }>(principal: Principal, loaders: PosLoaders, rows: R[]): Promise<R[]> {
  const stores = await partnerStores(principal, loaders);
  return stores === null ? rows : rows.filter((row) => stores.has(row.storeCode));
}
