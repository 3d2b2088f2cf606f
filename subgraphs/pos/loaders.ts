import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import { SourceFailure, sourceError } from '../shared/errors.js';
import type { CacheKind, LegacySource } from '../shared/source.js';
import type { PosClient } from './client.js';
import type { Directory } from './directory.js';
import { FusedReads } from './fusedReads.js';
import type { HeldDirectory } from './heldDirectory.js';
import { matchAll, parseLookupKey, phoneVariants, type PosLookup } from './identities.js';
import type { IdentityFilter, LayoutMapper, MapContext, Row } from './layout.js';
import { layoutFor } from './layouts.js';
import type {
  AvailabilityRecord,
  FranchiseEntry,
  Holder,
  PriceRecord,
  PromotionRecord,
  QuoteRecord,
  StockLineRecord,
  StockRecord,
  StoreEntry,
  StorePricingRecord,
  StoreReturnRecord,
  StoreSaleRecord,
} from './records.js';
import type { Promotion } from '../shared/promotions.js';
import { MAX_RECENT_RATINGS, toRating, toStoreRatings, type RatingRecord, type StoreRatingsRecord } from './ratings.js';

/** How long each kind of POS record stays fresh in the cross-request cache. */
export const CACHE_KINDS = {
  /** A receipt does not change once printed. */
  sale: { name: 'sale', ttlMs: 600_000 },
  quote: { name: 'quote', ttlMs: 60_000 },
  /** A return does not change once made; returns of a receipt or web order may be added. */
  storeReturn: { name: 'storeReturn', ttlMs: 600_000 },
  quotesOfStore: { name: 'quotesOfStore', ttlMs: 60_000 },
  returnsOfReceipt: { name: 'returnsOfReceipt', ttlMs: 60_000 },
  returnsOfWebOrder: { name: 'returnsOfWebOrder', ttlMs: 60_000 },
  salesFor: { name: 'salesFor', ttlMs: 60_000 },
  returnsFor: { name: 'returnsFor', ttlMs: 60_000 },
  quotesFor: { name: 'quotesFor', ttlMs: 60_000 },
  stock: { name: 'stock', ttlMs: 30_000 },
  availability: { name: 'availability', ttlMs: 30_000 },
  // v2: price rows carry their local code, promotions are kept in the promotion model's terms
  // (docs/pricing.md) with their whole item list; older entries are not read.
  /** The price and promotion rows of an item: `prices` and `itemPromotions` read them from one statement. */
  itemPricing: { name: 'itemPricing', ttlMs: 300_000 },
  storePromotions: { name: 'storePromotions.v2', ttlMs: 300_000 },
  /** Stock, prices and promotions of an item per store, for the price engine: as fresh as stock. */
  storePricing: { name: 'storePricing', ttlMs: 30_000 },
  /** Survey answers arrive over the two days after a visit. */
  rating: { name: 'rating', ttlMs: 300_000 },
  storeRatings: { name: 'storeRatings', ttlMs: 300_000 },
} as const satisfies Record<string, CacheKind>;

export interface LoaderOptions {
  /** Keys per statement: a franchise's share of a batch above this is split. Default 500. */
  batchSize?: number;
}

/** The per-request loaders of the POS subgraph. */
export interface PosLoaders {
  /** The directory as the process holds it ({@link HeldDirectory}): no statement once it has been read. */
  directory(): Promise<Directory>;
  /**
   * By receipt, return or quote number: the franchise whose store code it carries, or null. A
   * number naming a store the held directory does not know has it read again first.
   */
  franchiseOfNumber: DataLoader<string, FranchiseEntry | null>;
  store: DataLoader<string, StoreEntry | null>;
  franchise: DataLoader<string, FranchiseEntry | null>;
  /** By receipt number. */
  sale: DataLoader<string, StoreSaleRecord | null>;
  /** By quote number. */
  quote: DataLoader<string, QuoteRecord | null>;
  /** By store code: every quote the store prepared. */
  quotesOfStore: DataLoader<string, QuoteRecord[]>;
  /** By return number. */
  storeReturn: DataLoader<string, StoreReturnRecord | null>;
  /** By receipt number: the returns made against it in every franchise, which may differ from the receipt's. */
  returnsOfReceipt: DataLoader<string, StoreReturnRecord[]>;
  /** By web order number: the returns made against it in every franchise. */
  returnsOfWebOrder: DataLoader<string, StoreReturnRecord[]>;
  /** By lookup key ({@link lookupKey}): every record of that identity, in every franchise it can be in. */
  salesFor: DataLoader<string, StoreSaleRecord[]>;
  returnsFor: DataLoader<string, StoreReturnRecord[]>;
  quotesFor: DataLoader<string, QuoteRecord[]>;
  /** By item key ({@link itemKey}). */
  stock: DataLoader<string, StockRecord[]>;
  /** By availability key ({@link availabilityKey}): the product's stock in every store, under its GTIN or its local codes. */
  availability: DataLoader<string, AvailabilityRecord[]>;
  /** By item key: its price rows. Read with `itemPromotions`' rows, in one statement per franchise per batch. */
  prices: DataLoader<string, PriceRecord[]>;
  /** By item key: the promotions covering it, one row per promotion and EAN asked. */
  itemPromotions: DataLoader<string, PromotionRecord[]>;
  /** By store code: the store's own promotions and its franchise's. */
  storePromotions: DataLoader<string, PromotionRecord[]>;
  /**
   * By store pricing key ({@link storePricingKey}): what the price engine needs of one item,
   * per store where it is sold (a stock row or a price row there, by its GTIN in every
   * franchise or by a franchise's local code in that franchise): every price row, whether it
   * is stocked, and the franchise promotions covering it there, whatever their validity; by
   * store code. One statement per franchise per batch (per `batchSize` items), whatever the
   * number of items; nothing once cached.
   */
  storePricing: DataLoader<string, StorePricingRecord[]>;
  /** By receipt number: the answer to the survey texted after it, or null. */
  ratingOfReceipt: DataLoader<string, RatingRecord | null>;
  /** By store code: its answers counted and averaged (normalised to 5), and the {@link MAX_RECENT_RATINGS} most recent. */
  storeRatings: DataLoader<string, StoreRatingsRecord>;
}

