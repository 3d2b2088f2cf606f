import type { PosVisitRating } from '../generator/model.js';
import { bulkInsert, type BulkColumn, type BulkInsert } from './bulkInsert.js';
import type { LayoutUpgrade } from './franchiseLayout.js';

/** The small integer column of a score. */
export const scoreColumn = (name: string): BulkColumn => ({ name, type: 'int2' });

/**
 * Where a franchise's till back-office files the answers to its post-visit survey (the text
 * sent after a receipt with a phone). Each vendor added its own table, on its own scale:
 *
 * | | table | receipt | store | instant | score | comment | client |
 * |---|---|---|---|---|---|---|---|
 * | NRD | `visit_ratings` | `receipt_no` | `store_code` | `rated_at` timestamptz | `rating` 1–5 | `comment` | |
 * | SUD | `avis_clients` | `num_ticket` | `code_magasin` | `date_reponse` Paris wall clock | `note` 0–10 | `commentaire` | |
 * | OUE | `survey_answer` | `sale_ref` | `shop_code` | `answer_ts` timestamptz | `stars` 1–5 | `remark` | `client_id` |
 */
export interface RatingsTable {
  table: string;
  /** The table, without keys (they come after the load, like every other table's). */
  create(schema: string): string;
  indexes(schema: string): string;
  columns: readonly BulkColumn[];
  row(rating: PosVisitRating): unknown[];
}

export function loadRatings(insert: BulkInsert, schema: string, where: RatingsTable, ratings: readonly PosVisitRating[]): Promise<number> {
  return insert(`${schema}.${where.table}`, where.columns, ratings.map(where.row));
}

/**
 * LAYOUT_VERSION 3: the tills file the post-visit survey's answers. Creates the table in a
 * schema loaded under version 2 and fills it from the dataset (none for an estate generated
 * before the answers were), keeping every row written since the load.
 */
export function addRatingsTable(where: RatingsTable): LayoutUpgrade {
  return async (tx, schema, records) => {
    await tx.exec(`${where.create(schema)}\n${where.indexes(schema)}`);
    await bulkInsert(tx, `${schema}.${where.table}`, where.columns, records.ratings.map(where.row));
  };
}
