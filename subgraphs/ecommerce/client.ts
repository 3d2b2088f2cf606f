import { parseIsoInstant } from '../../utilities/isoInstant.js';
import { SourceFailure } from '../shared/errors.js';
import { httpFailure, type LegacySource } from '../shared/source.js';
import { requestIdHeaders } from '../shared/requestScope.js';

/*
 * The web shop's records as its REST API (`/api/v1`) sends them: snake_case, integer ids,
 * emails as typed, prices as decimal strings. Nothing here is normalised; mappers.ts does that.
 */

export interface WireCustomer {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  newsletter_opt_in: boolean;
  newsletter_opt_in_at: string | null;
  created_at: string;
  updated_at: string;
  /**
   * When the customer was erased (`DELETE /customers/:id`): the account is kept anonymised
   * (an `erased-<id>@erased.invalid` email, empty names, no phone). Null otherwise; absent
   * from a platform that predates erasure.
   */
  erased_at?: string | null;
}

/** What the platform answers an erasure with: the customer and when it was erased (the first time, for a repeat). */
export interface ErasedCustomer {
  id: number;
  erasedAt: string;
}

export interface WireAddress {
  id: number;
  customer_id: number;
  kind: 'billing' | 'shipping';
  line1: string;
  line2: string | null;
  postcode: string;
  city: string;
  country: string;
}

export interface WireOrderLine {
  sku: string;
  quantity: number;
  unit_price: string;
  discount: string;
}

export interface WireOrder {
  id: number;
  number: string;
  customer_id: number;
  placed_at: string;
  updated_at: string;
  status: string;
  currency: string;
  fulfilment: { type: string; store_code: string | null };
  quote_number: string | null;
  coupon_code: string | null;
  /** The recipient named at checkout; the phone as keyed. */
  delivery: { first_name: string; last_name: string; phone: string | null } | null;
  lines: WireOrderLine[];
  total: string;
}

export interface WireProduct {
  sku: string;
  ean: string | null;
  title: string;
  price: string;
  currency: string;
  active: boolean;
  updated_at: string;
}

export interface WireCartRule {
  id: number;
  name: string;
  code: string | null;
  /** `percent`, `amount` or `free_shipping`; a type the platform adds later is read as OTHER. */
  type: string;
  /** A decimal; null for `free_shipping`. */
  value: string | null;
  starts_at: string;
  ends_at: string | null;
  /**
   * `skus` null: every product. `min_subtotal`: a decimal in the shop's currency, or null.
   * `first_order`: only on a customer's first order; absent in rules written before it existed.
   */
  scope: { skus: string[] | null; min_subtotal: string | null; first_order?: boolean };
  priority: number;
  stackable: boolean;
}

/** Most values the platform takes in one batch parameter. */
/** A review as the review module's back office serves it (`legacy/ecommerce` feedbackRoutes). */
export interface WireReview {
  id: number;
  sku: string;
  customer_id: number;
  order_number: string;
  author_name: string;
  rating: number;
  title: string;
  body: string;
  status: string;
  created_at: string;
  moderated_at: string | null;
}

/** A helpdesk ticket as the platform serves it. */
export interface WireServiceContact {
  id: number;
  ticket_number: string;
  customer_id: number;
  channel: string;
  reason: string;
  order_number: string | null;
  summary: string;
  opened_at: string;
  closed_at: string | null;
  satisfaction: number | null;
}

export const BATCH_LIMIT = 100;
/** Largest page the platform serves. */
export const MAX_PER_PAGE = 200;
/** Single-record calls run at most this many at a time, to stay polite under the rate limit. */
const SINGLE_CALL_CONCURRENCY = 8;
const API_BASE = '/api/v1';

/** The envelope of every list the platform serves (`meta` and `links` hold more than is read here). */
interface ListBody<T> {
  data: T[];
  meta: { total: number; total_pages: number };
  links: { next: string | null };
}

