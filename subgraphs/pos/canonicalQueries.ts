import { selectWhereAny, type Branch, type IdentityFilter, type LayoutQueries } from './layout.js';

/**
 * The canonical row shape of each statement, column by column: a layout gives, for every
 * column, the SQL expression that reads it from its own tables. `canonicalMapper` reads these
 * columns and nothing else.
 */
export interface SaleColumns {
  number: string;
  store_code: string;
  seller_code: string;
  seller_name: string;
  placed_at: string;
  card_number: string;
  phone: string;
  /** Only a layout with a customer table has one. */
  client_id?: string;
  currency: string;
  total: string;
  /** A JSON array of {@link SaleLineColumns}, in line order. */
  lines: string;
}

export interface ReturnColumns {
  number: string;
  store_code: string;
  seller_code: string;
  seller_name: string;
  returned_at: string;
  receipt_number: string;
  web_order_number: string;
  card_number: string;
  refund: string;
  /** The receipt's currency, card, phone and customer: the holder of a return is the receipt's. */
  receipt_currency: string;
  receipt_card_number: string;
  receipt_phone: string;
  receipt_client_id?: string;
  /** A JSON array of {@link ReturnLineColumns}, in line order. */
  lines: string;
}

export interface QuoteColumns {
  number: string;
  store_code: string;
  seller_code: string;
  seller_name: string;
  created_at: string;
  valid_until: string;
  status: string;
  /** The web order that finished the quote online, as the till recorded it. */
  web_order_number: string;
  card_number: string;
  phone: string;
  client_id?: string;
  /** A JSON array of {@link QuoteLineColumns}, in line order. */
  lines: string;
}

export interface StockColumns {
  store_code: string;
  ean: string;
  /** The franchise's own code, for goods it stocks under a code of its own rather than an EAN. */
  local_code: string;
  quantity: string;
  updated_at: string;
}

export interface PriceColumns {
  store_code: string;
  ean: string;
  /** The franchise's own code, for goods it prices under a code of its own rather than an EAN. */
  local_code: string;
  price: string;
  valid_from: string;
  valid_to: string;
}

export interface PromotionColumns {
  id: string;
  store_code: string;
  title: string;
  kind: string;
  value: string;
  starts_at: string;
  ends_at: string;
}

/** The keys of the JSON objects a `lines` column aggregates. */
export interface SaleLineColumns {
  line_no: string;
  ean: string;
  local_code: string;
  label: string;
  quantity: string;
  unit_price: string;
  discount: string;
}

export interface ReturnLineColumns {
  line_no: string;
  ean: string;
  local_code: string;
  quantity: string;
  refund: string;
  restock: string;
}

export interface QuoteLineColumns {
  line_no: string;
  ean: string;
  local_code: string;
  quantity: string;
  unit_price: string;
}

/** Sales, returns and quotes: read by number, or by the identities that hold them. */
export interface RecordSource<Columns> {
  columns(schema: string): Columns;
  /** The FROM clause, joins included. */
  from(schema: string): string;
  /** The record number's column, for `… = ANY($1)`. */
  number: string;
  /** The card columns a row matches a card by. */
  cards: readonly string[];
  /** The condition matching a row to the phones in `param`. */
  phones(schema: string, param: string): string;
  /** The customer-table id column, in a layout that has one. */
  clientId?: string;
}

/** Stock and prices: one table, read by EAN and store. */
export interface ItemSource<Columns extends { store_code: string; ean: string }> {
  columns: Columns;
  table(schema: string): string;
}

/** Promotions, with the table that lists their items. */
export interface PromotionSource {
  columns: PromotionColumns;
  /** The promotions table with its alias. */
  table(schema: string): string;
  /** The item table with its alias. */
  itemTable(schema: string): string;
  /** The condition joining an item row to its promotion, by the two aliases. */
  itemOf: string;
  /** The item table's EAN column. */
  itemEan: string;
}