/** The loader key of a GTIN-14 in some stores (null: every store): `00614141000012|NRD01,SUD02` or `…|*`. */
export function itemKey(gtin14: string, stores: readonly string[] | null): string {
  return `${gtin14}|${stores === null ? '*' : [...new Set(stores)].sort().join(',')}`;
}

function parseItemKey(key: string): { gtin14: string; stores: string[] | null } {
  const [gtin14, stores] = key.split('|') as [string, string];
  return { gtin14, stores: stores === '*' ? null : stores === '' ? [] : stores.split(',') };
}

/** A code a franchise's tills know a product by, as the catalogue lists it (a POS local code alias). */
export interface LocalCode {
  franchise: string;
  code: string;
}

/**
 * The loader key of a product's stock: its GTIN-14 (null when it has none) and its local
 * codes, each with its franchise, in a canonical order so that equal products share a key.
 */
export function availabilityKey(gtin14: string | null, localCodes: readonly LocalCode[]): string {
  const pairs = [...new Set(localCodes.map(({ franchise, code }) => JSON.stringify([franchise, code])))].sort();
  return JSON.stringify([gtin14, pairs.map((pair) => JSON.parse(pair) as [string, string])]);
}

function parseAvailabilityKey(key: string): { gtin14: string | null; localCodes: LocalCode[] } {
  const [gtin14, pairs] = JSON.parse(key) as [string | null, Array<[string, string]>];
  return { gtin14, localCodes: pairs.map(([franchise, code]) => ({ franchise, code })) };
}

/**
 * The loader key of one item for {@link PosLoaders.storePricing}: its GTIN-14 (null when it has
 * none), the local codes the franchises know it by (each only meaning something in its
 * franchise), and the stores asked for (null: every store of every franchise), in a canonical
 * order so that equal questions share a key.
 */
export function storePricingKey(gtin14: string | null, localCodes: readonly LocalCode[], stores: readonly string[] | null): string {
  const pairs = [...new Set(localCodes.map(({ franchise, code }) => JSON.stringify([franchise, code])))].sort();
  return JSON.stringify([gtin14, pairs.map((pair) => JSON.parse(pair) as [string, string]), stores === null ? null : [...new Set(stores)].sort()]);
}

function parseStorePricingKey(key: string): { gtin14: string | null; localCodes: LocalCode[]; stores: string[] | null } {
  const [gtin14, pairs, stores] = JSON.parse(key) as [string | null, Array<[string, string]>, string[] | null];
  return { gtin14, localCodes: pairs.map(([franchise, code]) => ({ franchise, code })), stores };
}

/** The forms a GTIN-14 may have been keyed in at a till: 14 digits, or fewer when it starts with zeros. */
function eanForms(gtin14: string): string[] {
  const forms = [gtin14];
  for (const length of [13, 12, 8]) {
    if (/^0+$/.test(gtin14.slice(0, 14 - length))) forms.push(gtin14.slice(14 - length));
  }
  return forms;
}

/**
 * Creates the loaders of one request. Every batch costs at most one statement per franchise
 * schema (per `batchSize` keys), routed by the directory the process holds (`held`, read
 * again first when a key or a row names a store or franchise it does not know); each
 * franchise's share goes through the source's cache, so a key fetched by an earlier request
 * within its TTL costs nothing.
 */
