import type { AliasType, CatalogueCampaign, CatalogueProduct, FranchiseCode } from '../generator/model.js';

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** A text in both locales, or in the one locale asked for with `?locale=`. */
export type Localized = { fr: string; en: string } | string;

/**
 * A product as the PIM serves it: camelCase, unlike the snake_case records it keeps
 * (`list_price` → `listPrice`, `updated_at` → `updatedAt`); every other field keeps its name.
 */
export interface ProductJson {
  ref: string;
  ean: string | null;
  name: Localized;
  description: Localized;
  brand: string;
  category: string[];
  /** Null when the PIM has no list price for the product. */
  listPrice: { amount: string; currency: string } | null;
  status: 'ACTIVE' | 'DISCONTINUED';
  color: string | null;
  sizes: string[];
  aliases: { type: AliasType; value: string; franchise: FranchiseCode | null }[];
  updatedAt: string;
}

/** A campaign as served (`starts_at` → `startsAt`, `ends_at` → `endsAt`, `product_refs` → `productRefs`). */
export interface CampaignJson {
  id: string;
  name: Localized;
  startsAt: string;
  endsAt: string;
  /** FIXED_PRICE: `value` is the price the item sells at. */
  kind: 'PERCENT' | 'AMOUNT' | 'FIXED_PRICE';
  value: string;
  channels: ('WEB' | 'STORE')[];
  productRefs: string[];
  categories: string[];
}

export function productJson(product: CatalogueProduct, locale?: Locale): ProductJson {
  return {
    ref: product.ref,
    ean: product.ean,
    name: localized(product.name, locale),
    description: localized(product.description, locale),
    brand: product.brand,
    category: [...product.category],
    listPrice: product.list_price === null ? null : { amount: product.list_price.amount, currency: product.list_price.currency },
    status: product.status,
    color: product.color,
    sizes: [...product.sizes],
    aliases: product.aliases.map(({ type, value, franchise }) => ({ type, value, franchise })),
    updatedAt: product.updated_at,
  };
}

export function campaignJson(campaign: CatalogueCampaign, locale?: Locale): CampaignJson {
  return {
    id: campaign.id,
    name: localized(campaign.name, locale),
    startsAt: campaign.starts_at,
    endsAt: campaign.ends_at,
    kind: campaign.kind,
    value: campaign.value,
    channels: [...campaign.channels],
    productRefs: [...campaign.product_refs],
    categories: [...campaign.categories],
  };
}

function localized(text: { fr: string; en: string }, locale: Locale | undefined): Localized {
  return locale === undefined ? { fr: text.fr, en: text.en } : text[locale];
}
