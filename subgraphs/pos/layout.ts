import type { Directory } from './directory.js';
import type {
  FranchiseEntry,
  PriceRecord,
  PromotionRecord,
  QuoteRecord,
  StockLineRecord,
  StockRecord,
  StoreReturnRecord,
  StoreSaleRecord,
} from './records.js';

/** One SQL statement with its `$n` parameters. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** The till identities a batch looks for in one franchise database. */
export interface IdentityFilter {
  cards: string[];
  /** Phone forms with the separators stripped ({@link phoneVariants}). */
  phones: string[];
  /** OUE customer-table ids. */
  clientIds: number[];
}

/**
 * The statements a franchise database answers, in its own layout. Each takes a whole batch
 * (`= ANY($1)`), so that a batch costs one statement per franchise.
 */
export interface LayoutQueries {
  salesByNumber(schema: string, numbers: string[]): Statement;
  salesFor(schema: string, filter: IdentityFilter): Statement;
  /** Returns carrying a card, or made against a receipt of the identities. */
  returnsFor(schema: string, filter: IdentityFilter): Statement;
  returnsByNumber(schema: string, numbers: string[]): Statement;
  /** Returns made against these receipts (of any franchise: a return can be made anywhere). */
  returnsOfReceipts(schema: string, receiptNumbers: string[]): Statement;
  /** Returns made against these web orders. */
  returnsOfWebOrders(schema: string, webOrderNumbers: string[]): Statement;
  quotesByNumber(schema: string, numbers: string[]): Statement;
  quotesFor(schema: string, filter: IdentityFilter): Statement;
  /** Every quote prepared in these stores. */
  quotesOfStores(schema: string, stores: string[]): Statement;
  /** `stores` null: every store of the franchise. */
  stock(schema: string, eans: string[], stores: string[] | null): Statement;
  /** Stock in every store of the franchise held under one of the EANs or one of its own local codes. */
  stockByCodes(schema: string, eans: string[], localCodes: string[]): Statement;
  prices(schema: string, eans: string[], stores: string[] | null): Statement;
  /** One row per promotion and item EAN, each with the promotion's whole item list (`items`). */
  promotionsForItems(schema: string, eans: string[], stores: string[] | null): Statement;
  /**
   * What `prices` and `promotionsForItems` answer, in one statement: rows `row_kind` (`price`,
   * `promotion`) and `data`, the canonical row as JSON (a promotion's with `ean` and `items`).
   */
  itemPricing(schema: string, eans: string[], stores: string[] | null): Statement;
  /** Promotions of the stores and those of the whole franchise, each with its whole item list. */
  promotionsForStores(schema: string, stores: string[]): Statement;
  /**
   * What the price engine needs of a batch of items, in one statement: the stock rows, the
   * price rows (past and future) and the promotion rows (one per promotion and item asked
   * for, with the whole item list) held under one of the EANs or one of the franchise's own
   * local codes, in the stores (`stores` null: every store; a franchise-wide promotion always).
   * Each row is `row_kind` (`stock`, `price`, `promotion`) and `data`, the canonical row as JSON.
   */
  storePricing(schema: string, eans: string[], localCodes: string[], stores: string[] | null): Statement;
  /**
   * One page of the franchise's price sheet: the first `limit` (store, item code) pairs after
   * `after` in (item code, store) order, an item code being the EAN a stock or price row is
   * kept under, else its local code. One row per pair and price row (`sheet_store`,
   * `sheet_item`, `stocked`, then the price row's canonical columns, null without one).
   */
  priceSheetPage(schema: string, after: { itemCode: string; storeCode: string } | null, limit: number): Statement;
  /** Every promotion of the franchise, whatever its validity, with its whole item list. */
  franchisePromotions(schema: string): Statement;
}

/** What a mapper may need beyond the row. */
export interface MapContext {
  franchise: FranchiseEntry;
  directory: Directory;
}

export type Row = Record<string, unknown>;

/** What the mappers of items (stock, prices, promotions) need beyond the row: the franchise only. */
export type ItemContext = Pick<MapContext, 'franchise'>;

/** Turns one layout's rows into the graph's shapes. Throws on a row it cannot read. */
export interface LayoutMapper {
  sale(row: Row, context: MapContext): StoreSaleRecord;
  storeReturn(row: Row, context: MapContext): StoreReturnRecord;
  quote(row: Row, context: MapContext): QuoteRecord;
  /** Null for a row whose EAN is not a valid GTIN (no product can ask for it). */
  stock(row: Row, context: ItemContext): StockRecord | null;
  /** A stock row with the codes it is held under; null when it has neither a valid GTIN nor a local code. */
  stockLine(row: Row, context: ItemContext): StockLineRecord | null;
  /** A price row under its GTIN or its local code; null when it has neither. */
  price(row: Row, context: ItemContext): PriceRecord | null;
  promotion(row: Row, context: ItemContext): PromotionRecord;
}

/** A till vendor's database layout, named as `pos_directory.franchises.layout` names it. */
export interface PosLayout {
  name: string;
  queries: LayoutQueries;
  mapper: LayoutMapper;
}

/** One way a row can match a batch: its values (one array parameter) and its SQL condition. */
export interface Branch {
  values: readonly unknown[];
  /** The condition, given the parameter's placeholder (`$1`); it may use it more than once. */
  condition(param: string): string;
}

/**
 * `select` filtered by the branches that have values, joined by OR, their parameters
 * numbered in order. Leaving out the empty ones keeps each statement indexable: a batch of
 * cards alone is not slowed down by the phone condition, which no index serves.
 */
export function selectWhereAny(select: string, branches: readonly Branch[]): Statement {
  const used = branches.filter((branch) => branch.values.length > 0);
  if (used.length === 0) return { text: `${select} WHERE false`, values: [] };
  return {
    text: `${select} WHERE ${used.map((branch, i) => `(${branch.condition(`$${i + 1}`)})`).join(' OR ')}`,
    values: used.map((branch) => branch.values),
  };
}
