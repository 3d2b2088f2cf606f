import { parseIsoInstant } from '../../utilities/isoInstant.js';
import { SourceFailure, type FailureKind } from '../shared/errors.js';
import { httpFailure, type LegacySource } from '../shared/source.js';
import { requestIdHeaders } from '../shared/requestScope.js';

/** Most values the PIM takes in one batch lookup (`refs`, `eans`, `aliases`); more is a 400. */
export const PIM_BATCH_LIMIT = 250;

/** Most products the PIM serves in one list page (`limit`). */
export const PIM_PAGE_LIMIT = 500;

/** The PIM's alias types, as `aliasType=` takes them. */
export type PimAliasType = 'WEB_SKU' | 'SUPPLIER_REF' | 'POS_CODE' | 'OLD_REF';

/** A text in both locales: asked without `locale=`, the PIM sends both. */
export interface PimText {
  fr: string;
  en: string;
}

/** A product as the PIM serves it (camelCase JSON), checked for shape but otherwise untouched. */
export interface PimProduct {
  ref: string;
  ean: string | null;
  name: PimText;
  description: PimText;
  brand: string;
  category: string[];
  /** Null: the PIM gives the product no list price. */
  listPrice: { amount: string; currency: string } | null;
  status: string;
  color: string | null;
  sizes: string[];
  aliases: { type: string; value: string; franchise: string | null }[];
  updatedAt: string;
}

/** A national campaign as the PIM serves it. */
export interface PimCampaign {
  id: string;
  name: PimText;
  startsAt: string;
  endsAt: string;
  kind: string;
  value: string;
  channels: string[];
  productRefs: string[];
  categories: string[];
}

export interface PimPage {
  items: PimProduct[];
  nextCursor: string | null;
}

/**
 * A refusal the PIM explained with an RFC 7807 problem: the problem kind (the last segment
 * of its `type`) lets callers tell the caller's mistake (an altered cursor) from ours.
 */
export class PimProblem extends SourceFailure {
  constructor(
    kind: FailureKind,
    message: string,
    retryAfterMs: number | undefined,
    /** `invalid-cursor`, `batch-too-large`…; undefined when the body was not a problem document. */
    readonly problem: string | undefined,
  ) {
    super(kind, message, retryAfterMs);
    this.name = 'PimProblem';
  }
}

/** The PIM problem behind a coded error thrown by {@link LegacySource.call}, if any. */
export function pimProblemOf(error: unknown): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause ?? (current as { originalError?: unknown }).originalError) {
    if (current instanceof PimProblem) return current.problem;
  }
  return undefined;
}

/**
 * The PIM's REST protocol (`/pim/v2`), every call through the {@link LegacySource} (timeout,
 * retries, circuit breaker). Batch lookups are split into calls of at most
 * {@link PIM_BATCH_LIMIT} values, sent together. Answers are checked for shape and returned
 * as the PIM wrote them; normalising them is `mappers.ts`'s job.
 */
export class CatalogueClient {
  private readonly base: string;

  constructor(
    /** Where the PIM listens, e.g. `http://127.0.0.1:4104`; `/pim/v2` is appended. */
    baseUrl: string,
    readonly source: LegacySource,
  ) {
    this.base = `${baseUrl.replace(/\/+$/, '')}/pim/v2`;
  }

  /** `GET /products?refs=`: the products with these refs; refs it does not know are simply absent. */
  productsByRefs(refs: readonly string[]): Promise<PimProduct[]> {
    return this.batch('refs', refs);
  }

  /** `GET /products?eans=`: every value must be a valid GTIN, or the PIM refuses the whole call. */
  productsByEans(eans: readonly string[]): Promise<PimProduct[]> {
    return this.batch('eans', eans);
  }

  /** `GET /products?aliases=&aliasType=`: every product carrying one of the values as an alias of that type. */
  productsByAliases(values: readonly string[], aliasType: PimAliasType): Promise<PimProduct[]> {
    return this.batch('aliases', values, { aliasType });
  }

