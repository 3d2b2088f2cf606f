import { isValidGtin, toGtin14 } from '../../../utilities/gtin.js';
import type { Money } from '../../../utilities/money.js';
import type { Promotion } from '../../shared/promotions.js';
import { productCoherence, INCOHERENCE_CAUSES, type IncoherenceCause, type Place, type ProductCoherence } from './coherence.js';
import type { PricedProduct, StorePriceRow } from './engine.js';
import { runsAt } from '../../shared/promotions.js';

/**
 * The coherence report over the whole estate: every product each system prices, joined into
 * one product by the codes the systems share (a web SKU in any case, a GTIN, a franchise's
 * local code as the catalogue lists it), priced at every place that sells it.
 */

/** A catalogue product, as the scan needs it. */
export interface CatalogueItem {
  catalogueRef: string;
  gtin: string | null;
  category: string[];
  listPrice: Money | null;
  /** Its older catalogue references. */
  oldRefs: string[];
  /** Its WEB_SKU aliases. */
  webSkus: string[];
  /** Its franchises' local codes (POS_LOCAL_CODE aliases). */
  localCodes: { franchise: string; code: string }[];
}

export interface WebItem {
  sku: string;
  gtin: string | null;
  price: Money | null;
  active: boolean;
}

/** One item of one store's price sheet: its price rows and whether the store stocks it. */
export interface SheetItem {
  storeCode: string;
  franchise: string;
  /** GTIN-14 when the tills know the item by a valid GTIN. */
  gtin14: string | null;
  /** The franchise's own code, when the tills know the item by it. */
  localCode: string | null;
  prices: StorePriceRow[];
  stocked: boolean;
}

/** Where the scan reads; each list may come in pages. */
export interface CoherenceSources {
  catalogue(): AsyncIterable<CatalogueItem[]>;
  web(): AsyncIterable<WebItem[]>;
  /** The franchises to read, with their stores' price sheets. */
  franchises(): Promise<string[]>;
  sheet(franchise: string): AsyncIterable<SheetItem[]>;
  /** Every promotion of every system: campaigns, cart rules, store promotions with their items. */
  promotions(): Promise<Promotion[]>;
}

export interface CoherenceOptions {
  atMs: number;
  toleranceBp: number;
  /** Only this franchise's stores; the web is left out. Null: head office, every store and the web. */
  franchise: string | null;
  /** Called as each system is read and as products are priced. */
  onProgress?: (progress: CoherenceProgress) => void;
}

export interface CoherenceProgress {
  phase: 'catalogue' | 'web' | 'stores' | 'pricing';
  done: number;
  /** Null while unknown. */
  total: number | null;
}

/** The keys a reported product is known by; the first non-null one is its key in the report. */
export interface ProductKeys {
  catalogueRef: string | null;
  webSku: string | null;
  gtin: string | null;
  /** `<franchise>:<local code>` for a product only a franchise's tills know. */
  tillRef: string | null;
}

export interface ReportedProduct extends ProductCoherence {
  keys: ProductKeys;
  /** Sort key and cursor: `catalogue:<ref>`, `web:<sku>` or `till:<franchise>:<code>`. */
  cursor: string;
}

export interface CoherenceReport {
  at: string;
  tolerancePercent: number;
  franchise: string | null;
  productsChecked: number;
  placesChecked: number;
  byCause: { cause: IncoherenceCause; places: number }[];
  /** The incoherent products, ordered by cursor. */
  products: ReportedProduct[];
}

interface Gathered {
  keys: ProductKeys;
  cursor: string;
  priced: PricedProduct;
  web: WebItem | null;
  stores: Map<string, SheetItem>;
}

function gtin14Of(code: string | null): string | null {
  if (code === null) return null;
  const digits = code.replace(/\s/g, '');
  return /^\d{8,14}$/.test(digits) && isValidGtin(digits) ? toGtin14(digits) : null;
}

