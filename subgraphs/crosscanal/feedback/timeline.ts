import type { ServiceContact, WebReview } from '../../ecommerce/mappers.js';
import type { RatingRecord } from '../../pos/ratings.js';

/** What a customer said, as the crosswalk's timeline names it. */
export type FeedbackKind = 'PRODUCT_REVIEW' | 'STORE_RATING' | 'SERVICE_CONTACT';
export type FeedbackSystem = 'ECOMMERCE' | 'POS';

export interface FeedbackItem {
  kind: FeedbackKind;
  system: FeedbackSystem;
  /** When it was said: a review written, a survey answered, a ticket opened. */
  at: string;
  /** On 1 to 5 (a store's 0–10 score normalised); null when there is none (a ticket without a survey answer). */
  rating: number | null;
  /** The customer's words (review title and body, survey comment) or the agent's summary of the ticket; null when none. */
  text: string | null;
  /** What it is about: the reviewed product's web SKU, the receipt number, the ticket number. */
  reference: string;
  /** The store of a rating; null otherwise. */
  storeCode: string | null;
  /** Review status as moderation left it (PUBLISHED, PENDING, REJECTED); null for the other kinds. */
  status: string | null;
}

export const reviewItem = (review: WebReview): FeedbackItem => ({
  kind: 'PRODUCT_REVIEW',
  system: 'ECOMMERCE',
  at: review.createdAt,
  rating: review.rating,
  text: `${review.title} — ${review.body}`,
  reference: review.sku,
  storeCode: null,
  status: review.status,
});

export const ratingItem = (rating: RatingRecord): FeedbackItem => ({
  kind: 'STORE_RATING',
  system: 'POS',
  at: rating.ratedAt,
  rating: rating.normalised,
  text: rating.comment,
  reference: rating.receiptNumber,
  storeCode: rating.storeCode,
  status: null,
});

export const contactItem = (contact: ServiceContact): FeedbackItem => ({
  kind: 'SERVICE_CONTACT',
  system: 'ECOMMERCE',
  at: contact.openedAt,
  rating: contact.satisfaction,
  text: contact.summary,
  reference: contact.ticketNumber,
  storeCode: null,
  status: null,
});

/**
 * One timeline, newest first; at the same instant by kind then reference, so that a page is
 * the same however the systems answered. The same item read twice (a review of an account
 * linked twice) is kept once.
 */
export function mergeFeedback(lists: readonly (readonly FeedbackItem[])[]): FeedbackItem[] {
  const unique = new Map<string, FeedbackItem>();
  for (const item of lists.flat()) unique.set(`${item.kind}|${item.reference}|${item.at}`, item);
  return [...unique.values()].sort((a, b) => compareText(b.at, a.at) || compareText(a.kind, b.kind) || compareText(a.reference, b.reference));
}

/** Most items one `feedback` returns. */
export const MAX_FEEDBACK = 100;

export interface FeedbackArgs {
  first?: number | null;
  kinds?: readonly FeedbackKind[] | null;
}

/**
 * The page a reader gets: the kinds asked for, the first `first`. Marketing reads what was said
 * and how it was rated, never the words: free text carries what a customer confided to the
 * shop or its helpdesk (a complaint, a health reason for a return), which no campaign needs.
 */
export function feedbackPage(items: readonly FeedbackItem[], { first, kinds }: FeedbackArgs, { withText }: { withText: boolean }): FeedbackItem[] {
  const size = first ?? 20;
  const wanted = kinds && kinds.length > 0 ? new Set(kinds) : null;
  return items
    .filter((item) => wanted === null || wanted.has(item.kind))
    .slice(0, size)
    .map((item) => (withText ? item : { ...item, text: null }));
}

/** Code-unit order, the same on every machine whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