export function createLoaders(client: PosClient, source: LegacySource, held: HeldDirectory, { batchSize = 500 }: LoaderOptions = {}): PosLoaders {
  const directory = (): Promise<Directory> => held.current();
  // Stock, prices and promotions of items asked together go to each franchise as one statement.
  const items = new FusedReads(client);

  /**
   * The held directory, read again first when `place` finds nothing for one of `codes` (a store
   * opened since it was read); `failure`: that read's coded error, for the keys still unplaced.
   */
  const placing = (codes: Iterable<string>, place: (directory: Directory, code: string) => unknown) => {
    const wanted = [...codes];
    return held.knowing((d) => wanted.some((code) => place(d, code) === undefined));
  };
  const byStore = (d: Directory, code: string) => d.franchiseOfStore(code);
  const byNumberOf = (d: Directory, number: string) => d.franchiseOfNumber(number);

  /**
   * Answers each franchise's keys from the cache or with `fetch`, called once per franchise
   * and chunk of keys. Returns the values by `<franchise code>:<key>`.
   */
  async function perFranchise<V>(
    kind: CacheKind,
    groups: ReadonlyMap<FranchiseEntry, readonly string[]>,
    fetch: (franchise: FranchiseEntry, keys: string[]) => Promise<Map<string, V>>,
  ): Promise<Map<string, V | null | GraphQLError>> {
    const results = new Map<string, V | null | GraphQLError>();
    await Promise.all(
      [...groups].map(async ([franchise, keys]) => {
        const prefix = `${franchise.code}:`;
        const prefixed = [...new Set(keys)].map((key) => prefix + key);
        const values = await source.cachedBatch<V>(kind, prefixed, async (missing) => {
          const found = new Map<string, V>();
          const bare = missing.map((key) => key.slice(prefix.length));
          for (let start = 0; start < bare.length; start += batchSize) {
            for (const [key, value] of await fetch(franchise, bare.slice(start, start + batchSize))) found.set(prefix + key, value);
          }
          return found;
        });
        prefixed.forEach((key, i) => results.set(key, values[i]!));
      }),
    );
    return results;
  }

  /**
   * Maps a statement's rows with the franchise's layout; a row it cannot read fails the call as
   * SOURCE_BAD_RESPONSE. A row of a store the held directory does not know (opened since it was
   * read) has the directory read again first, so that it is read in its store's country.
   */
  async function mapRows<R>(operation: string, franchise: FranchiseEntry, rows: Row[], pick: (mapper: LayoutMapper) => (row: Row, context: MapContext) => R): Promise<R[]> {
    const stores = new Set<string>();
    for (const row of rows) {
      const code = row.store_code ?? (row.data as Row | null | undefined)?.store_code;
      if (typeof code === 'string') stores.add(code);
    }
    const { directory } = await placing(stores, (d, code) => d.store(code));
    try {
      const map = pick(layoutFor(franchise).mapper);
      const context: MapContext = { franchise, directory };
      return rows.map((row) => map(row, context));
    } catch (error) {
      const failure = error instanceof SourceFailure ? error : new SourceFailure('badResponse', (error as Error).message, undefined, { cause: error });
      throw sourceError('pos', new SourceFailure(failure.kind, `${operation} ${franchise.code}: ${failure.message}`, undefined, { cause: error }));
    }
  }

  /** A loader by record number, routed to the franchise whose store code the number carries. */
  function byNumber<R extends { number: string }>(
    kind: CacheKind,
    operation: string,
    fetchRows: (franchise: FranchiseEntry, numbers: string[]) => Promise<Row[]>,
    pick: (mapper: LayoutMapper) => (row: Row, context: MapContext) => R,
  ): DataLoader<string, R | null> {
    return new DataLoader<string, R | null>(async (numbers) => {
      const { directory: dir, failure } = await placing(numbers, byNumberOf);
      const groups = new Map<FranchiseEntry, string[]>();
      for (const number of numbers) {
        const franchise = dir.franchiseOfNumber(number);
        if (franchise) addTo(groups, franchise, number);
      }
      const results = await perFranchise<R>(kind, groups, async (franchise, keys) => {
        const records = await mapRows(operation, franchise, await fetchRows(franchise, keys), pick);
        return new Map(records.map((record) => [record.number, record]));
      });
      return numbers.map((number) => {
        const franchise = dir.franchiseOfNumber(number);
        return franchise ? (results.get(`${franchise.code}:${number}`) ?? null) : (failure ?? null);
      });
    });
  }

  /** A loader by identity: a card or phone is looked for in every franchise, a franchise-scoped identity in its own. */
  function byIdentity<R extends { franchise: string; holder: Holder }>(
    kind: CacheKind,
    operation: string,
    fetchRows: (franchise: FranchiseEntry, filter: IdentityFilter) => Promise<Row[]>,
    pick: (mapper: LayoutMapper) => (row: Row, context: MapContext) => R,
  ): DataLoader<string, R[]> {
    return new DataLoader<string, R[]>(async (keys) => {
      const named = keys.map(parseLookupKey).flatMap((lookup) => (lookup.franchise ? [lookup.franchise] : []));
      const { directory: dir, failure } = await placing(named, (d, code) => d.franchise(code));
      const franchisesOf = (lookup: PosLookup): FranchiseEntry[] =>
        lookup.franchise ? [dir.franchise(lookup.franchise)].filter((f): f is FranchiseEntry => f !== undefined) : [...dir.franchises];
      const groups = new Map<FranchiseEntry, string[]>();
      for (const key of keys) {
        for (const franchise of franchisesOf(parseLookupKey(key))) addTo(groups, franchise, key);
      }
      const results = await perFranchise<R[]>(kind, groups, async (franchise, batch) => {
        const lookups = batch.map(parseLookupKey);
        const filter: IdentityFilter = { cards: [], phones: [], clientIds: [] };
        for (const lookup of lookups) {
          if (lookup.kind === 'card') filter.cards.push(lookup.card);
          else if (lookup.kind === 'phone') filter.phones.push(...phoneVariants(lookup.phone));
          else filter.clientIds.push(lookup.clientId);
        }
        const records = await mapRows(operation, franchise, await fetchRows(franchise, filter), pick);
        const found = matchAll(lookups, franchise.code, records);
        return new Map(batch.map((key, i) => [key, found[i]!]));
      });
      return keys.map((key) => {
        const lookup = parseLookupKey(key);
        if (failure && lookup.franchise && !dir.franchise(lookup.franchise)) return failure;
        const found: R[] = [];
        for (const franchise of franchisesOf(parseLookupKey(key))) {
          const part = results.get(`${franchise.code}:${key}`);
          if (part instanceof Error) return part;
          found.push(...(part ?? []));
        }
        return found;
      });
    });
  }

  /** A loader of the records pointing at a number, looked for in every franchise: one statement per franchise per batch. */
  function everywhere<R>(
    kind: CacheKind,
    operation: string,
    fetchRows: (franchise: FranchiseEntry, numbers: string[]) => Promise<Row[]>,
    pick: (mapper: LayoutMapper) => (row: Row, context: MapContext) => R,
    pointsAt: (record: R) => string | null,
  ): DataLoader<string, R[]> {
    return new DataLoader<string, R[]>(async (numbers) => {
      const dir = await directory();
      const groups = new Map(dir.franchises.map((franchise) => [franchise, numbers] as const));
      const results = await perFranchise<R[]>(kind, groups, async (franchise, batch) => {
        const records = await mapRows(operation, franchise, await fetchRows(franchise, batch), pick);
        const byNumber = groupBy(records, pointsAt);
        return new Map(batch.map((number) => [number, byNumber.get(number) ?? []]));
      });
      return numbers.map((number) => {
        const found: R[] = [];
        for (const franchise of dir.franchises) {
          const part = results.get(`${franchise.code}:${number}`);
          if (part instanceof Error) return part;
          found.push(...(part ?? []));
        }
        return found;
      });
    });
  }

  /** A loader by item key: each franchise is asked for the stores of its own that the key names. */
  function byItem<R extends { gtin14: string | null; storeCode: string | null }>(
    kind: CacheKind,
    operation: string,
    fetchRows: (franchise: FranchiseEntry, eans: string[], stores: string[] | null) => Promise<Row[]>,
    pick: (mapper: LayoutMapper) => (row: Row, context: MapContext) => R | null,
  ): DataLoader<string, R[]> {
    return new DataLoader<string, R[]>(async (keys) => {
      const { directory: dir, failure } = await placing(keys.flatMap((key) => parseItemKey(key).stores ?? []), byStore);
      /** The franchises a key asks, each with its own share of the key. */
      const sharesOf = (key: string): Array<[FranchiseEntry, string]> => {
        const { gtin14, stores } = parseItemKey(key);
        if (stores === null) return dir.franchises.map((f) => [f, itemKey(gtin14, null)]);
        const byFranchise = new Map<FranchiseEntry, string[]>();
        for (const code of stores) {
          const franchise = dir.franchiseOfStore(code);
          if (franchise) byFranchise.set(franchise, [...(byFranchise.get(franchise) ?? []), code]);
        }
        return [...byFranchise].map(([f, codes]) => [f, itemKey(gtin14, codes)]);
      };
      const groups = new Map<FranchiseEntry, string[]>();
      for (const key of keys) {
        for (const [franchise, share] of sharesOf(key)) addTo(groups, franchise, share);
      }
      const results = await perFranchise<R[]>(kind, groups, async (franchise, shares) => {
        const parsed = shares.map(parseItemKey);
        const eans = [...new Set(parsed.flatMap((p) => eanForms(p.gtin14)))];
        const stores = parsed.some((p) => p.stores === null) ? null : [...new Set(parsed.flatMap((p) => p.stores ?? []))];
        const records = (await mapRows(operation, franchise, await fetchRows(franchise, eans, stores), pick)).filter((r): r is R => r !== null);
        const byItem = groupBy(records, (r) => r.gtin14);
        return new Map(
          shares.map((share, i) => {
            const { gtin14, stores: wanted } = parsed[i]!;
            // A franchise-wide record (no store) applies to every store the share names.
            const inStores = (r: R) => wanted === null || r.storeCode === null || wanted.includes(r.storeCode);
            return [share, (byItem.get(gtin14) ?? []).filter(inStores)];
          }),
        );
      });
      return keys.map((key) => {
        if (failure && parseItemKey(key).stores?.some((code) => !dir.franchiseOfStore(code))) return failure;
        const found: R[] = [];
        for (const [franchise, share] of sharesOf(key)) {
          const part = results.get(`${franchise.code}:${share}`);
          if (part instanceof Error) return part;
          found.push(...(part ?? []));
        }
        return found;
      });
    });
  }

  /**
   * The availability loader: each franchise is asked, in one statement per batch, for the stock
   * held under the products' EANs (every franchise, when the product has a GTIN) or under the
   * local codes the catalogue lists for that franchise (that franchise only: NRD's `L0042` is
   * not SUD's). A franchise's share of a key is the GTIN and that franchise's codes.
   */
  function availabilityLoader(): DataLoader<string, AvailabilityRecord[]> {
    return new DataLoader<string, AvailabilityRecord[]>(async (keys) => {
      // A local code of a franchise the held directory does not know (one that joined since) has it read again.
      const named = keys.flatMap((key) => parseAvailabilityKey(key).localCodes.map((c) => c.franchise));
      const { directory: dir, failure } = await placing(named, (d, code) => d.franchise(code));
      const sharesOf = (key: string): Array<[FranchiseEntry, string]> => {
        const { gtin14, localCodes } = parseAvailabilityKey(key);
        return dir.franchises.flatMap((franchise): Array<[FranchiseEntry, string]> => {
          const own = [...new Set(localCodes.filter((c) => c.franchise === franchise.code).map((c) => c.code))].sort();
          return gtin14 === null && own.length === 0 ? [] : [[franchise, JSON.stringify([gtin14, own])]];
        });
      };
      const groups = new Map<FranchiseEntry, string[]>();
      for (const key of keys) {
        for (const [franchise, share] of sharesOf(key)) addTo(groups, franchise, share);
      }
      const results = await perFranchise<AvailabilityRecord[]>(CACHE_KINDS.availability, groups, async (franchise, shares) => {
        const parsed = shares.map((share) => JSON.parse(share) as [string | null, string[]]);
        const eans = [...new Set(parsed.flatMap(([gtin14]) => (gtin14 === null ? [] : eanForms(gtin14))))];
        const codes = [...new Set(parsed.flatMap(([, own]) => own))];
        const lines = (await mapRows('stockByCodes', franchise, await items.read('stockByCodes', franchise, (q, schema) => q.stockByCodes(schema, eans, codes)), (m) => m.stockLine)).filter(
          (line): line is StockLineRecord => line !== null,
        );
        return new Map(
          shares.map((share, i) => {
            const [gtin14, own] = parsed[i]!;
            const found: AvailabilityRecord[] = [];
            for (const line of lines) {
              // Held under the EAN when it is the product's, else under a local code of the product's.
              const code = gtin14 !== null && line.gtin14 === gtin14 ? line.ean : line.localCode !== null && own.includes(line.localCode) ? line.localCode : null;
              if (code !== null) found.push({ storeCode: line.storeCode, code, quantity: line.quantity, updatedAt: line.updatedAt });
            }
            return [share, found];
          }),
        );
      });
      return keys.map((key) => {
        if (failure && parseAvailabilityKey(key).localCodes.some((c) => !dir.franchise(c.franchise))) return failure;
        const found: AvailabilityRecord[] = [];
        for (const [franchise, share] of sharesOf(key)) {
          const part = results.get(`${franchise.code}:${share}`);
          if (part instanceof Error) return part;
          found.push(...(part ?? []));
        }
        return found;
      });
    });
  }

  /**
   * The store pricing loader. A key's share in a franchise is the GTIN, the franchise's own
   * local codes and its stores among those asked (null: all); a franchise with none of them,
   * or none of the stores asked, is not asked. Each franchise answers its shares of a batch in
   * one statement (`storePricing`), whose rows are then matched to each share: by GTIN-14, or
   * by a local code of that share; in its stores; promotions franchise-wide or of the store.
   */
  function storePricingLoader(): DataLoader<string, StorePricingRecord[]> {
    return new DataLoader<string, StorePricingRecord[]>(async (keys) => {
      const { directory: dir, failure } = await placing(keys.flatMap((key) => parseStorePricingKey(key).stores ?? []), byStore);
      const sharesOf = (key: string): Array<[FranchiseEntry, string]> => {
        const { gtin14, localCodes, stores } = parseStorePricingKey(key);
        let asked: Array<[FranchiseEntry, string[] | null]>;
        if (stores === null) asked = dir.franchises.map((franchise) => [franchise, null]);
        else {
          const byFranchise = new Map<FranchiseEntry, string[]>();
          for (const code of stores) {
            const franchise = dir.franchiseOfStore(code);
            if (franchise) byFranchise.set(franchise, [...(byFranchise.get(franchise) ?? []), code]);
          }
          asked = [...byFranchise];
        }
        return asked.flatMap(([franchise, own]): Array<[FranchiseEntry, string]> => {
          const codes = [...new Set(localCodes.filter((c) => c.franchise === franchise.code).map((c) => c.code))].sort();
          return gtin14 === null && codes.length === 0 ? [] : [[franchise, JSON.stringify([gtin14, codes, own === null ? null : [...own].sort()])]];
        });
      };
      const groups = new Map<FranchiseEntry, string[]>();
      for (const key of keys) {
        for (const [franchise, share] of sharesOf(key)) addTo(groups, franchise, share);
      }
      const results = await perFranchise<StorePricingRecord[]>(CACHE_KINDS.storePricing, groups, async (franchise, shares) => {
        const parsed = shares.map((share) => JSON.parse(share) as [string | null, string[], string[] | null]);
        const eans = [...new Set(parsed.flatMap(([gtin14]) => (gtin14 === null ? [] : eanForms(gtin14))))];
        const codes = [...new Set(parsed.flatMap(([, own]) => own))];
        const stores = parsed.some(([, , wanted]) => wanted === null) ? null : [...new Set(parsed.flatMap(([, , wanted]) => wanted ?? []))];
        const rows = await client.storePricing(franchise, eans, codes, stores);
        const stock: StockLineRecord[] = [];
        const prices: PriceRecord[] = [];
        const promotions: PromotionRecord[] = [];
        await mapRows('storePricing', franchise, rows, (mapper) => (row, context) => {
          const data = row.data as Row;
          if (row.row_kind === 'stock') {
            const line = mapper.stockLine(data, context);
            if (line) stock.push(line);
          } else if (row.row_kind === 'price') {
            const price = mapper.price(data, context);
            if (price) prices.push(price);
          } else if (row.row_kind === 'promotion') {
            promotions.push(mapper.promotion(data, context));
          } else {
            throw new RangeError(`storePricing: unknown row kind ${JSON.stringify(row.row_kind)}`);
          }
        });
        return new Map(
          shares.map((share, i) => {
            const [gtin14, own, wanted] = parsed[i]!;
            const isItem = (gtin: string | null, code: string | null) => (gtin14 !== null && gtin === gtin14) || (code !== null && own.includes(code));
            const inStores = (code: string) => wanted === null || wanted.includes(code);
            const byStore = new Map<string, StorePricingRecord>();
            const at = (storeCode: string): StorePricingRecord => {
              let record = byStore.get(storeCode);
              if (!record) byStore.set(storeCode, (record = { storeCode, franchise: franchise.code, prices: [], stocked: false, promotions: [] }));
              return record;
            };
            for (const line of stock) if (isItem(line.gtin14, line.localCode) && inStores(line.storeCode)) at(line.storeCode).stocked = true;
            for (const price of prices) if (isItem(price.gtin14, price.localCode) && inStores(price.storeCode)) at(price.storeCode).prices.push(price);
            const covering = promotions.filter((r) => isItem(r.gtin14, r.itemCode));
            for (const record of byStore.values()) {
              record.prices.sort((a, b) => a.validFrom.localeCompare(b.validFrom) || a.price.amount - b.price.amount);
              record.promotions = distinctPromotions(covering.filter((r) => r.storeCode === null || r.storeCode === record.storeCode));
            }
            return [share, [...byStore.values()].sort((a, b) => a.storeCode.localeCompare(b.storeCode))];
          }),
        );
      });
      return keys.map((key) => {
        if (failure && parseStorePricingKey(key).stores?.some((code) => !dir.franchiseOfStore(code))) return failure;
        const found: StorePricingRecord[] = [];
        for (const [franchise, share] of sharesOf(key)) {
          const part = results.get(`${franchise.code}:${share}`);
          if (part instanceof Error) return part;
          found.push(...(part ?? []));
        }
        return found;
      });
    });
  }

  // Prices and promotions of an item are asked together (a product page shows both): one
  // statement per franchise serves both loaders' keys of a tick, where two were sent.
  const itemPricing = byItem<ItemPricingRow>(
    CACHE_KINDS.itemPricing,
    'itemPricing',
    (f, e, s) => items.read('itemPricing', f, (q, schema) => q.itemPricing(schema, e, s)),
    (mapper) => (row, context) => {
      const data = row.data as Row;
      if (row.row_kind === 'price') {
        const price = mapper.price(data, context);
        return price && { gtin14: price.gtin14, storeCode: price.storeCode, price };
      }
      if (row.row_kind === 'promotion') {
        const promotion = mapper.promotion(data, context);
        return { gtin14: promotion.gtin14, storeCode: promotion.storeCode, promotion };
      }
      throw new RangeError(`itemPricing: unknown row kind ${JSON.stringify(row.row_kind)}`);
    },
  );
  const fromItemPricing = <R>(read: (row: ItemPricingRow) => R | undefined) =>
    new DataLoader<string, R[]>(async (keys) =>
      (await itemPricing.loadMany(keys)).map((rows) =>
        rows instanceof Error ? rows : rows.flatMap((row) => {
          const value = read(row);
          return value === undefined ? [] : [value];
        }),
      ),
    );

  return {
    directory,
    franchiseOfNumber: new DataLoader<string, FranchiseEntry | null>(async (numbers) => {
      const { directory: dir, failure } = await placing(numbers, byNumberOf);
      return numbers.map((number) => dir.franchiseOfNumber(number) ?? failure ?? null);
    }),
    store: new DataLoader<string, StoreEntry | null>(async (codes) => {
      const { directory: dir, failure } = await placing(codes, (d, code) => d.store(code));
      return codes.map((code) => dir.store(code) ?? failure ?? null);
    }),
    franchise: new DataLoader<string, FranchiseEntry | null>(async (codes) => {
      const { directory: dir, failure } = await placing(codes, (d, code) => d.franchise(code));
      return codes.map((code) => dir.franchise(code) ?? failure ?? null);
    }),
    sale: byNumber(CACHE_KINDS.sale, 'salesByNumber', (f, n) => client.salesByNumber(f, n), (m) => m.sale),
    quote: byNumber(CACHE_KINDS.quote, 'quotesByNumber', (f, n) => client.quotesByNumber(f, n), (m) => m.quote),
    quotesOfStore: new DataLoader<string, QuoteRecord[]>(async (codes) => {
      const { directory: dir, failure } = await placing(codes, byStore);
      const groups = new Map<FranchiseEntry, string[]>();
      for (const code of codes) {
        const franchise = dir.franchiseOfStore(code);
        if (franchise) addTo(groups, franchise, code);
      }
      const results = await perFranchise<QuoteRecord[]>(CACHE_KINDS.quotesOfStore, groups, async (franchise, stores) => {
        const records = await mapRows('quotesOfStores', franchise, await client.quotesOfStores(franchise, stores), (m) => m.quote);
        const byStore = groupBy(records, (r) => r.storeCode);
        return new Map(stores.map((code) => [code, byStore.get(code) ?? []]));
      });
      return codes.map((code) => {
        const franchise = dir.franchiseOfStore(code);
        return franchise ? (results.get(`${franchise.code}:${code}`) ?? []) : (failure ?? []);
      });
    }),
    storeReturn: byNumber(CACHE_KINDS.storeReturn, 'returnsByNumber', (f, n) => client.returnsByNumber(f, n), (m) => m.storeReturn),
    returnsOfReceipt: everywhere(CACHE_KINDS.returnsOfReceipt, 'returnsOfReceipts', (f, n) => client.returnsOfReceipts(f, n), (m) => m.storeReturn, (r) => r.receiptNumber),
    returnsOfWebOrder: everywhere(CACHE_KINDS.returnsOfWebOrder, 'returnsOfWebOrders', (f, n) => client.returnsOfWebOrders(f, n), (m) => m.storeReturn, (r) => r.webOrderNumber),
    salesFor: byIdentity(CACHE_KINDS.salesFor, 'salesFor', (f, filter) => client.salesFor(f, filter), (m) => m.sale),
    returnsFor: byIdentity(CACHE_KINDS.returnsFor, 'returnsFor', (f, filter) => client.returnsFor(f, filter), (m) => m.storeReturn),
    quotesFor: byIdentity(CACHE_KINDS.quotesFor, 'quotesFor', (f, filter) => client.quotesFor(f, filter), (m) => m.quote),
    stock: byItem(CACHE_KINDS.stock, 'stock', (f, e, s) => items.read('stock', f, (q, schema) => q.stock(schema, e, s)), (m) => m.stock),
    availability: availabilityLoader(),
    prices: fromItemPricing((row) => row.price),
    itemPromotions: fromItemPricing((row) => row.promotion),
    storePromotions: new DataLoader<string, PromotionRecord[]>(async (codes) => {
      const { directory: dir, failure } = await placing(codes, byStore);
      const groups = new Map<FranchiseEntry, string[]>();
      for (const code of codes) {
        const franchise = dir.franchiseOfStore(code);
        if (franchise) addTo(groups, franchise, code);
      }
      const results = await perFranchise<PromotionRecord[]>(CACHE_KINDS.storePromotions, groups, async (franchise, stores) => {
        const records = await mapRows('promotionsForStores', franchise, await client.promotionsForStores(franchise, stores), (m) => m.promotion);
        return new Map(stores.map((code) => [code, records.filter((r) => r.storeCode === null || r.storeCode === code)]));
      });
      return codes.map((code) => {
        const franchise = dir.franchiseOfStore(code);
        return franchise ? (results.get(`${franchise.code}:${code}`) ?? []) : (failure ?? []);
      });
    }),
    storePricing: storePricingLoader(),
    ratingOfReceipt: new DataLoader<string, RatingRecord | null>(async (numbers) => {
      const { directory: dir, failure } = await placing(numbers, byNumberOf);
      const groups = new Map<FranchiseEntry, string[]>();
      for (const number of numbers) {
        const franchise = dir.franchiseOfNumber(number);
        if (franchise) addTo(groups, franchise, number);
      }
      const results = await perFranchise<RatingRecord>(CACHE_KINDS.rating, groups, async (franchise, keys) => {
        const rows = await client.ratingsOfReceipts(franchise, keys);
        const records = readRows('ratingsOfReceipts', franchise, () => rows.map((row) => toRating(row, franchise)));
        return new Map(records.map((record) => [record.receiptNumber, record]));
      });
      return numbers.map((number) => {
        const franchise = dir.franchiseOfNumber(number);
        return franchise ? (results.get(`${franchise.code}:${number}`) ?? null) : (failure ?? null);
      });
    }),
    storeRatings: new DataLoader<string, StoreRatingsRecord>(async (codes) => {
      const { directory: dir, failure } = await placing(codes, byStore);
      const groups = new Map<FranchiseEntry, string[]>();
      for (const code of codes) {
        const franchise = dir.franchiseOfStore(code);
        if (franchise) addTo(groups, franchise, code);
      }
      const results = await perFranchise<StoreRatingsRecord>(CACHE_KINDS.storeRatings, groups, async (franchise, stores) => {
        const rows = await client.ratingsOfStores(franchise, stores, MAX_RECENT_RATINGS);
        return readRows('ratingsOfStores', franchise, () => new Map(stores.map((code) => [code, toStoreRatings(rows.filter((row) => row.store_code === code), franchise)])));
      });
      const none: StoreRatingsRecord = { count: 0, average: null, recent: [] };
      return codes.map((code) => {
        const franchise = dir.franchiseOfStore(code);
        return franchise ? (results.get(`${franchise.code}:${code}`) ?? none) : (failure ?? none);
      });
    }),
  };
}

