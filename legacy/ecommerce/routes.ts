import type { EcomCustomer, EcomOrderStatus } from '../generator/model.js';
import { ApiError } from './apiError.js';
import type { CustomerErasures } from './customerErasures.js';
import type { EcommerceStore } from './ecommerceStore.js';
import { FEEDBACK_ROUTES } from './feedbackRoutes.js';
import type { FeedbackStore } from './feedbackStore.js';
import { IDEMPOTENCY_HEADER, idempotencyKey } from './idempotencyKeys.js';
import { readJsonObject } from './jsonBody.js';
import { listBody } from './listBody.js';
import type { OrderIntake } from './orderIntake.js';
import { parseId, type QueryParams } from './queryParams.js';
import { Reply } from './reply.js';
import type { EcommerceJournal } from './writes.js';

/** What a route handler gets for one call. */
export interface RouteContext {
  store: EcommerceStore;
  /** Decoded `:name` segments of the path. */
  path: Record<string, string>;
  query: QueryParams;
  /** The URL the client called, for the link to the next page. */
  url: URL;
  /** A request header (name in any case), or undefined when it was not sent. */
  header: (name: string) => string | undefined;
  /** The request body as text. */
  body: () => Promise<string>;
  /** Now, as an ISO instant. */
  now: () => string;
  /** Where a write records what it changes; it answers once the journal has it. */
  journal: EcommerceJournal;
  /** Where new orders are taken, one at a time, by idempotency key. */
  orders: OrderIntake;
  /** Where customers are erased, one at a time, each once. */
  erasures: CustomerErasures;
  /** The review module's and the helpdesk's records (feedbackRoutes.ts). */
  feedback: FeedbackStore;
}

export interface Route {
  method: 'GET' | 'PATCH' | 'POST' | 'DELETE';
  /** Path under `/api/v1`, with `:name` segments; with the method, the operation's name. */
  path: string;
  /** Query parameters the endpoint accepts; any other is a 400. */
  query: readonly string[];
  /** Query parameters that carry a batch: the call asks for as many items as they hold values. */
  batch?: readonly string[];
  /** Answers 200 with the returned body (a {@link Reply} for another status or headers), or throws an {@link ApiError}. */
  handle: (context: RouteContext) => unknown;
}

export const API_BASE = '/api/v1';

const PAGING = ['page', 'per_page'] as const;

const ORDER_STATUSES = Object.keys({
  pending: true,
  paid: true,
  shipped: true,
  delivered: true,
  ready_for_pickup: true,
  collected: true,
  cancelled: true,
} satisfies Record<EcomOrderStatus, true>) as EcomOrderStatus[];

