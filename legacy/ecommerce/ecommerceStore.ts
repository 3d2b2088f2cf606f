import type {
  EcomAddress,
  EcomCartRule,
  EcomCustomer,
  EcomOrder,
  EcomOrderStatus,
  EcomProduct,
  EcommerceData,
} from '../generator/model.js';
import { parseCents } from './decimalCents.js';
import { Timeline } from './timeline.js';

export interface CustomerFilter {
  ids?: number[];
  /** Compared case-insensitively but untrimmed, as the platform's database does. */
  email?: string;
  updatedSince?: number;
}

export interface OrderFilter {
  customerIds?: number[];
  numbers?: string[];
  quoteNumber?: string;
  /** Click-and-collect orders collected at this store. */
  pickupStore?: string;
  status?: EcomOrderStatus;
  updatedSince?: number;
}

export interface ProductFilter {
  skus?: string[];
  eans?: string[];
  updatedSince?: number;
}

export interface CartRuleFilter {
  /** Rules running at this instant (epoch ms): started, and not yet ended. */
  activeAt?: number;
  /** Compared case-insensitively but untrimmed. */
  code?: string;
}

/**
 * A customer as the platform keeps it: the generated record, and `erased_at`, when the
 * customer was erased (the right to erasure), null until then.
 */
export type StoredCustomer = EcomCustomer & { erased_at: string | null };

/** The address an erased customer keeps: unique per account, and undeliverable by definition (RFC 2606 reserves `.invalid`). */
export function erasedEmail(id: number): string {
  return `erased-${id}@erased.invalid`;
}

type Predicate<T> = (record: T) => boolean;

/** One kind of record in its natural order, with the timeline when it has `updated_at`. */
interface Table<T> {
  all: T[];
  natural: (a: T, b: T) => number;
  timeline?: Timeline<T>;
}

const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
const bySku = (a: EcomProduct, b: EcomProduct) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);
const byPriority = (a: EcomCartRule, b: EcomCartRule) => a.priority - b.priority || a.id - b.id;

/**
 * The platform's records, indexed at start so that every lookup and batch is a few map
 * reads rather than a scan: by id, lower-cased email, customer id, order and quote number,
 * SKU, EAN and coupon code. Results come in natural order (id; SKU for products; priority
 * then id for cart rules), or by (updated_at, natural order) when filtered by `updated_since`.
 *
 * Customers are copied, since a client may change them (a newsletter choice, an erasure), and
 * the data given is never changed. Orders are the data's own until an erasure changes one,
 * which then replaces it in every index with a changed copy ({@link EcommerceStore.eraseCustomer}):
 * copying them all at start would double the biggest table for a rare write. Orders a client
 * creates are added to the indexes as they come ({@link EcommerceStore.addOrder}).
 */
export class EcommerceStore {
  private readonly customerTable: Table<StoredCustomer>;
  private readonly customersById: Map<number, StoredCustomer>;
  private readonly customersByEmail: Map<string, StoredCustomer[]>;
  private readonly addressTable: Table<EcomAddress>;
  private readonly addressesByCustomer: Map<number, EcomAddress[]>;
  private readonly orderTable: Table<EcomOrder>;
  private readonly ordersById: Map<number, EcomOrder>;
  private readonly ordersByCustomer: Map<number, EcomOrder[]>;
  private readonly ordersByNumber: Map<string, EcomOrder>;
  private readonly ordersByQuote: Map<string, EcomOrder[]>;
  /** Highest order id, and highest number after the `W` of the order numbers that follow that pattern. */
  private lastOrderId: number;
  private lastOrderNumber: { value: number; digits: number } | undefined;
  private readonly productTable: Table<EcomProduct>;
  private readonly productsBySku: Map<string, EcomProduct>;
  private readonly productsByEan: Map<string, EcomProduct[]>;
  private readonly cartRuleTable: Table<EcomCartRule>;
  private readonly cartRulesById: Map<number, EcomCartRule>;
  private readonly cartRulesByCode: Map<string, EcomCartRule[]>;

