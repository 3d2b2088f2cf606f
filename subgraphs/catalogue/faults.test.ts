import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { catalogueFixture } from '../../legacy/catalogue/fixture.js';
import type { CatalogueData } from '../../legacy/generator/model.js';
import { startCatalogueSubgraph } from './server.js';
import { startHarness, type Harness } from './testHarness.js';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../../test/support/grant.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const unavailable = (path: (string | number)[], message: string | RegExp = /./) =>
  expect.objectContaining({ path, message: expect.stringMatching(message), extensions: expect.objectContaining({ code: 'SOURCE_UNAVAILABLE', source: 'catalogue' }) });

test('a PIM answering 500s: SOURCE_UNAVAILABLE from the catalogue, after the retries an idempotent read deserves', async () => {
  h = await startHarness({ cache: false, retries: 2 });
  h.pim.faults.set({ errorRate: 1 });
  const { data, errors } = await h.query('{ product(catalogueRef: "702.611.50") { name } }');
  expect(data).toEqual({ product: null });
  expect(errors).toEqual([unavailable(['product'], /^catalogue: GET \/products\?refs: HTTP 500 the PIM could not process the request/)]);
  expect(h.takeCalls()).toMatchObject({ total: 0, faulted: 3 });
});

test('a PIM that is down: SOURCE_UNAVAILABLE for each entity, null in its place', async () => {
  h = await startHarness({ cache: false, retries: 0 });
  h.pim.faults.set({ down: true });
  const { data, errors } = await h.entities([{ __typename: 'Product', gtin: '3570041128362' }, { __typename: 'Product', gtin: '3570041128363' }]);
  // The invalid GTIN never needed the PIM: null without an error.
  expect(data._entities).toEqual([null, null]);
  expect(errors).toEqual([unavailable(['_entities', 0], /^catalogue: GET \/products\?eans: /)]);
});

test('a PIM slower than the timeout: SOURCE_TIMEOUT saying how long it waited', async () => {
  h = await startHarness({ cache: false, retries: 0, timeoutMs: 100 });
  h.pim.faults.set({ latencyMs: 400 });
  const { errors } = await h.query('{ productsByCategory(category: "Chaussures") { nodes { name } } }');
  expect(errors).toEqual([expect.objectContaining({ path: ['productsByCategory'], message: 'catalogue: GET /products: no answer within 100 ms', extensions: expect.objectContaining({ code: 'SOURCE_TIMEOUT', source: 'catalogue' }) })]);
});

test('partial data: what the cache holds still arrives beside the fields the failing PIM could not serve', async () => {
  h = await startHarness({ retries: 0 });
  await h.query('{ product(catalogueRef: "702.611.50") { name } }');
  h.pim.faults.set({ errorRate: 1 });
  const { data, errors } = await h.query(`{
    cached: product(catalogueRef: "702.611.50") { name listPrice { amount } campaigns(activeAt: "2026-03-12T00:00:00Z") { id } }
    fresh: product(catalogueRef: "815.240.07") { name }
    page: productsByCategory(category: "Chaussures") { nodes { name } }
    campaigns(activeAt: "2026-03-12T00:00:00Z") { id }
  }`);
  expect(data).toEqual({
    cached: { name: 'Chaussure de running Altitude Sirocco bleu', listPrice: { amount: 8990 }, campaigns: null },
    fresh: null,
    page: null,
    campaigns: null,
  });
  expect(errors).toHaveLength(4);
  expect(errors).toEqual(expect.arrayContaining([unavailable(['cached', 'campaigns']), unavailable(['fresh']), unavailable(['page']), unavailable(['campaigns'])]));
});

