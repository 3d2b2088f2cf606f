import { isValidGtin } from '../../../utilities/gtin.js';
import { parseIsoInstant } from '../../../utilities/isoInstant.js';
import { CatalogueClient, type PimProduct } from '../../catalogue/client.js';
import type { LegacySource } from '../../shared/source.js';
import type { CatalogueCode, CatalogueEntry, ProductReader, ProductReadResult } from '../products/readers.js';
import { catalogueRefOf, franchiseOf, gtinKeyOf, lookupCode } from '../products/references.js';
import { later, type ReadProgress } from './reader.js';

export interface CatalogueReaderOptions {
  /** The PIM's base URL, without `/pim/v2`. */
  baseUrl: string;
  source: LegacySource;
  /** Products per page, 1 to 500. Default 500. */
  pageSize?: number;
}

/** What the index reads of a PIM product. */
type IndexedProduct = Pick<PimProduct, 'ref' | 'ean' | 'status' | 'aliases' | 'updatedAt'>;

/** The start of the PIM's feed: a full read asks for no `updatedSince`, and this is its watermark when the PIM is empty. */
const EPOCH = '1970-01-01T00:00:00.000Z';

/**
 * Reads the catalogue's products and every code they carry from the PIM's change feed
 * (ordered by `updatedAt` then ref, paged by an opaque cursor), through the catalogue
 * subgraph's own client. `updatedSince` is inclusive: the product last seen is read again,
 * never missed. The watermark is the latest `updatedAt` read.
 */
export function catalogueReader({ baseUrl, source, pageSize = 500 }: CatalogueReaderOptions): ProductReader {
  const client = new CatalogueClient(baseUrl, source);

  return {
    name: 'catalogue',
    async read(since, onBatch, onProgress?: ReadProgress): Promise<ProductReadResult> {
      let cursor: string | null = null;
      let watermark: string | null = since;
      const seen = new Set<string>();
      do {
        const page = await client.changedProducts({ since: since ?? undefined, limit: pageSize, cursor: cursor ?? undefined });
        const products: CatalogueEntry[] = [];
        for (const item of page.items) {
          watermark = later(watermark, new Date(parseIsoInstant(item.updatedAt)!).toISOString());
          const entry = toCatalogueEntry(item);
          if (entry === null) continue;
          seen.add(entry.catalogueRef);
          products.push(entry);
        }
        if (products.length > 0) await onBatch({ source: 'catalogue', products });
        onProgress?.(seen.size, page.nextCursor === null ? seen.size : null);
        cursor = page.nextCursor;
      } while (cursor !== null);
      return { watermark: watermark ?? EPOCH, entries: seen.size };
    },
    close: async () => undefined,
  };
}

const ALIAS_KINDS: Readonly<Record<string, CatalogueCode['kind']>> = {
  WEB_SKU: 'WEB_SKU',
  SUPPLIER_REF: 'SUPPLIER_REF',
  POS_CODE: 'POS_LOCAL_CODE',
  // Last year's paper catalogue still prints it: an old reference names the product too.
  OLD_REF: 'CATALOGUE_REF',
};

/**
 * A PIM product as the index keeps it, or null when its ref is not a catalogue reference
 * (the PIM writes them dotted; one that is not cannot be printed, nor asked for).
 */
export function toCatalogueEntry(product: IndexedProduct): CatalogueEntry | null {
  const catalogueRef = catalogueRefOf(product.ref);
  if (catalogueRef === null || catalogueRef !== product.ref) return null;
  let unusable = 0;
  const codes: CatalogueCode[] = [{ kind: 'CATALOGUE_REF', code: catalogueRef, value: catalogueRef, franchise: null }];
  let gtin: string | null = null;
  if (product.ean !== null) {
    const key = isValidGtin(product.ean) ? gtinKeyOf(product.ean) : null;
    if (key === null) unusable += 1;
    else {
      gtin = product.ean;
      codes.push({ kind: 'GTIN', code: key, value: product.ean, franchise: null });
    }
  }
  for (const alias of product.aliases) {
    const kind = ALIAS_KINDS[alias.type];
    if (kind === undefined) continue;
    const value = alias.value.trim();
    let code: string | null = lookupCode(value);
    let franchise: string | null = null;
    if (kind === 'CATALOGUE_REF') code = catalogueRefOf(value);
    if (kind === 'POS_LOCAL_CODE') {
      franchise = alias.franchise === null ? null : franchiseOf(alias.franchise);
      // A local code means nothing outside its franchise.
      if (franchise === null) code = null;
    }
    if (code === null || code === '') {
      unusable += 1;
      continue;
    }
    if (!codes.some((c) => c.kind === kind && c.code === code && c.franchise === franchise)) codes.push({ kind, code, value, franchise });
  }
  return {
    catalogueRef,
    gtin,
    webSku: product.aliases.find((alias) => alias.type === 'WEB_SKU')?.value ?? null,
    status: product.status,
    updatedAt: new Date(parseIsoInstant(product.updatedAt)!).toISOString(),
    codes,
    unusable,
  };
}
