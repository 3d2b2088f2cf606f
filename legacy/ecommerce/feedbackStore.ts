import type { EcomReview, EcomReviewStatus, EcomServiceContact, EcommerceData } from '../generator/model.js';
import { parseIsoInstant } from '../../utilities/isoInstant.js';

export const REVIEW_STATUSES: readonly EcomReviewStatus[] = ['published', 'pending', 'rejected'];

export interface ReviewFilter {
  skus?: string[];
  customerIds?: number[];
  status?: EcomReviewStatus;
}

/**
 * The review module's and the helpdesk's records, indexed at start by SKU and by customer.
 * Read-only: the stand-in takes no new review or ticket. Reviews and tickets come in id
 * order, except a product page's reviews, newest first as the shop shows them.
 */
export class FeedbackStore {
  private readonly reviewsById: EcomReview[];
  private readonly reviewsBySku = new Map<string, EcomReview[]>();
  private readonly reviewsByCustomer = new Map<number, EcomReview[]>();
  private readonly contactsByCustomer = new Map<number, EcomServiceContact[]>();

  constructor(data: Pick<EcommerceData, 'reviews' | 'serviceContacts'>) {
    const reviews = data.reviews ?? [];
    const contacts = data.serviceContacts ?? [];
    reviews.forEach(checkReview);
    contacts.forEach(checkContact);
    unique(reviews.map((r) => r.id), 'review id');
    unique(contacts.map((c) => c.id), 'service contact id');
    unique(contacts.map((c) => c.ticket_number), 'service contact ticket_number');
    this.reviewsById = [...reviews].sort((a, b) => a.id - b.id);
    for (const review of this.reviewsById) {
      push(this.reviewsBySku, review.sku, review);
      push(this.reviewsByCustomer, review.customer_id, review);
    }
    for (const contact of [...contacts].sort((a, b) => a.id - b.id)) push(this.contactsByCustomer, contact.customer_id, contact);
  }

  /** The reviews matching every filter given, in id order. */
  reviews({ skus, customerIds, status }: ReviewFilter): EcomReview[] {
    let found: EcomReview[];
    if (skus) found = skus.flatMap((sku) => this.reviewsBySku.get(sku) ?? []);
    else if (customerIds) found = customerIds.flatMap((id) => this.reviewsByCustomer.get(id) ?? []);
    else found = this.reviewsById;
    const wantedCustomers = customerIds ? new Set(customerIds) : undefined;
    return [...new Set(found)]
      .filter((r) => (status === undefined || r.status === status) && (!wantedCustomers || wantedCustomers.has(r.customer_id)))
      .sort((a, b) => a.id - b.id);
  }

  /** A product page's reviews: published only, newest first (then the higher id). */
  productPage(sku: string): EcomReview[] {
    return (this.reviewsBySku.get(sku) ?? [])
      .filter((r) => r.status === 'published')
      .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.id - a.id));
  }

  serviceContacts(customerIds: number[]): EcomServiceContact[] {
    return [...new Set(customerIds)].flatMap((id) => this.contactsByCustomer.get(id) ?? []).sort((a, b) => a.id - b.id);
  }
}

/**
 * What the product page's widget is served: the review without its author's account, order
 * or moderation state, which only the back office sees.
 */
export function publicReview({ id, sku, author_name, rating, title, body, created_at }: EcomReview) {
  return { id, sku, author_name, rating, title, body, created_at };
}

/** A review as the review module keeps it; anything else is not the platform's data and stops the start. */
function checkReview(review: EcomReview): void {
  const what = `review ${review.id}`;
  if (!Number.isInteger(review.rating) || review.rating < 1 || review.rating > 5) throw new Error(`${what} has rating ${JSON.stringify(review.rating)}, not 1 to 5`);
  if (!REVIEW_STATUSES.includes(review.status)) throw new Error(`${what} has status ${JSON.stringify(review.status)}, not one of ${REVIEW_STATUSES.join(', ')}`);
  if (parseIsoInstant(review.created_at) === null) throw new Error(`${what} has created_at ${JSON.stringify(review.created_at)}, not ISO 8601`);
}

function checkContact(contact: EcomServiceContact): void {
  const what = `service contact ${contact.id}`;
  if (parseIsoInstant(contact.opened_at) === null) throw new Error(`${what} has opened_at ${JSON.stringify(contact.opened_at)}, not ISO 8601`);
  if (contact.closed_at !== null && parseIsoInstant(contact.closed_at) === null) throw new Error(`${what} has closed_at ${JSON.stringify(contact.closed_at)}, not ISO 8601`);
  if (contact.satisfaction !== null && !(Number.isInteger(contact.satisfaction) && contact.satisfaction >= 1 && contact.satisfaction <= 5)) {
    throw new Error(`${what} has satisfaction ${JSON.stringify(contact.satisfaction)}, not 1 to 5 or null`);
  }
}

function unique(values: readonly unknown[], what: string): void {
  const seen = new Set<unknown>();
  for (const value of values) {
    if (seen.has(value)) throw new Error(`${what} must be unique, but ${JSON.stringify(value)} appears twice`);
    seen.add(value);
  }
}

function push<K, T>(map: Map<K, T[]>, key: K, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
