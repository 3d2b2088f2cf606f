import { displayEmail } from '../../../utilities/email.js';
import { toE164 } from '../../../utilities/phone.js';
import { BATCH_LIMIT, EcommerceClient, type ChangesPage, type WireCustomer, type WireOrder } from '../../ecommerce/client.js';
import type { LegacySource } from '../../shared/source.js';
import { isPersonalLine, nameKey } from '../matching/keys.js';
import type { SourceRecord } from '../matching/records.js';
import { later, text, walkFeed, type ReadProgress, type ReadResult, type SourceReader } from './reader.js';

/** The start of every feed: a full read is the change feed since the epoch. */
export const EPOCH = '1970-01-01T00:00:00.000Z';

export interface EcommerceReaderOptions {
  /** The platform's base URL, without `/api/v1`. */
  baseUrl: string;
  source: LegacySource;
  /** Customers and orders per page of a change feed, 1 to 200. Default 200. */
  perPage?: number;
}

/** What the crosswalk reads of a web account. */
type Account = Pick<WireCustomer, 'id' | 'email' | 'first_name' | 'last_name' | 'phone' | 'created_at' | 'updated_at'>;

/** What the crosswalk reads of an order: when, and the delivery contact. */
type Delivered = Pick<WireOrder, 'placed_at' | 'delivery'>;

/** Where the next incremental read starts in each feed. */
interface Watermark {
  customers: string;
  orders: string;
}

/**
 * Reads web accounts from the customers' change feed, oldest change first, each with the
 * phone of its latest order delivered to the account holder (the orders of a page's accounts,
 * by batches of ids), through the e-commerce subgraph's own client: one client per system.
 * An incremental read also follows the orders' feed, so that an account whose only news is a
 * new order is read again. Both feeds are walked as {@link walkChanges} says. The client checks
 * every record it hands over: a sync must not store a guess.
 */
export function ecommerceReader({ baseUrl, source, perPage = 200 }: EcommerceReaderOptions): SourceReader {
  const client = new EcommerceClient(baseUrl, source, { checkRecords: true });

  /** Every order of these customers, by customer. */
  async function ordersOf(customerIds: readonly number[]): Promise<Map<number, WireOrder[]>> {
    const byCustomer = new Map<number, WireOrder[]>();
    for (const order of await client.ordersByCustomerIds(customerIds)) {
      const list = byCustomer.get(order.customer_id);
      if (list) list.push(order);
      else byCustomer.set(order.customer_id, [order]);
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

      await walkChanges((cursor, page, size) => client.changedCustomers(cursor, page, size), from.customers, perPage, async (customers, count) => {
        total ??= count;
        await emit(customers);
      });

      // Accounts whose only news is an order: read again with all their orders.
      if (since !== null) {
        const again = new Set<number>();
        await walkChanges((cursor, page, size) => client.changedOrders(cursor, page, size), from.orders, perPage, async (orders) => {
          for (const order of orders) {
            watermark.orders = later(watermark.orders, order.updated_at)!;
            if (!seen.has(order.customer_id)) again.add(order.customer_id);
          }
        });
        const ids = [...again];
        for (let i = 0; i < ids.length; i += BATCH_LIMIT) await emit(await client.customersByIds(ids.slice(i, i + BATCH_LIMIT)));
      }
      return { watermark: JSON.stringify(watermark), records: seen.size, unusable };
    },
    close: async () => undefined,
  };
}

/**
 * Walks one of the platform's change feeds by `updated_at` (see {@link walkFeed}), `perPage` a
 * page: `onPage` gets each page's records and the total the platform gave with the first.
 */
export function walkChanges<T extends { updated_at: string }>(
  feed: (since: string, page: number, perPage: number) => Promise<ChangesPage<T>>,
  since: string,
  perPage: number,
  onPage: (records: T[], total: number) => Promise<void>,
): Promise<void> {
  let total: number | null = null;
  return walkFeed(
    since,
    async (cursor, page) => {
      const answer = await feed(cursor, page, perPage);
      total ??= answer.total;
      return { rows: answer.records, more: answer.records.length === perPage && answer.hasMore };
    },
    (record) => record.updated_at,
    (records) => onPage(records, total ?? 0),
  );
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
export function deliveryPhone(customer: Pick<WireCustomer, 'first_name' | 'last_name'>, orders: readonly Delivered[]): string | null {
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
export function toRecord(customer: Account, delivered: string | null = null): SourceRecord {
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