test('stale if error: a product past its TTL is still served while the PIM fails', async () => {
  h = await startHarness({ retries: 0, ttls: { productsMs: 0 } });
  await h.entities([{ __typename: 'Product', webSku: 'RUN-30418-BLU' }], 'name');
  await new Promise((resolve) => setTimeout(resolve, 5));
  h.pim.faults.set({ down: true });
  const { data, errors } = await h.entities([{ __typename: 'Product', webSku: 'RUN-30418-BLU' }, { __typename: 'Product', webSku: 'RUN-77120-BLA' }], 'name');
  expect(data._entities).toEqual([{ name: 'Chaussure de running Altitude Sirocco bleu' }, null]);
  expect(errors).toEqual([unavailable(['_entities', 1])]);
});

test('the circuit opens after repeated failures and then fails fast, without calling the PIM', async () => {
  h = await startHarness({ cache: false, retries: 0, breaker: { failureThreshold: 2, resetAfterMs: 60_000 } });
  h.pim.faults.set({ errorRate: 1 });
  for (const ref of ['702.611.50', '815.240.07']) await h.query(`{ product(catalogueRef: "${ref}") { name } }`);
  expect(h.takeCalls().faulted).toBe(2);
  h.pim.faults.reset();
  const { errors } = await h.query('{ product(catalogueRef: "330.118.92") { name } }');
  expect(errors).toEqual([unavailable(['product'], 'circuit open')]);
  expect(h.takeCalls()).toMatchObject({ total: 0, faulted: 0 });
});

test('a field the PIM wrote unreadably is null with SOURCE_BAD_RESPONSE; the rest of the product is served', async () => {
  const data: CatalogueData = {
    products: catalogueFixture.products.map((product) => (product.ref === '702.611.50' ? { ...product, list_price: { amount: '89,90', currency: 'EUR' } } : product)),
    campaigns: [...catalogueFixture.campaigns, { ...catalogueFixture.campaigns[0]!, id: 'CMP-BAD', kind: 'AMOUNT', value: 'dix euros' }],
  };
  h = await startHarness({ data, cache: false });
  const answer = await h.query('{ product(catalogueRef: "702.611.50") { name listPrice { amount } campaigns { id } } }');
  expect(answer.data).toEqual({ product: { name: 'Chaussure de running Altitude Sirocco bleu', listPrice: null, campaigns: null } });
  expect(answer.errors).toEqual([
    expect.objectContaining({
      path: ['product', 'listPrice'],
      message: expect.stringContaining('catalogue: product 702.611.50 listPrice {"amount":"89,90","currency":"EUR"}: not a decimal amount: "89,90"'),
      extensions: expect.objectContaining({ code: 'SOURCE_BAD_RESPONSE', source: 'catalogue' }),
    }),
    expect.objectContaining({
      path: ['product', 'campaigns'],
      message: expect.stringContaining('catalogue: campaign CMP-BAD has amount "dix euros"'),
      extensions: expect.objectContaining({ code: 'SOURCE_BAD_RESPONSE', source: 'catalogue' }),
    }),
  ]);
});

test('an answer that is not the PIM\'s JSON is SOURCE_BAD_RESPONSE, not retried', async () => {
  let calls = 0;
  const impostor = createServer((_, res) => {
    calls += 1;
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Maintenance</html>');
  });
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  const subgraph = await startCatalogueSubgraph({ pimUrl: `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`, cache: false, internalSecret: TEST_INTERNAL_SECRET });
  try {
    const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(await grantHeaders()) }, body: JSON.stringify({ query: '{ campaigns { id } }' }) });
    const { data, errors } = (await res.json()) as { data: unknown; errors: { message: string; extensions: unknown }[] };
    expect(data).toEqual({ campaigns: null });
    expect(errors).toEqual([
      expect.objectContaining({ message: 'catalogue: GET /campaigns: HTTP 200 body is not JSON: "<html>Maintenance</html>"', extensions: expect.objectContaining({ code: 'SOURCE_BAD_RESPONSE', source: 'catalogue' }) }),
    ]);
    expect(calls).toBe(1);
  } finally {
    await subgraph.stop();
    impostor.closeAllConnections();
    await new Promise((resolve) => impostor.close(resolve));
  }
});
