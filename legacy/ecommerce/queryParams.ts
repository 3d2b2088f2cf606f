import { ApiError } from './apiError.js';
import { parseIsoInstant } from '../../utilities/isoInstant.js';

/** Most ids one batch filter accepts. */
export const MAX_BATCH = 100;
export const DEFAULT_PER_PAGE = 50;
export const MAX_PER_PAGE = 200;

export interface Paging {
  page: number;
  perPage: number;
}

const INTEGER = /^\d{1,15}$/;

/**
 * The query string of one call, read strictly as the platform always did: a parameter the
 * endpoint does not know, or given twice, is a 400. Values are taken exactly as sent (after
 * URL decoding), never trimmed.
 */
export class QueryParams {
  private readonly values = new Map<string, string>();

  constructor(search: URLSearchParams, allowed: readonly string[]) {
    for (const [name, value] of search) {
      if (!allowed.includes(name)) {
        const expected = allowed.length > 0 ? `; expected one of ${allowed.join(', ')}` : '; this endpoint takes none';
        throw new ApiError('bad_request', `unknown query parameter "${name}"${expected}`);
      }
      if (this.values.has(name)) throw new ApiError('bad_request', `query parameter "${name}" is given more than once`);
      this.values.set(name, value);
    }
  }

  /** A free-text value, or undefined when absent; an empty value is a 400. */
  text(name: string): string | undefined {
    const value = this.values.get(name);
    if (value === '') throw new ApiError('bad_request', `query parameter "${name}" must not be empty`);
    return value;
  }

  /** One of `choices`, or undefined when absent. */
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (!(choices as readonly string[]).includes(value)) {
      throw new ApiError('bad_request', `${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  }

  /** A non-negative integer id, or undefined when absent. */
  id(name: string): number | undefined {
    const value = this.text(name);
    return value === undefined ? undefined : parseId(value, name);
  }

  /** A comma-separated batch of at most {@link MAX_BATCH} values, or undefined when absent. */
  list(name: string): string[] | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const items = value.split(',');
    if (items.length > MAX_BATCH) {
      throw new ApiError('bad_request', `${name} takes at most ${MAX_BATCH} values per call, got ${items.length}`);
    }
    const blank = items.findIndex((item) => item === '');
    if (blank >= 0) throw new ApiError('bad_request', `${name} has an empty value at position ${blank + 1}: ${JSON.stringify(value)}`);
    return items;
  }

  /** A comma-separated batch of integer ids, or undefined when absent. */
  idList(name: string): number[] | undefined {
    return this.list(name)?.map((item) => parseId(item, name));
  }

  /** An ISO 8601 instant as epoch milliseconds, or undefined when absent. */
  instant(name: string): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const millis = parseIsoInstant(value);
    if (millis === null) {
      throw new ApiError(
        'bad_request',
        `${name} must be an ISO 8601 date or date-time with a zone (2026-03-14T10:22:00Z), got ${JSON.stringify(value)}`,
      );
    }
    return millis;
  }

  /** `page` (from 1) and `per_page` (1 to {@link MAX_PER_PAGE}, default {@link DEFAULT_PER_PAGE}). */
  paging(): Paging {
    const page = this.bounded('page', 1, Number.MAX_SAFE_INTEGER) ?? 1;
    const perPage = this.bounded('per_page', 1, MAX_PER_PAGE) ?? DEFAULT_PER_PAGE;
    return { page, perPage };
  }

  private bounded(name: string, min: number, max: number): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const number = INTEGER.test(value) ? Number(value) : NaN;
    if (!(number >= min && number <= max)) {
      throw new ApiError('bad_request', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return number;
  }
}

/** Reads an integer id from a path segment or a query value. */
export function parseId(value: string, what: string): number {
  if (!INTEGER.test(value)) throw new ApiError('bad_request', `${what} must be an integer id, got ${JSON.stringify(value)}`);
  return Number(value);
}