  constructor(data: EcommerceData) {
    // Every field of a customer is a primitive: a shallow copy is a full one.
    const customers: StoredCustomer[] = data.customers.map((customer) => ({ ...customer, erased_at: null }));
    this.customerTable = table(customers, byId, (c) => c.updated_at, (c) => `customer ${c.id}`);
    this.customersById = unique(customers, (c) => c.id, 'customer id');
    this.customersByEmail = group(this.customerTable.all, (c) => [c.email.toLowerCase()]);

    this.addressTable = { all: [...data.addresses].sort(byId), natural: byId };
    // Never looked up by id, but a duplicate would mean the data is not the platform's.
    unique(data.addresses, (a) => a.id, 'address id');
    this.addressesByCustomer = group(this.addressTable.all, (a) => [a.customer_id]);

    this.orderTable = table(data.orders, byId, (o) => o.updated_at, (o) => `order ${o.id}`);
    this.ordersById = unique(data.orders, (o) => o.id, 'order id');
    this.ordersByCustomer = group(this.orderTable.all, (o) => [o.customer_id]);
    this.ordersByNumber = unique(data.orders, (o) => o.number, 'order number');
    this.ordersByQuote = group(this.orderTable.all, (o) => (o.quote_number === null ? [] : [o.quote_number]));
    this.lastOrderId = 0;
    for (const order of data.orders) this.countOrder(order);

    this.productTable = table(data.products, bySku, (p) => p.updated_at, (p) => `product ${p.sku}`);
    this.productsBySku = unique(data.products, (p) => p.sku, 'product sku');
    this.productsByEan = group(this.productTable.all, (p) => (p.ean === null ? [] : [p.ean]));

    for (const rule of data.cartRules) checkCartRule(rule);
    this.cartRuleTable = { all: [...data.cartRules].sort(byPriority), natural: byPriority };
    this.cartRulesById = unique(data.cartRules, (r) => r.id, 'cart rule id');
    this.cartRulesByCode = group(this.cartRuleTable.all, (r) => (r.code === null ? [] : [r.code.toLowerCase()]));
  }

  customer(id: number): StoredCustomer | undefined {
    return this.customersById.get(id);
  }

  customers({ ids, email, updatedSince }: CustomerFilter): readonly StoredCustomer[] {
    const where: Predicate<StoredCustomer>[] = [];
    let candidates: StoredCustomer[] | undefined;
    if (ids) {
      const wanted = new Set(ids);
      where.push((c) => wanted.has(c.id));
      candidates ??= lookup(this.customersById, ids);
    }
    if (email !== undefined) {
      const lower = email.toLowerCase();
      where.push((c) => c.email.toLowerCase() === lower);
      candidates ??= this.customersByEmail.get(lower) ?? [];
    }
    return select(this.customerTable, candidates, updatedSince, where);
  }

  addresses(customerIds?: number[]): readonly EcomAddress[] {
    if (!customerIds) return this.addressTable.all;
    const wanted = new Set(customerIds);
    return select(this.addressTable, groups(this.addressesByCustomer, customerIds), undefined, [(a) => wanted.has(a.customer_id)]);
  }

  order(id: number): EcomOrder | undefined {
    return this.ordersById.get(id);
  }

