import { displayEmail } from '../../../utilities/email.js';
import { parseIsoInstant } from '../../../utilities/isoInstant.js';
import { toE164 } from '../../../utilities/phone.js';
import { SourceFailure } from '../../shared/errors.js';
import { httpFailure, type LegacySource } from '../../shared/source.js';
import type { SourceRecord } from '../matching/records.js';
import { later, text, type ReadProgress, type ReadResult, type SourceReader } from './reader.js';

/** The start of every feed: a full read is the change feed since the epoch. */
export const EPOCH = '1970-01-01T00:00:00.000Z';

export interface EcommerceReaderOptions {
  /** The platform's base URL, without `/api/v1`. */
  baseUrl: string;
  source: LegacySource;
  /** Customers per page, 1 to 200. Default 200. */
  perPage?: number;
}

/** A customer as the platform serves it (`GET /api/v1/customers`). */
interface WireCustomer {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  created_at: string;
  updated_at: string;
}

interface WirePage {
  data: WireCustomer[];
  meta: { total: number };
  links: { next: string | null };
}

/**
 * Reads web accounts from `GET /api/v1/customers?updated_since=…`, oldest change first. The
 * feed is paged by offset and a customer who changes mid-read moves to its end, which would
 * shift later pages; so after each page the read restarts from the last `updated_at` seen
 * (inclusive) instead of asking for the next offset, and only pages within one instant.
 */
export function ecommerceReader({ baseUrl, source, perPage = 200 }: EcommerceReaderOptions): SourceReader {
  const root = baseUrl.replace(/\/+$/, '');
  const getPage = (since: string, page: number): Promise<WirePage> =>
    source.call('GET /customers', async (signal) => {
      const url = new URL(`${root}/api/v1/customers`);
      url.searchParams.set('updated_since', since);
      url.searchParams.set('page', String(page));
      url.searchParams.set('per_page', String(perPage));
      const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
      const body = await response.text();
      if (!response.ok) throw httpFailure(response.status, response.headers.get('retry-after'), errorMessage(body));
      return readPage(body);
    });

  return {
    name: 'ecommerce',
    async read(since, onBatch, onProgress?: ReadProgress): Promise<ReadResult> {
      let cursor = since ?? EPOCH;
      let page = 1;
      let watermark: string | null = since;
      let total: number | null = null;
      let unusable = 0;
      const seen = new Set<number>();
      for (;;) {
        const body = await getPage(cursor, page);
        total ??= body.meta.total;
        const records = body.data.map((customer) => {
          if (customer.phone !== null && customer.phone.trim() !== '' && toE164(customer.phone) === null) unusable += 1;
          seen.add(customer.id);
          watermark = later(watermark, customer.updated_at);
          return toRecord(customer);
        });
        if (records.length > 0) await onBatch(records);
        onProgress?.(seen.size, Math.max(total, seen.size));
        if (body.data.length < perPage || body.links.next === null) break;
        const last = body.data[body.data.length - 1]!.updated_at;
        if (Date.parse(last) > Date.parse(cursor)) {
          cursor = last;
          page = 1;
        } else {
          page += 1;
        }
      }
      return { watermark: watermark ?? EPOCH, records: seen.size, unusable };
    },
    close: async () => undefined,
  };
}

/** A web account as the crosswalk compares it. */
export function toRecord(customer: WireCustomer): SourceRecord {
  return {
    system: 'ECOMMERCE',
    localId: String(customer.id),
    franchise: null,
    firstName: text(customer.first_name),
    lastName: text(customer.last_name),
    email: displayEmail(customer.email),
    phone: toE164(customer.phone),
    cards: [],
    postcode: null,
    birthDate: null,
    createdAt: customer.created_at,
    updatedAt: customer.updated_at,
  };
}

function readPage(body: string): WirePage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SourceFailure('badResponse', `customers: not JSON: ${body.slice(0, 80)}`);
  }
  const page = parsed as Partial<WirePage>;
  if (!Array.isArray(page?.data) || typeof page.meta?.total !== 'number' || page.links === undefined) {
    throw new SourceFailure('badResponse', 'customers: expected { data: [], meta: { total }, links } ');
  }
  for (const customer of page.data) {
    const c = customer as Partial<WireCustomer>;
    if (
      !Number.isInteger(c?.id) ||
      typeof c.email !== 'string' ||
      typeof c.updated_at !== 'string' ||
      parseIsoInstant(c.updated_at) === null ||
      typeof c.created_at !== 'string'
    ) {
      throw new SourceFailure('badResponse', `customers: malformed customer ${JSON.stringify(customer).slice(0, 120)}`);
    }
  }
  return page as WirePage;
}

function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    if (parsed.error) return `${parsed.error.code ?? ''}: ${parsed.error.message ?? ''}`.slice(0, 200);
  } catch {
    // not JSON: the text itself says what went wrong
  }
  return body.slice(0, 200);
}
