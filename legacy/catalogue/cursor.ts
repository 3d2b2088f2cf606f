import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Problem } from './problem.js';

/** Where a page ended: the last product served, in list order (updated_at, then ref). */
export interface CursorPosition {
  updatedMs: number;
  ref: string;
}

interface Payload {
  /** Epoch milliseconds of the last product's updated_at. */
  u: number;
  /** The last product's ref. */
  r: string;
  /** The filters the cursor was issued for. */
  q: string;
}

const SIGNATURE_BYTES = 12;

/**
 * Makes and reads the PIM's opaque paging cursors: `<payload>.<signature>`, both base64url.
 * The payload is a keyset position plus the filters of the query it belongs to; the HMAC
 * signature makes an altered cursor a 400 rather than a silently wrong page.
 */
export class CursorCodec {
  private readonly key: Buffer;

  /** `secret` signs the cursors; by default a random one, so cursors do not survive a restart. */
  constructor(secret: string | Buffer = randomBytes(32)) {
    this.key = Buffer.from(secret);
  }

  encode(position: CursorPosition, query: string): string {
    const payload: Payload = { u: position.updatedMs, r: position.ref, q: query };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  /** The position a cursor stands for; a 400 problem when it was altered or issued for other filters. */
  decode(cursor: string, query: string): CursorPosition {
    const [body, signature, ...rest] = cursor.split('.');
    const given = Buffer.from(signature ?? '', 'base64url');
    const expected = this.sign(body ?? '');
    if (rest.length > 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new Problem('invalid-cursor', `cursor ${JSON.stringify(cursor)} was not issued by this PIM or was altered; pass nextCursor back exactly as received`);
    }
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Payload;
    if (payload.q !== query) {
      throw new Problem(
        'invalid-cursor',
        `cursor was issued for ${describeFilters(payload.q)} but this call has ${describeFilters(query)}; keep category and updatedSince unchanged while paging`,
      );
    }
    return { updatedMs: payload.u, ref: payload.r };
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, SIGNATURE_BYTES);
  }
}

function describeFilters(query: string): string {
  return query === '' ? 'no filter' : JSON.stringify(query);
}
