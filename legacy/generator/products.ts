import { withCheckDigit } from '../../utilities/gtin.js';
import type { CatalogueProduct, EcomProduct, FranchiseCode, ProductTruth } from './model.js';
import { digits } from './people.js';
import type { Random } from './random.js';
import { BRANDS, CATEGORIES, COLORS, FRANCHISES, MODELS, type CategorySeed } from './vocabulary.js';

/** One real product and the codes each system knows it by. */
export interface Article {
  id: string;
  category: CategorySeed;
  /** List price in cents. */
  listCents: number;
  catalogue: CatalogueProduct | null;
  web: EcomProduct | null;
  /** Label printed on till receipts. */
  tillLabel: string;
  /** The code a till scans or keys: the EAN, or a local code for the franchises listed. */
  ean: string | null;
  posCodes: { franchise: FranchiseCode; code: string }[];
  /** For a franchise-only article: the one franchise that sells it. */
  onlyIn: FranchiseCode | null;
}

export interface ProductOptions {
  count: number;
  asOf: Date;
}

/**
 * Makes the product range: catalogue products (most also on the web, a few sold in stores
 * under a local code), a few web-only products and a few franchise-only ones that the
 * catalogue never heard of.
 */
export function generateProducts(random: Random, { count, asOf }: ProductOptions): Article[] {
  const articles: Article[] = [];
  const refs = new Set<string>();
  const eans = new Set<string>();
  const skus = new Set<string>();
  const localCounters: Record<FranchiseCode, number> = { NRD: 0, SUD: 0, OUE: 0 };
  const nextLocalCode = (franchise: FranchiseCode): string => {
    localCounters[franchise] += 1;
    // NRD and SUD both number their local codes "L0001", "L0002"…: the same code means
    // different things in different franchises, so a POS code is only meaningful with its franchise.
    return franchise === 'OUE' ? `9${String(localCounters.OUE).padStart(6, '0')}` : `L${String(localCounters[franchise]).padStart(4, '0')}`;
  };

  for (let i = 0; i < count; i++) {
    const kind = random.weighted([['catalogue', 95], ['web-only', 2], ['franchise-only', 3]] as const);
    const category = random.pick(CATEGORIES);
    const noun = random.pick(category.nouns);
    const brand = random.pick(BRANDS);
    const model = random.pick(MODELS);
    const color = category.sizes.length > 0 || random.chance(0.5) ? random.pick(COLORS) : null;
    const listCents = roundPrice(random.int(category.price[0], category.price[1]) * 100);
    const nameFr = `${noun.fr} ${brand} ${model}${color ? ` ${color.fr}` : ''}`;
    const nameEn = `${brand} ${model} ${noun.en.toLowerCase()}${color ? `, ${color.en}` : ''}`;
    const updatedAt = daysBefore(asOf, random.int(0, 700), random);
    const id = `PR${String(i + 1).padStart(6, '0')}`;

    if (kind === 'franchise-only') {
      const franchise = random.pick(FRANCHISES).code;
      articles.push({
        id, category, listCents, catalogue: null, web: null, ean: null, onlyIn: franchise,
        tillLabel: `${noun.fr.toUpperCase()} ${model.toUpperCase()}`.slice(0, 30),
        posCodes: [{ franchise, code: nextLocalCode(franchise) }],
      });
      continue;
    }

    let ean: string;
    do ean = withCheckDigit(`3${random.int(0, 7)}${digits(random, 10)}`);
    while (eans.has(ean));
    eans.add(ean);
    let webSku: string;
    do webSku = `${category.en.slice(0, 3).toUpperCase()}-${digits(random, 5)}-${color ? color.en.slice(0, 3).toUpperCase() : 'STD'}`;
    while (skus.has(webSku));
    skus.add(webSku);
    // The web price is the list price: the generator plants its deviations itself (storesAndAssortment),
    // each written in the ground truth. The draws that once varied it are kept, so that the
    // rest of the estate stays as it was.
    if (random.chance(0.25)) random.next();
    const webPriceCents = listCents;
    const web: EcomProduct = {
      sku: webSku,
      // The web team never filled the EAN on some products.
      ean: random.chance(0.06) ? null : ean,
      // …and writes its own titles: the same product is named differently on the site.
      title: random.chance(0.3) ? `${brand.toUpperCase()} ${model} – ${noun.en}` : nameFr,
      price: toDecimal(webPriceCents),
      currency: 'EUR',
      active: random.chance(0.95),
      updated_at: updatedAt,
    };

    if (kind === 'web-only') {
      articles.push({ id, category, listCents, catalogue: null, web, ean, posCodes: [], onlyIn: null, tillLabel: nameFr.toUpperCase().slice(0, 30) });
      continue;
    }

    let ref: string;
    do ref = `${digits(random, 3)}.${digits(random, 3)}.${digits(random, 2)}`;
    while (refs.has(ref));
    refs.add(ref);
    const onWeb = random.chance(0.82);
    const posCodes = random.chance(0.06) ? [{ franchise: random.pick(FRANCHISES).code, code: '' }] : [];
    for (const p of posCodes) p.code = nextLocalCode(p.franchise);
    const catalogue: CatalogueProduct = {
      ref,
      ean,
      name: { fr: nameFr, en: nameEn },
      description: {
        fr: `${noun.fr} ${model} de ${brand}, pensé pour un usage ${random.pick(['régulier', 'intensif', 'occasionnel'])}.`,
        en: `${brand}'s ${model} ${noun.en.toLowerCase()}, built for ${random.pick(['regular', 'intensive', 'occasional'])} use.`,
      },
      brand,
      category: [...category.path],
      list_price: { amount: toDecimal(listCents), currency: 'EUR' },
      status: random.chance(0.96) ? 'ACTIVE' : 'DISCONTINUED',
      color: color?.fr ?? null,
      sizes: [...category.sizes],
      aliases: [
        ...(onWeb ? [{ type: 'WEB_SKU' as const, value: webSku, franchise: null }] : []),
        ...(random.chance(0.7) ? [{ type: 'SUPPLIER_REF' as const, value: `${brand.slice(0, 3).toUpperCase()}${digits(random, 6)}`, franchise: null }] : []),
        ...posCodes.map((p) => ({ type: 'POS_CODE' as const, value: p.code, franchise: p.franchise })),
        ...(random.chance(0.05) ? [{ type: 'OLD_REF' as const, value: `${digits(random, 3)}.${digits(random, 3)}.${digits(random, 2)}`, franchise: null }] : []),
      ],
      updated_at: updatedAt,
    };
    articles.push({
      id, category, listCents, catalogue, web: onWeb ? web : null, ean, posCodes, onlyIn: null,
      tillLabel: nameFr.toUpperCase().slice(0, 30),
    });
  }
  return articles;
}

export function productTruth(article: Article): ProductTruth {
  return {
    productId: article.id,
    catalogueRef: article.catalogue?.ref ?? null,
    ean: article.ean,
    webSku: article.web?.sku ?? null,
    supplierRef: article.catalogue?.aliases.find((a) => a.type === 'SUPPLIER_REF')?.value ?? null,
    posCodes: article.posCodes,
  };
}

/** Retail prices end in ,90 or ,99 or ,00 (by the euros: 0 → ,90, 1 → ,99, 2 → ,00 modulo 3). */
export function roundPrice(cents: number): number {
  const euros = Math.max(1, Math.floor(cents / 100));
  return euros * 100 + [90, 99, 0][euros % 3]!;
}

export function toDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function daysBefore(asOf: Date, days: number, random: Random): string {
  const ms = asOf.getTime() - days * 86_400_000 - random.int(0, 86_399) * 1000;
  return new Date(ms).toISOString();
}
