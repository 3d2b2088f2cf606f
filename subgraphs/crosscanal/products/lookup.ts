import type { ReferenceHits } from './referenceStore.js';
import { KIND_ORDER, type Reading, type ReferenceKind } from './references.js';

/** A product by its keys, as the graph's `Product` entity reference carries them. */
export interface ProductKeys {
  catalogueRef: string | null;
  gtin: string | null;
  webSku: string | null;
}

/** One product a reference names and how; `product` null for a franchise's code no system maps. */
export interface ReferenceCandidate {
  product: ProductKeys | null;
  kind: ReferenceKind;
  value: string;
  franchise: string | null;
}

/** What a reference names: one product, or several candidates and no guess. */
export interface ReferenceMatch {
  ref: string;
  product: ProductKeys | null;
  kind: ReferenceKind | null;
  value: string | null;
  franchise: string | null;
  ambiguous: boolean;
  candidates: ReferenceCandidate[];
}

interface Found {
  product: ProductKeys;
  kind: ReferenceKind;
  value: string;
  franchises: Set<string | null>;
}

/**
 * Decides what `ref`, read as `readings`, names, from what the index holds. A catalogue
 * code names its catalogue product. A GTIN names the catalogue products carrying it; when
 * none does, the web products carrying it (each the catalogue product its SKU or EAN leads
 * to, else itself); when none does either, the product a till sold or stocks under it. A web
 * SKU names the catalogue products carrying it as an alias and what the web product of that
 * SKU leads to. A local code names the catalogue products carrying it in the franchise (any
 * franchise when none was given); a franchise whose tills use the code and whose catalogue
 * carries no such code makes it ambiguous rather than silently ignored.
 *
 * Null when nothing is named; one product when exactly one is; otherwise every candidate.
 */
export function matchReference(ref: string, readings: readonly Reading[], hits: ReferenceHits): ReferenceMatch | null {
  const found = new Map<string, Found>();
  const add = (identity: string, product: ProductKeys, kind: ReferenceKind, value: string, franchise: string | null) => {
    const known = found.get(identity);
    if (known === undefined) found.set(identity, { product, kind, value, franchises: new Set([franchise]) });
    else if (known.kind === kind) known.franchises.add(franchise);
  };
  const catalogueProduct = (keys: { catalogueRef: string; gtin: string | null; webSku: string | null }) => ({
    identity: `catalogue:${keys.catalogueRef}`,
    product: { catalogueRef: keys.catalogueRef, gtin: keys.gtin, webSku: keys.webSku },
  });
  const webProducts = (web: ReferenceHits['web'][number]) =>
    web.catalogue.length > 0
      ? web.catalogue.map(catalogueProduct)
      : [{ identity: `web:${web.sku}`, product: { catalogueRef: null, gtin: web.gtin, webSku: web.sku } }];
  const unmapped: ReferenceCandidate[] = [];

  const ordered = [...readings].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  for (const reading of ordered) {
    const inCatalogue = hits.catalogue.filter(
      (hit) => hit.kind === reading.kind && hit.code === reading.code && (reading.kind !== 'POS_LOCAL_CODE' || reading.franchise === null || hit.franchise === reading.franchise),
    );
    for (const hit of inCatalogue) {
      const { identity, product } = catalogueProduct(hit);
      add(identity, product, reading.kind, hit.value, reading.kind === 'POS_LOCAL_CODE' ? hit.franchise : null);
    }
    if (reading.kind === 'GTIN' && inCatalogue.length === 0) {
      const web = hits.web.filter((w) => w.gtin14 === reading.code);
      for (const w of web) for (const { identity, product } of webProducts(w)) add(identity, product, 'GTIN', w.gtin!, null);
      const till = hits.posGtins.find((g) => g.gtin14 === reading.code);
      if (web.length === 0 && till) add(`gtin:${till.gtin14}`, { catalogueRef: null, gtin: till.gtin, webSku: null }, 'GTIN', till.gtin, null);
    }
    if (reading.kind === 'WEB_SKU') {
      for (const w of hits.web.filter((web) => web.skuCode === reading.code)) {
        for (const { identity, product } of webProducts(w)) add(identity, product, 'WEB_SKU', w.sku, null);
      }
    }
    if (reading.kind === 'POS_LOCAL_CODE') {
      const mapped = new Set(hits.catalogue.filter((hit) => hit.kind === 'POS_LOCAL_CODE' && hit.code === reading.code).map((hit) => hit.franchise));
      for (const seen of hits.posCodes) {
        if (seen.code !== reading.code || mapped.has(seen.franchise)) continue;
        if (reading.franchise !== null && seen.franchise !== reading.franchise) continue;
        unmapped.push({ product: null, kind: 'POS_LOCAL_CODE', value: seen.value, franchise: seen.franchise });
      }
    }
  }

  if (found.size === 0) return null;
  const candidates: ReferenceCandidate[] = [
    ...[...found.values()].map((f) => ({ product: f.product, kind: f.kind, value: f.value, franchise: f.franchises.size === 1 ? [...f.franchises][0]! : null })),
    ...unmapped.sort((a, b) => (a.franchise! < b.franchise! ? -1 : a.franchise! > b.franchise! ? 1 : 0)),
  ];
  if (candidates.length === 1) {
    const only = candidates[0]!;
    return { ref, product: only.product, kind: only.kind, value: only.value, franchise: only.franchise, ambiguous: false, candidates };
  }
  const common = <T>(pick: (c: ReferenceCandidate) => T): T | null => {
    const values = new Set(candidates.map(pick));
    return values.size === 1 ? [...values][0]! : null;
  };
  return { ref, product: null, kind: common((c) => c.kind), value: common((c) => c.value), franchise: common((c) => c.franchise), ambiguous: true, candidates };
}