/** One page of a change feed (`?updated_since=`): its records, oldest change first. */
export interface ChangesPage<T> {
  records: T[];
  /** Records changed since the instant asked for, over all pages, as the platform counts them. */
  total: number;
  /** The platform links a next page. */
  hasMore: boolean;
}

/** An order as `POST /orders` takes it: decimals as strings, the platform's own field names. */
export interface NewOrder {
  customer_id: number;
  currency: string;
  lines: { sku: string; quantity: number; unit_price?: string; discount?: string }[];
  total: string;
  status?: 'pending' | 'paid';
  fulfilment: { type: 'home_delivery' | 'click_and_collect'; store_code: string | null };
  quote_number?: string | null;
  coupon_code?: string | null;
}

/** One problem the platform found in an order, under the request field it concerns (`lines[2].sku`). */
export interface OrderProblem {
  field: string;
  code: string;
  message: string;
  expected?: string;
}

/** The platform refused an order (400, 409 or 422): not retried, not a failure of the system. */
export class OrderRefused extends SourceFailure {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: OrderProblem[],
  ) {
    super('badRequest', message);
    this.name = 'OrderRefused';
  }
}

export interface EcommerceClientOptions {
  /**
   * Refuse a whole answer when a customer, order or product in it lacks what a sync keys and
   * orders its reads by (an integer id, an ISO `updated_at`…): a sync must not store a guess.
   * Off, records pass as sent, and the subgraph's mappers refuse a malformed one alone. The
   * change feeds are checked either way: they are walked by `updated_at`. Default false.
   */
  checkRecords?: boolean;
}

/** A kind of record, named in the singular as messages name it, and what a checked one must hold. */
interface RecordCheck<T> {
  name: string;
  holds(record: Partial<T>): boolean;
}

const isInstant = (value: unknown): boolean => typeof value === 'string' && parseIsoInstant(value) !== null;

const CUSTOMER: RecordCheck<WireCustomer> = {
  name: 'customer',
  holds: (c) =>
    Number.isInteger(c.id) &&
    typeof c.email === 'string' &&
    isInstant(c.updated_at) &&
    typeof c.created_at === 'string' &&
    // What tells a sync the account was erased: an instant when present.
    (c.erased_at === undefined || c.erased_at === null || isInstant(c.erased_at)),
};

const ORDER: RecordCheck<WireOrder> = {
  name: 'order',
  holds: (o) => Number.isInteger(o.customer_id) && isInstant(o.updated_at) && typeof o.placed_at === 'string',
};

const PRODUCT: RecordCheck<WireProduct> = {
  name: 'product',
  holds: (p) =>
    typeof p.sku === 'string' && p.sku !== '' && (p.ean === null || typeof p.ean === 'string') && typeof p.active === 'boolean' && isInstant(p.updated_at),
};

/**
 * The web shop's REST/JSON protocol. Every call goes through the {@link LegacySource}
 * (timeouts, retries, breaker); the platform's refusals become {@link SourceFailure}s of the
 * right kind (429 with its `Retry-After`). Batch lookups are cut to the platform's 100 values
 * per call and ask for a page that holds the whole batch; lists that may still run longer
 * are read to their last page. The change feeds (`?updated_since=`) are served a page at a
 * time: their readers walk them (the subgraph and the crosswalk's readers share this client).
 */
export class EcommerceClient {
  private readonly base: string;
  private readonly checkRecords: boolean;

  constructor(
    /** The platform's base URL, e.g. `http://127.0.0.1:4101`; `/api/v1` is appended. */
    baseUrl: string,
    readonly source: LegacySource,
    { checkRecords = false }: EcommerceClientOptions = {},
  ) {
    this.base = baseUrl.replace(/\/+$/, '') + API_BASE;
    this.checkRecords = checkRecords;
  }

  /** Customers by id; unknown ids are left out. */
  customersByIds(ids: readonly number[]): Promise<WireCustomer[]> {
    // Ids are unique per customer, so a page of the batch's size holds the whole answer.
    return this.batched(ids, (chunk) => this.list('/customers', { ids: chunk.join(',') }, chunk.length, this.checked(CUSTOMER)));
  }