export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/customers',
    query: [...PAGING, 'ids', 'email', 'updated_since'],
    batch: ['ids'],
    handle: ({ store, query, url }) =>
      listBody(
        store.customers({ ids: query.idList('ids'), email: query.text('email'), updatedSince: query.instant('updated_since') }),
        query.paging(),
        url,
      ),
  },
  {
    method: 'GET',
    path: '/customers/:id',
    query: [],
    handle: ({ store, path }) => ({ data: customer(store, path) }),
  },
  {
    method: 'PATCH',
    path: '/customers/:id',
    query: [],
    handle: async ({ store, path, body, now, journal }) => {
      const { id } = customer(store, path);
      const optIn = newsletterPatch(await body());
      return { data: await journal.record({ kind: 'PATCH /customers/:id', id, newsletter_opt_in: optIn, at: now() }) };
    },
  },
  {
    method: 'DELETE',
    path: '/customers/:id',
    query: [],
    // The right to erasure: the customer is anonymised, not removed (see EcommerceStore.eraseCustomer).
    handle: async ({ store, path, now, erasures }) => ({ data: await erasures.erase(customer(store, path).id, now) }),
  },
  {
    method: 'GET',
    path: '/customers/:id/addresses',
    query: PAGING,
    handle: ({ store, path, query, url }) => listBody(store.addresses([customer(store, path).id]), query.paging(), url),
  },
  {
    method: 'GET',
    path: '/customers/:id/orders',
    query: PAGING,
    handle: ({ store, path, query, url }) =>
      listBody(store.orders({ customerIds: [customer(store, path).id] }), query.paging(), url),
  },
  {
    method: 'GET',
    path: '/addresses',
    query: [...PAGING, 'customer_ids'],
    batch: ['customer_ids'],
    handle: ({ store, query, url }) => listBody(store.addresses(query.idList('customer_ids')), query.paging(), url),
  },
  {
    method: 'GET',
    path: '/orders',
    query: [...PAGING, 'customer_id', 'customer_ids', 'number', 'numbers', 'quote_number', 'pickup_store', 'updated_since', 'status'],
    batch: ['customer_ids', 'numbers'],
    handle: ({ store, query, url }) => {
      const customerIds = oneOf('customer_id', query.id('customer_id'), 'customer_ids', query.idList('customer_ids'));
      const numbers = oneOf('number', query.text('number'), 'numbers', query.list('numbers'));
      const orders = store.orders({
        customerIds,
        numbers,
        quoteNumber: query.text('quote_number'),
        pickupStore: query.text('pickup_store'),
        status: query.choice('status', ORDER_STATUSES),
        updatedSince: query.instant('updated_since'),
      });
      return listBody(orders, query.paging(), url);
    },
  },
  {
    method: 'POST',
    path: '/orders',
    query: [],
    handle: async ({ header, body, now, orders }) => {
      const key = idempotencyKey(header(IDEMPOTENCY_HEADER));
      const { order, replayed } = await orders.take(key, readJsonObject(await body()), now);
      const location = { Location: `${API_BASE}/orders/${order.id}` };
      return replayed ? new Reply(200, { data: order }, { ...location, 'Idempotent-Replayed': 'true' }) : new Reply(201, { data: order }, location);
    },
  },
  {
    method: 'GET',
    path: '/orders/:id',
    query: [],
    handle: ({ store, path }) => {
      const id = parseId(path.id!, 'order id');
      const order = store.order(id);
      if (!order) throw new ApiError('not_found', `no order with id ${id}`);
      return { data: order };
    },
  },
  {
    method: 'GET',
    path: '/products',
    query: [...PAGING, 'skus', 'eans', 'updated_since'],
    batch: ['skus', 'eans'],
    handle: ({ store, query, url }) =>
      listBody(
        store.products({ skus: query.list('skus'), eans: query.list('eans'), updatedSince: query.instant('updated_since') }),
        query.paging(),
        url,
      ),
  },
  {
    method: 'GET',
    path: '/products/:sku',
    query: [],
    handle: ({ store, path }) => {
      const product = store.product(path.sku!);
      if (!product) throw new ApiError('not_found', `no product with sku ${JSON.stringify(path.sku)}`);
      return { data: product };
    },
  },
  {
    method: 'GET',
    path: '/cart-rules',
    query: [...PAGING, 'active_at', 'code'],
    handle: ({ store, query, url }) =>
      listBody(store.cartRules({ activeAt: query.instant('active_at'), code: query.text('code') }), query.paging(), url),
  },
  {
    method: 'GET',
    path: '/cart-rules/:id',
    query: [],
    handle: ({ store, path }) => {
      const id = parseId(path.id!, 'cart rule id');
      const rule = store.cartRule(id);
      if (!rule) throw new ApiError('not_found', `no cart rule with id ${id}`);
      return { data: rule };
    },
  },
  ...FEEDBACK_ROUTES,
];

function customer(store: EcommerceStore, path: Record<string, string>): EcomCustomer {
  const id = parseId(path.id!, 'customer id');
  const found = store.customer(id);
  if (!found) throw new ApiError('not_found', `no customer with id ${id}`);
  return found;
}

/** The single and the batch form of a filter, which cannot be combined. */
function oneOf<T>(single: string, one: T | undefined, batch: string, many: T[] | undefined): T[] | undefined {
  if (one !== undefined && many !== undefined) throw new ApiError('bad_request', `give ${single} or ${batch}, not both`);
  return one !== undefined ? [one] : many;
}

const WRITABLE = 'newsletter_opt_in';

/** Reads a customer PATCH body: `{ "newsletter_opt_in": boolean }` and nothing else. */
function newsletterPatch(text: string): boolean {
  const patch = readJsonObject(text);
  const readOnly = Object.keys(patch).filter((field) => field !== WRITABLE);
  if (readOnly.length > 0) {
    throw new ApiError(
      'unprocessable',
      `customer field${readOnly.length > 1 ? 's' : ''} ${readOnly.join(', ')} cannot be changed; only ${WRITABLE} can`,
      readOnly[0],
    );
  }
  const value = patch[WRITABLE];
  if (value === undefined) throw new ApiError('unprocessable', `${WRITABLE} is required`, WRITABLE);
  if (typeof value !== 'boolean') {
    throw new ApiError('unprocessable', `${WRITABLE} must be true or false, got ${JSON.stringify(value)}`, WRITABLE);
  }
  return value;
}