  /** `GET /products?category=&limit=&cursor=`: one page of the list, in the PIM's order (updatedAt, then ref). */
  productPage({ category, limit, cursor }: { category: string; limit: number; cursor?: string }): Promise<PimPage> {
    const params = new URLSearchParams({ category, limit: String(limit) });
    if (cursor !== undefined) params.set('cursor', cursor);
    return this.listPage(params);
  }

  /**
   * `GET /products?limit=&updatedSince=&cursor=`: one page of the PIM's change feed, the
   * products updated at or after `since` (inclusive; every product when undefined), in the
   * PIM's order (updatedAt, then ref). A feed is read by its `updatedAt`, so a product whose
   * `updatedAt` is no ISO instant makes the page a bad response (the category list serves it,
   * and the subgraph's mappers refuse that field alone).
   */
  changedProducts({ since, limit, cursor }: { since?: string; limit: number; cursor?: string }): Promise<PimPage> {
    const params = new URLSearchParams({ limit: String(limit) });
    if (since !== undefined) params.set('updatedSince', since);
    if (cursor !== undefined) params.set('cursor', cursor);
    return this.listPage(params, (product, where) => {
      if (parseIsoInstant(product.updatedAt) === null) throw unreadable(`${where}.updatedAt should be an ISO 8601 instant, got ${JSON.stringify(product.updatedAt)}`);
    });
  }

  /** `GET /campaigns`: every campaign; the PIM never pages this list (campaigns are few). */
  campaigns(): Promise<PimCampaign[]> {
    return this.source.call('GET /campaigns', async (signal) => {
      const body = await this.get('/campaigns', signal);
      return arrayField(body, 'items', 'campaign list').map((item, i) => readCampaign(item, `items[${i}]`));
    });
  }

  /** One page of the product list; `check` may refuse a product the page's reader cannot use. */
  private listPage(params: URLSearchParams, check?: (product: PimProduct, where: string) => void): Promise<PimPage> {
    return this.source.call('GET /products', async (signal) => {
      const body = await this.get(`/products?${params}`, signal);
      const items = arrayField(body, 'items', 'list page').map((item, i) => {
        const product = readProduct(item, `items[${i}]`);
        check?.(product, `items[${i}]`);
        return product;
      });
      const nextCursor = (body as { nextCursor?: unknown }).nextCursor;
      if (nextCursor !== null && typeof nextCursor !== 'string') throw unreadable(`list page nextCursor is ${JSON.stringify(nextCursor)}`);
      return { items, nextCursor };
    });
  }

  private async batch(lookup: 'refs' | 'eans' | 'aliases', values: readonly string[], extra: Record<string, string> = {}): Promise<PimProduct[]> {
    const unsendable = values.find((value) => value === '' || value.includes(','));
    if (unsendable !== undefined) {
      throw new RangeError(`${lookup} values must be non-empty and free of commas to fit the PIM's batch syntax, got ${JSON.stringify(unsendable)}`);
    }
    const chunks: string[][] = [];
    for (let start = 0; start < values.length; start += PIM_BATCH_LIMIT) chunks.push(values.slice(start, start + PIM_BATCH_LIMIT));
    const pages = await Promise.all(
      chunks.map((chunk) =>
        this.source.call(`GET /products?${lookup}`, async (signal) => {
          const params = new URLSearchParams({ [lookup]: chunk.join(','), ...extra });
          const body = await this.get(`/products?${params}`, signal);
          arrayField(body, 'missing', `${lookup} batch`);
          return arrayField(body, 'items', `${lookup} batch`).map((item, i) => readProduct(item, `items[${i}]`));
        }),
      ),
    );
    return pages.flat();
  }