  /** Customers whose email equals `email` in lower case, exactly as sent (the platform does not trim). */
  customersByEmail(email: string): Promise<WireCustomer[]> {
    return this.list('/customers', { email }, MAX_PER_PAGE, this.checked(CUSTOMER));
  }

  /** One page of the customers' change feed: customers updated at or after `since` (an ISO instant), `perPage` a page (1 to 200). */
  changedCustomers(since: string, page: number, perPage: number): Promise<ChangesPage<WireCustomer>> {
    return this.changes('/customers', CUSTOMER, since, page, perPage);
  }

  /** One page of the orders' change feed: orders updated at or after `since` (an ISO instant), `perPage` a page (1 to 200). */
  changedOrders(since: string, page: number, perPage: number): Promise<ChangesPage<WireOrder>> {
    return this.changes('/orders', ORDER, since, page, perPage);
  }

  /** One page of the products' change feed: products updated at or after `since` (an ISO instant), `perPage` a page (1 to 200). */
  changedProducts(since: string, page: number, perPage: number): Promise<ChangesPage<WireProduct>> {
    return this.changes('/products', PRODUCT, since, page, perPage);
  }

  /** Addresses of these customers, in address id order. */
  addressesByCustomerIds(customerIds: readonly number[]): Promise<WireAddress[]> {
    return this.batched(customerIds, (chunk) => this.list<WireAddress>('/addresses', { customer_ids: chunk.join(',') }, MAX_PER_PAGE));
  }

  /** Orders of these customers, in order id order. */
  ordersByCustomerIds(customerIds: readonly number[]): Promise<WireOrder[]> {
    return this.batched(customerIds, (chunk) => this.list('/orders', { customer_ids: chunk.join(',') }, MAX_PER_PAGE, this.checked(ORDER)));
  }

  /** Published reviews of these products (SKUs compared exactly), in review id order: the review module's back-office batch. */
  publishedReviewsBySkus(skus: readonly string[]): Promise<WireReview[]> {
    // A SKU holding a comma cannot travel in a batch; the shop has none with reviews to show.
    const plain = skus.filter((sku) => !sku.includes(','));
    return this.batched(plain, (chunk) => this.list<WireReview>('/reviews', { skus: chunk.join(','), status: 'published' }, MAX_PER_PAGE));
  }

  /** Every review these customers wrote, any status, in review id order. */
  reviewsByCustomerIds(customerIds: readonly number[]): Promise<WireReview[]> {
    return this.batched(customerIds, (chunk) => this.list<WireReview>('/reviews', { customer_ids: chunk.join(',') }, MAX_PER_PAGE));
  }

  /** The helpdesk tickets of these customers, in ticket id order. */
  serviceContactsByCustomerIds(customerIds: readonly number[]): Promise<WireServiceContact[]> {
    return this.batched(customerIds, (chunk) => this.list<WireServiceContact>('/service-contacts', { customer_ids: chunk.join(',') }, MAX_PER_PAGE));
  }

  /** Orders by number (compared exactly); unknown numbers are left out. */
  ordersByNumbers(numbers: readonly string[]): Promise<WireOrder[]> {
    return this.batched(numbers, (chunk) => this.list('/orders', { numbers: chunk.join(',') }, chunk.length, this.checked(ORDER)));
  }

  /** Click-and-collect orders collected at a store, in order id order (one call: the platform filters by pickup store). */
  ordersForPickup(storeCode: string): Promise<WireOrder[]> {
    return this.list('/orders', { pickup_store: storeCode }, MAX_PER_PAGE, this.checked(ORDER));
  }

  /** Orders finishing a store quote (`quote_number`, compared exactly); one call per quote number. */
  ordersByQuoteNumber(quoteNumber: string): Promise<WireOrder[]> {
    return this.list('/orders', { quote_number: quoteNumber }, 10, this.checked(ORDER));
  }

