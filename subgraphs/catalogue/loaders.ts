import DataLoader from 'dataloader';
import { isValidGtin, toGtin14 } from '../../utilities/gtin.js';
import { SourceFailure, sourceError } from '../shared/errors.js';
import type { CacheKind } from '../shared/source.js';
import type { CatalogueClient, PimProduct } from './client.js';
import { isBatchable, pimEanOf, preferredProduct, toCampaignRecord, toProductRecord, type CampaignRecord, type ProductRecord } from './mappers.js';

/** How long cached records stay fresh. Product master data changes rarely; campaigns start and end. */
export interface CatalogueTtls {
  /** Default 10 minutes. */
  productsMs?: number;
  /** Default 1 minute. */
  campaignsMs?: number;
  /** A category's list pages; default 1 minute. */
  listingsMs?: number;
}

/** One page of a category's list, its products mapped, and the PIM's cursor to the next (null: the last). */
export interface CategoryPage {
  items: ProductRecord[];
  nextCursor: string | null;
}

/** Which page of which category, with how many products: the key of {@link CatalogueLoaders.categoryPage}. */
export interface CategoryPageKey {
  category: string;
  limit: number;
  cursor?: string;
}

/** The cache key of a page: the category's path, the page size and the cursor (none for the first page). */
function categoryPageKey({ category, limit, cursor }: CategoryPageKey): string {
  return JSON.stringify([category, limit, cursor ?? null]);
}

/**
 * The per-request loaders, one per key kind. Each batch is answered from the cache where
 * fresh, and the rest in one PIM batch call per `PIM_BATCH_LIMIT` (250) distinct values,
 * all three key kinds having a batch endpoint (`refs`, `eans`, `aliases` with
 * `aliasType=WEB_SKU`). A key the PIM does not know loads as null.
 */
export interface CatalogueLoaders {
  /** Key: a catalogue ref in its dotted form (`normaliseCatalogueRef`). */
  productByRef: DataLoader<string, ProductRecord | null>;
  /** Key: a valid GTIN in its GTIN-14 form (`gtinKey`). */
  productByGtin: DataLoader<string, ProductRecord | null>;
  /**
   * Key: a web SKU as given, matched without regard to case (`jac-12061-blu` is `JAC-12061-BLU`).
   * The PIM matches aliases exactly, so each value is asked as given and in upper case (the
   * case the shop's SKUs are written in), in the same batch call: an upper-case key costs one
   * value, as before; a SKU the PIM keeps in lower or mixed case is found when given as it is kept.
   */
  productByWebSku: DataLoader<string, ProductRecord | null>;
  /**
   * Key: `<franchise>:<code>`, a franchise's local POS code. The one product carrying it as a
   * POS code alias of that franchise; null when none does, or several do (never guessed).
   */
  productByPosCode: DataLoader<string, ProductRecord | null>;
  /** Every campaign of the PIM (a short list, never paged); the only key is {@link ALL_CAMPAIGNS}. */
  campaigns: DataLoader<string, CampaignRecord[]>;
  /**
   * A page of a category's list: one PIM call per page, each page asked apart (a page the PIM
   * refuses, an unknown cursor, fails alone).
   */
  categoryPage: DataLoader<CategoryPageKey, CategoryPage, string>;
}

export const ALL_CAMPAIGNS = 'all';