export interface LayoutSql {
  sale: RecordSource<SaleColumns>;
  storeReturn: RecordSource<ReturnColumns>;
  quote: RecordSource<QuoteColumns>;
  stock: ItemSource<StockColumns>;
  price: ItemSource<PriceColumns>;
  promotion: PromotionSource;
}

/** The till phone with its separators stripped, to compare with {@link phoneVariants}. */
export const stripped = (column: string): string => `regexp_replace(${column}, '[^0-9+]', '', 'g')`;

/** Phones kept on the row itself, in `column`. */
export const phoneColumn = (column: string) => (_schema: string, param: string): string => `${stripped(column)} = ANY(${param}::text[])`;

/** `expression AS column`, for each canonical column. */
function selectList(columns: object): string {
  return Object.entries(columns)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([column, expression]) => `${expression} AS ${column}`)
    .join(', ');
}

/** A `lines` column: the rows of `from` as JSON objects with canonical keys, ordered by `orderBy`. */
export function jsonLines(columns: SaleLineColumns | ReturnLineColumns | QuoteLineColumns, from: string, orderBy: string): string {
  const fields = Object.entries(columns).map(([key, expression]) => `'${key}', ${expression}`);
  return `COALESCE((SELECT json_agg(json_build_object(${fields.join(', ')}) ORDER BY ${orderBy}) FROM ${from}), '[]')`;
}

const select = <C>(source: RecordSource<C>, s: string): string => /* SQL */ `SELECT ${selectList(source.columns(s) as object)} FROM ${source.from(s)}`;

function byNumber<C>(source: RecordSource<C>) {
  return (s: string, numbers: string[]) => ({ text: `${select(source, s)} WHERE ${source.number} = ANY($1::text[])`, values: [numbers] });
}

/** Records whose `column` (a canonical column's expression) is one of the values. */
function byColumn<C>(source: RecordSource<C>, column: (columns: C) => string) {
  return (s: string, values: string[]) => ({ text: `${select(source, s)} WHERE ${column(source.columns(s))} = ANY($1::text[])`, values: [values] });
}

function byIdentity<C>(source: RecordSource<C>) {
  return (s: string, f: IdentityFilter) => {
    const branches: Branch[] = [
      { values: f.cards, condition: (p) => source.cards.map((column) => `${column} = ANY(${p}::text[])`).join(' OR ') },
      { values: f.phones, condition: (p) => source.phones(s, p) },
    ];
    const { clientId } = source;
    if (clientId) branches.push({ values: f.clientIds, condition: (p) => `${clientId} = ANY(${p}::int[])` });
    return selectWhereAny(select(source, s), branches);
  };
}

function byItem<C extends { store_code: string; ean: string }>({ columns, table }: ItemSource<C>) {
  return (s: string, eans: string[], stores: string[] | null) => ({
    text: /* SQL */ `SELECT ${selectList(columns)} FROM ${table(s)}
      WHERE ${columns.ean} = ANY($1::text[]) AND ($2::text[] IS NULL OR ${columns.store_code} = ANY($2::text[]))`,
    values: [eans, stores],
  });
}

/**
 * Stock held under any of the EANs or under any of the franchise's local codes: one statement
 * for a batch of products, each branch left out when it has no values (`selectWhereAny`), so
 * that each stays served by its own index.
 */
function stockByCodes({ columns, table }: ItemSource<StockColumns>) {
  return (s: string, eans: string[], localCodes: string[]) =>
    selectWhereAny(/* SQL */ `SELECT ${selectList(columns)} FROM ${table(s)}`, [
      { values: eans, condition: (p) => `${columns.ean} = ANY(${p}::text[])` },
      { values: localCodes, condition: (p) => `${columns.local_code} = ANY(${p}::text[])` },
    ]);
}

/** `json_build_object` of canonical columns: a row of one kind inside a statement that returns several. */
function jsonObject(columns: object): string {
  const fields = Object.entries(columns)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([column, expression]) => `'${column}', ${expression}`);
  return `json_build_object(${fields.join(', ')})`;
}

