import { ApiError } from './apiError.js';
import { publicReview, REVIEW_STATUSES } from './feedbackStore.js';
import { listBody } from './listBody.js';
import { parseId } from './queryParams.js';
import type { Route, RouteContext } from './routes.js';

const PAGING = ['page', 'per_page'] as const;

/**
 * The review module's and the helpdesk's endpoints, in the platform's usual style: offset
 * pages, `?customer_ids=`/`?skus=` batches of 100, the JSON error envelope. The product page's
 * list is the public one (published reviews, newest first, no account behind the name); the
 * others are the back office's, every status.
 */
export const FEEDBACK_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/products/:sku/reviews',
    query: PAGING,
    handle: ({ store, feedback, path, query, url }) => {
      if (!store.product(path.sku!)) throw new ApiError('not_found', `no product with sku ${JSON.stringify(path.sku)}`);
      return listBody(feedback.productPage(path.sku!).map(publicReview), query.paging(), url);
    },
  },
  {
    method: 'GET',
    path: '/customers/:id/reviews',
    query: PAGING,
    handle: (context) => listBody(context.feedback.reviews({ customerIds: [customerId(context)] }), context.query.paging(), context.url),
  },
  {
    method: 'GET',
    path: '/reviews',
    query: [...PAGING, 'skus', 'customer_ids', 'status'],
    batch: ['skus', 'customer_ids'],
    handle: ({ feedback, query, url }) =>
      listBody(
        feedback.reviews({ skus: query.list('skus'), customerIds: query.idList('customer_ids'), status: query.choice('status', REVIEW_STATUSES) }),
        query.paging(),
        url,
      ),
  },
  {
    method: 'GET',
    path: '/customers/:id/service-contacts',
    query: PAGING,
    handle: (context) => listBody(context.feedback.serviceContacts([customerId(context)]), context.query.paging(), context.url),
  },
  {
    method: 'GET',
    path: '/service-contacts',
    query: [...PAGING, 'customer_ids'],
    batch: ['customer_ids'],
    handle: ({ feedback, query, url }) => {
      const ids = query.idList('customer_ids');
      // The helpdesk answers for named customers only: it has no listing of every ticket.
      if (ids === undefined) throw new ApiError('bad_request', 'customer_ids is required');
      return listBody(feedback.serviceContacts(ids), query.paging(), url);
    },
  },
];

/** The customer of the path, which must exist (404 otherwise), as for the other `/customers/:id/…` lists. */
function customerId({ store, path }: RouteContext): number {
  const id = parseId(path.id!, 'customer id');
  if (!store.customer(id)) throw new ApiError('not_found', `no customer with id ${id}`);
  return id;
}
