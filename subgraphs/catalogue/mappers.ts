import { gs1CheckDigit, isValidGtin, toGtin14 } from '../../utilities/gtin.js';
import { parseIsoInstant } from '../../utilities/isoInstant.js';
import { moneyFromDecimal, type Money } from '../../utilities/money.js';
import { SourceFailure } from '../shared/errors.js';
import { promotionOf, scopeOf, stageOf, type Promotion, type PromotionKind, type SalesChannel } from '../shared/promotions.js';
import type { PimCampaign, PimProduct, PimText } from './client.js';

/**
 * Normalisation of the PIM's records into what the graph serves, in one place. Records are
 * plain JSON so that the cross-request cache can hold them.
 */

export type Locale = 'FR' | 'EN';

export type ProductAliasKind = 'CATALOGUE_REF' | 'GTIN' | 'WEB_SKU' | 'SUPPLIER_REF' | 'POS_LOCAL_CODE';

export interface ProductAlias {
  kind: ProductAliasKind;
  value: string;
  franchise: string | null;
}

/** A product as the graph serves it. A field the PIM wrote unreadably is null, and says why in `unreadable`. */
export interface ProductRecord {
  catalogueRef: string;
  gtin: string | null;
  webSku: string | null;
  /** The till reference the product was reached by (`NRD:L0042`); absent otherwise. Never cached. */
  tillRef?: string;
  name: PimText;
  description: PimText;
  brand: string;
  status: 'ACTIVE' | 'DISCONTINUED' | null;
  category: string[];
  sizes: string[];
  listPrice: Money | null;
  aliases: ProductAlias[];
  updatedAt: string | null;
  unreadable: Partial<Record<'listPrice' | 'updatedAt' | 'status', string>>;
}

/**
 * A campaign, kept with what is needed to tell which products and instants it covers. Its
 * kind is the graph's: the PIM's PERCENT, AMOUNT and FIXED_PRICE are read, any other kind is
 * OTHER (shown, never applied), its value left unread.
 */
export interface CampaignRecord {
  id: string;
  title: PimText;
  kind: Extract<PromotionKind, 'PERCENT_OFF' | 'AMOUNT_OFF' | 'FIXED_PRICE' | 'OTHER'>;
  /** The kind as the PIM wrote it. */
  pimKind: string;
  /** PERCENT_OFF: hundredths of a percent (1500 = 15 %). */
  percentOff: number | null;
  /** AMOUNT_OFF: the amount taken off each item. */
  amountOff: Money | null;
  /** FIXED_PRICE: the price the item sells at. */
  fixedPrice: Money | null;
  startsAt: string;
  endsAt: string;
  channels: SalesChannel[];
  productRefs: string[];
  categories: string[][];
}

export type { Promotion };

/**
 * The currency of campaign amounts. The PIM's campaigns carry a bare decimal (`"10.00"`):
 * they are stated in the catalogue's currency, the euro, which every list price uses.
 */
export const CAMPAIGN_CURRENCY = 'EUR';

const CATALOGUE_REF = /^(\d{3})[. ]?(\d{3})[. ]?(\d{2})$/;

/**
 * A catalogue ref in the one form the PIM understands, `702.611.50`. The same eight digits
 * written without dots or with spaces (`70261150`, `702 611 50`) are the same ref; anything
 * else is not a catalogue ref (null).
 */
export function normaliseCatalogueRef(value: string): string | null {
  const match = CATALOGUE_REF.exec(value);
  return match ? `${match[1]}.${match[2]}.${match[3]}` : null;
}

/** Why a value is not a GTIN, in the words the PIM uses; null when it is one. */
export function gtinProblem(value: string): string | null {
  if (isValidGtin(value)) return null;
  if (/^(\d{8}|\d{12,14})$/.test(value)) return `its check digit should be ${gs1CheckDigit(value.slice(0, -1))}`;
  return 'a GTIN is 8, 12, 13 or 14 digits';
}

/**
 * The key a GTIN is looked up and cached under: its GTIN-14 form, so that `3570041128362`
 * and `03570041128362` are the same product. Null for a value that is not a valid GTIN.
 */
export function gtinKey(value: string): string | null {
  return isValidGtin(value) ? toGtin14(value) : null;
}

/**
 * The form to ask the PIM for a GTIN-14 key in: the PIM matches the exact digits it stores,
 * EAN-13, so a key with a leading zero (an EAN-13, or a zero-padded GTIN-12) is asked as 13 digits.
 */