  /**
   * Orders by id. The platform has no batch filter on order ids, so this is one call per id,
   * a few at a time; unknown ids are left out.
   */
  async ordersByIds(ids: readonly number[]): Promise<WireOrder[]> {
    const found = await mapLimit([...new Set(ids)], SINGLE_CALL_CONCURRENCY, (id) => this.one('GET /orders/:id', `/orders/${id}`, this.checked(ORDER)));
    return found.filter((order): order is WireOrder => order !== null);
  }

  /**
   * Products by SKU (compared exactly); unknown SKUs are left out. A SKU holding a comma cannot
   * travel in a batch parameter, so such a SKU is asked for on its own.
   */
  async productsBySkus(skus: readonly string[]): Promise<WireProduct[]> {
    const plain = skus.filter((sku) => !sku.includes(','));
    const awkward = [...new Set(skus.filter((sku) => sku.includes(',')))];
    const [batched, single] = await Promise.all([
      this.batched(plain, (chunk) => this.list('/products', { skus: chunk.join(',') }, chunk.length, this.checked(PRODUCT))),
      mapLimit(awkward, SINGLE_CALL_CONCURRENCY, (sku) => this.one('GET /products/:sku', `/products/${encodeURIComponent(sku)}`, this.checked(PRODUCT))),
    ]);
    return [...batched, ...single.filter((product): product is WireProduct => product !== null)];
  }

  /** Cart rules in the order they run; `activeAt` an ISO instant, `code` sent as given. */
  cartRules(filter: { activeAt?: string; code?: string } = {}): Promise<WireCartRule[]> {
    const params: Record<string, string> = {};
    if (filter.activeAt !== undefined) params.active_at = filter.activeAt;
    if (filter.code !== undefined) params.code = filter.code;
    return this.list<WireCartRule>('/cart-rules', params, MAX_PER_PAGE);
  }

  /** Splits a batch into the platform's limit, calls in parallel and concatenates the answers. */
  private async batched<K, T>(keys: readonly K[], call: (chunk: K[]) => Promise<T[]>): Promise<T[]> {
    const unique = [...new Set(keys)];
    const chunks: K[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_LIMIT) chunks.push(unique.slice(i, i + BATCH_LIMIT));
    return (await Promise.all(chunks.map(call))).flat();
  }

  /** The check for records of this kind when the client checks records, else none. */
  private checked<T>(check: RecordCheck<T>): RecordCheck<T> | undefined {
    return this.checkRecords ? check : undefined;
  }

  private async changes<T>(path: string, check: RecordCheck<T>, since: string, page: number, perPage: number): Promise<ChangesPage<T>> {
    const body = await this.page(path, { updated_since: since }, page, perPage, check);
    return { records: body.data, total: body.meta.total, hasMore: body.links.next !== null };
  }

  /**
   * Reads a whole list: the first page, then every other page at once (the platform counts
   * each page as a call, so `perPage` is chosen to make one page the usual case).
   */
  private async list<T>(path: string, params: Record<string, string>, perPage: number, check?: RecordCheck<T>): Promise<T[]> {
    const size = Math.min(Math.max(perPage, 1), MAX_PER_PAGE);
    const first = await this.page<T>(path, params, 1, size, check);
    const rest = await Promise.all(
      Array.from({ length: Math.max(first.meta.total_pages - 1, 0) }, (_, i) => this.page<T>(path, params, i + 2, size, check)),
    );
    return [first, ...rest].flatMap((body) => body.data);
  }

  private page<T>(path: string, params: Record<string, string>, page: number, perPage: number, check?: RecordCheck<T>): Promise<ListBody<T>> {
    const query = new URLSearchParams({ ...params, page: String(page), per_page: String(perPage) });
    return this.source.call(`GET ${path}`, async (signal) => {
      const body = await this.getJson(`${path}?${query}`, signal);
      if (body === null) throw new SourceFailure('badRequest', `HTTP 404 on list ${path}`);
      return listBody<T>(body, listName(path), check);
    });
  }

