import type { EcommerceData } from '../../legacy/generator/model.js';
import { ecommerceFixture } from '../../legacy/ecommerce/fixture.js';
import { startEcommerce, type EcommerceOptions, type RunningEcommerce } from '../../legacy/ecommerce/server.js';
import type { FaultConfig } from '../../legacy/shared/faults.js';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../../test/support/grant.js';
import type { Principal } from '../shared/principal.js';
import { startEcommerceSubgraph, type EcommerceSubgraphOptions, type RunningEcommerceSubgraph } from './server.js';

/** One GraphQL answer, as the tests read it. */
export interface GraphQLAnswer {
  // The tests read whatever shape the query under test asks for.
  data?: any;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface TestStack {
  shop: RunningEcommerce;
  graph: RunningEcommerceSubgraph;
  /** POSTs a GraphQL operation to the subgraph. */
  query(query: string, variables?: Record<string, unknown>, principal?: Principal): Promise<GraphQLAnswer>;
  /** Calls served by the platform per operation since the last reset (read through its admin endpoint). */
  calls(): Promise<Record<string, number>>;
  resetCalls(): Promise<void>;
  setFaults(faults: Partial<FaultConfig>): Promise<void>;
  stop(): Promise<void>;
}

/** The instant the tests take as now: cart rules 2 and 3 of the fixture are running. */
export const TEST_NOW = Date.parse('2026-03-14T12:00:00.000Z');

/**
 * The platform stand-in and the subgraph over it, both on free ports. Retries are quick so
 * that fault tests stay fast.
 */
export async function startStack({
  data = ecommerceFixture(),
  shop: shopOptions = {},
  subgraph: subgraphOptions = {},
}: {
  data?: EcommerceData;
  shop?: Partial<EcommerceOptions>;
  subgraph?: Partial<EcommerceSubgraphOptions>;
} = {}): Promise<TestStack> {
  const shop = await startEcommerce({ data, port: 0, ...shopOptions });
  let graph: RunningEcommerceSubgraph;
  try {
    graph = await startEcommerceSubgraph({
      legacyUrl: shop.url,
      internalSecret: TEST_INTERNAL_SECRET,
      port: 0,
      clock: () => TEST_NOW,
      ...subgraphOptions,
      source: { retryBaseMs: 1, timeoutMs: 2000, ...subgraphOptions.source },
    });
  } catch (error) {
    await shop.stop();
    throw error;
  }
  const admin = async (path: string, method: string, body?: unknown) => {
    const response = await fetch(`${shop.url}/__admin/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!response.ok) throw new Error(`admin ${method} ${path}: HTTP ${response.status}`);
    return response.json() as Promise<{ byOperation: Record<string, number> }>;
  };
  return {
    shop,
    graph,
    async query(query, variables, principal) {
      const response = await fetch(graph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await grantHeaders(principal)) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLAnswer;
    },
    calls: async () => (await admin('calls', 'GET')).byOperation,
    resetCalls: async () => void (await admin('calls', 'DELETE')),
    setFaults: async (faults) => void (await admin('faults', 'PATCH', faults)),
    async stop() {
      await graph.stop();
      await shop.stop();
    },
  };
}

/** The codes of an answer's errors, with the path each is on. */
export function errorCodes(answer: GraphQLAnswer): Array<{ path: string; code: unknown; source?: unknown }> {
  return (answer.errors ?? []).map((error) => ({
    path: (error.path ?? []).join('.'),
    code: error.extensions?.code,
    ...(error.extensions?.source === undefined ? {} : { source: error.extensions.source }),
  }));
}
