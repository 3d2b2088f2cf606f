import { parse } from 'graphql';
import { TEST_INTERNAL_SECRET } from '../test/support/grant.js';
import { composeTestSupergraph, startTestGateway, type TestGateway } from '../test/support/gateway.js';
import { receiptShop, receiptShopTypeDefs } from '../test/support/receiptShop.js';
import { createSubgraphServer, listenSubgraph, type ListeningSubgraph, type RequestIdentity } from '../subgraphs/shared/subgraphServer.js';
import { BYTES_PER_NODE, documentWeight, GatewayDocumentStore } from './documentStore.js';
import { keepResponseOperations } from './operationCache.js';

describe('documentWeight', () => {
  test('counts the nodes of the tree, names included in what holds them', () => {
    // Document, operation, selection set, field: 4 nodes.
    expect(documentWeight(parse('{ a }'))).toBe(4 * BYTES_PER_NODE);
    // … + a second field; an argument and its value; an alias costs nothing of its own.
    expect(documentWeight(parse('{ a b }'))).toBe(5 * BYTES_PER_NODE);
    expect(documentWeight(parse('{ a(n: 1) }'))).toBe(6 * BYTES_PER_NODE);
    expect(documentWeight(parse('{ x: a }'))).toBe(4 * BYTES_PER_NODE);
    // Whitespace and comments weigh nothing: a padded text is not a heavier document.
    expect(documentWeight(parse(`{ a ${' '.repeat(10_000)} # ${'-'.repeat(10_000)}\n }`))).toBe(4 * BYTES_PER_NODE);
  });

  test('grows with the selections, as what is kept beside the document does', () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `r${i}: receipt(number: "${i}") { number total lines { n label } }`).join(' ')} }`;
    const one = documentWeight(parse(aliases(1)));
    expect(documentWeight(parse(aliases(260)))).toBe(one + 259 * (one - 3 * BYTES_PER_NODE));
  });
});

describe('GatewayDocumentStore', () => {
  const small = parse('{ a }');
  const weight = documentWeight(small);

  test('forgets the least recently used past its bytes; a read makes a document the most recent', async () => {
    const store = new GatewayDocumentStore(3 * weight);
    await store.set('a', small);
    await store.set('b', parse('{ b }'));
    await store.set('c', parse('{ c }'));
    expect(store.bytes).toBe(3 * weight);
    expect(await store.get('a')).toBe(small);
    await store.set('d', parse('{ d }'));
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe(small);
    expect(store.size).toBe(3);
    expect(store.bytes).toBeLessThanOrEqual(store.maxBytes);
    expect(await store.delete('a')).toBe(true);
    expect(await store.get('a')).toBeUndefined();
    expect(store.bytes).toBe(2 * weight);
  });

  test('does not keep a document heavier than its whole budget, nor lose the others for it', async () => {
    const store = new GatewayDocumentStore(3 * weight);
    await store.set('a', small);
    await store.set('huge', parse(`{ ${Array.from({ length: 10 }, (_, i) => `f${i}`).join(' ')} }`));
    expect(await store.get('huge')).toBeUndefined();
    expect(await store.get('a')).toBe(small);
  });
});

// Through the gateway: a budget of two documents of this shape keeps two; the third sent pushes
// out the least recently used, and what was kept beside it (federation's form of the operation)
// goes with it: sent again, it is parsed, validated and built again, and answers the same.
describe('the gateway keeps documents within GATEWAY_DOCUMENT_CACHE_MAX_BYTES', () => {
  let subgraph: ListeningSubgraph;
  let supergraph: Awaited<ReturnType<typeof composeTestSupergraph>>;
  let gateway: TestGateway;
  const text = (name: string) => `query ${name}($n: ID!) { receipt(number: $n) { number total } }`;

  beforeAll(async () => {
    subgraph = await listenSubgraph(createSubgraphServer(receiptShop), { port: 0, internalSecret: TEST_INTERNAL_SECRET, context: async (identity: RequestIdentity) => identity });
    supergraph = await composeTestSupergraph([{ name: 'shop', url: subgraph.url, typeDefs: receiptShopTypeDefs }]);
    const budget = 2 * documentWeight(parse(text('A')));
    gateway = await startTestGateway({ shop: subgraph.url }, { supergraphPath: supergraph.supergraphPath, env: { GATEWAY_DOCUMENT_CACHE_MAX_BYTES: String(budget) } });
  });

  afterAll(async () => {
    await gateway?.stop();
    await subgraph?.stop();
    await supergraph?.remove();
  });

  async function ask(name: string, n: string): Promise<void> {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text(name), variables: { n } }) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { receipt: { number: n, total: n.length * 100 } } });
  }

  test('two kept, the least recently used forgotten for a third, and built again when sent again', async () => {
    const counts = keepResponseOperations()!;
    const built = () => counts.builds;
    const start = built();
    await ask('A', '1');
    await ask('B', '22');
    expect(built()).toBe(start + 2);
    // Both kept: sent again, neither is built again. A is now the most recent.
    await ask('B', '333');
    await ask('A', '4444');
    expect(built()).toBe(start + 2);
    // C pushes out B, the least recently used; A stays.
    await ask('C', '5');
    await ask('A', '66');
    expect(built()).toBe(start + 3);
    await ask('B', '777');
    expect(built()).toBe(start + 4);
    // What it holds is on /metrics: two documents, within the budget.
    const metrics = await (await fetch(new URL('/metrics', gateway.url))).text();
    const weight = documentWeight(parse(text('A')));
    expect(metrics).toMatch(new RegExp(`^crosscanal_gateway_document_cache_bytes ${2 * weight}$`, 'm'));
    expect(metrics).toMatch(/^crosscanal_gateway_document_cache_documents 2$/m);
  });
});
