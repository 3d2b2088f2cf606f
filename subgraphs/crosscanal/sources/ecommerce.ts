import { displayEmail } from '../../../utilities/email.js';
import { parseIsoInstant } from '../../../utilities/isoInstant.js';
import { toE164 } from '../../../utilities/phone.js';
import { httpFailure, type LegacySource } from '../../shared/source.js';
import { isPersonalLine, nameKey } from '../matching/keys.js';
import type { SourceRecord } from '../matching/records.js';
import { platformError, readPlatformPage, type PlatformPage } from './platformPage.js';
import { later, text, walkFeed, type ReadProgress, type ReadResult, type SourceReader } from './reader.js';

/** The start of every feed: a full read is the change feed since the epoch. */
export const EPOCH = '1970-01-01T00:00:00.000Z';

export interface EcommerceReaderOptions {
  /** The platform's base URL, without `/api/v1`. */
  baseUrl: string;
  source: LegacySource;
  /** Customers per page, 1 to 200. Default 200. */
  perPage?: number;
}

/** A customer as the platform serves it (`GET /api/v1/customers`). */
interface WireCustomer {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  created_at: string;
  updated_at: string;
}

/** What the crosswalk reads of an order (`GET /api/v1/orders`): whose, when, and the delivery contact. */
interface WireOrder {
  customer_id: number;
  placed_at: string;
  updated_at: string;
  /** The recipient and the phone the carrier texts; absent on platforms that do not keep it. */
  delivery?: { first_name: string | null; last_name: string | null; phone: string | null } | null;
}

/** Where the next incremental read starts in each feed. */
interface Watermark {
  customers: string;
  orders: string;
}

/** Most ids the platform takes in one batch parameter. */
const MAX_IDS = 100;

/**
 * Reads web accounts from `GET /api/v1/customers?updated_since=…`, oldest change first, each
 * with the phone of its latest order delivered to the account holder (`GET /api/v1/orders`,
 * by batches of customer ids). An incremental read also follows the orders' feed, so that an
 * account whose only news is a new order is read again. Both feeds are walked as
 * {@link walkFeed} says.
 */
export function ecommerceReader({ baseUrl, source, perPage = 200 }: EcommerceReaderOptions): SourceReader {
  const root = baseUrl.replace(/\/+$/, '');
  const get = <T>(operation: string, path: string, params: Record<string, string>, check: (body: string) => PlatformPage<T>): Promise<PlatformPage<T>> =>
    source.call(operation, async (signal) => {
      const url = new URL(`${root}/api/v1${path}`);
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
      const body = await response.text();
      if (!response.ok) throw httpFailure(response.status, response.headers.get('retry-after'), platformError(body));
      return check(body);
    });
  const pageParams = (page: number) => ({ page: String(page), per_page: String(perPage) });

  /** Walks a feed by `updated_at` (see {@link walkFeed}). */
  const walk = <T extends { updated_at: string }>(
    operation: string,
    path: string,
    since: string,
    check: (body: string) => PlatformPage<T>,
    onPage: (rows: T[], total: number) => Promise<void>,
  ): Promise<void> => {
    let total = 0;
    return walkFeed(
      since,
      async (cursor, page) => {
        const body = await get(operation, path, { updated_since: cursor, ...pageParams(page) }, check);
        total = body.meta.total;
        return { rows: body.data, more: body.data.length === perPage && body.links.next !== null };
      },
      (row) => row.updated_at,
      (rows) => onPage(rows, total),
    );
  };

  /** Every order of these customers, by batches of ids, every page. */
  async function ordersOf(customerIds: readonly number[]): Promise<Map<number, WireOrder[]>> {
    const byCustomer = new Map<number, WireOrder[]>();
    for (let i = 0; i < customerIds.length; i += MAX_IDS) {
      const ids = customerIds.slice(i, i + MAX_IDS).join(',');
      for (let page = 1; ; page++) {
        const body = await get('GET /orders', '/orders', { customer_ids: ids, ...pageParams(page) }, readOrders);
        for (const order of body.data) {
          const list = byCustomer.get(order.customer_id);
          if (list) list.push(order);
          else byCustomer.set(order.customer_id, [order]);
        }
        if (body.data.length < perPage || body.links.next === null) break;
      }
    }
    return byCustomer;
  }

  return {
    name: 'ecommerce',
    async read(since, onBatch, onProgress?: ReadProgress): Promise<ReadResult> {
      const from = parseWatermark(since);
      const watermark: Watermark = { ...from };
      let total: number | null = null;
      let unusable = 0;
      const seen = new Set<number>();
      const emit = async (customers: WireCustomer[]) => {
        const orders = await ordersOf(customers.map((c) => c.id));
        const records = customers.map((customer) => {
          if (customer.phone !== null && customer.phone.trim() !== '' && toE164(customer.phone) === null) unusable += 1;
          seen.add(customer.id);
          watermark.customers = later(watermark.customers, customer.updated_at)!;
          const own = orders.get(customer.id) ?? [];
          for (const order of own) watermark.orders = later(watermark.orders, order.updated_at)!;
          return toRecord(customer, deliveryPhone(customer, own));
        });
        if (records.length > 0) await onBatch(records);
        onProgress?.(seen.size, Math.max(total ?? 0, seen.size));
      };

      await walk('GET /customers', '/customers', from.customers, readPage, async (customers, count) => {
        total ??= count;
        await emit(customers);
      });

      // Accounts whose only news is an order: read again with all their orders.
      if (since !== null) {
        const again = new Set<number>();
        await walk('GET /orders', '/orders', from.orders, readOrders, async (orders) => {
          for (const order of orders) {
            watermark.orders = later(watermark.orders, order.updated_at)!;
            if (!seen.has(order.customer_id)) again.add(order.customer_id);
          }
        });
        const ids = [...again];
        for (let i = 0; i < ids.length; i += MAX_IDS) {
          const body = await get('GET /customers', '/customers', { ids: ids.slice(i, i + MAX_IDS).join(','), page: '1', per_page: String(MAX_IDS) }, readPage);
          await emit(body.data);
        }
      }
      return { watermark: JSON.stringify(watermark), records: seen.size, unusable };
    },
    close: async () => undefined,
  };
}

