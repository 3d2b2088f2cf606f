import { catalogueFixture } from '../../legacy/catalogue/fixture.js';
import { startCatalogue, type RunningCatalogue } from '../../legacy/catalogue/server.js';
import type { CatalogueData, CatalogueProduct } from '../../legacy/generator/model.js';
import { withCheckDigit } from '../../utilities/gtin.js';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../../test/support/grant.js';
import type { ListeningSubgraph } from '../shared/subgraphServer.js';
import { startCatalogueSubgraph, type CatalogueSubgraphOptions } from './server.js';

/** A GraphQL answer as the tests read it. */
export interface Answer {
  // The tests read whatever shape the query under test asks for.
  data?: any;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** The PIM stand-in and the catalogue subgraph over it, both on free ports. */
export interface Harness {
  pim: RunningCatalogue;
  subgraph: ListeningSubgraph;
  query(query: string, variables?: Record<string, unknown>): Promise<Answer>;
  /** `_entities` for these representations, selecting `selection` on Product. */
  entities(representations: object[], selection?: string): Promise<Answer>;
  /** Calls the PIM served since the last reset, per operation, and resets the counter. */
  takeCalls(): { total: number; byOperation: Record<string, number>; itemsByOperation: Record<string, number>; faulted: number };
  stop(): Promise<void>;
}

export async function startHarness({
  data = catalogueFixture,
  ...options
}: { data?: CatalogueData } & Partial<Omit<CatalogueSubgraphOptions, 'pimUrl' | 'internalSecret'>> = {}): Promise<Harness> {
  const pim = await startCatalogue({ data, port: 0 });
  let subgraph: ListeningSubgraph;
  try {
    subgraph = await startCatalogueSubgraph({ retryBaseMs: 1, ...options, internalSecret: TEST_INTERNAL_SECRET, pimUrl: pim.url, port: 0 });
  } catch (error) {
    await pim.stop();
    throw error;
  }
  const query = async (text: string, variables?: Record<string, unknown>): Promise<Answer> => {
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await grantHeaders()) },
      body: JSON.stringify({ query: text, variables }),
    });
    return (await res.json()) as Answer;
  };
  return {
    pim,
    subgraph,
    query,
    entities: (representations, selection = 'catalogueRef') =>
      query(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { ${selection} } } }`, { r: representations }),
    takeCalls() {
      const calls = pim.counter.snapshot();
      pim.counter.reset();
      return calls;
    },
    async stop() {
      await subgraph.stop();
      await pim.stop();
    },
  };
}

/**
 * The fixture plus `count` generated products, each with a ref (`100.000.00` upwards), a valid
 * EAN-13 and a web SKU (`BULK-0`…), for tests that need more products than a PIM batch holds.
 */
export function bulkCatalogue(count: number): CatalogueData {
  const products: CatalogueProduct[] = [];
  for (let i = 0; i < count; i++) {
    const digits = String(10_000_000 + i);
    products.push({
      ref: `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}`,
      ean: withCheckDigit(`3999${String(i).padStart(8, '0')}`),
      name: { fr: `Article ${i}`, en: `Item ${i}` },
      description: { fr: `Article de test ${i}.`, en: `Test item ${i}.` },
      brand: 'Vrac',
      category: ['Vrac', i % 2 === 0 ? 'Pairs' : 'Impairs'],
      list_price: { amount: `${10 + (i % 90)}.90`, currency: 'EUR' },
      status: 'ACTIVE',
      color: null,
      sizes: [],
      aliases: [{ type: 'WEB_SKU', value: `BULK-${i}`, franchise: null }],
      updated_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    });
  }
  return { products: [...catalogueFixture.products, ...products], campaigns: catalogueFixture.campaigns };
}

/** The ref, EAN and web SKU of the `i`th product of {@link bulkCatalogue}. */
export function bulkKeys(i: number): { catalogueRef: string; gtin: string; webSku: string } {
  const digits = String(10_000_000 + i);
  return {
    catalogueRef: `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}`,
    gtin: withCheckDigit(`3999${String(i).padStart(8, '0')}`),
    webSku: `BULK-${i}`,
  };
}
