import { createHash } from 'node:crypto';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan } from '@apollo/query-planner';
import { parse } from 'graphql';
import { BoundedMap } from '../subgraphs/shared/boundedMap.js';

/** The plans' JSON kept at most by default (UTF-16 code units): some 64 MiB of heap. */
export const DEFAULT_PLAN_CACHE_JSON = 16 * 1024 * 1024;

/**
 * The gateway's query plans, kept in process: `@apollo/gateway` reads and writes it (its
 * `queryPlannerConfig.cache`), and the gateway fills it at start with the plans of its
 * persisted operations. Bounded by count and by the size of the plans' JSON: a plan of a
 * partner's day (260 aliased receipts) takes some 0.6 MiB of heap (about 4 times its JSON),
 * a product page's a few KiB, so a bound by count alone could hold a GiB. `writes` counts
 * plans stored since it was made.
 */
export class QueryPlanCache {
  private readonly plans: BoundedMap<string, QueryPlan>;
  writes = 0;

  constructor(maxPlans: number, maxJson = DEFAULT_PLAN_CACHE_JSON) {
    // Weighed once, when a plan is stored: far cheaper than the planning that made it.
    this.plans = new BoundedMap(maxPlans, { weigh: (_, plan) => JSON.stringify(plan).length, maxWeight: maxJson });
  }

  async get(key: string): Promise<QueryPlan | undefined> {
    return this.plans.get(key);
  }

  async set(key: string, plan: QueryPlan): Promise<void> {
    this.writes += 1;
    this.plans.set(key, plan);
  }

  async delete(key: string): Promise<boolean> {
    return this.plans.delete(key);
  }

  /** `@apollo/gateway` empties it when it loads a supergraph. */
  clear(): void {
    this.plans.clear();
  }

  get size(): number {
    return this.plans.size;
  }
}

function sha256(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

export interface WarmOperation {
  name: string;
  body: string;
}

/**
 * Plans `operations` over `supergraphSdl` into `cache`, under the keys `@apollo/gateway` looks
 * them up by: the SHA-256 of the operation's text (Apollo Server's query hash), and that hash
 * with the operation's name for a request that names it. The planner is built here from the
 * same supergraph with the gateway's (default) planner settings and dropped afterwards; a
 * plan is the planner's pure function of the two. An operation that cannot be planned is
 * reported, not thrown: the gateway still starts, and refuses it when it is sent.
 */
export function warmQueryPlans(supergraphSdl: string, operations: Iterable<WarmOperation>, cache: QueryPlanCache): { planned: number; failed: Array<{ name: string; message: string }> } {
  const supergraph = Supergraph.build(supergraphSdl);
  const planner = new QueryPlanner(supergraph);
  const apiSchema = supergraph.apiSchema();
  let planned = 0;
  const failed: Array<{ name: string; message: string }> = [];
  for (const { name, body } of operations) {
    try {
      const plan = planner.buildQueryPlan(operationFromDocument(apiSchema, parse(body), { operationName: name }));
      const queryHash = sha256(body);
      void cache.set(queryHash, plan);
      void cache.set(sha256(queryHash, name), plan);
      planned += 1;
    } catch (error) {
      failed.push({ name, message: (error as Error).message });
    }
  }
  return { planned, failed };
}
