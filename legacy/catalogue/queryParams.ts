import { parseIsoInstant } from '../../utilities/isoInstant.js';
import { Problem } from './problem.js';

/** Most values one batch parameter (`refs`, `eans`, `aliases`) takes. */
export const MAX_BATCH = 250;

const PAGE_NUMBER_PARAMETERS = new Set(['page', 'offset', 'per_page', 'pageSize', 'page_size', 'size']);

/**
 * The query string of one call, read the PIM's strict way: a parameter the endpoint does
 * not take, a parameter given twice, or an empty value is a 400 problem. Values are used
 * exactly as sent (after URL decoding), never trimmed.
 */
export class QueryParams {
  private readonly values = new Map<string, string>();

  constructor(search: URLSearchParams, allowed: readonly string[], endpoint: string) {
    for (const [name, value] of search) {
      if (!allowed.includes(name)) {
        const takes = allowed.length > 0 ? `takes only ${allowed.join(', ')}` : 'takes no query parameter';
        const paging = PAGE_NUMBER_PARAMETERS.has(name) ? '; lists page with limit and cursor (pass nextCursor back), not page numbers' : '';
        throw new Problem('unknown-parameter', `unknown query parameter ${JSON.stringify(name)}: ${endpoint} ${takes}${paging}`);
      }
      if (this.values.has(name)) throw new Problem('invalid-parameter', `query parameter ${JSON.stringify(name)} is given more than once`);
      this.values.set(name, value);
    }
  }

  /** The value as sent, or undefined when absent; an empty value is a 400. */
  text(name: string): string | undefined {
    const value = this.values.get(name);
    if (value === '') throw new Problem('invalid-parameter', `query parameter ${JSON.stringify(name)} must not be empty`);
    return value;
  }

  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const value = this.text(name);
    if (value !== undefined && !(choices as readonly string[]).includes(value)) {
      throw new Problem('invalid-parameter', `${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T | undefined;
  }

  /** A comma-separated batch of at most {@link MAX_BATCH} values, or undefined when absent. */
  batch(name: string): string[] | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const items = value.split(',');
    if (items.length > MAX_BATCH) {
      throw new Problem('batch-too-large', `${name} takes at most ${MAX_BATCH} values per call, got ${items.length}; split the batch`);
    }
    const blank = items.indexOf('');
    if (blank >= 0) throw new Problem('invalid-parameter', `${name} has an empty value at position ${blank + 1}: ${JSON.stringify(value)}`);
    return items;
  }

  /** An ISO 8601 date or date-time with a zone, as epoch milliseconds, or undefined when absent. */
  instant(name: string): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const millis = parseIsoInstant(value);
    if (millis === null) {
      // URL decoding turns an unescaped "+01:00" into " 01:00".
      const plus = / \d{2}:?\d{2}$/.test(value) ? '; a "+" in a query string must be sent as %2B' : '';
      throw new Problem(
        'invalid-parameter',
        `${name} must be an ISO 8601 date or date-time with a zone (2026-03-14T10:22:00Z), got ${JSON.stringify(value)}${plus}`,
      );
    }
    return millis;
  }

  /** An integer from `min` to `max`, or undefined when absent. */
  integer(name: string, min: number, max: number): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const number = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
    if (!(number >= min && number <= max)) {
      throw new Problem('invalid-parameter', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return number;
  }
}