/**
 * Both feeds' watermarks. A watermark written before the orders were read is the customers'
 * instant alone; the orders' feed then starts from the same instant.
 */
function parseWatermark(since: string | null): Watermark {
  if (since === null) return { customers: EPOCH, orders: EPOCH };
  if (since.startsWith('{')) {
    try {
      const parsed = JSON.parse(since) as Partial<Watermark>;
      if (typeof parsed.customers === 'string' && typeof parsed.orders === 'string') return { customers: parsed.customers, orders: parsed.orders };
    } catch {
      // fall through: an unreadable watermark means reading everything again
    }
    return { customers: EPOCH, orders: EPOCH };
  }
  return { customers: since, orders: since };
}

/**
 * The phone of the latest order delivered to the account holder (first and last names
 * agreeing with the account's): the number the carrier texts. A parcel sent to someone else
 * says nothing of the account holder's phone.
 */
export function deliveryPhone(customer: Pick<WireCustomer, 'first_name' | 'last_name'>, orders: readonly WireOrder[]): string | null {
  const first = nameKey(customer.first_name);
  const last = nameKey(customer.last_name);
  if (first === null || last === null) return null;
  let best: { at: number; phone: string } | null = null;
  for (const order of orders) {
    const delivery = order.delivery;
    if (!delivery || nameKey(delivery.first_name) !== first || nameKey(delivery.last_name) !== last) continue;
    const phone = toE164(delivery.phone);
    const at = Date.parse(order.placed_at);
    if (phone !== null && (best === null || at > best.at)) best = { at, phone };
  }
  return best?.phone ?? null;
}

/**
 * A web account as the crosswalk compares it. The phone its deliveries give counts only where
 * the account has no mobile of its own: a parcel for a namesake in the household (a daughter
 * named after her mother) carries the other's mobile, and an account's own mobile is the
 * better word.
 */
export function toRecord(customer: WireCustomer, delivered: string | null = null): SourceRecord {
  const own = toE164(customer.phone);
  const phone = own ?? delivered;
  const second = own !== null && !isPersonalLine(own) && delivered !== null && delivered !== own ? delivered : null;
  return {
    system: 'ECOMMERCE',
    localId: String(customer.id),
    franchise: null,
    firstName: text(customer.first_name),
    lastName: text(customer.last_name),
    email: displayEmail(customer.email),
    phone,
    ...(second === null ? {} : { secondPhone: second }),
    cards: [],
    postcode: null,
    birthDate: null,
    createdAt: customer.created_at,
    updatedAt: customer.updated_at,
  };
}

function readOrders(body: string): PlatformPage<WireOrder> {
  return readPlatformPage<WireOrder>(
    'order',
    body,
    (o) => Number.isInteger(o.customer_id) && typeof o.updated_at === 'string' && parseIsoInstant(o.updated_at) !== null && typeof o.placed_at === 'string',
  );
}

function readPage(body: string): PlatformPage<WireCustomer> {
  return readPlatformPage<WireCustomer>(
    'customer',
    body,
    (c) =>
      Number.isInteger(c.id) &&
      typeof c.email === 'string' &&
      typeof c.updated_at === 'string' &&
      parseIsoInstant(c.updated_at) !== null &&
      typeof c.created_at === 'string',
  );
}
