import type { EcommerceStore } from './ecommerceStore.js';
import type { EcommerceJournal } from './writes.js';

/** What `DELETE /customers/:id` answers: the customer, and when it was erased. */
export interface ErasureReceipt {
  id: number;
  erased_at: string;
}

/**
 * Erases customers one at a time: look the customer up, erase it (journaled) unless it already
 * was, and only then the next request. So a repeat sent while the first is still being written
 * waits for it and answers its `erased_at`, and the journal never holds one customer's erasure
 * twice (which its replay refuses).
 */
export class CustomerErasures {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EcommerceStore,
    private readonly journal: EcommerceJournal,
  ) {}

  /** Erases the customer `id` (which the caller found) at `now()`, or answers the erasure it already had. */
  erase(id: number, now: () => string): Promise<ErasureReceipt> {
    const erased = this.tail.then(() => this.eraseNow(id, now));
    this.tail = erased.catch(() => undefined);
    return erased;
  }

  private async eraseNow(id: number, now: () => string): Promise<ErasureReceipt> {
    const held = this.store.customer(id);
    if (!held) throw new Error(`customer ${id} was looked up before its erasure, yet is gone`);
    if (held.erased_at !== null) return { id, erased_at: held.erased_at };
    const customer = await this.journal.record({ kind: 'DELETE /customers/:id', id, at: now() });
    return { id, erased_at: customer.erased_at! };
  }
}
