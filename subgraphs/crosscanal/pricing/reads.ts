import { gtinKey, normaliseCatalogueRef, toPromotion, type ProductRecord } from '../../catalogue/mappers.js';
import { ALL_CAMPAIGNS } from '../../catalogue/loaders.js';
import { storePricingKey, type LocalCode } from '../../pos/loaders.js';
import type { StoreEntry, StorePricingRecord } from '../../pos/records.js';
import { badUserInput } from '../../shared/errors.js';
import type { Promotion } from '../../shared/promotions.js';
import type { EstateLoaders } from '../orders/estate.js';
import type { PricedProduct, PriceSources } from './engine.js';

/**
 * What the price engine is given, read live from the systems through the subgraphs' own
 * loaders: one batch per system for every product, store and offer a request asks for.
 */

/** A product as the planner hands it over: by any of its keys. */
export interface ProductReference {
  catalogueRef?: string | null;
  webSku?: string | null;
  gtin?: string | null;
  tillRef?: string | null;
}

/** What the systems say of the product, beyond its prices. */
export interface ProductFacts {
  priced: PricedProduct;
  /** The web shop's SKU to read its price by; null when no system names one. */
  webSku: string | null;
  /** The franchises' local codes for it, as the catalogue lists them (and the one a till reference names). */
  localCodes: LocalCode[];
  /** Its GTIN as the catalogue writes it, else as the reference gives it. */
  gtin: string | null;
}

function unwrapped<T>(value: T | Error): T {
  if (value instanceof Error) throw value;
  return value;
}

/** The catalogue's product for the reference, by the first key it carries; null when the catalogue does not know it (or is not read). */
async function catalogueProduct(reference: ProductReference, estate: EstateLoaders): Promise<ProductRecord | null> {
  const { catalogue } = estate;
  if (!catalogue) return null;
  if (reference.catalogueRef) {
    const ref = normaliseCatalogueRef(reference.catalogueRef);
    if (ref) return catalogue.productByRef.load(ref);
  }
  if (reference.webSku) {
    const found = await catalogue.productByWebSku.load(reference.webSku);
    if (found) return found;
  }
  if (reference.gtin) {
    const key = gtinKey(reference.gtin);
    if (key) {
      const found = await catalogue.productByGtin.load(key);
      if (found) return found;
    }
  }
  if (reference.tillRef) {
    // `NRD:3560070123458` names an EAN, `NRD:L0042` a franchise's local code.
    const code = reference.tillRef.slice(reference.tillRef.indexOf(':') + 1);
    const key = /^\d{8,14}$/.test(code) ? gtinKey(code) : null;
    const found = key ? await catalogue.productByGtin.load(key) : await catalogue.productByPosCode.load(reference.tillRef);
    if (found) return found;
  }
  return null;
}

/** The facts of a product, whatever key it came by: a catalogue product, or what the web shop or a till alone knows. */
export async function productFacts(reference: ProductReference, estate: EstateLoaders): Promise<ProductFacts> {
  const record = await catalogueProduct(reference, estate);
  const till = reference.tillRef ? /^([^:]+):(.+)$/.exec(reference.tillRef) : null;
  const tillCode: LocalCode[] = till && !/^\d{8,14}$/.test(till[2]!) ? [{ franchise: till[1]!, code: till[2]! }] : [];
  const tillGtin = till && /^\d{8,14}$/.test(till[2]!) ? till[2]! : null;
  if (record) {
    const localCodes = record.aliases.flatMap((a) => (a.kind === 'POS_LOCAL_CODE' && a.franchise !== null ? [{ franchise: a.franchise, code: a.value }] : []));
    for (const code of tillCode) if (!localCodes.some((c) => c.franchise === code.franchise && c.code === code.code)) localCodes.push(code);
    const webSku = record.aliases.find((a) => a.kind === 'WEB_SKU')?.value ?? record.webSku ?? reference.webSku ?? null;
    return {
      priced: {
        catalogueRef: record.catalogueRef,
        oldCatalogueRefs: record.aliases.filter((a) => a.kind === 'CATALOGUE_REF' && a.value !== record.catalogueRef).map((a) => a.value),
        webSku,
        gtin14: record.gtin ? gtinKey(record.gtin) : null,
        category: record.category,
        listPrice: record.listPrice,
      },
      webSku,
      localCodes,
      gtin: record.gtin,
    };
  }
  const gtin = reference.gtin ?? tillGtin;
  return {
    priced: { catalogueRef: null, webSku: reference.webSku ?? null, gtin14: gtin ? gtinKey(gtin) : null, category: [], listPrice: null },
    webSku: reference.webSku ?? null,
    localCodes: tillCode,
    gtin,
  };
}

/** The web shop's product by its SKU, tried as given and then in upper case (the shop's own). */
export async function webSource(facts: ProductFacts, estate: EstateLoaders): Promise<PriceSources['web']> {
  if (!facts.webSku || !estate.ecommerce) return null;
  let found = await estate.ecommerce.product.load(facts.webSku);
  if (!found && facts.webSku.toUpperCase() !== facts.webSku) found = await estate.ecommerce.product.load(facts.webSku.toUpperCase());
  return found ? { price: found.webPrice, active: found.webAvailable } : null;
}

/** The store, or BAD_USER_INPUT when the tills know no such store. */
export async function storeEntry(storeCode: string, estate: EstateLoaders): Promise<StoreEntry> {
  if (!estate.pos) throw badUserInput(`storeCode: the tills cannot be read here, so store ${JSON.stringify(storeCode)} cannot be priced`, 'storeCode');
  const store = await estate.pos.store.load(storeCode);
  if (!store) throw badUserInput(`storeCode: no store ${JSON.stringify(storeCode)}`, 'storeCode');
  return store;
}

/** The item's prices, stock and franchise promotions at the store; null when the store neither stocks nor prices it. */
export async function storePricing(facts: ProductFacts, store: StoreEntry, estate: EstateLoaders): Promise<StorePricingRecord | null> {
  if (!estate.pos) return null;
  const codes = facts.localCodes.filter((c) => c.franchise === store.franchise);
  if (facts.priced.gtin14 === null && codes.length === 0) return null;
  const records = await estate.pos.storePricing.load(storePricingKey(facts.priced.gtin14, codes, [store.code]));
  return records.find((r) => r.storeCode === store.code) ?? null;
}

/** The national campaigns, in the promotion model. */
export async function campaigns(estate: EstateLoaders): Promise<Promotion[]> {
  if (!estate.catalogue) return [];
  return (await estate.catalogue.campaigns.load(ALL_CAMPAIGNS)).map((campaign) => toPromotion(campaign, 'FR'));
}

/** The web shop's cart rules, in the promotion model. */
export async function cartRules(estate: EstateLoaders): Promise<Promotion[]> {
  if (!estate.ecommerce) return [];
  return (await estate.ecommerce.cartRules()).map((rule) => rule.promotion);
}

/** The member offers of these members, as the programme lists them now. */
export async function memberOffers(memberIds: readonly string[], estate: EstateLoaders): Promise<Promotion[]> {
  if (!estate.loyalty || memberIds.length === 0) return [];
  return (await estate.loyalty.offers.loadMany(memberIds)).flatMap((found) => unwrapped(found) ?? []);
}
