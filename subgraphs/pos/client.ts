import pg from 'pg';
import { SourceFailure, sourceError } from '../shared/errors.js';
import { pgFailure, untilAborted } from '../shared/postgres.js';
import type { Promotion } from '../shared/promotions.js';
import type { LegacySource } from '../shared/source.js';
import type { IdentityFilter, ItemContext, LayoutMapper, LayoutQueries, Row, Statement } from './layout.js';
import { layoutFor } from './layouts.js';
import { gtin14Of } from './mapping.js';
import { ratingsOfReceipts, ratingsOfStores } from './ratings.js';
import type { FranchiseEntry, PriceRecord, PriceSheetCursor, PriceSheetEntry, PriceSheetPage } from './records.js';

/** Most (store, item code) pairs one page of a franchise's price sheet holds. */
export const PRICE_SHEET_PAGE_LIMIT = 5000;

/** The directory's schema name before any prefix. */
export const DIRECTORY_SCHEMA = 'pos_directory';

export interface PosClientOptions {
  /** The POS database, `postgres://user@host:port/database`. */
  url: string;
  /** Put in front of `pos_directory` (several datasets sharing one database). Default ''. */
  schemaPrefix?: string;
  /** Per statement: the database cancels it (`statement_timeout`) and the client stops waiting. */
  timeoutMs: number;
  /** Connections at most. Default 10. */
  poolSize?: number;
}

/**
 * The franchise POS databases as SQL: one pool to the PostgreSQL endpoint that holds every
 * franchise's schema, one statement per call, each through the source (timeout, retries,
 * breaker). It answers rows in each layout's own column names; the layout mappers read them.
 */
export class PosClient {
  private readonly pool: pg.Pool;
  private readonly directorySchema: string;