/**
 * The promotion's whole item list, as a JSON array of its distinct codes. A correlated
 * subquery: its own alias of the item table hides the outer one, if any.
 */
function promotionItems({ itemTable, itemOf, itemEan }: PromotionSource, s: string): string {
  return `COALESCE((SELECT json_agg(DISTINCT ${itemEan} ORDER BY ${itemEan}) FROM ${itemTable(s)} WHERE ${itemOf}), '[]'::json)`;
}

/**
 * The batch of {@link LayoutQueries.storePricing}: stock, price and promotion rows of the items
 * in one statement. Rows of three shapes travel as JSON (`data`) under their `row_kind`.
 * `$1` the EAN forms, `$2` the franchise's local codes, `$3` the stores or null.
 */
function storePricing(sql: LayoutSql) {
  const item = ({ columns }: ItemSource<StockColumns | PriceColumns>) =>
    `(${columns.ean} = ANY($1::text[]) OR ${columns.local_code} = ANY($2::text[])) AND ($3::text[] IS NULL OR ${columns.store_code} = ANY($3::text[]))`;
  const promotion = sql.promotion;
  const store = promotion.columns.store_code;
  return (s: string, eans: string[], localCodes: string[], stores: string[] | null) => ({
    text: /* SQL */ `SELECT 'stock' AS row_kind, ${jsonObject(sql.stock.columns)} AS data FROM ${sql.stock.table(s)} WHERE ${item(sql.stock)}
      UNION ALL
      SELECT 'price' AS row_kind, ${jsonObject(sql.price.columns)} AS data FROM ${sql.price.table(s)} WHERE ${item(sql.price)}
      UNION ALL
      SELECT 'promotion' AS row_kind,
        ${jsonObject({ ...promotion.columns, ean: promotion.itemEan, items: promotionItems(promotion, s) })} AS data
      FROM ${promotion.table(s)} JOIN ${promotion.itemTable(s)} ON ${promotion.itemOf}
      WHERE (${promotion.itemEan} = ANY($1::text[]) OR ${promotion.itemEan} = ANY($2::text[]))
        AND ($3::text[] IS NULL OR ${store} IS NULL OR ${store} = ANY($3::text[]))`,
    values: [eans, localCodes, stores],
  });
}

/**
 * The batch of {@link LayoutQueries.itemPricing}: the rows of `prices` and `promotionsForItems`
 * in one statement, as JSON (`data`) under their `row_kind`. `$1` the EAN forms, `$2` the
 * stores or null (a franchise-wide promotion always).
 */
function itemPricing(sql: LayoutSql) {
  const { price, promotion } = sql;
  const store = promotion.columns.store_code;
  return (s: string, eans: string[], stores: string[] | null) => ({
    text: /* SQL */ `SELECT 'price' AS row_kind, ${jsonObject(price.columns)} AS data FROM ${price.table(s)}
      WHERE ${price.columns.ean} = ANY($1::text[]) AND ($2::text[] IS NULL OR ${price.columns.store_code} = ANY($2::text[]))
      UNION ALL
      SELECT 'promotion' AS row_kind,
        ${jsonObject({ ...promotion.columns, ean: promotion.itemEan, items: promotionItems(promotion, s) })} AS data
      FROM ${promotion.table(s)} JOIN ${promotion.itemTable(s)} ON ${promotion.itemOf}
      WHERE ${promotion.itemEan} = ANY($1::text[]) AND ($2::text[] IS NULL OR ${store} IS NULL OR ${store} = ANY($2::text[]))`,
    values: [eans, stores],
  });
}

/**
 * A page of {@link LayoutQueries.priceSheetPage}. Each table gives its first `limit` distinct
 * (store, item code) pairs after the cursor (`$1` item code, `$2` store, null: from the start),
 * the page keeps the first `limit` of both, and each pair comes back with whether a stock row
 * has it and with each of its price rows (a pair without a price row once, its price columns
 * null). What the database sorts is bounded by the page, not by the franchise.
 */