  orders({ customerIds, numbers, quoteNumber, pickupStore, status, updatedSince }: OrderFilter): readonly EcomOrder[] {
    const where: Predicate<EcomOrder>[] = [];
    let candidates: EcomOrder[] | undefined;
    if (numbers) {
      const wanted = new Set(numbers);
      where.push((o) => wanted.has(o.number));
      candidates ??= lookup(this.ordersByNumber, numbers);
    }
    if (quoteNumber !== undefined) {
      where.push((o) => o.quote_number === quoteNumber);
      candidates ??= this.ordersByQuote.get(quoteNumber) ?? [];
    }
    if (customerIds) {
      const wanted = new Set(customerIds);
      where.push((o) => wanted.has(o.customer_id));
      candidates ??= groups(this.ordersByCustomer, customerIds);
    }
    if (pickupStore !== undefined) where.push((o) => o.fulfilment.type === 'click_and_collect' && o.fulfilment.store_code === pickupStore);
    if (status !== undefined) where.push((o) => o.status === status);
    return select(this.orderTable, candidates, updatedSince, where);
  }

  /** The id the next new order takes: one more than the highest id held (1 in an empty shop). */
  nextOrderId(): number {
    return this.lastOrderId + 1;
  }

  /**
   * The number the next new order takes: `W` and one more than the highest number held in that
   * pattern, with as many digits (`W1000230` → `W1000231`); `W1000001` in a shop without one.
   */
  nextOrderNumber(): string {
    const last = this.lastOrderNumber ?? { value: 1_000_000, digits: 7 };
    return `W${String(last.value + 1).padStart(last.digits, '0')}`;
  }

  /**
   * Adds a new order to every index, in its place: by id, customer, number, quote number and
   * in the `updated_since` feed. Throws, changing nothing, when its id or number is taken or its
   * customer unknown: an order the platform accepted never breaks those.
   */
  addOrder(order: EcomOrder): EcomOrder {
    if (this.ordersById.has(order.id)) throw new Error(`order id ${order.id} is taken`);
    if (this.ordersByNumber.has(order.number)) throw new Error(`order number ${JSON.stringify(order.number)} is taken`);
    if (!this.customersById.has(order.customer_id)) throw new Error(`no customer with id ${order.customer_id}`);
    this.orderTable.timeline!.touch(order);
    insertSorted(this.orderTable.all, order, byId);
    this.ordersById.set(order.id, order);
    this.ordersByNumber.set(order.number, order);
    insertGrouped(this.ordersByCustomer, order.customer_id, order, byId);
    if (order.quote_number !== null) insertGrouped(this.ordersByQuote, order.quote_number, order, byId);
    this.countOrder(order);
    return order;
  }

  product(sku: string): EcomProduct | undefined {
    return this.productsBySku.get(sku);
  }

  products({ skus, eans, updatedSince }: ProductFilter): readonly EcomProduct[] {
    const where: Predicate<EcomProduct>[] = [];
    let candidates: EcomProduct[] | undefined;
    if (skus) {
      const wanted = new Set(skus);
      where.push((p) => wanted.has(p.sku));
      candidates ??= lookup(this.productsBySku, skus);
    }
    if (eans) {
      const wanted = new Set(eans);
      where.push((p) => p.ean !== null && wanted.has(p.ean));
      candidates ??= groups(this.productsByEan, eans);
    }
    return select(this.productTable, candidates, updatedSince, where);
  }

  cartRule(id: number): EcomCartRule | undefined {
    return this.cartRulesById.get(id);
  }

  cartRules({ activeAt, code }: CartRuleFilter): readonly EcomCartRule[] {
    const where: Predicate<EcomCartRule>[] = [];
    let candidates: EcomCartRule[] | undefined;
    if (code !== undefined) {
      const lower = code.toLowerCase();
      where.push((r) => r.code !== null && r.code.toLowerCase() === lower);
      candidates = this.cartRulesByCode.get(lower) ?? [];
    }
    if (activeAt !== undefined) {
      where.push((r) => Date.parse(r.starts_at) <= activeAt && (r.ends_at === null || activeAt < Date.parse(r.ends_at)));
    }
    return select(this.cartRuleTable, candidates, undefined, where);
  }

