import type {
  Franchise,
  PosClient,
  PosPrice,
  PosPromotion,
  PosQuote,
  PosReceipt,
  PosReturn,
  PosStock,
  PosVisitRating,
  Seller,
  Store,
} from '../generator/model.js';
import type { BulkInsert } from './bulkInsert.js';
import type { SqlExecutor } from './sqlDatabase.js';

/** Everything one franchisee's database holds, in the estate's logical shape. */
export interface FranchiseRecords {
  franchise: Franchise;
  stores: Store[];
  sellers: Seller[];
  clients: PosClient[];
  receipts: PosReceipt[];
  returns: PosReturn[];
  quotes: PosQuote[];
  stock: PosStock[];
  prices: PosPrice[];
  promotions: PosPromotion[];
  /** The post-visit survey's answers (none for an estate generated before them). */
  ratings: PosVisitRating[];
}

/**
 * How one franchisee lays its database out. Each franchise bought its till software from a
 * different vendor, so table names, money and time types differ; a client reads
 * `pos_directory.franchises.layout` to know which of these it is talking to.
 */
export interface FranchiseLayout {
  /** The name recorded in the directory. */
  name: string;
  /** Creates the schema and its tables, without keys or indexes (they come after the load). */
  tables(schema: string): string;
  /** Primary keys, foreign keys and the indexes the POS subgraph's batched queries need. */
  indexes(schema: string): string;
  /** Bulk-inserts the records; returns the rows written per table. */
  load(insert: BulkInsert, schema: string, records: FranchiseRecords): Promise<Record<string, number>>;
  /**
   * In-place upgrades, by the `LAYOUT_VERSION` they bring a schema to from the one before:
   * each changes the tables a loaded schema has (and fills what is new from `records`, the
   * same dataset's) while keeping every row, those written through the wire since the load
   * included. A version this lists for every layout is migrated; otherwise the dataset is reloaded.
   */
  upgrades?: Readonly<Record<number, LayoutUpgrade>>;
}

export type LayoutUpgrade = (tx: SqlExecutor, schema: string, records: FranchiseRecords) => Promise<void>;