export function pimEanOf(key: string): string {
  return key.length === 14 && key.startsWith('0') ? key.slice(1) : key;
}

/** A value that the PIM's comma-separated batch parameters can carry. */
export function isBatchable(value: string): boolean {
  return value !== '' && !value.includes(',');
}

const ALIAS_KINDS: Readonly<Record<string, ProductAliasKind>> = {
  WEB_SKU: 'WEB_SKU',
  SUPPLIER_REF: 'SUPPLIER_REF',
  POS_CODE: 'POS_LOCAL_CODE',
  // An old ref is still a catalogue reference of the product (last year's paper catalogue prints it).
  OLD_REF: 'CATALOGUE_REF',
};

export function toProductRecord(product: PimProduct): ProductRecord {
  const unreadable: ProductRecord['unreadable'] = {};
  const gtin = product.ean !== null && isValidGtin(product.ean) ? product.ean : null;

  // A product the PIM gives no list price (null) has none: no error, unlike one it wrote unreadably.
  let listPrice: Money | null = null;
  try {
    if (product.listPrice !== null) listPrice = moneyFromDecimal(product.listPrice.amount, product.listPrice.currency);
  } catch (error) {
    unreadable.listPrice = `product ${product.ref} listPrice ${JSON.stringify(product.listPrice)}: ${(error as Error).message}`;
  }

  const updatedMs = parseIsoInstant(product.updatedAt);
  if (updatedMs === null) unreadable.updatedAt = `product ${product.ref} updatedAt is not an ISO 8601 instant: ${JSON.stringify(product.updatedAt)}`;

  const status = product.status === 'ACTIVE' || product.status === 'DISCONTINUED' ? product.status : null;
  if (status === null) unreadable.status = `product ${product.ref} has status ${JSON.stringify(product.status)}, expected ACTIVE or DISCONTINUED`;

  const aliases: ProductAlias[] = [{ kind: 'CATALOGUE_REF', value: product.ref, franchise: null }];
  if (gtin !== null) aliases.push({ kind: 'GTIN', value: gtin, franchise: null });
  for (const alias of product.aliases) {
    const kind = ALIAS_KINDS[alias.type];
    if (kind === undefined) continue;
    const franchise = kind === 'POS_LOCAL_CODE' ? alias.franchise : null;
    if (!aliases.some((known) => known.kind === kind && known.value === alias.value && known.franchise === franchise)) {
      aliases.push({ kind, value: alias.value, franchise });
    }
  }

  return {
    catalogueRef: product.ref,
    gtin,
    webSku: product.aliases.find((alias) => alias.type === 'WEB_SKU')?.value ?? null,
    name: product.name,
    description: product.description,
    brand: product.brand,
    status,
    category: product.category,
    sizes: product.sizes,
    listPrice,
    aliases,
    updatedAt: updatedMs === null ? null : new Date(updatedMs).toISOString(),
    unreadable,
  };
}

/**
 * The one product a key stands for when the PIM returns several (an EAN reused after a
 * product was discontinued, a web SKU carried twice): an active product before a
 * discontinued one, then the most recently updated, then the lowest ref, so that the
 * answer is the same on every call.
 */
export function preferredProduct(candidates: readonly ProductRecord[]): ProductRecord | null {
  let best: ProductRecord | null = null;
  for (const candidate of candidates) {
    if (best === null || compareCandidates(candidate, best) < 0) best = candidate;
  }
  return best;
}

function compareCandidates(a: ProductRecord, b: ProductRecord): number {
  const active = Number(b.status === 'ACTIVE') - Number(a.status === 'ACTIVE');
  if (active !== 0) return active;
  const updated = compareText(b.updatedAt ?? '', a.updatedAt ?? '');
  return updated !== 0 ? updated : compareText(a.catalogueRef, b.catalogueRef);
}