export function createLoaders(client: CatalogueClient, { productsMs = 600_000, campaignsMs = 60_000, listingsMs = 60_000 }: CatalogueTtls = {}): CatalogueLoaders {
  const { source } = client;
  const byRef: CacheKind = { name: 'productByRef', ttlMs: productsMs };
  const byGtin: CacheKind = { name: 'productByGtin', ttlMs: productsMs };
  const byWebSku: CacheKind = { name: 'productByWebSku', ttlMs: productsMs };
  const byPosCode: CacheKind = { name: 'productByPosCode', ttlMs: productsMs };
  // v2: campaigns are kept in the promotion model's terms (docs/pricing.md); older entries are not read.
  const campaignList: CacheKind = { name: 'campaigns.v2', ttlMs: campaignsMs };
  const listPage: CacheKind = { name: 'categoryPage', ttlMs: listingsMs };

  return {
    productByRef: new DataLoader<string, ProductRecord | null>((keys) =>
      source.cachedBatch(byRef, keys, async (refs) => {
        const asked = refs.filter(isBatchable);
        const products = asked.length > 0 ? await client.productsByRefs(asked) : [];
        return new Map(products.map((product) => [product.ref, toProductRecord(product)]));
      }),
    ),

    productByGtin: new DataLoader<string, ProductRecord | null>((keys) =>
      source.cachedBatch(byGtin, keys, async (gtins) => {
        // The PIM refuses a whole batch for one invalid GTIN: only valid ones are ever asked.
        const asked = [...new Set(gtins.filter(isValidGtin).map(pimEanOf))];
        const products = asked.length > 0 ? await client.productsByEans(asked) : [];
        return pick(gtins, products, (record) => (record.gtin === null ? [] : [toGtin14(record.gtin)]));
      }),
    ),

    productByWebSku: new DataLoader<string, ProductRecord | null>((keys) =>
      source.cachedBatch(byWebSku, keys, async (skus) => {
        const asked = [...new Set(skus.filter(isBatchable).flatMap((sku) => [sku, sku.toUpperCase()]))];
        const products = asked.length > 0 ? await client.productsByAliases(asked, 'WEB_SKU') : [];
        // Every key a product's web SKU answers, whatever the case it was asked in.
        const bySku = new Map<string, string[]>();
        for (const sku of skus) bySku.set(sku.toUpperCase(), [...(bySku.get(sku.toUpperCase()) ?? []), sku]);
        return pick(skus, products, (record) =>
          record.aliases.filter((alias) => alias.kind === 'WEB_SKU').flatMap((alias) => bySku.get(alias.value.toUpperCase()) ?? []),
        );
      }),
    ),

    productByPosCode: new DataLoader<string, ProductRecord | null>((keys) =>
      source.cachedBatch(byPosCode, keys, async (wanted) => {
        const codes = [...new Set(wanted.map((key) => key.slice(key.indexOf(':') + 1)).filter(isBatchable))];
        const products = codes.length > 0 ? await client.productsByAliases(codes, 'POS_CODE') : [];
        // The products holding each franchise's code, by catalogue ref: a code held by two is ambiguous.
        const holders = new Map<string, Map<string, ProductRecord>>();
        for (const record of products.map(toProductRecord)) {
          for (const alias of record.aliases) {
            if (alias.kind !== 'POS_LOCAL_CODE' || alias.franchise === null) continue;
            const key = `${alias.franchise}:${alias.value}`;
            let found = holders.get(key);
            if (!found) holders.set(key, (found = new Map()));
            if (!found.has(record.catalogueRef)) found.set(record.catalogueRef, record);
          }
        }
        const picked = new Map<string, ProductRecord>();
        for (const key of wanted) {
          const found = holders.get(key);
          if (found?.size === 1) picked.set(key, found.values().next().value!);
        }
        return picked;
      }),
    ),

    campaigns: new DataLoader<string, CampaignRecord[]>(async (keys) => {
      const lists = await source.cachedBatch(campaignList, keys, async () => {
        const campaigns = await client.campaigns();
        try {
          return new Map([[ALL_CAMPAIGNS, campaigns.map(toCampaignRecord)]]);
        } catch (error) {
          throw error instanceof SourceFailure ? sourceError(source.name, error) : error;
        }
      });
      // The list is always found: the PIM answers an empty list, not a 404.
      return lists.map((list) => list ?? []);
    }),

    categoryPage: new DataLoader<CategoryPageKey, CategoryPage, string>(
      async ([asked]) => {
        const key = categoryPageKey(asked!);
        const [page] = await source.cachedBatch(listPage, [key], async () => {
          const { items, nextCursor } = await client.productPage(asked!);
          return new Map([[key, { items: items.map(toProductRecord), nextCursor }]]);
        });
        // Always in the map fetched, or the cached page, or the failure.
        return [page!];
      },
      { batch: false, cacheKeyFn: categoryPageKey },
    ),
  };
}

/**
 * Which product each key stands for. A batch answer lists products, not which asked value
 * found which, and a value can find several products: `keysOf` says which keys a product
 * answers, and {@link preferredProduct} chooses among several.
 */
function pick(keys: readonly string[], products: readonly PimProduct[], keysOf: (record: ProductRecord) => string[]): Map<string, ProductRecord> {
  const wanted = new Set(keys);
  const candidates = new Map<string, ProductRecord[]>();
  for (const product of products) {
    const record = toProductRecord(product);
    for (const key of new Set(keysOf(record))) {
      if (!wanted.has(key)) continue;
      const found = candidates.get(key);
      if (found) found.push(record);
      else candidates.set(key, [record]);
    }
  }
  const picked = new Map<string, ProductRecord>();
  for (const [key, records] of candidates) picked.set(key, preferredProduct(records)!);
  return picked;
}