/** Reads every system once and prices every product at every place that sells it. */
export async function coherenceReport(sources: CoherenceSources, options: CoherenceOptions): Promise<CoherenceReport> {
  const { atMs, toleranceBp, franchise, onProgress } = options;
  const products = new Map<string, Gathered>();
  const byGtin = new Map<string, Gathered>();
  const bySku = new Map<string, Gathered>();
  const byLocal = new Map<string, Gathered>();

  let read = 0;
  for await (const page of sources.catalogue()) {
    for (const item of page) {
      const gtin14 = gtin14Of(item.gtin);
      const entry: Gathered = {
        keys: { catalogueRef: item.catalogueRef, webSku: item.webSkus[0] ?? null, gtin: item.gtin, tillRef: null },
        cursor: `catalogue:${item.catalogueRef}`,
        priced: { catalogueRef: item.catalogueRef, oldCatalogueRefs: item.oldRefs, webSku: item.webSkus[0] ?? null, gtin14, category: item.category, listPrice: item.listPrice },
        web: null,
        stores: new Map(),
      };
      products.set(entry.cursor, entry);
      if (gtin14 && !byGtin.has(gtin14)) byGtin.set(gtin14, entry);
      for (const sku of item.webSkus) if (!bySku.has(sku.toUpperCase())) bySku.set(sku.toUpperCase(), entry);
      for (const local of item.localCodes) byLocal.set(`${local.franchise}:${local.code.toUpperCase()}`, entry);
    }
    read += page.length;
    onProgress?.({ phase: 'catalogue', done: read, total: null });
  }

  read = 0;
  for await (const page of sources.web()) {
    for (const item of page) {
      const gtin14 = gtin14Of(item.gtin);
      let entry = bySku.get(item.sku.toUpperCase()) ?? (gtin14 ? byGtin.get(gtin14) : undefined);
      if (entry && entry.web !== null) entry = undefined; // a second web product for one catalogue product stands on its own
      if (!entry) {
        entry = {
          keys: { catalogueRef: null, webSku: item.sku, gtin: item.gtin, tillRef: null },
          cursor: `web:${item.sku}`,
          priced: { catalogueRef: null, webSku: item.sku, gtin14, category: [], listPrice: null },
          web: null,
          stores: new Map(),
        };
        products.set(entry.cursor, entry);
        if (gtin14 && !byGtin.has(gtin14)) byGtin.set(gtin14, entry);
      }
      entry.web = item;
      if (entry.priced.webSku === null || entry.priced.webSku.toUpperCase() === item.sku.toUpperCase()) entry.priced.webSku = item.sku;
      if (entry.keys.webSku === null || entry.keys.webSku.toUpperCase() === item.sku.toUpperCase()) entry.keys.webSku = item.sku;
    }
    read += page.length;
    onProgress?.({ phase: 'web', done: read, total: null });
  }

  read = 0;
  const franchises = (await sources.franchises()).filter((f) => franchise === null || f === franchise);
  for (const code of franchises) {
    for await (const page of sources.sheet(code)) {
      for (const item of page) {
        let entry = item.localCode !== null ? byLocal.get(`${item.franchise}:${item.localCode.toUpperCase()}`) : undefined;
        if (!entry && item.gtin14 !== null) entry = byGtin.get(item.gtin14);
        if (!entry) {
          const till = item.localCode !== null ? `${item.franchise}:${item.localCode}` : null;
          const cursor = till !== null ? `till:${till}` : `gtin:${item.gtin14}`;
          entry = products.get(cursor);
          if (!entry) {
            entry = {
              keys: { catalogueRef: null, webSku: null, gtin: item.gtin14, tillRef: till },
              cursor,
              priced: { catalogueRef: null, webSku: null, gtin14: item.gtin14, category: [], listPrice: null },
              web: null,
              stores: new Map(),
            };
            products.set(cursor, entry);
            if (till !== null) byLocal.set(`${item.franchise}:${item.localCode!.toUpperCase()}`, entry);
            else if (item.gtin14 !== null) byGtin.set(item.gtin14, entry);
          }
        }
        const known = entry.stores.get(item.storeCode);
        if (known) {
          // The same product under its GTIN and a local code: one place, every price row.
          known.prices.push(...item.prices);
          known.stocked ||= item.stocked;
        } else entry.stores.set(item.storeCode, { ...item, prices: [...item.prices] });
      }
      read += page.length;
      onProgress?.({ phase: 'stores', done: read, total: null });
    }
  }

  const promotions = await sources.promotions();
  const report: CoherenceReport = {
    at: new Date(atMs).toISOString(),
    tolerancePercent: toleranceBp / 100,
    franchise,
    productsChecked: 0,
    placesChecked: 0,
    byCause: [],
    products: [],
  };
  const counts = new Map<IncoherenceCause, number>();
  const all = [...products.values()].sort((a, b) => (a.cursor < b.cursor ? -1 : a.cursor > b.cursor ? 1 : 0));
  let priced = 0;
  for (const entry of all) {
    const places: Place[] = [];
    if (franchise === null && entry.web?.active) places.push({ channel: 'WEB', storeCode: null, franchise: null, sources: { web: entry.web, store: null } });
    for (const item of [...entry.stores.values()].sort((a, b) => a.storeCode.localeCompare(b.storeCode))) {
      const { prices } = item;
      const sells = item.stocked || prices.some((row) => runsAt({ startsAt: row.validFrom, endsAt: row.validTo }, atMs));
      if (!sells) continue;
      places.push({ channel: 'STORE', storeCode: item.storeCode, franchise: item.franchise, sources: { web: null, store: { storeCode: item.storeCode, franchise: item.franchise, prices } } });
    }
    priced += 1;
    if (priced % 500 === 0) onProgress?.({ phase: 'pricing', done: priced, total: all.length });
    if (places.length === 0) continue;
    report.productsChecked += 1;
    report.placesChecked += places.length;
    const result = productCoherence(entry.priced, places, promotions, atMs, toleranceBp);
    if (result.deviations.length === 0) continue;
    for (const deviation of result.deviations) for (const cause of deviation.causes) counts.set(cause, (counts.get(cause) ?? 0) + 1);
    report.products.push({ ...result, keys: entry.keys, cursor: entry.cursor });
  }
  onProgress?.({ phase: 'pricing', done: all.length, total: all.length });
  report.byCause = INCOHERENCE_CAUSES.filter((c) => counts.has(c)).map((cause) => ({ cause, places: counts.get(cause)! }));
  return report;
}
