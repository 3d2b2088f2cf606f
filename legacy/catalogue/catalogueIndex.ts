import type { AliasType, CatalogueCampaign, CatalogueData, CatalogueProduct } from '../generator/model.js';
import { isUnder, parseCategoryPath } from './categoryPath.js';
import type { CursorPosition } from './cursor.js';

/** One slice of the product list, in list order (updated_at, then ref). */
export interface ListQuery {
  /** Only products at or below this category path. */
  category?: readonly string[];
  /** Only products updated at or after this instant (epoch milliseconds). */
  sinceMs?: number;
  /** Start after this position (from a cursor). */
  after?: CursorPosition;
  limit: number;
}

export interface ListPage {
  items: CatalogueProduct[];
  /** True when products remain after this page. */
  more: boolean;
}

export interface CampaignQuery {
  activeAtMs?: number;
  channel?: 'WEB' | 'STORE';
  /** Campaigns that include this product, by its ref or by one of its categories. */
  ref?: string;
}

interface IndexedCampaign {
  campaign: CatalogueCampaign;
  startsMs: number;
  endsMs: number;
  categories: string[][];
}

/**
 * The PIM's indexes, built once at start: products by ref, by EAN and by alias value, the
 * list order for cursor paging and sync, the same order per category path, and campaigns.
 *
 * EANs and alias values are not unique keys in real catalogues (a franchise's POS code can
 * equal another product's supplier ref), so those lookups return every match.
 */
export class CatalogueIndex {
  private readonly byRef = new Map<string, CatalogueProduct>();
  private readonly byEan = new Map<string, CatalogueProduct[]>();
  private readonly byAlias = new Map<string, { type: AliasType; product: CatalogueProduct }[]>();
  private readonly updatedMs = new Map<CatalogueProduct, number>();
  private readonly ordered: CatalogueProduct[];
  private readonly byCategory = new Map<string, CatalogueProduct[]>();
  private readonly campaignsById = new Map<string, IndexedCampaign>();
  private readonly campaignList: IndexedCampaign[];

  constructor(data: CatalogueData) {
    for (const product of data.products) {
      if (this.byRef.has(product.ref)) throw new Error(`catalogue products must have unique refs; ${JSON.stringify(product.ref)} appears twice`);
      this.byRef.set(product.ref, product);
      this.updatedMs.set(product, instant(product.updated_at, `product ${product.ref} updated_at`));
      if (product.ean !== null) push(this.byEan, product.ean, product);
      for (const alias of product.aliases) {
        const matches = this.byAlias.get(alias.value) ?? [];
        if (!matches.some((match) => match.product === product && match.type === alias.type)) matches.push({ type: alias.type, product });
        this.byAlias.set(alias.value, matches);
      }
    }
    this.ordered = [...data.products].sort((a, b) => this.compare(a, b));
    for (const product of this.ordered) {
      for (let depth = 1; depth <= product.category.length; depth++) push(this.byCategory, categoryKey(product.category.slice(0, depth)), product);
    }

    for (const campaign of data.campaigns) {
      if (this.campaignsById.has(campaign.id)) throw new Error(`catalogue campaigns must have unique ids; ${JSON.stringify(campaign.id)} appears twice`);
      const categories = campaign.categories.map((text) => {
        const path = parseCategoryPath(text);
        if (!path) throw new Error(`campaign ${campaign.id} has category ${JSON.stringify(text)}, not a path like "Chaussures > Running"`);
        return path;
      });
      this.campaignsById.set(campaign.id, {
        campaign,
        startsMs: instant(campaign.starts_at, `campaign ${campaign.id} starts_at`),
        endsMs: instant(campaign.ends_at, `campaign ${campaign.id} ends_at`),
        categories,
      });
    }
    this.campaignList = [...this.campaignsById.values()].sort((a, b) => a.startsMs - b.startsMs || compareText(a.campaign.id, b.campaign.id));
  }

  product(ref: string): CatalogueProduct | undefined {
    return this.byRef.get(ref);
  }

  productsByEan(ean: string): CatalogueProduct[] {
    return this.byEan.get(ean) ?? [];
  }

  /** Every product that carries `value` as an alias (of `type`, when given). */
  productsByAlias(value: string, type?: AliasType): CatalogueProduct[] {
    const products: CatalogueProduct[] = [];
    for (const match of this.byAlias.get(value) ?? []) {
      if ((type === undefined || match.type === type) && !products.includes(match.product)) products.push(match.product);
    }
    return products;
  }

  position(product: CatalogueProduct): CursorPosition {
    return { updatedMs: this.updatedMs.get(product)!, ref: product.ref };
  }

  list({ category, sinceMs, after, limit }: ListQuery): ListPage {
    const products = category ? (this.byCategory.get(categoryKey(category)) ?? []) : this.ordered;
    let start = 0;
    if (sinceMs !== undefined) start = firstIndex(products, (product) => this.updatedMs.get(product)! >= sinceMs);
    if (after !== undefined) start = Math.max(start, firstIndex(products, (product) => comparePosition(this.position(product), after) > 0));
    return { items: products.slice(start, start + limit), more: start + limit < products.length };
  }

  campaign(id: string): CatalogueCampaign | undefined {
    return this.campaignsById.get(id)?.campaign;
  }

  /** Campaigns matching every filter given, by start date then id. */
  campaigns({ activeAtMs, channel, ref }: CampaignQuery): CatalogueCampaign[] {
    const product = ref === undefined ? undefined : this.byRef.get(ref);
    return this.campaignList
      .filter(({ startsMs, endsMs }) => activeAtMs === undefined || (startsMs <= activeAtMs && activeAtMs < endsMs))
      .filter(({ campaign }) => channel === undefined || campaign.channels.includes(channel))
      .filter(
        ({ campaign, categories }) =>
          ref === undefined ||
          campaign.product_refs.includes(ref) ||
          (product !== undefined && categories.some((path) => isUnder(product.category, path))),
      )
      .map(({ campaign }) => campaign);
  }

  private compare(a: CatalogueProduct, b: CatalogueProduct): number {
    return comparePosition(this.position(a), this.position(b));
  }
}

function comparePosition(a: CursorPosition, b: CursorPosition): number {
  return a.updatedMs - b.updatedMs || compareText(a.ref, b.ref);
}

/** Code-unit order, the same on every machine whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function categoryKey(path: readonly string[]): string {
  return JSON.stringify(path);
}

/** The first index where `test` holds, for a `test` that is false then true along `items`. */
function firstIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (test(items[middle]!)) high = middle;
    else low = middle + 1;
  }
  return low;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}

function instant(value: string, what: string): number {
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) throw new Error(`${what} must be an ISO 8601 instant, got ${JSON.stringify(value)}`);
  return millis;
}
