import type { Resolvers } from '../generated/types.js';
import { badUserInput } from '../../shared/errors.js';
import type { ServiceContact, WebReview } from '../../ecommerce/mappers.js';
import type { RatingRecord } from '../../pos/ratings.js';
import type { Context } from '../context.js';
import { parseRecordId, type RecordKey } from '../matching/records.js';
import { recordsOf } from '../orders/resolvers.js';
import { contactItem, feedbackPage, MAX_FEEDBACK, mergeFeedback, ratingItem, reviewItem, type FeedbackArgs, type FeedbackItem, type FeedbackSystem } from './timeline.js';

/** Values of a loadMany, or the first error among them. */
function settled<V>(results: readonly (V | Error)[]): V[] {
  const failed = results.find((r): r is Error => r instanceof Error);
  if (failed) throw failed;
  return results as V[];
}

export interface CustomerFeedback {
  items: FeedbackItem[];
  /** Systems that could not be read: their items are missing. */
  unavailable: FeedbackSystem[];
}

/**
 * What a golden customer said, read live through the crosswalk's estate loaders: the reviews
 * and helpdesk tickets of their web accounts (one batched call each), and the answers to the
 * survey texted after their receipts, the receipts found as the order history finds them (by
 * card, phone or OUE client, `recordsOf`), one statement per franchise. A system that fails is
 * named in `unavailable`; the others' items still make the timeline.
 */
export async function feedbackOf(keys: readonly RecordKey[], context: Context): Promise<CustomerFeedback> {
  const { ecommerce, pos } = context.estate();
  const unavailable = new Set<FeedbackSystem>();
  const accountIds = [...new Set(keys.filter((key) => key.system === 'ECOMMERCE').map((key) => key.localId))];

  let reviews: WebReview[] = [];
  let contacts: ServiceContact[] = [];
  if (accountIds.length > 0) {
    try {
      if (!ecommerce) throw new Error('the web shop is not configured');
      [reviews, contacts] = await Promise.all([
        ecommerce.reviewsByAccount.loadMany(accountIds).then((lists) => settled(lists).flat()),
        ecommerce.serviceContacts.loadMany(accountIds).then((lists) => settled(lists).flat()),
      ]);
    } catch {
      unavailable.add('ECOMMERCE');
    }
  }

  let ratings: RatingRecord[] = [];
  const { sales, unavailable: ordersUnavailable } = await recordsOf(keys, context);
  if (ordersUnavailable.includes('POS')) unavailable.add('POS');
  else if (sales.length > 0) {
    try {
      if (!pos) throw new Error('the tills are not configured');
      ratings = settled(await pos.ratingOfReceipt.loadMany(sales.map((sale) => sale.number))).filter((r): r is RatingRecord => r !== null);
    } catch {
      unavailable.add('POS');
    }
  }
  return { items: mergeFeedback([reviews.map(reviewItem), ratings.map(ratingItem), contacts.map(contactItem)]), unavailable: [...unavailable] };
}

/** `Customer.feedback(first, kinds)`. */
export async function customerFeedback(customer: { id: string }, args: FeedbackArgs, context: Context): Promise<CustomerFeedback> {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 0 || first > MAX_FEEDBACK) throw badUserInput(`first must be an integer from 0 to ${MAX_FEEDBACK}, got ${first}`, 'first');
  const keys = (await context.loaders.links.load(customer.id)).map((link) => parseRecordId(link.record));
  const { items, unavailable } = await feedbackOf(keys, context);
  return { items: feedbackPage(items, { ...args, first }, { withText: context.principal.role !== 'marketing' }), unavailable };
}

/** The resolver map's part (the crosswalk wires `feedback` through the contact resolvers, which check whose customer it is first). */
export const feedbackResolvers = {
  Customer: { feedback: customerFeedback },
} satisfies Resolvers;