/** A row of the `itemPricing` statement: a price or a promotion of an item, where it applies. */
interface ItemPricingRow {
  gtin14: string | null;
  storeCode: string | null;
  price?: PriceRecord;
  promotion?: PromotionRecord;
}

/** Reads a statement's rows; a row that cannot be read fails the call as SOURCE_BAD_RESPONSE, naming the franchise. */
function readRows<T>(operation: string, franchise: FranchiseEntry, read: () => T): T {
  try {
    return read();
  } catch (error) {
    const failure = error instanceof SourceFailure ? error : new SourceFailure('badResponse', (error as Error).message, undefined, { cause: error });
    throw sourceError('pos', new SourceFailure(failure.kind, `${operation} ${franchise.code}: ${failure.message}`, undefined, { cause: error }));
  }
}

/** Promotions without duplicates (one row per item asked for), by start, then id. */
function distinctPromotions(records: readonly PromotionRecord[]): Promotion[] {
  const byId = new Map<string, Promotion>();
  for (const { promotion } of records) byId.set(promotion.id, promotion);
  return [...byId.values()].sort((a, b) => (a.startsAt ?? '').localeCompare(b.startsAt ?? '') || a.id.localeCompare(b.id));
}

/** Adds `item` to the list `key` holds (appended in place: a copy per item would cost a batch's square). */
function addTo<K, V>(groups: Map<K, V[]>, key: K, item: V): void {
  const list = groups.get(key);
  if (list) list.push(item);
  else groups.set(key, [item]);
}

/** The items by `keyOf`, each list in the items' order (one pass, where a filter per key costs keys × items). */
function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) addTo(groups, keyOf(item), item);
  return groups;
}