  /**
   * Records a customer's newsletter choice made at `at` (ISO instant). A change stamps both
   * `newsletter_opt_in_at` (the time of the latest choice, either way) and `updated_at`;
   * sending the current value again changes nothing. Undefined when there is no such customer.
   */
  setNewsletterOptIn(id: number, optIn: boolean, at: string): StoredCustomer | undefined {
    const customer = this.customersById.get(id);
    if (!customer || customer.newsletter_opt_in === optIn) return customer;
    customer.newsletter_opt_in = optIn;
    customer.newsletter_opt_in_at = at;
    customer.updated_at = at;
    this.customerTable.timeline!.touch(customer);
    return customer;
  }

  /**
   * Erases a customer at `at` (ISO instant), keeping what accounting must keep, stripped of
   * what identifies them. The account stays, so that its orders keep their customer and the
   * sync feed shows the change: its email becomes {@link erasedEmail}, its names empty (the
   * platform's names are non-null strings), its phone null, its newsletter off (the choice
   * stamped at `at`), `updated_at` and `erased_at` set to `at`. Its addresses are removed. Its
   * orders keep their lines, totals, status and numbers, but their recipient's names and phone
   * are cleared and their `updated_at` moves to `at`, so that an order sync sees them too.
   *
   * Undefined when there is no such customer. Throws, changing nothing, when the customer was
   * already erased: a repeat is answered by the caller from `erased_at`, never recorded twice.
   */
  eraseCustomer(id: number, at: string): StoredCustomer | undefined {
    const customer = this.customersById.get(id);
    if (!customer) return undefined;
    if (customer.erased_at !== null) throw new Error(`customer ${id} was already erased at ${customer.erased_at}`);

    ungroup(this.customersByEmail, customer.email.toLowerCase(), customer);
    customer.email = erasedEmail(id);
    customer.first_name = '';
    customer.last_name = '';
    customer.phone = null;
    customer.newsletter_opt_in = false;
    customer.newsletter_opt_in_at = at;
    customer.updated_at = at;
    customer.erased_at = at;
    insertGrouped(this.customersByEmail, customer.email.toLowerCase(), customer, byId);
    this.customerTable.timeline!.touch(customer);

    if (this.addressesByCustomer.delete(id)) this.addressTable.all = this.addressTable.all.filter((address) => address.customer_id !== id);

    for (const order of [...(this.ordersByCustomer.get(id) ?? [])]) {
      this.replaceOrder(order, { ...order, delivery: { first_name: '', last_name: '', phone: null }, updated_at: at });
    }
    return customer;
  }

  /** Puts `changed` (same id, number, customer and quote) in the place of `order` in every index. */
  private replaceOrder(order: EcomOrder, changed: EcomOrder): void {
    const all = this.orderTable.all;
    all[all.indexOf(order)] = changed;
    this.ordersById.set(changed.id, changed);
    this.ordersByNumber.set(changed.number, changed);
    const lists = [this.ordersByCustomer.get(changed.customer_id), changed.quote_number === null ? undefined : this.ordersByQuote.get(changed.quote_number)];
    for (const list of lists) if (list) list[list.indexOf(order)] = changed;
    this.orderTable.timeline!.touch(changed, order);
  }

  private countOrder(order: EcomOrder): void {
    this.lastOrderId = Math.max(this.lastOrderId, order.id);
    const match = /^W(\d{1,15})$/.exec(order.number);
    if (!match) return;
    const value = Number(match[1]);
    if (this.lastOrderNumber === undefined || value > this.lastOrderNumber.value) this.lastOrderNumber = { value, digits: match[1]!.length };
  }
}

function table<T>(
  records: readonly T[],
  natural: (a: T, b: T) => number,
  updatedAt: (record: T) => string,
  describe: (record: T) => string,
): Table<T> {
  return { all: [...records].sort(natural), natural, timeline: new Timeline(records, updatedAt, natural, describe) };
}

/**
 * The records matching every predicate. `candidates`, when given, is a superset found
 * through an index; otherwise the search starts from every record, or from the timeline
 * when `since` is set.
 */