function priceSheetPage({ stock, price }: LayoutSql) {
  const code = (c: StockColumns | PriceColumns) => `COALESCE(${c.ean}, ${c.local_code})`;
  const firstPairs = ({ columns, table }: ItemSource<StockColumns | PriceColumns>, s: string) => /* SQL */ `(
      SELECT DISTINCT ${columns.store_code} AS sheet_store, ${code(columns)} AS sheet_item FROM ${table(s)}
      WHERE ${code(columns)} IS NOT NULL AND ($1::text IS NULL OR (${code(columns)}, ${columns.store_code}) > ($1::text, $2::text))
      ORDER BY sheet_item, sheet_store LIMIT $3::int)`;
  return (s: string, after: { itemCode: string; storeCode: string } | null, limit: number) => ({
    text: /* SQL */ `WITH page AS (
        SELECT sheet_store, sheet_item FROM (${firstPairs(stock, s)} UNION ${firstPairs(price, s)}) pairs
        ORDER BY sheet_item, sheet_store LIMIT $3::int)
      SELECT page.sheet_store, page.sheet_item,
        EXISTS (SELECT 1 FROM ${stock.table(s)} WHERE ${stock.columns.store_code} = page.sheet_store AND ${code(stock.columns)} = page.sheet_item) AS stocked,
        ${selectList(price.columns)}
      FROM page LEFT JOIN ${price.table(s)} ON ${price.columns.store_code} = page.sheet_store AND ${code(price.columns)} = page.sheet_item
      ORDER BY page.sheet_item, page.sheet_store`,
    values: [after?.itemCode ?? null, after?.storeCode ?? null, limit],
  });
}

/** The statements of a layout, from its canonical columns and tables. */
export function canonicalQueries(sql: LayoutSql): LayoutQueries {
  const { columns, table, itemTable, itemOf, itemEan } = sql.promotion;
  const store = columns.store_code;
  return {
    salesByNumber: byNumber(sql.sale),
    salesFor: byIdentity(sql.sale),
    returnsFor: byIdentity(sql.storeReturn),
    returnsByNumber: byNumber(sql.storeReturn),
    returnsOfReceipts: byColumn(sql.storeReturn, (c) => c.receipt_number),
    returnsOfWebOrders: byColumn(sql.storeReturn, (c) => c.web_order_number),
    quotesByNumber: byNumber(sql.quote),
    quotesFor: byIdentity(sql.quote),
    quotesOfStores: byColumn(sql.quote, (c) => c.store_code),
    stock: byItem(sql.stock),
    stockByCodes: stockByCodes(sql.stock),
    prices: byItem(sql.price),
    promotionsForItems: (s, eans, stores) => ({
      text: /* SQL */ `SELECT ${selectList(columns)}, ${itemEan} AS ean, ${promotionItems(sql.promotion, s)} AS items
      FROM ${table(s)} JOIN ${itemTable(s)} ON ${itemOf}
      WHERE ${itemEan} = ANY($1::text[]) AND ($2::text[] IS NULL OR ${store} IS NULL OR ${store} = ANY($2::text[]))`,
      values: [eans, stores],
    }),
    promotionsForStores: (s, stores) => ({
      text: /* SQL */ `SELECT ${selectList(columns)}, NULL::text AS ean, ${promotionItems(sql.promotion, s)} AS items FROM ${table(s)}
      WHERE ${store} IS NULL OR ${store} = ANY($1::text[])`,
      values: [stores],
    }),
    itemPricing: itemPricing(sql),
    storePricing: storePricing(sql),
    priceSheetPage: priceSheetPage(sql),
    franchisePromotions: (s) => ({
      text: /* SQL */ `SELECT ${selectList(columns)}, NULL::text AS ean, ${promotionItems(sql.promotion, s)} AS items FROM ${table(s)} ORDER BY ${columns.id}`,
      values: [],
    }),
  };
}
