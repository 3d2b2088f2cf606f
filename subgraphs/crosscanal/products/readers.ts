import { LegacySource } from '../../shared/source.js';
import type { SourcesOptions } from '../dataSources.js';
import { catalogueReader } from '../sources/catalogue.js';
import type { ReadProgress } from '../sources/reader.js';
import { posCodeReader } from './posCodes.js';
import type { ReferenceKind } from './references.js';
import { webProductReader } from './webProducts.js';

/** The systems the reference index reads, as `extensions.source` names them. */
export type ProductSourceName = 'catalogue' | 'ecommerce' | 'pos';

/** One code of a catalogue product: its lookup form, as the PIM writes it, and the franchise of a POS code. */
export interface CatalogueCode {
  kind: ReferenceKind;
  /** Lookup form: a dotted reference, a GTIN-14, or upper case without spaces. */
  code: string;
  value: string;
  franchise: string | null;
}

/** A catalogue product as the index keeps it: its keys and every code it is known by. */
export interface CatalogueEntry {
  catalogueRef: string;
  /** The PIM's EAN, when it is a valid GTIN. */
  gtin: string | null;
  /** Its first WEB_SKU alias, as the catalogue's own `Product.webSku` takes it. */
  webSku: string | null;
  status: string;
  updatedAt: string;
  /** The reference itself, old references, the GTIN and the aliases. */
  codes: CatalogueCode[];
  /** Codes the PIM lists that cannot be used: a POS code without a franchise, a malformed EAN or old reference. */
  unusable: number;
}

/** A web shop product: its SKU and, when the web team filled a valid one, its EAN. */
export interface WebProductEntry {
  sku: string;
  gtin: string | null;
  /** The shop wrote an EAN that is not a GTIN. */
  eanUnusable: boolean;
  active: boolean;
  updatedAt: string;
}

/** A local code on a franchise's receipt lines on one day (UTC). */
export interface PosCodeDay {
  /** Lookup form ({@link lookupCode}). */
  code: string;
  /** As the till writes it. */
  value: string;
  /** `YYYY-MM-DD`. */
  day: string;
  lines: number;
  /** The label of its most recent line that day. */
  label: string | null;
  firstSeen: string;
  lastSeen: string;
}

/** A GTIN sold at a franchise's tills, first and last sold. */
export interface PosGtinSighting {
  gtin14: string;
  /** As the till writes it. */
  gtin: string;
  firstSeen: string;
  lastSeen: string;
}

/** A code a franchise's stock lists, and in how many of its stores. */
export interface PosStockEntry {
  kind: 'GTIN' | 'LOCAL';
  /** A GTIN-14, or a local code's lookup form. */
  code: string;
  value: string;
  stores: number;
}

/**
 * What a franchise's tills show of product codes. `fromDay` null: everything (a full read,
 * which replaces what the index held for the franchise); else the receipt lines from that
 * day on (UTC), which replace the days from then on. Stock is always read whole.
 */
export interface PosFranchiseCodes {
  franchise: string;
  fromDay: string | null;
  days: PosCodeDay[];
  gtins: PosGtinSighting[];
  stock: PosStockEntry[];
}

export type ProductBatch =
  | { source: 'catalogue'; products: CatalogueEntry[] }
  | { source: 'ecommerce'; products: WebProductEntry[] }
  | { source: 'pos'; franchise: PosFranchiseCodes };

export interface ProductReadResult {
  /** Where the next incremental read starts; opaque to everyone but the reader. */
  watermark: string;
  /** Entries handed over: products, or a franchise's codes. */
  entries: number;
}

/**
 * Reads one system's product codes through its own protocol: everything when `since` is
 * null, else what changed since that watermark (with some overlap: reading an entry twice
 * is harmless). Entries reach `onBatch` page by page (a franchise at a time for the POS).
 */
export interface ProductReader {
  readonly name: ProductSourceName;
  read(since: string | null, onBatch: (batch: ProductBatch) => Promise<void>, onProgress?: ReadProgress): Promise<ProductReadResult>;
  close(): Promise<void>;
}

/**
 * The product readers of the systems configured, each behind its own LegacySource
 * (timeout, retries, circuit breaker), with the same defaults as the identity readers.
 */
export function createProductReaders(options: SourcesOptions): ProductReader[] {
  const common = { timeoutMs: options.timeoutMs ?? 30_000, retries: options.retries ?? 2, maxRetryAfterMs: 5_000 };
  const readers: ProductReader[] = [];
  if (options.catalogueUrl) readers.push(catalogueReader({ baseUrl: options.catalogueUrl, source: new LegacySource('catalogue', common) }));
  if (options.ecommerceUrl) readers.push(webProductReader({ baseUrl: options.ecommerceUrl, source: new LegacySource('ecommerce', common) }));
  if (options.posUrl) {
    readers.push(
      posCodeReader({
        databaseUrl: options.posUrl,
        source: new LegacySource('pos', common),
        schemaPrefix: options.posSchemaPrefix,
        overlapMs: options.posOverlapMs,
      }),
    );
  }
  return readers;
}