function select<T>(table: Table<T>, candidates: T[] | undefined, since: number | undefined, where: Predicate<T>[]): readonly T[] {
  const { timeline } = table;
  if (since !== undefined && !timeline) throw new Error('updated_since needs records that carry updated_at');
  if (candidates) {
    const recent = (record: T) => since === undefined || timeline!.updatedMs(record) >= since;
    return [...new Set(candidates)]
      .filter((record) => recent(record) && where.every((matches) => matches(record)))
      .sort(since === undefined ? table.natural : (a, b) => timeline!.compare(a, b));
  }
  const rows = since === undefined ? table.all : timeline!.since(since);
  return where.length === 0 ? rows : rows.filter((record) => where.every((matches) => matches(record)));
}

const CART_RULE_TYPES: readonly EcomCartRule['type'][] = ['percent', 'amount', 'free_shipping'];

/**
 * A cart rule as the platform keeps it: a known type, a decimal value for a percent or an
 * amount and none for free shipping, a first-order flag. Anything else is not the platform's data.
 */
function checkCartRule(rule: EcomCartRule): void {
  const what = `cart rule ${rule.id}`;
  if (!CART_RULE_TYPES.includes(rule.type)) throw new Error(`${what} has type ${JSON.stringify(rule.type)}, not one of ${CART_RULE_TYPES.join(', ')}`);
  if (rule.type === 'free_shipping') {
    if (rule.value !== null) throw new Error(`${what} is free_shipping and takes no value (null), got ${JSON.stringify(rule.value)}`);
  } else if (rule.value === null || parseCents(rule.value) === undefined) {
    throw new Error(`${what} is ${rule.type} and needs a decimal value such as "10" or "5.00", got ${JSON.stringify(rule.value)}`);
  }
  if (typeof rule.scope?.first_order !== 'boolean') throw new Error(`${what} has scope.first_order ${JSON.stringify(rule.scope?.first_order)}, not true or false`);
}

function unique<K, T>(records: readonly T[], key: (record: T) => K, what: string): Map<K, T> {
  const map = new Map<K, T>();
  for (const record of records) {
    const value = key(record);
    if (map.has(value)) throw new Error(`${what} must be unique, but ${JSON.stringify(value)} appears twice`);
    map.set(value, record);
  }
  return map;
}

/** Groups records under each of their keys, keeping the records' order within a group. */
function group<K, T>(records: readonly T[], keys: (record: T) => K[]): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const record of records) {
    for (const key of keys(record)) {
      const list = map.get(key);
      if (list) list.push(record);
      else map.set(key, [record]);
    }
  }
  return map;
}

function lookup<K, T>(map: Map<K, T>, keys: K[]): T[] {
  return keys.flatMap((key) => {
    const record = map.get(key);
    return record === undefined ? [] : [record];
  });
}

/** Inserts a record after every record that sorts before it or equal to it. */
function insertSorted<T>(records: T[], record: T, order: (a: T, b: T) => number): void {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (order(records[middle]!, record) <= 0) low = middle + 1;
    else high = middle;
  }
  records.splice(low, 0, record);
}

function insertGrouped<K, T>(map: Map<K, T[]>, key: K, record: T, order: (a: T, b: T) => number): void {
  const list = map.get(key);
  if (list) insertSorted(list, record, order);
  else map.set(key, [record]);
}

/** Takes a record out of its group, and the group out of the map once it is empty. */
function ungroup<K, T>(map: Map<K, T[]>, key: K, record: T): void {
  const list = map.get(key);
  const index = list?.indexOf(record) ?? -1;
  if (index < 0) return;
  list!.splice(index, 1);
  if (list!.length === 0) map.delete(key);
}

function groups<K, T>(map: Map<K, T[]>, keys: K[]): T[] {
  return keys.flatMap((key) => map.get(key) ?? []);
}
