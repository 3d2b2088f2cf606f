import { SourceFailure } from '../../shared/errors.js';

/** One page of the web platform's JSON lists (`GET /api/v1/…`). */
export interface PlatformPage<T> {
  data: T[];
  meta: { total: number };
  links: { next: string | null };
}

/**
 * Reads one page of a platform list, checking every row with `isRow`: an answer that is not
 * JSON, not a page, or holds a malformed row is a bad response, named after `kind` (the list's
 * row, in the singular: "customer", "order", "product").
 */
export function readPlatformPage<T>(kind: string, body: string, isRow: (row: Partial<T>) => boolean): PlatformPage<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SourceFailure('badResponse', `${kind}s: not JSON: ${body.slice(0, 80)}`);
  }
  const page = parsed as Partial<PlatformPage<T>>;
  if (!Array.isArray(page?.data) || typeof page.meta?.total !== 'number' || page.links === undefined) {
    throw new SourceFailure('badResponse', `${kind}s: expected { data: [], meta: { total }, links }`);
  }
  for (const row of page.data) {
    if (row === null || typeof row !== 'object' || !isRow(row as Partial<T>)) {
      throw new SourceFailure('badResponse', `${kind}s: malformed ${kind} ${JSON.stringify(row).slice(0, 120)}`);
    }
  }
  return page as PlatformPage<T>;
}

/** The platform's error body (`{ error: { code, message } }`) in one line, or the text itself. */
export function platformError(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error) return `${parsed.error.code ?? ''}: ${parsed.error.message ?? ''}`.slice(0, 200);
  } catch {
    // not JSON: the text itself says what went wrong
  }
  return body.slice(0, 200);
}
