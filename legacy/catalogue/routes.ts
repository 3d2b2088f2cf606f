import { getCampaign, listCampaigns } from './campaignHandlers.js';
import type { HandlerContext } from './handlerContext.js';
import { Problem } from './problem.js';
import { getProduct, listProducts, lookupsIn } from './productHandlers.js';
import type { Reply } from './reply.js';

export const BASE_PATH = '/pim/v2';

/** One call, matched to what serves it. */
export interface Route {
  /** The name the call is counted under: `GET /products/{ref}`, `GET /products?refs`, `GET /campaigns`… */
  operation: string;
  /** Values asked for: the size of a batch lookup (duplicates included), 1 otherwise. */
  items: number;
  /** Answers the call, or throws a `Problem`. */
  serve: () => Reply;
}

/** Operation name of calls to paths the PIM does not serve. */
export const UNROUTED = 'unrouted';

export function findRoute(method: string, url: URL, ifNoneMatch: string | undefined, context: HandlerContext): Route {
  const path = url.pathname;
  const [resource, rawId, ...rest] = path.startsWith(`${BASE_PATH}/`) ? path.slice(BASE_PATH.length + 1).split('/') : [];
  if ((resource !== 'products' && resource !== 'campaigns') || rawId === '' || rest.length > 0) {
    return refuse(UNROUTED, new Problem('not-found', `no resource at ${path}; the PIM serves ${BASE_PATH}/products and ${BASE_PATH}/campaigns`));
  }
  const template = rawId === undefined ? `/${resource}` : `/${resource}/{${resource === 'products' ? 'ref' : 'id'}}`;
  if (method !== 'GET') {
    return refuse(
      `${method} ${template}`,
      new Problem('method-not-allowed', `${method} is not allowed on ${BASE_PATH}${template}: this API is read-only, use GET`, { allow: 'GET' }),
    );
  }
  const search = url.searchParams;
  if (rawId !== undefined) {
    const id = decodeSegment(rawId);
    return resource === 'products'
      ? { operation: `GET ${template}`, items: 1, serve: () => getProduct(id, search, ifNoneMatch, context) }
      : { operation: `GET ${template}`, items: 1, serve: () => getCampaign(id, search, context) };
  }
  if (resource === 'campaigns') return { operation: 'GET /campaigns', items: 1, serve: () => listCampaigns(search, context) };

  const [lookup] = lookupsIn(search);
  if (lookup === undefined) return { operation: 'GET /products', items: 1, serve: () => listProducts(search, context) };
  const items = lookup === 'alias' ? 1 : (search.get(lookup) ?? '').split(',').length;
  return { operation: `GET /products?${lookup}`, items, serve: () => listProducts(search, context) };
}

function refuse(operation: string, problem: Problem): Route {
  return {
    operation,
    items: 1,
    serve: () => {
      throw problem;
    },
  };
}

/** A path segment as text; a malformed escape is kept as sent, and will simply not be found. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
