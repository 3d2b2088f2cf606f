import { gs1CheckDigit, isValidGtin } from '../../utilities/gtin.js';
import type { AliasType, CatalogueProduct } from '../generator/model.js';
import { CATEGORY_SEPARATOR, parseCategoryPath } from './categoryPath.js';
import type { HandlerContext } from './handlerContext.js';
import { Problem } from './problem.js';
import { QueryParams } from './queryParams.js';
import { jsonReply, languageHeader, taggedReply, type Reply } from './reply.js';
import { LOCALES, productJson, type Locale, type ProductJson } from './representations.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;

/** The lookups `GET /products` can do instead of listing; one per call. */
export const LOOKUPS = ['refs', 'eans', 'alias', 'aliases'] as const;
export type Lookup = (typeof LOOKUPS)[number];

const ALIAS_TYPES: readonly AliasType[] = ['WEB_SKU', 'SUPPLIER_REF', 'POS_CODE', 'OLD_REF'];

/** The body of every batch lookup: what was found, and which asked-for values found nothing. */
export interface BatchBody {
  items: ProductJson[];
  missing: string[];
}

export interface ListBody {
  items: ProductJson[];
  nextCursor: string | null;
}

/** `GET /products/{ref}`: the current ref only, dotted, exactly as printed in the paper catalogue. */
export function getProduct(ref: string, search: URLSearchParams, ifNoneMatch: string | undefined, { index }: HandlerContext): Reply {
  const query = new QueryParams(search, ['locale'], 'GET /pim/v2/products/{ref}');
  const locale = query.choice('locale', LOCALES);
  const product = index.product(ref);
  if (!product) throw new Problem('product-not-found', productNotFound(ref));
  return taggedReply(productJson(product, locale), ifNoneMatch, languageHeader(locale));
}

/** The lookups present in a `GET /products` query string, in {@link LOOKUPS} order. */
export function lookupsIn(search: URLSearchParams): Lookup[] {
  return LOOKUPS.filter((lookup) => search.has(lookup));
}

/** `GET /products`: a batch lookup by refs, EANs or alias values, or the cursor-paged list. */
export function listProducts(search: URLSearchParams, context: HandlerContext): Reply {
  const lookups = lookupsIn(search);
  if (lookups.length > 1) {
    throw new Problem('invalid-parameter', `give one of ${LOOKUPS.join(', ')} per call, got ${lookups.join(' and ')}`);
  }
  const { index } = context;
  switch (lookups[0]) {
    case 'refs': {
      const query = new QueryParams(search, ['refs', 'locale'], 'GET /pim/v2/products?refs=');
      const locale = query.choice('locale', LOCALES);
      return batchReply(query.batch('refs')!, (ref) => optional(index.product(ref)), locale);
    }
    case 'eans': {
      const query = new QueryParams(search, ['eans', 'locale'], 'GET /pim/v2/products?eans=');
      const locale = query.choice('locale', LOCALES);
      const eans = query.batch('eans')!;
      for (const ean of eans) checkGtin(ean);
      return batchReply(eans, (ean) => index.productsByEan(ean), locale);
    }
    case 'alias':
    case 'aliases': {
      const lookup = lookups[0];
      const query = new QueryParams(search, [lookup, 'aliasType', 'locale'], `GET /pim/v2/products?${lookup}=`);
      const locale = query.choice('locale', LOCALES);
      const type = query.choice('aliasType', ALIAS_TYPES);
      // A single alias is still answered as a batch: one value can name several products.
      const values = lookup === 'alias' ? [query.text('alias')!] : query.batch('aliases')!;
      return batchReply(values, (value) => index.productsByAlias(value, type), locale);
    }
    case undefined:
      return listPage(search, context);
  }
}

function listPage(search: URLSearchParams, { index, cursors }: HandlerContext): Reply {
  const query = new QueryParams(search, ['limit', 'cursor', 'updatedSince', 'category', 'locale'], 'GET /pim/v2/products');
  const locale = query.choice('locale', LOCALES);
  const limit = query.integer('limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
  const sinceMs = query.instant('updatedSince');
  const categoryText = query.text('category');
  const category = categoryText === undefined ? undefined : parseCategoryPath(categoryText);
  if (category === null) {
    throw new Problem('invalid-parameter', `category must be a path like "Chaussures > Running", got ${JSON.stringify(categoryText)}`);
  }
  const filters = [
    ...(category ? [`category=${category.join(CATEGORY_SEPARATOR)}`] : []),
    ...(sinceMs !== undefined ? [`updatedSince=${new Date(sinceMs).toISOString()}`] : []),
  ].join('&');
  const cursor = query.text('cursor');
  const after = cursor === undefined ? undefined : cursors.decode(cursor, filters);
  const page = index.list({ category, sinceMs, after, limit });
  const last = page.items.at(-1);
  const body: ListBody = {
    items: page.items.map((product) => productJson(product, locale)),
    nextCursor: page.more && last ? cursors.encode(index.position(last), filters) : null,
  };
  return jsonReply(body, languageHeader(locale));
}

/** Each product once, in the order of the values that found it; values that found nothing in `missing`. */
function batchReply(values: readonly string[], find: (value: string) => CatalogueProduct[], locale: Locale | undefined): Reply {
  const found = new Set<CatalogueProduct>();
  const missing: string[] = [];
  for (const value of new Set(values)) {
    const products = find(value);
    if (products.length === 0) missing.push(value);
    for (const product of products) found.add(product);
  }
  const body: BatchBody = { items: [...found].map((product) => productJson(product, locale)), missing };
  return jsonReply(body, languageHeader(locale));
}

function checkGtin(value: string): void {
  if (isValidGtin(value)) return;
  const why = /^(\d{8}|\d{12,14})$/.test(value)
    ? `its check digit should be ${gs1CheckDigit(value.slice(0, -1))}`
    : 'a GTIN is 8, 12, 13 or 14 digits';
  throw new Problem('invalid-gtin', `eans value ${JSON.stringify(value)} is not a valid GTIN: ${why}`);
}

/** The 404 detail, with the hint a strict PIM owes its callers about how refs are written. */
function productNotFound(ref: string): string {
  const digits = ref.replace(/[\s.\-_/]/g, '');
  if (/^\d{8}$/.test(digits) && !/^\d{3}\.\d{3}\.\d{2}$/.test(ref)) {
    const dotted = `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}`;
    return `no product with ref ${JSON.stringify(ref)}: refs are written with dots, as in the paper catalogue; try ${JSON.stringify(dotted)}`;
  }
  return `no product with ref ${JSON.stringify(ref)}; EANs are looked up with ?eans= and other codes (web SKU, supplier ref, POS code, old ref) with ?alias=`;
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}
