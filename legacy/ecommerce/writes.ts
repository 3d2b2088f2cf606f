import type { EcomCustomer } from '../generator/model.js';
import type { Journal } from '../shared/journal.js';
import type { EcommerceStore } from './ecommerceStore.js';

/** A `PATCH /customers/:id` the platform acknowledged, as its journal keeps it. */
export interface CustomerPatchWrite {
  kind: 'PATCH /customers/:id';
  id: number;
  newsletter_opt_in: boolean;
  /** The platform's clock when it accepted the call: the time of the choice, when it changed one. */
  at: string;
}

/**
 * How each write the platform acknowledges is applied to its store: when it is recorded, and
 * when the journal is replayed at start. The newsletter choice is its only write.
 */
export function ecommerceWrites(store: EcommerceStore) {
  return {
    'PATCH /customers/:id': (entry: CustomerPatchWrite): EcomCustomer => {
      const customer = store.setNewsletterOptIn(entry.id, entry.newsletter_opt_in, entry.at);
      if (!customer) throw new Error(`no customer with id ${JSON.stringify(entry.id)}`);
      return customer;
    },
  };
}

export type EcommerceJournal = Journal<ReturnType<typeof ecommerceWrites>>;