  constructor(
    private readonly source: LegacySource,
    { url, schemaPrefix = '', timeoutMs, poolSize = 10 }: PosClientOptions,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(`${schemaPrefix}${DIRECTORY_SCHEMA}`)) {
      throw new RangeError(`schemaPrefix must be lower-case letters, digits and underscores, got ${JSON.stringify(schemaPrefix)}`);
    }
    this.directorySchema = `${schemaPrefix}${DIRECTORY_SCHEMA}`;
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      statement_timeout: timeoutMs,
      // The source gives up at its own timeout; this frees the connection of a statement never answered.
      query_timeout: timeoutMs * 2,
      connectionTimeoutMillis: timeoutMs,
      application_name: 'crosscanal-pos-subgraph',
    });
    // A connection the database dropped while idle: the pool discards it and the next call opens another.
    this.pool.on('error', () => undefined);
  }

  /** The directory's franchises and stores, in one statement: `{ franchises: [...], stores: [...] }`. */
  async directory(): Promise<unknown> {
    const d = this.directorySchema;
    const rows = await this.run('directory', {
      text: /* SQL */ `SELECT json_build_object(
          'franchises', COALESCE((SELECT json_agg(f ORDER BY f.code) FROM ${d}.franchises f), '[]'),
          'stores', COALESCE((SELECT json_agg(s ORDER BY s.store_code) FROM ${d}.stores s), '[]')) AS directory`,
      values: [],
    });
    return rows[0]?.directory;
  }

  salesByNumber(franchise: FranchiseEntry, numbers: string[]): Promise<Row[]> {
    return this.franchiseRows('salesByNumber', franchise, (q, s) => q.salesByNumber(s, numbers));
  }

  salesFor(franchise: FranchiseEntry, filter: IdentityFilter): Promise<Row[]> {
    return this.franchiseRows('salesFor', franchise, (q, s) => q.salesFor(s, filter));
  }

  returnsFor(franchise: FranchiseEntry, filter: IdentityFilter): Promise<Row[]> {
    return this.franchiseRows('returnsFor', franchise, (q, s) => q.returnsFor(s, filter));
  }

  returnsByNumber(franchise: FranchiseEntry, numbers: string[]): Promise<Row[]> {
    return this.franchiseRows('returnsByNumber', franchise, (q, s) => q.returnsByNumber(s, numbers));
  }

  returnsOfReceipts(franchise: FranchiseEntry, receiptNumbers: string[]): Promise<Row[]> {
    return this.franchiseRows('returnsOfReceipts', franchise, (q, s) => q.returnsOfReceipts(s, receiptNumbers));
  }

  returnsOfWebOrders(franchise: FranchiseEntry, webOrderNumbers: string[]): Promise<Row[]> {
    return this.franchiseRows('returnsOfWebOrders', franchise, (q, s) => q.returnsOfWebOrders(s, webOrderNumbers));
  }

  quotesByNumber(franchise: FranchiseEntry, numbers: string[]): Promise<Row[]> {
    return this.franchiseRows('quotesByNumber', franchise, (q, s) => q.quotesByNumber(s, numbers));
  }

  quotesOfStores(franchise: FranchiseEntry, stores: string[]): Promise<Row[]> {
    return this.franchiseRows('quotesOfStores', franchise, (q, s) => q.quotesOfStores(s, stores));
  }

  quotesFor(franchise: FranchiseEntry, filter: IdentityFilter): Promise<Row[]> {
    return this.franchiseRows('quotesFor', franchise, (q, s) => q.quotesFor(s, filter));
  }

  stock(franchise: FranchiseEntry, eans: string[], stores: string[] | null): Promise<Row[]> {
    return this.franchiseRows('stock', franchise, (q, s) => q.stock(s, eans, stores));
  }

  stockByCodes(franchise: FranchiseEntry, eans: string[], localCodes: string[]): Promise<Row[]> {
    return this.franchiseRows('stockByCodes', franchise, (q, s) => q.stockByCodes(s, eans, localCodes));
  }

  prices(franchise: FranchiseEntry, eans: string[], stores: string[] | null): Promise<Row[]> {
    return this.franchiseRows('prices', franchise, (q, s) => q.prices(s, eans, stores));
  }

  promotionsForItems(franchise: FranchiseEntry, eans: string[], stores: string[] | null): Promise<Row[]> {
    return this.franchiseRows('promotionsForItems', franchise, (q, s) => q.promotionsForItems(s, eans, stores));
  }

  /** The price and promotion rows of a batch of items in one franchise, in one statement (`LayoutQueries.itemPricing`): rows `{ row_kind, data }`. */
  itemPricing(franchise: FranchiseEntry, eans: string[], stores: string[] | null): Promise<Row[]> {
    return this.franchiseRows('itemPricing', franchise, (q, s) => q.itemPricing(s, eans, stores));
  }

  promotionsForStores(franchise: FranchiseEntry, stores: string[]): Promise<Row[]> {
    return this.franchiseRows('promotionsForStores', franchise, (q, s) => q.promotionsForStores(s, stores));
  }

  /**
   * The stock, price and promotion rows of a batch of items in one franchise, in one statement
   * (`LayoutQueries.storePricing`): rows `{ row_kind, data }`, read by the `storePricing` loader.
   */
  storePricing(franchise: FranchiseEntry, eans: string[], localCodes: string[], stores: string[] | null): Promise<Row[]> {
    return this.franchiseRows('storePricing', franchise, (q, s) => q.storePricing(s, eans, localCodes, stores));
  }

  /**
   * Every promotion of the franchise, whatever its validity, each with its full item list
   * (`scope.gtins`), by id: one statement.
   */
  async franchisePromotions(franchise: FranchiseEntry): Promise<Promotion[]> {
    const rows = await this.franchiseRows('franchisePromotions', franchise, (q, s) => q.franchisePromotions(s));
    return mapped('franchisePromotions', franchise, (mapper, context) => rows.map((row) => mapper.promotion(row, context).promotion));
  }

  /**
   * One page of a franchise's price sheet, for a coherence report over the estate: for each
   * (store, item code) the franchise keeps a stock row or a price row under, its price rows
   * (past and future) and whether it has a stock row, at most `limit` (1 to
   * {@link PRICE_SHEET_PAGE_LIMIT}) pairs in (item code, store) order, from after `after`
   * (null or omitted: the start). An item code is the EAN a row is kept under, else the
   * franchise's local code. One statement per page, and on the first page (no `after`) one
   * more for the franchise's promotions with their full item lists. Memory is bounded by the
   * page: read the sheet page by page, passing `next` back as `after` until it is null.
   */
  async priceSheetPage(franchise: FranchiseEntry, { after = null, limit }: { after?: PriceSheetCursor | null; limit: number }): Promise<PriceSheetPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > PRICE_SHEET_PAGE_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${PRICE_SHEET_PAGE_LIMIT}, got ${limit}`);
    }
    // One pair more than the page tells whether another page follows.
    const [rows, promotions] = await Promise.all([
      this.franchiseRows('priceSheetPage', franchise, (q, s) => q.priceSheetPage(s, after, limit + 1)),
      after === null ? this.franchisePromotions(franchise) : Promise.resolve(null),
    ]);
    const entries = mapped('priceSheetPage', franchise, (mapper, context) => {
      const byPair = new Map<string, PriceSheetEntry>();
      for (const row of rows) {
        const storeCode = String(row.sheet_store);
        const itemCode = String(row.sheet_item);
        const key = JSON.stringify([itemCode, storeCode]);
        let entry = byPair.get(key);
        if (!entry) {
          entry = { storeCode, itemCode, gtin14: gtin14Of(itemCode), prices: [], stocked: row.stocked === true };
          byPair.set(key, entry);
        }
        // A pair without a price row comes once, its price columns null.
        const price: PriceRecord | null = row.price === null || row.price === undefined ? null : mapper.price(row, context);
        if (price) entry.prices.push(price);
      }
      return [...byPair.values()];
    });
    for (const entry of entries) entry.prices.sort((a, b) => a.validFrom.localeCompare(b.validFrom));
    const more = entries.length > limit;
    const page = entries.slice(0, limit);
    const last = page.at(-1);
    return { franchise: franchise.code, entries: page, next: more && last ? { itemCode: last.itemCode, storeCode: last.storeCode } : null, promotions };
  }

  /** The survey answers about these receipts, in the franchise's own table (`ratings.ts`). */
  ratingsOfReceipts(franchise: FranchiseEntry, numbers: string[]): Promise<Row[]> {
    return this.ratingRows('ratingsOfReceipts', franchise, (schema) => ratingsOfReceipts(franchise.layout, schema, numbers));
  }

  /** Per store, the answers counted and summed, and the `recent` most recent ones. */
  ratingsOfStores(franchise: FranchiseEntry, stores: string[], recent: number): Promise<Row[]> {
    return this.ratingRows('ratingsOfStores', franchise, (schema) => ratingsOfStores(franchise.layout, schema, stores, recent));
  }

  private ratingRows(operation: string, franchise: FranchiseEntry, build: (schema: string) => Statement): Promise<Row[]> {
    let statement: Statement;
    try {
      statement = build(`"${franchise.schema}"`);
    } catch (error) {
      return this.source.call(`${operation} ${franchise.code}`, () => Promise.reject(error));
    }
    return this.run(`${operation} ${franchise.code}`, statement);
  }

  /** Closes the connections once the statements under way have finished. */
  close(): Promise<void> {
    return this.pool.end();
  }

  /**
   * Several statements of one franchise sent as one: each part's rows, in the order of `parts`,
   * each row as JSON (`row_to_json` of the part's own row, under the same column names), which
   * the layout mappers read as they read the part's rows sent alone. One call to the source:
   * it fails or succeeds for every part at once.
   */
  async fusedRows(franchise: FranchiseEntry, parts: ReadonlyArray<{ operation: string; build: StatementBuilder }>): Promise<Row[][]> {
    const operation = parts.map((part) => part.operation).join('+');
    const rows = await this.franchiseRows(operation, franchise, (queries, schema) => fuseStatements(parts.map((part) => part.build(queries, schema))));
    const byPart: Row[][] = parts.map(() => []);
    for (const row of rows) byPart[Number(row.part)]!.push(row.data as Row);
    return byPart;
  }

  /** One statement of a franchise, built with its layout's queries: the rows as the database answers them. */
  franchiseRows(operation: string, franchise: FranchiseEntry, build: StatementBuilder): Promise<Row[]> {
    let statement: Statement;
    try {
      statement = build(layoutFor(franchise).queries, `"${franchise.schema}"`);
    } catch (error) {
      // An unknown layout (or parts that cannot be fused): fail this franchise's call as the source's own failure.
      return this.source.call(`${operation} ${franchise.code}`, () => Promise.reject(error));
    }
    return this.run(`${operation} ${franchise.code}`, statement);
  }

  private run(operation: string, { text, values }: Statement): Promise<Row[]> {
    return this.source.call(operation, async (signal) => {
      const query = this.pool.query<Row>({ text, values });
      try {
        return (await untilAborted(query, signal)).rows;
      } catch (error) {
        throw pgFailure(error) ?? error;
      }
    });
  }
}

/** A statement of a franchise, from its layout's queries and its schema (quoted). */
export type StatementBuilder = (queries: LayoutQueries, schema: string) => Statement;

/**
 * Statements as one: `SELECT i AS part, row_to_json(...) AS data` of each, joined with UNION
 * ALL, each statement's `$n` parameters numbered on after those of the statements before it.
 */
export function fuseStatements(statements: readonly Statement[]): Statement {
  const values: unknown[] = [];
  const text = statements
    .map((statement, i) => {
      const offset = values.length;
      values.push(...statement.values);
      const shifted = statement.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
      return `SELECT ${i} AS part, row_to_json(part${i}) AS data FROM (${shifted}) part${i}`;
    })
    .join('\nUNION ALL\n');
  return { text, values };
}

/** Reads rows with the franchise's layout; a row it cannot read fails the call as SOURCE_BAD_RESPONSE. */
function mapped<T>(operation: string, franchise: FranchiseEntry, read: (mapper: LayoutMapper, context: ItemContext) => T): T {
  try {
    return read(layoutFor(franchise).mapper, { franchise });
  } catch (error) {
    const failure = error instanceof SourceFailure ? error : new SourceFailure('badResponse', (error as Error).message, undefined, { cause: error });
    throw sourceError('pos', new SourceFailure(failure.kind, `${operation} ${franchise.code}: ${failure.message}`, undefined, { cause: error }));
  }
}
