import type { Money } from '../../utilities/money.js';
import type { Promotion } from '../shared/promotions.js';

/**
 * The POS records in the graph's shapes, as the layout mappers produce them. They are plain
 * JSON (instants as ISO strings) because the cross-request cache stores them.
 */

/** A franchisee, as the directory lists it. */
export interface FranchiseEntry {
  code: string;
  name: string;
  /** The schema that holds its database. */
  schema: string;
  /** Which till vendor's layout the schema follows (a key of the layout registry). */
  layout: string;
}

/** A store, as the directory lists it. */
export interface StoreEntry {
  code: string;
  franchise: string;
  name: string;
  city: string;
  postcode: string;
  country: string;
  clickAndCollect: boolean;
  location: { latitude: number; longitude: number } | null;
}

export interface DirectoryData {
  franchises: FranchiseEntry[];
  stores: StoreEntry[];
}

export interface SellerRecord {
  code: string;
  name: string | null;
}

/**
 * A line's product as the tills name it: the catalogue resolves `tillRef` (the franchise and
 * the code rung up, an EAN or a local code), the POS itself answers by `gtin`.
 */
export interface TillProduct {
  gtin: string | null;
  tillRef: string;
}

/** The graph's `OrderLine`. */
export interface OrderLineRecord {
  lineNumber: number;
  product: TillProduct | null;
  sku: null;
  gtin: string | null;
  localCode: string | null;
  label: string | null;
  quantity: number;
  unitPrice: Money;
  discount: Money | null;
  lineTotal: Money;
}

/**
 * A web order as the POS knows it: by the number a till keyed, or as the planner hands it over
 * with its lines' quantities (`returnState` requires them).
 */
export interface WebOrderReference {
  number: string;
  lines?: { quantity: number }[];
}

/** Who a record belongs to, as the till knew them: what POS identities match it. Not served. */
export interface Holder {
  /** Loyalty cards on the record (a return also carries its receipt's). */
  cards: string[];
  /** E.164. */
  phone: string | null;
  /** OUE's customer-table id. */
  clientId: number | null;
}

export interface StoreSaleRecord {
  id: string;
  number: string;
  channel: 'STORE';
  franchise: string;
  storeCode: string;
  seller: SellerRecord | null;
  placedAt: string;
  total: Money;
  cardNumber: string | null;
  phone: string | null;
  lines: OrderLineRecord[];
  holder: Holder;
}

export interface StoreReturnLineRecord {
  lineNumber: number;
  product: TillProduct | null;
  gtin: string | null;
  localCode: string | null;
  quantity: number;
  refund: Money;
  restock: boolean;
}

export interface StoreReturnRecord {
  number: string;
  franchise: string;
  storeCode: string;
  seller: SellerRecord | null;
  returnedAt: string;
  receiptNumber: string | null;
  webOrderNumber: string | null;
  cardNumber: string | null;
  refund: Money;
  lines: StoreReturnLineRecord[];
  holder: Holder;
}

export type QuoteStatus = 'OPEN' | 'CONVERTED_IN_STORE' | 'CONVERTED_ONLINE' | 'EXPIRED';

export interface QuoteRecord {
  number: string;
  franchise: string;
  storeCode: string;
  seller: SellerRecord | null;
  createdAt: string;
  validUntil: string;
  status: QuoteStatus;
  /** The web order that finished it online, as the till recorded it. */
  webOrderNumber: string | null;
  cardNumber: string | null;
  phone: string | null;
  lines: OrderLineRecord[];
  total: Money;
  holder: Holder;
}

/** One stock level of a GTIN in a store. */
export interface StockRecord {
  storeCode: string;
  /** GTIN-14, to compare with the requested product whatever length each side wrote. */
  gtin14: string;
  quantity: number;
  updatedAt: string;
}

/** A stock row with the codes it is held under, before it is matched to a product. */
export interface StockLineRecord {
  storeCode: string;
  /** The EAN as the till keyed it, when it is a valid GTIN. */
  ean: string | null;
  /** Its GTIN-14 form, to compare with the requested product. */
  gtin14: string | null;
  /** The franchise's own code. */
  localCode: string | null;
  quantity: number;
  updatedAt: string;
}

/** One store's stock of a product, found by its GTIN or by one of its franchise's local codes. */
export interface AvailabilityRecord {
  storeCode: string;
  /** The code the stock is held under: the EAN as keyed, or the local code. */
  code: string;
  quantity: number;
  updatedAt: string;
}

/** One price row of a store, kept under a GTIN or under the franchise's own local code. */
export interface PriceRecord {
  storeCode: string;
  /** GTIN-14 of the row's EAN when it is a valid GTIN; null for a row kept under a local code. */
  gtin14: string | null;
  /** The franchise's own code for the item (or the code keyed in place of an EAN that is no valid GTIN); null otherwise. */
  localCode: string | null;
  price: Money;
  validFrom: string;
  /** Null: until further notice. */
  validTo: string | null;
}

/** What a promotion does, as a layout reads its kind and value: the promotion's kind and the fields it uses. */
export type PromotionTerms = Pick<Promotion, 'kind'> &
  Partial<Pick<Promotion, 'percentOff' | 'amountOff' | 'fixedPrice' | 'buyQuantity' | 'payQuantity' | 'pointsMultiplier'>>;

/** A promotion and where it applies. */
export interface PromotionRecord {
  /** The graph's promotion (`pos:<franchise>:<id>`), its whole item list in `scope.gtins`. */
  promotion: Promotion;
  franchise: string;
  /** Null: every store of the franchise. */
  storeCode: string | null;
  /** GTIN-14 of the item the row was found for; null when looked up by store, or when that item is no valid GTIN. */
  gtin14: string | null;
  /** The item code the row was found for, as the till keeps it; null when looked up by store. */
  itemCode: string | null;
}

/**
 * What the price engine needs of one item in one store where it is sold (it has a stock row
 * or a price row there): `storePricing` loader.
 */
export interface StorePricingRecord {
  storeCode: string;
  franchise: string;
  /** Every price row of the item in the store, past and future, by its GTIN or its franchise's local code; by `validFrom`. */
  prices: PriceRecord[];
  /** Whether the store has a stock row for it (a quantity of 0 included). */
  stocked: boolean;
  /** The franchise's promotions covering the item in that store (the store's own and the franchise-wide ones), whatever their validity; by start, then id. */
  promotions: Promotion[];
}

/** Where a franchise's price sheet is read from: the (item code, store) it stopped after. */
export interface PriceSheetCursor {
  itemCode: string;
  storeCode: string;
}

/** One (store, item code) of a franchise's price sheet. */
export interface PriceSheetEntry {
  storeCode: string;
  /** The code the store keeps the item's rows under: the EAN as keyed, else the franchise's local code. */
  itemCode: string;
  /** GTIN-14 of `itemCode` when it is a valid GTIN; null for a local code. */
  gtin14: string | null;
  /** Every price row of the item in the store, past and future, by `validFrom`. */
  prices: PriceRecord[];
  /** Whether the store has a stock row for it. */
  stocked: boolean;
}

/** One page of a franchise's price sheet, in (item code, store) order. */
export interface PriceSheetPage {
  franchise: string;
  entries: PriceSheetEntry[];
  /** Pass as `after` for the next page; null when this page is the last. */
  next: PriceSheetCursor | null;
  /** The franchise's promotions, each with its full item list (`scope.gtins`): on the first page (no `after`) only, null on the others. */
  promotions: Promotion[] | null;
}
