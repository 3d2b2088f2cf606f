import { readFileSync } from 'node:fs';
import { startTestGateway, type TestGateway } from '../test/support/gateway.js';
import { QueryPlanCache } from './planWarmup.js';

// The gateway over the checked-in supergraph, its subgraphs unreachable: planning happens
// before any fetch, so what it plans (or finds planned) shows without a running graph.
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({});
});

afterAll(async () => {
  await gateway?.stop();
});

const mobile = JSON.parse(readFileSync(new URL('./safelists/mobile.json', import.meta.url), 'utf8')) as { operations: Array<{ id: string; name: string; body: string; type: string }> };
const partner = JSON.parse(readFileSync(new URL('./safelists/partner.json', import.meta.url), 'utf8')) as typeof mobile;

/** Posts an operation; the codes of its errors show how far it got (SUBGRAPH_UNAVAILABLE: planned, then fetched). */
async function post(body: Record<string, unknown>, token: string): Promise<string[]> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const answer = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return [...new Set((answer.errors ?? []).map((error) => error.extensions?.code ?? '?'))];
}

describe('query plans at start', () => {
  it('are made for every persisted operation, under the keys the gateway looks them up by', async () => {
    const operations = [...mobile.operations, ...partner.operations];
    // Each operation is kept under its text's hash, and under that hash with its name.
    expect(gateway.plans.size).toBe(operations.length * 2);
    const written = gateway.plans.writes;
    const token = await gateway.tokens.sign({ role: 'customer', actor: 'c1', customerId: 'cus_1', client: 'crosscanal-mobile' });
    for (const operation of mobile.operations.filter((o) => o.type === 'query')) {
      // By id, with and without the operation's name: either way the plan is found, not made.
      const variables = Object.fromEntries([...operation.body.matchAll(/\$(\w+): (\w+)/g)].map(([, name, type]) => [name, type === 'Int' ? 5 : 'x']));
      expect(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: operation.id } }, operationName: operation.name, variables }, token)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      expect(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: operation.id } }, variables }, token)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    }
    expect(gateway.plans.writes).toBe(written);
  });

  it('leave other operations to be planned when first sent, and kept', async () => {
    const written = gateway.plans.writes;
    const token = await gateway.tokens.sign({ role: 'service', actor: 's1' });
    expect(await post({ query: '{ product(gtin: "4006381333931") { name } }' }, token)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(gateway.plans.writes).toBe(written + 1);
    expect(await post({ query: '{ product(gtin: "4006381333931") { name } }' }, token)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(gateway.plans.writes).toBe(written + 1);
  });
});

describe('QueryPlanCache', () => {
  it("forgets the oldest plans past the JSON it may hold, as well as past its count", async () => {
    const plan = (fetches: number) => ({ kind: 'QueryPlan', node: { kind: 'Sequence', nodes: Array.from({ length: fetches }, (_, i) => ({ kind: 'Fetch', serviceName: 'pos', operation: `{ r${i} }` })) } }) as never;
    const json = (fetches: number) => JSON.stringify(plan(fetches)).length;
    const cache = new QueryPlanCache(100, json(50) + json(10));
    await cache.set('big', plan(50));
    await cache.set('small', plan(10));
    expect(cache.size).toBe(2);
    await cache.set('other', plan(10));
    expect(await cache.get('big')).toBeUndefined();
    expect(cache.size).toBe(2);
    // One plan larger than the whole bound is not kept.
    await cache.set('huge', plan(200));
    expect(await cache.get('huge')).toBeUndefined();
    expect(await cache.get('small')).toBeDefined();
  });
});