  /** One record, or null when the platform answers 404. */
  private one<T>(operation: string, path: string, check?: RecordCheck<T>): Promise<T | null> {
    return this.source.call(operation, async (signal) => {
      const body = await this.getJson(path, signal);
      if (body === null) return null;
      const data = (body as { data?: unknown }).data;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new SourceFailure('badResponse', `${path} answered without a "data" object`);
      }
      if (check) checkRecord(data, listName(path), check);
      return data as T;
    });
  }

  /**
   * Places an order (`POST /orders`). Safe to retry with the same key and body: the platform
   * answers a repeat with the order it made (`replayed`). Refused (400, 409, 422), it throws an
   * {@link OrderRefused} with the platform's code and, for a 422, every problem it found.
   */
  createOrder(order: NewOrder, idempotencyKey: string): Promise<{ order: WireOrder; replayed: boolean }> {
    return this.source.call('POST /orders', async (signal) => {
      const response = await fetch(`${this.base}/orders`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json', 'idempotency-key': idempotencyKey, ...requestIdHeaders() },
        body: JSON.stringify(order),
        signal,
      });
      const text = await response.text();
      if (response.status === 400 || response.status === 409 || response.status === 422) {
        const error = parseError(text) as { code?: unknown; message?: unknown; details?: unknown } | undefined;
        const details = Array.isArray(error?.details) ? (error.details as OrderProblem[]) : [];
        throw new OrderRefused(response.status, String(error?.code ?? 'refused'), `POST /orders: ${errorDetail(text)}`, details);
      }
      if (!response.ok) throw httpFailure(response.status, response.headers.get('retry-after'), errorDetail(text));
      let data: unknown;
      try {
        data = (JSON.parse(text) as { data?: unknown }).data;
      } catch {
        throw new SourceFailure('badResponse', `POST /orders: not JSON (HTTP ${response.status})`);
      }
      checkRecord(data, 'orders', ORDER);
      return { order: data as WireOrder, replayed: response.headers.get('idempotent-replayed') === 'true' };
    });
  }

  /**
   * Sets a customer's newsletter choice (`PATCH /customers/:id`); null when the platform knows
   * no such customer. Safe to retry: the body says what the choice is, and the platform leaves
   * a customer who already holds it as they are. The platform stamps the change with its own
   * clock (`newsletter_opt_in_at`), and the last call wins.
   */
  setNewsletter(customerId: number, optIn: boolean): Promise<WireCustomer | null> {
    return this.source.call('PATCH /customers/:id', async (signal) => {
      const response = await fetch(`${this.base}/customers/${customerId}`, {
        method: 'PATCH',
        headers: { accept: 'application/json', 'content-type': 'application/json', ...requestIdHeaders() },
        body: JSON.stringify({ newsletter_opt_in: optIn }),
        signal,
      });
      const text = await response.text();
      if (response.status === 404) return null;
      if (!response.ok) throw httpFailure(response.status, response.headers.get('retry-after'), errorDetail(text));
      let data: unknown;
      try {
        data = (JSON.parse(text) as { data?: unknown }).data;
      } catch {
        throw new SourceFailure('badResponse', `PATCH /customers/${customerId}: not JSON (HTTP ${response.status})`);
      }
      checkRecord(data, 'customers', CUSTOMER);
      return data as WireCustomer;
    });
  }

  /**
   * Erases a customer (`DELETE /customers/:id`, the right to erasure): the platform anonymises
   * the account, removes its addresses and clears the recipients of its orders, keeping the
   * orders themselves. Null when the platform knows no such customer. Safe to retry: a repeat
   * is answered with the first erasure's `erasedAt` and changes nothing.
   */
  eraseCustomer(id: number): Promise<ErasedCustomer | null> {
    const path = `/customers/${id}`;
    return this.source.call('DELETE /customers/:id', async (signal) => {
      const response = await fetch(this.base + path, { method: 'DELETE', headers: { accept: 'application/json', ...requestIdHeaders() }, signal });
      const text = await response.text();
      // Only the platform's own "no such customer": a 404 from anything else must not pass for an erasure with nothing to erase.
      if (response.status === 404 && errorCode(text) === 'not_found') return null;
      if (!response.ok) throw httpFailure(response.status, response.headers.get('retry-after'), errorDetail(text));
      let data: { id?: unknown; erased_at?: unknown } | undefined;
      try {
        data = (JSON.parse(text) as { data?: { id?: unknown; erased_at?: unknown } }).data;
      } catch {
        throw new SourceFailure('badResponse', `DELETE ${path}: not JSON (HTTP ${response.status})`);
      }
      if (data?.id !== id || !isInstant(data.erased_at)) {
        throw new SourceFailure('badResponse', `DELETE ${path}: expected { data: { id: ${id}, erased_at: <ISO instant> } }, got ${text.slice(0, 120)}`);
      }
      return { id, erasedAt: data.erased_at as string };
    });
  }

  /** GETs a path under the API base: the parsed JSON body, null on 404, a SourceFailure otherwise. */
  private async getJson(path: string, signal: AbortSignal): Promise<unknown> {
    const response = await fetch(this.base + path, { headers: { accept: 'application/json', ...requestIdHeaders() }, signal });
    const text = await response.text();
    if (response.status === 404) {
      if (errorCode(text) === 'not_found') return null;
      throw httpFailure(404, null, errorDetail(text));
    }
    if (!response.ok) throw httpFailure(response.status, response.headers.get('retry-after'), errorDetail(text));
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new SourceFailure('badResponse', `${listName(path)}: not JSON (HTTP ${response.status}): ${JSON.stringify(text.slice(0, 80))}`);
    }
  }
}