/** Code-unit order, the same whatever the machine's locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A campaign the graph can serve, or a bad-response failure naming what the PIM wrote wrong. */
export function toCampaignRecord(campaign: PimCampaign): CampaignRecord {
  const wrong = (what: string) => new SourceFailure('badResponse', `campaign ${campaign.id} ${what}`);
  const startsMs = parseIsoInstant(campaign.startsAt);
  const endsMs = parseIsoInstant(campaign.endsAt);
  if (startsMs === null) throw wrong(`startsAt is not an ISO 8601 instant: ${JSON.stringify(campaign.startsAt)}`);
  if (endsMs === null) throw wrong(`endsAt is not an ISO 8601 instant: ${JSON.stringify(campaign.endsAt)}`);

  const terms: Pick<CampaignRecord, 'kind' | 'percentOff' | 'amountOff' | 'fixedPrice'> = { kind: 'OTHER', percentOff: null, amountOff: null, fixedPrice: null };
  const money = (what: string): Money => {
    try {
      return moneyFromDecimal(campaign.value, CAMPAIGN_CURRENCY);
    } catch (error) {
      throw wrong(`has ${what} ${JSON.stringify(campaign.value)}: ${(error as Error).message}`);
    }
  };
  if (campaign.kind === 'PERCENT') {
    const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(campaign.value);
    if (!match) throw wrong(`has percent value ${JSON.stringify(campaign.value)}, expected a decimal with at most two decimals`);
    terms.kind = 'PERCENT_OFF';
    terms.percentOff = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  } else if (campaign.kind === 'AMOUNT') {
    terms.kind = 'AMOUNT_OFF';
    terms.amountOff = money('amount');
  } else if (campaign.kind === 'FIXED_PRICE') {
    terms.kind = 'FIXED_PRICE';
    terms.fixedPrice = money('fixed price');
  }
  // Any other kind is one the PIM added since: OTHER, shown and never applied, its value unread.

  const categories = campaign.categories.map((text) => {
    const path = categoryPath(text);
    if (path === null) throw wrong(`has category ${JSON.stringify(text)}, not a path like "Chaussures > Running"`);
    return path;
  });
  const unknownChannel = campaign.channels.find((channel) => channel !== 'WEB' && channel !== 'STORE');
  if (unknownChannel !== undefined) throw wrong(`has channel ${JSON.stringify(unknownChannel)}, expected WEB or STORE`);

  return {
    id: campaign.id,
    title: campaign.name,
    ...terms,
    pimKind: campaign.kind,
    startsAt: new Date(startsMs).toISOString(),
    endsAt: new Date(endsMs).toISOString(),
    channels: campaign.channels as SalesChannel[],
    productRefs: campaign.productRefs,
    categories,
  };
}

/**
 * Splits `Chaussures > Running` into its segments, as the PIM does: spaces around `>` are
 * not part of a segment, segments are kept exactly. Null when a segment is empty.
 */
export function categoryPath(text: string): string[] | null {
  const segments = text.split('>').map((segment) => segment.trim());
  return segments.some((segment) => segment === '') ? null : segments;
}

/** The PIM's campaign window: `startsAt <= at < endsAt`. */
export function isActiveAt(campaign: CampaignRecord, atMs: number): boolean {
  return Date.parse(campaign.startsAt) <= atMs && atMs < Date.parse(campaign.endsAt);
}

/**
 * Whether a campaign covers a product, by the PIM's rule: it lists the product's ref, or one
 * of its categories is the product's category path or a prefix of it, segment by segment
 * (`Vêtements > Vestes` does not cover `Vêtements > Vestes de pluie`).
 */
export function covers(campaign: CampaignRecord, product: Pick<ProductRecord, 'catalogueRef' | 'category'>): boolean {
  if (campaign.productRefs.includes(product.catalogueRef)) return true;
  return campaign.categories.some((path) => path.length <= product.category.length && path.every((segment, i) => product.category[i] === segment));
}

/**
 * A campaign as the graph's promotion (docs/pricing.md): a product promotion (stage PRODUCT)
 * in the campaign's channels, covering its product refs and categories, applied by itself (no
 * condition), best deal among the product promotions (priority 0, not stackable).
 */
export function toPromotion(campaign: CampaignRecord, locale: Locale): Promotion {
  return promotionOf({
    id: `catalogue:${campaign.id}`,
    system: 'CATALOGUE',
    title: localized(campaign.title, locale),
    kind: campaign.kind,
    percentOff: campaign.percentOff,
    amountOff: campaign.amountOff,
    fixedPrice: campaign.fixedPrice,
    channels: [...campaign.channels],
    stage: stageOf(campaign.kind, 'PRODUCT'),
    priority: 0,
    stackable: false,
    scope: scopeOf({ catalogueRefs: [...campaign.productRefs], categories: campaign.categories.map((path) => path.join(' > ')) }),
    startsAt: campaign.startsAt,
    endsAt: campaign.endsAt,
  });
}

export function localized(text: PimText, locale: Locale): string {
  return locale === 'EN' ? text.en : text.fr;
}
