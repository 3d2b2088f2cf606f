import { createHash } from 'node:crypto';
import { ApiError } from './apiError.js';

/** The request header that names one attempt to create a record, however often it is sent. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** 1 to 255 visible ASCII characters: no space, no control character, nothing beyond `~`. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Reads the `Idempotency-Key` header of a call that creates a record: required, 1 to 255
 * visible ASCII characters. The header sent twice arrives joined with ", ", which has a space,
 * and is refused like any other malformed key.
 */
export function idempotencyKey(value: string | undefined): string {
  if (value === undefined) {
    throw new ApiError('bad_request', `the ${IDEMPOTENCY_HEADER} header is required: one key per order, sent again with every retry of it`);
  }
  if (!KEY.test(value)) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    throw new ApiError(
      'bad_request',
      `${IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters (no space), got ${JSON.stringify(shown)} (${value.length} characters)`,
    );
  }
  return value;
}

/**
 * A fingerprint of a JSON request body that ignores how it was written: key order and
 * spacing do not change it, any value does. Two retries of one request have the same one.
 */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a key was used for: the request it came with and the record it created. */
export interface KeyUse {
  fingerprint: string;
  orderId: number;
}

/**
 * Every idempotency key the platform has answered a creation for, kept like its records:
 * applied from the journal, so that a key is remembered across restarts. Keys of refused
 * calls are not kept: nothing was created, and the client may fix the request and retry it
 * under the same key.
 */
export class IdempotencyKeys {
  private readonly uses = new Map<string, KeyUse>();

  get(key: string): KeyUse | undefined {
    return this.uses.get(key);
  }

  /** Notes a key's use; a key is used once. */
  remember(key: string, use: KeyUse): void {
    if (this.uses.has(key)) throw new Error(`idempotency key ${JSON.stringify(key)} was already used for order ${this.uses.get(key)!.orderId}`);
    this.uses.set(key, use);
  }
}
