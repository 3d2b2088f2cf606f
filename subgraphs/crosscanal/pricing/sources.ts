import { CatalogueClient } from '../../catalogue/client.js';
import { toCampaignRecord, toPromotion, toProductRecord } from '../../catalogue/mappers.js';
import { EcommerceClient } from '../../ecommerce/client.js';
import { toCartRule, toWebProduct } from '../../ecommerce/mappers.js';
import { PosClient, PRICE_SHEET_PAGE_LIMIT } from '../../pos/client.js';
import { HeldDirectory } from '../../pos/heldDirectory.js';
import { createLoaders as createPosLoaders } from '../../pos/loaders.js';
import type { FranchiseEntry, PriceSheetCursor } from '../../pos/records.js';
import { LegacySource } from '../../shared/source.js';
import type { Promotion } from '../../shared/promotions.js';
import { EPOCH, walkChanges } from '../sources/ecommerce.js';
import type { CatalogueItem, CoherenceSources, SheetItem, WebItem } from './coherenceScan.js';
import { coherenceService, type CoherenceService } from './service.js';

/** The systems a coherence report reads, through their subgraphs' own clients. */
export interface CoherenceClients {
  catalogue: CatalogueClient | null;
  ecommerce: EcommerceClient | null;
  pos: { client: PosClient; source: LegacySource } | null;
  /** The web shop's currency, for its cart rules. Default EUR. */
  shopCurrency?: string;
}

const CATALOGUE_PAGE = 500;
const WEB_PAGE = 200;

/**
 * Reads every system once for the report: the PIM's products by cursor pages, the web shop's
 * products from its change feed, each franchise's price sheet by pages, and every promotion.
 * A system not configured reads as empty.
 */
export function coherenceSources({ catalogue, ecommerce, pos, shopCurrency = 'EUR' }: CoherenceClients): CoherenceSources {
  // One report reads the directory once, when first asked (not started: no background reads).
  const posLoaders = pos ? createPosLoaders(pos.client, pos.source, new HeldDirectory(pos.client)) : null;
  const franchiseEntries = async (): Promise<readonly FranchiseEntry[]> => (posLoaders ? (await posLoaders.directory()).franchises : []);
  const posPromotions = new Map<string, Promotion[]>();

  return {
    async *catalogue() {
      if (!catalogue) return;
      let cursor: string | undefined;
      do {
        const page = await catalogue.changedProducts({ limit: CATALOGUE_PAGE, cursor });
        yield page.items.map((product): CatalogueItem => {
          const record = toProductRecord(product);
          return {
            catalogueRef: record.catalogueRef,
            gtin: record.gtin,
            category: record.category,
            listPrice: record.listPrice,
            oldRefs: record.aliases.filter((a) => a.kind === 'CATALOGUE_REF' && a.value !== record.catalogueRef).map((a) => a.value),
            webSkus: record.aliases.filter((a) => a.kind === 'WEB_SKU').map((a) => a.value),
            localCodes: record.aliases.flatMap((a) => (a.kind === 'POS_LOCAL_CODE' && a.franchise !== null ? [{ franchise: a.franchise, code: a.value }] : [])),
          };
        });
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    },

    async *web() {
      if (!ecommerce) return;
      const all: WebItem[] = [];
      await walkChanges((since, page, size) => ecommerce.changedProducts(since, page, size), EPOCH, WEB_PAGE, async (rows) => {
        for (const row of rows) {
          const product = toWebProduct(row);
          all.push({ sku: product.webSku, gtin: product.gtin, price: product.webPrice, active: product.webAvailable });
        }
      });
      yield all;
    },

    franchises: async () => (await franchiseEntries()).map((f) => f.code),

    async *sheet(code) {
      if (!pos) return;
      const franchise = (await franchiseEntries()).find((f) => f.code === code);
      if (!franchise) return;
      let after: PriceSheetCursor | null = null;
      do {
        const page = await pos.client.priceSheetPage(franchise, { after, limit: PRICE_SHEET_PAGE_LIMIT });
        if (page.promotions) posPromotions.set(code, page.promotions);
        yield page.entries.map(
          (entry): SheetItem => ({
            storeCode: entry.storeCode,
            franchise: code,
            gtin14: entry.gtin14,
            localCode: entry.gtin14 === null ? entry.itemCode : null,
            prices: entry.prices.map((p) => ({ price: p.price, validFrom: p.validFrom, validTo: p.validTo })),
            stocked: entry.stocked,
          }),
        );
        after = page.next;
      } while (after !== null);
    },

    async promotions() {
      const found: Promotion[] = [];
      if (catalogue) found.push(...(await catalogue.campaigns()).map((c) => toPromotion(toCampaignRecord(c), 'FR')));
      if (ecommerce) found.push(...(await ecommerce.cartRules()).map((rule) => toCartRule(rule, shopCurrency).promotion));
      if (pos) {
        for (const franchise of await franchiseEntries()) {
          found.push(...(posPromotions.get(franchise.code) ?? (await pos.client.franchisePromotions(franchise))));
        }
      }
      return found;
    },
  };
}

/** What a coherence report reads each system through: a report reads whole systems, so calls may take longer than a client's. */
export function coherenceClients(urls: { catalogueUrl?: string; ecommerceUrl?: string; posUrl?: string; posSchemaPrefix?: string }, timeoutMs = 30_000): CoherenceClients {
  const common = { timeoutMs, retries: 2, maxRetryAfterMs: 5_000 };
  const posSource = urls.posUrl ? new LegacySource('pos', common) : null;
  return {
    catalogue: urls.catalogueUrl ? new CatalogueClient(urls.catalogueUrl, new LegacySource('catalogue', common)) : null,
    ecommerce: urls.ecommerceUrl ? new EcommerceClient(urls.ecommerceUrl, new LegacySource('ecommerce', common)) : null,
    pos: urls.posUrl && posSource ? { client: new PosClient(posSource, { url: urls.posUrl, schemaPrefix: urls.posSchemaPrefix, timeoutMs, poolSize: 2 }), source: posSource } : null,
  };
}

/** The subgraph's coherence reports, over the systems it is configured with; null without the catalogue, whose list prices are the reference. */
export function coherenceFromSources(urls: { catalogueUrl?: string; ecommerceUrl?: string; posUrl?: string; posSchemaPrefix?: string }): (CoherenceService & { close(): Promise<void> }) | null {
  if (!urls.catalogueUrl) return null;
  const clients = coherenceClients(urls);
  return { ...coherenceService(() => coherenceSources(clients)), close: async () => clients.pos?.client.close() };
}
