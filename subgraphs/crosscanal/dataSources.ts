import { LegacySource } from '../shared/source.js';
import { ecommerceReader } from './sources/ecommerce.js';
import { loyaltyReader } from './sources/loyalty.js';
import { posReader } from './sources/pos.js';
import type { SourceReader } from './sources/reader.js';

/** Where the sync reads each system; a system left out is not read. */
export interface SourcesOptions {
  /** The e-commerce platform's base URL (without /api/v1). */
  ecommerceUrl?: string;
  /** The loyalty SOAP endpoint. */
  loyaltyUrl?: string;
  /** The POS database URL. */
  posUrl?: string;
  posSchemaPrefix?: string;
  /** The catalogue PIM's base URL (without /pim/v2), read by the product reference index. */
  catalogueUrl?: string;
  /** Per call. Default 30 s: a sync reads big pages. */
  timeoutMs?: number;
  /**
   * The POS reader's steps (the cards, then each franchise), whose transaction spans the
   * crosswalk's work on every page they hand over; each SQL statement in them is bounded by
   * `timeoutMs`. Default one hour.
   */
  posStepTimeoutMs?: number;
  posOverlapMs?: number;
  /** Extra attempts for a failed read. Default 2. */
  retries?: number;
}

/**
 * The readers of the systems configured, each behind its own LegacySource (timeout,
 * retries, circuit breaker). A sync waits out a rate limit of up to 5 s rather than fail.
 */
export function createReaders(options: SourcesOptions): SourceReader[] {
  const common = { timeoutMs: options.timeoutMs ?? 30_000, retries: options.retries ?? 2, maxRetryAfterMs: 5_000 };
  const readers: SourceReader[] = [];
  if (options.ecommerceUrl) readers.push(ecommerceReader({ baseUrl: options.ecommerceUrl, source: new LegacySource('ecommerce', common) }));
  if (options.loyaltyUrl) readers.push(loyaltyReader({ endpoint: options.loyaltyUrl, source: new LegacySource('loyalty', common) }));
  if (options.posUrl) {
    readers.push(
      posReader({
        databaseUrl: options.posUrl,
        source: new LegacySource('pos', { ...common, timeoutMs: options.posStepTimeoutMs ?? 3_600_000 }),
        statementTimeoutMs: common.timeoutMs,
        schemaPrefix: options.posSchemaPrefix,
        overlapMs: options.posOverlapMs,
      }),
    );
  }
  return readers;
}
