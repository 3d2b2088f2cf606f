import type { EcomOrder } from '../generator/model.js';
import { ApiError } from './apiError.js';
import { checkOrderRequest } from './checkOrderRequest.js';
import type { EcommerceStore } from './ecommerceStore.js';
import { IDEMPOTENCY_HEADER, requestFingerprint, type IdempotencyKeys } from './idempotencyKeys.js';
import type { EcommerceJournal } from './writes.js';

/** What a `POST /orders` comes to: the order, and whether it was created by an earlier call under the same key. */
export interface TakenOrder {
  order: EcomOrder;
  replayed: boolean;
}

/**
 * Takes new orders, one at a time, the way the platform's order table is locked for each:
 * look the idempotency key up, check the request, number the order, journal it, and only then
 * the next request. So a retry sent while its first attempt is still being written waits for
 * it and answers the same order, and two orders never take the same id or number.
 */
export class OrderIntake {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EcommerceStore,
    private readonly keys: IdempotencyKeys,
    private readonly journal: EcommerceJournal,
  ) {}

  /**
   * The order `body` asks for under `key`: created now (stamped `now()`), or the one an earlier
   * call with the same key and the same body created. The same key with another body is a 409
   * `idempotency_conflict`; a request with problems is a 422 that stores nothing and leaves the
   * key free.
   */
  take(key: string, body: Record<string, unknown>, now: () => string): Promise<TakenOrder> {
    const taken = this.tail.then(() => this.takeNow(key, body, now));
    this.tail = taken.catch(() => undefined);
    return taken;
  }

  private async takeNow(key: string, body: Record<string, unknown>, now: () => string): Promise<TakenOrder> {
    const fingerprint = requestFingerprint(body);
    const used = this.keys.get(key);
    if (used) {
      const order = this.store.order(used.orderId)!;
      if (used.fingerprint !== fingerprint) {
        throw new ApiError(
          'idempotency_conflict',
          `${IDEMPOTENCY_HEADER} ${JSON.stringify(key)} already created order ${order.number} (id ${order.id}) from another request body; ` +
            'a retry must send the same body, a new order a new key',
        );
      }
      return { order, replayed: true };
    }
    const draft = checkOrderRequest(body, this.store);
    const at = now();
    const order: EcomOrder = {
      id: this.store.nextOrderId(),
      number: this.store.nextOrderNumber(),
      customer_id: draft.customer_id,
      placed_at: at,
      updated_at: at,
      status: draft.status,
      currency: draft.currency,
      fulfilment: draft.fulfilment,
      quote_number: draft.quote_number,
      coupon_code: draft.coupon_code,
      delivery: draft.delivery,
      lines: draft.lines,
      total: draft.total,
    };
    const created = await this.journal.record({ kind: 'POST /orders', idempotency_key: key, request_fingerprint: fingerprint, order });
    return { order: created, replayed: false };
  }
}
