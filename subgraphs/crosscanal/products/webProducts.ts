import { isValidGtin } from '../../../utilities/gtin.js';
import { parseIsoInstant } from '../../../utilities/isoInstant.js';
import { EcommerceClient, type WireProduct } from '../../ecommerce/client.js';
import type { LegacySource } from '../../shared/source.js';
import { EPOCH, walkChanges } from '../sources/ecommerce.js';
import { later, type ReadProgress } from '../sources/reader.js';
import type { ProductReader, ProductReadResult, WebProductEntry } from './readers.js';

export interface WebProductReaderOptions {
  /** The platform's base URL, without `/api/v1`. */
  baseUrl: string;
  source: LegacySource;
  /** Products per page, 1 to 200. Default 200. */
  perPage?: number;
}

/**
 * Reads the web shop's products, SKU and EAN, from the products' change feed, oldest change
 * first, walked as {@link walkChanges} says, through the e-commerce subgraph's own client.
 */
export function webProductReader({ baseUrl, source, perPage = 200 }: WebProductReaderOptions): ProductReader {
  const client = new EcommerceClient(baseUrl, source, { checkRecords: true });

  return {
    name: 'ecommerce',
    async read(since, onBatch, onProgress?: ReadProgress): Promise<ProductReadResult> {
      let watermark: string | null = since;
      const seen = new Set<string>();
      await walkChanges((cursor, page, size) => client.changedProducts(cursor, page, size), since ?? EPOCH, perPage, async (rows, total) => {
        const products = rows.map((product) => {
          seen.add(product.sku);
          watermark = later(watermark, product.updated_at);
          return toWebProductEntry(product);
        });
        if (products.length > 0) await onBatch({ source: 'ecommerce', products });
        onProgress?.(seen.size, Math.max(total, seen.size));
      });
      return { watermark: watermark ?? EPOCH, entries: seen.size };
    },
    close: async () => undefined,
  };
}

/** A web product as the index keeps it: an EAN that is no GTIN is not kept, only noted. */
export function toWebProductEntry(product: Pick<WireProduct, 'sku' | 'ean' | 'active' | 'updated_at'>): WebProductEntry {
  const ean = product.ean === null ? '' : product.ean.trim();
  const gtin = ean !== '' && isValidGtin(ean) ? ean : null;
  return {
    sku: product.sku,
    gtin,
    eanUnusable: ean !== '' && gtin === null,
    active: product.active,
    updatedAt: new Date(parseIsoInstant(product.updated_at)!).toISOString(),
  };
}