  /** One GET; a non-2xx answer becomes a {@link PimProblem}, a body that is not JSON a bad response. */
  private async get(path: string, signal: AbortSignal): Promise<unknown> {
    const res = await fetch(`${this.base}${path}`, { signal, headers: { accept: 'application/json', ...requestIdHeaders() } });
    const text = await res.text();
    if (!res.ok) {
      const problem = readProblem(text);
      const failure = httpFailure(res.status, res.headers.get('retry-after'), problem?.detail ?? text.slice(0, 200));
      throw new PimProblem(failure.kind, failure.message, failure.retryAfterMs, problem?.kind);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw unreadable(`HTTP ${res.status} body is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
  }
}

function readProblem(text: string): { kind: string; detail: string } | undefined {
  try {
    const body = JSON.parse(text) as { type?: unknown; detail?: unknown };
    if (typeof body.type !== 'string') return undefined;
    return { kind: body.type.slice(body.type.lastIndexOf('/') + 1), detail: typeof body.detail === 'string' ? body.detail : '' };
  } catch {
    return undefined;
  }
}

function unreadable(message: string): SourceFailure {
  return new SourceFailure('badResponse', message);
}

function arrayField(body: unknown, field: string, what: string): unknown[] {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (!Array.isArray(value)) throw unreadable(`${what} has no ${field} array`);
  return value;
}

/** Reads one record field by field, naming the first one that does not have the expected shape. */
class Shape {
  private readonly record: Record<string, unknown>;

  constructor(
    value: unknown,
    private readonly where: string,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unreadable(`${where} is not an object`);
    this.record = value as Record<string, unknown>;
  }

  string(field: string): string {
    const value = this.record[field];
    if (typeof value !== 'string') throw this.wrong(field, 'a string');
    return value;
  }

  nullableString(field: string): string | null {
    const value = this.record[field];
    if (value !== null && typeof value !== 'string') throw this.wrong(field, 'a string or null');
    return value;
  }

  strings(field: string): string[] {
    const value = this.record[field];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw this.wrong(field, 'an array of strings');
    return value as string[];
  }

  object(field: string): Shape {
    return new Shape(this.record[field], `${this.where}.${field}`);
  }

  /** An object, or null when the field is null (or left out). */
  nullableObject(field: string): Shape | null {
    const value = this.record[field];
    return value === null || value === undefined ? null : this.object(field);
  }

  objects(field: string): Shape[] {
    const value = this.record[field];
    if (!Array.isArray(value)) throw this.wrong(field, 'an array');
    return value.map((item, i) => new Shape(item, `${this.where}.${field}[${i}]`));
  }

  text(field: string): PimText {
    const text = this.object(field);
    return { fr: text.string('fr'), en: text.string('en') };
  }

  private wrong(field: string, expected: string): SourceFailure {
    return unreadable(`${this.where}.${field} should be ${expected}, got ${JSON.stringify(this.record[field]) ?? 'nothing'}`);
  }
}

function readProduct(value: unknown, where: string): PimProduct {
  const shape = new Shape(value, where);
  const price = shape.nullableObject('listPrice');
  return {
    ref: shape.string('ref'),
    ean: shape.nullableString('ean'),
    name: shape.text('name'),
    description: shape.text('description'),
    brand: shape.string('brand'),
    category: shape.strings('category'),
    listPrice: price === null ? null : { amount: price.string('amount'), currency: price.string('currency') },
    status: shape.string('status'),
    color: shape.nullableString('color'),
    sizes: shape.strings('sizes'),
    aliases: shape.objects('aliases').map((alias) => ({ type: alias.string('type'), value: alias.string('value'), franchise: alias.nullableString('franchise') })),
    updatedAt: shape.string('updatedAt'),
  };
}

function readCampaign(value: unknown, where: string): PimCampaign {
  const shape = new Shape(value, where);
  return {
    id: shape.string('id'),
    name: shape.text('name'),
    startsAt: shape.string('startsAt'),
    endsAt: shape.string('endsAt'),
    kind: shape.string('kind'),
    value: shape.string('value'),
    channels: shape.strings('channels'),
    productRefs: shape.strings('productRefs'),
    categories: shape.strings('categories'),
  };
}
