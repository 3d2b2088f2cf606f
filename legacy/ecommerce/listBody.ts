import type { Paging } from './queryParams.js';

/** The envelope of every list the platform serves. */
export interface ListBody<T> {
  data: T[];
  meta: { page: number; per_page: number; total: number; total_pages: number };
  links: { next: string | null };
}

/**
 * Cuts one page out of the full, ordered result. `self` is the URL the client called: the
 * link to the next page is that URL with `page` moved on, every other parameter kept.
 * A page past the end is empty, not an error.
 */
export function listBody<T>(items: readonly T[], { page, perPage }: Paging, self: URL): ListBody<T> {
  const total = items.length;
  const totalPages = Math.ceil(total / perPage);
  const start = (page - 1) * perPage;
  let next: string | null = null;
  if (page < totalPages) {
    const url = new URL(self);
    url.searchParams.set('page', String(page + 1));
    next = url.href;
  }
  return {
    data: items.slice(start, start + perPage),
    meta: { page, per_page: perPage, total, total_pages: totalPages },
    links: { next },
  };
}
