import type { EcomCustomer, EcomOrder } from '../generator/model.js';
import type { Journal } from '../shared/journal.js';
import type { EcommerceStore, StoredCustomer } from './ecommerceStore.js';
import type { IdempotencyKeys } from './idempotencyKeys.js';

/** A `PATCH /customers/:id` the platform acknowledged, as its journal keeps it. */
export interface CustomerPatchWrite {
  kind: 'PATCH /customers/:id';
  id: number;
  newsletter_opt_in: boolean;
  /** The platform's clock when it accepted the call: the time of the choice, when it changed one. */
  at: string;
}

/** A `POST /orders` the platform acknowledged with a 201, as its journal keeps it. */
export interface OrderCreateWrite {
  kind: 'POST /orders';
  /** The call's `Idempotency-Key`: a retry under it answers this order. */
  idempotency_key: string;
  /** The request body's fingerprint (`requestFingerprint`): a retry must send the same request. */
  request_fingerprint: string;
  /** The order as created: id, number, timestamps (the platform's clock) and lines as stored. */
  order: EcomOrder;
}

/** A `DELETE /customers/:id` that erased a customer, as its journal keeps it (a repeat is not recorded). */
export interface CustomerEraseWrite {
  kind: 'DELETE /customers/:id';
  id: number;
  /** The platform's clock when it erased the customer: `erased_at`, and the new `updated_at`. */
  at: string;
}

/**
 * How each write the platform acknowledges is applied to its store: when it is recorded, and
 * when the journal is replayed at start. Its writes are the newsletter choice, new orders and
 * the erasure of a customer.
 */
export function ecommerceWrites(store: EcommerceStore, keys: IdempotencyKeys) {
  return {
    'PATCH /customers/:id': (entry: CustomerPatchWrite): EcomCustomer => {
      const customer = store.setNewsletterOptIn(entry.id, entry.newsletter_opt_in, entry.at);
      if (!customer) throw new Error(`no customer with id ${JSON.stringify(entry.id)}`);
      return customer;
    },
    'POST /orders': (entry: OrderCreateWrite): EcomOrder => {
      const used = keys.get(entry.idempotency_key);
      if (used) throw new Error(`idempotency key ${JSON.stringify(entry.idempotency_key)} was already used for order ${used.orderId}`);
      const order = store.addOrder(entry.order);
      keys.remember(entry.idempotency_key, { fingerprint: entry.request_fingerprint, orderId: order.id });
      return order;
    },
    'DELETE /customers/:id': (entry: CustomerEraseWrite): StoredCustomer => {
      // A second erasure of one customer in the journal is damage: the platform never records a repeat.
      const customer = store.eraseCustomer(entry.id, entry.at);
      if (!customer) throw new Error(`no customer with id ${JSON.stringify(entry.id)}`);
      return customer;
    },
  };
}

export type EcommerceJournal = Journal<ReturnType<typeof ecommerceWrites>>;
