import { isValidGtin } from '../../../utilities/gtin.js';
import { parseIsoInstant } from '../../../utilities/isoInstant.js';
import { httpFailure, type LegacySource } from '../../shared/source.js';
import { EPOCH } from '../sources/ecommerce.js';
import { platformError, readPlatformPage, type PlatformPage } from '../sources/platformPage.js';
import { later, walkFeed, type ReadProgress } from '../sources/reader.js';
import type { ProductReader, ProductReadResult, WebProductEntry } from './readers.js';

export interface WebProductReaderOptions {
  /** The platform's base URL, without `/api/v1`. */
  baseUrl: string;
  source: LegacySource;
  /** Products per page, 1 to 200. Default 200. */
  perPage?: number;
}

/** A product as the platform serves it (`GET /api/v1/products`), the fields the index reads. */
interface WireProduct {
  sku: string;
  ean: string | null;
  active: boolean;
  updated_at: string;
}

/**
 * Reads the web shop's products, SKU and EAN, from `GET /api/v1/products?updated_since=…`,
 * oldest change first, walked as {@link walkFeed} says.
 */
export function webProductReader({ baseUrl, source, perPage = 200 }: WebProductReaderOptions): ProductReader {
  const root = baseUrl.replace(/\/+$/, '');
  const getPage = (since: string, page: number): Promise<PlatformPage<WireProduct>> =>
    source.call('GET /products', async (signal) => {
      const url = new URL(`${root}/api/v1/products`);
      url.searchParams.set('updated_since', since);
      url.searchParams.set('page', String(page));
      url.searchParams.set('per_page', String(perPage));
      const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
      const body = await response.text();
      if (!response.ok) throw httpFailure(response.status, response.headers.get('retry-after'), platformError(body));
      return readPage(body);
    });

  return {
    name: 'ecommerce',
    async read(since, onBatch, onProgress?: ReadProgress): Promise<ProductReadResult> {
      let watermark: string | null = since;
      let total: number | null = null;
      const seen = new Set<string>();
      await walkFeed(
        since ?? EPOCH,
        async (cursor, page) => {
          const body = await getPage(cursor, page);
          total ??= body.meta.total;
          return { rows: body.data, more: body.data.length === perPage && body.links.next !== null };
        },
        (product) => product.updated_at,
        async (rows) => {
          const products = rows.map((product) => {
            seen.add(product.sku);
            watermark = later(watermark, product.updated_at);
            return toWebProductEntry(product);
          });
          if (products.length > 0) await onBatch({ source: 'ecommerce', products });
          onProgress?.(seen.size, Math.max(total ?? 0, seen.size));
        },
      );
      return { watermark: watermark ?? EPOCH, entries: seen.size };
    },
    close: async () => undefined,
  };
}

/** A web product as the index keeps it: an EAN that is no GTIN is not kept, only noted. */
export function toWebProductEntry(product: WireProduct): WebProductEntry {
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

function readPage(body: string): PlatformPage<WireProduct> {
  return readPlatformPage<WireProduct>(
    'product',
    body,
    (p) =>
      typeof p.sku === 'string' &&
      p.sku !== '' &&
      (p.ean === null || typeof p.ean === 'string') &&
      typeof p.active === 'boolean' &&
      typeof p.updated_at === 'string' &&
      parseIsoInstant(p.updated_at) !== null,
  );
}
