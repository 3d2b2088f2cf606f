import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PosData, PosReceipt } from '../../legacy/generator/model.js';
import { posFixture } from '../../legacy/pos/fixture.js';
import { withCheckDigit } from '../../utilities/gtin.js';
import { dropPos } from '../../legacy/pos/loadPos.js';
import { startPos, type RunningPos } from '../../legacy/pos/server.js';
import { pgPoolDatabase } from '../../legacy/pos/sqlDatabase.js';
import { startPosSubgraph, type PosSubgraphOptions } from './server.js';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../../test/support/grant.js';
import type { Principal } from '../shared/principal.js';

/** An EAN-13 with a wrong check digit (the trail shoe's is 1), as a till may have keyed it. */
export const BAD_EAN = '3614270012340';

/** Anonymous NRD01 receipts, numbered NRD01-9000001…, to show how batches are split. */
export const bulkReceiptNumbers = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `NRD01-${String(9_000_001 + i)}`);

/** The card scanned on {@link CLOSED_STORE_RECEIPT}, and on nothing else. */
export const CLOSED_STORE_CARD = withCheckDigit('290000999009');

/** A receipt of NRD09, a store NRD's database still holds receipts of but the directory no longer lists. */
export const CLOSED_STORE_RECEIPT: PosReceipt = {
  franchise: 'NRD',
  receipt_no: 'NRD09-0000001',
  store_code: 'NRD09',
  seller_code: 'V090',
  sold_at: '2025-11-20T10:00:00.000Z',
  card_number: CLOSED_STORE_CARD,
  phone: null,
  client_id: null,
  currency: 'EUR',
  total_cents: 500,
  lines: [{ line_no: 1, ean: null, local_code: 'NRD-LC-0001', label: 'SACHET', quantity: 1, unit_price_cents: 500, discount_cents: 0 }],
};

/**
 * Stock held under local codes only, for `Product.availability`: `L0001` is a code of NRD's and
 * of SUD's, each for a product of its own, and SUD's `SUD-000731` is rung up in its receipts.
 */
export const LOCAL_STOCK: PosData['stock'] = [
  { store_code: 'NRD02', ean: null, local_code: 'L0001', quantity: 3, updated_at: '2026-06-02T08:00:00.000Z' },
  { store_code: 'SUD03', ean: null, local_code: 'L0001', quantity: 9, updated_at: '2026-06-02T08:00:00.000Z' },
  { store_code: 'SUD03', ean: null, local_code: 'SUD-000731', quantity: 6, updated_at: '2026-06-02T08:00:00.000Z' },
];

/**
 * The POS fixture plus what the tests need beyond it: a receipt with a code that is not a
 * valid GTIN and a phone that is not a phone, 150 anonymous receipts for batching,
 * {@link CLOSED_STORE_RECEIPT} and {@link LOCAL_STOCK}.
 */
export function posTestData(): PosData {
  const oddReceipt: PosReceipt = {
    franchise: 'NRD',
    receipt_no: 'NRD02-0000816',
    store_code: 'NRD02',
    seller_code: 'V012',
    sold_at: '2026-04-03T09:00:00.000Z',
    card_number: null,
    phone: '12',
    client_id: null,
    currency: 'EUR',
    total_cents: 8990 + 500,
    lines: [
      { line_no: 1, ean: BAD_EAN, local_code: null, label: 'CHAUSS TRAIL EVASION 43', quantity: 1, unit_price_cents: 8990, discount_cents: 0 },
      { line_no: 2, ean: '12345', local_code: 'NRD-LC-0099', label: 'CHAUSSETTES', quantity: 1, unit_price_cents: 500, discount_cents: 0 },
    ],
  };
  const bulk: PosReceipt[] = bulkReceiptNumbers(150).map((receipt_no, i) => ({
    franchise: 'NRD',
    receipt_no,
    store_code: 'NRD01',
    seller_code: 'V013',
    sold_at: new Date(Date.UTC(2026, 0, 2, 9, 0, 0) + i * 60_000).toISOString(),
    card_number: null,
    phone: null,
    client_id: null,
    currency: 'EUR',
    total_cents: 100 + i,
    lines: [{ line_no: 1, ean: null, local_code: 'NRD-LC-0001', label: 'SACHET', quantity: 1, unit_price_cents: 100 + i, discount_cents: 0 }],
  }));
  return { ...posFixture, receipts: [...posFixture.receipts, oddReceipt, CLOSED_STORE_RECEIPT, ...bulk], stock: [...posFixture.stock, ...LOCAL_STOCK] };
}

export interface PosStack {
  pos: RunningPos;
  /** The prefix the stand-in's schemas were loaded under ('' over PGlite), for a client of its own. */
  schemaPrefix: string;
  /** Starts a POS subgraph over the stand-in; stopped by `stop`. */
  subgraph(options?: Partial<PosSubgraphOptions>): Promise<{ url: string; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

/**
 * Starts the POS stand-in with the test data: over the real PostgreSQL at `DATABASE_URL`
 * under a schema prefix of its own when it is set (its schemas are dropped at the end),
 * over an in-memory PGlite otherwise.
 */
export async function startPosStack(data: PosData = posTestData()): Promise<PosStack> {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const schemaPrefix = databaseUrl ? `possg_${randomBytes(4).toString('hex')}_` : '';
  const pos = await startPos({ data, databaseUrl, schemaPrefix, seed: 'pos-subgraph-tests' });
  const subgraphs: Array<{ stop(): Promise<void> }> = [];
  return {
    pos,
    schemaPrefix,
    async subgraph(options = {}) {
      const running = await startPosSubgraph({ legacyUrl: pos.url, schemaPrefix, timeoutMs: 2000, internalSecret: TEST_INTERNAL_SECRET, ...options });
      subgraphs.push(running);
      return running;
    },
    async stop() {
      await Promise.all(subgraphs.splice(0).map((s) => s.stop()));
      await pos.stop();
      if (databaseUrl) {
        const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
        try {
          await dropPos(pgPoolDatabase(pool), pos.schemas);
        } finally {
          await pool.end();
        }
      }
    },
  };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

/** POSTs a GraphQL operation and returns the parsed answer. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  principal?: Principal,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await grantHeaders(principal)) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}