/** The list a path reads, as messages name it: `orders` for `/orders?…` and `/orders/12`. */
function listName(path: string): string {
  return path.split(/[/?]/)[1] ?? path;
}

/**
 * Reads a list's envelope; with a check, every record must pass it. An answer that is not a
 * list, or holds a record that fails the check, is a bad response.
 */
function listBody<T>(body: unknown, list: string, check: RecordCheck<T> | undefined): ListBody<T> {
  const { data, meta, links } = (body ?? {}) as { data?: unknown; meta?: { total?: unknown; total_pages?: unknown }; links?: { next?: unknown } };
  if (
    !Array.isArray(data) ||
    typeof meta !== 'object' ||
    meta === null ||
    !Number.isInteger(meta.total) ||
    !Number.isInteger(meta.total_pages) ||
    typeof links !== 'object' ||
    links === null ||
    (links.next !== null && typeof links.next !== 'string')
  ) {
    throw new SourceFailure('badResponse', `${list}: expected { data: [], meta: { total, total_pages }, links: { next } }`);
  }
  if (check) for (const record of data) checkRecord(record, list, check);
  return { data: data as T[], meta: { total: meta.total as number, total_pages: meta.total_pages as number }, links: { next: links.next as string | null } };
}

function checkRecord<T>(record: unknown, list: string, check: RecordCheck<T>): void {
  if (record === null || typeof record !== 'object' || !check.holds(record as Partial<T>)) {
    throw new SourceFailure('badResponse', `${list}: malformed ${check.name} ${JSON.stringify(record)?.slice(0, 120)}`);
  }
}

/** The platform's error body is `{ "error": { "code", "message" } }`. */
function parseError(text: string): { code?: unknown; message?: unknown } | undefined {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof body?.error === 'object' && body.error !== null ? body.error : undefined;
  } catch {
    return undefined;
  }
}

function errorCode(text: string): unknown {
  return parseError(text)?.code;
}

/** The platform's error in one line (`code: message`), or the body itself when it is not the platform's. */
function errorDetail(text: string): string {
  const error = parseError(text);
  const detail = error ? `${String(error.code)}: ${String(error.message)}` : text;
  return detail.length > 200 ? `${detail.slice(0, 200)}…` : detail;
}

/** Maps with at most `limit` calls in flight, keeping the input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
