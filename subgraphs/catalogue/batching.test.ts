import { MAX_BATCH } from '../../legacy/catalogue/queryParams.js';
import { PIM_BATCH_LIMIT } from './client.js';
import { bulkCatalogue, bulkKeys, startHarness, type Harness } from './testHarness.js';

/**
 * The PIM takes at most 250 values per batch lookup (`refs`, `eans`, `aliases`), so N keys of
 * one kind in one `_entities` request cost ceil(N / 250) PIM calls, whatever N is: one plan
 * step of the gateway touching up to 250 products is one PIM call.
 */
const LIMIT = 250;

const data = bulkCatalogue(600);

// Without the cross-request cache, every request shows its own PIM calls; the cache has its own test.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ data, cache: false });
});
afterAll(() => h.stop());
beforeEach(() => h.takeCalls());

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const representations = (kind: 'catalogueRef' | 'gtin' | 'webSku', indexes: number[]) =>
  indexes.map((i) => ({ __typename: 'Product', [kind]: bulkKeys(i)[kind] }));

const OPERATION = { catalogueRef: 'GET /products?refs', gtin: 'GET /products?eans', webSku: 'GET /products?aliases' } as const;

test('the batch limit is the PIM\'s own', () => {
  expect(PIM_BATCH_LIMIT).toBe(LIMIT);
  expect(PIM_BATCH_LIMIT).toBe(MAX_BATCH);
});

test.each(['catalogueRef', 'gtin', 'webSku'] as const)('200 representations by %s in one _entities request cost one PIM call', async (kind) => {
  const { data, errors } = await h.entities(representations(kind, range(0, 200)), 'catalogueRef gtin webSku');
  expect(errors).toBeUndefined();
  expect(data._entities).toEqual(range(0, 200).map(bulkKeys));
  expect(h.takeCalls()).toEqual({ total: 1, byOperation: { [OPERATION[kind]]: 1 }, itemsByOperation: { [OPERATION[kind]]: 200 }, faulted: 0 });
});

test.each([
  [250, 1],
  [251, 2],
  [600, 3],
])('%i representations by catalogueRef cost ceil(N / 250) = %i PIM calls', async (count, calls) => {
  const { data } = await h.entities(representations('catalogueRef', range(0, count)));
  expect(data._entities).toHaveLength(count);
  expect(data._entities.every((entity: unknown) => entity !== null)).toBe(true);
  expect(calls).toBe(Math.ceil(count / LIMIT));
  expect(h.takeCalls()).toMatchObject({ total: calls, itemsByOperation: { 'GET /products?refs': count } });
});

test('200 products with every field, campaigns included: one call for the products, one for the campaign list', async () => {
  const selection = 'catalogueRef gtin webSku name description(locale: EN) brand status category sizes listPrice { amount currency } aliases { kind value } updatedAt campaigns(activeAt: "2026-03-12T00:00:00Z") { id }';
  const { data, errors } = await h.entities(representations('gtin', range(100, 200)), selection);
  expect(errors).toBeUndefined();
  expect(data._entities[0]).toMatchObject({ catalogueRef: bulkKeys(100).catalogueRef, listPrice: { amount: 2090, currency: 'EUR' }, campaigns: [] });
  expect(h.takeCalls().byOperation).toEqual({ 'GET /products?eans': 1, 'GET /campaigns': 1 });
});

test('a root field that leads to campaigns asks the PIM for them alongside its products, not after them; without campaigns, not at all', async () => {
  const latencyMs = 400;
  h.pim.faults.set({ latencyMs });
  try {
    const { catalogueRef } = bulkKeys(3);
    const started = performance.now();
    const { data, errors } = await h.query(
      `query ($ref: String!, $with: Boolean!) {
        product(catalogueRef: $ref) { name ...Badges }
        productsByCategory(category: "Chaussures", first: 5) { nodes { campaigns(activeAt: "2026-03-12T00:00:00Z") @include(if: $with) { id } } }
      }
      fragment Badges on Product { campaigns(activeAt: "2026-03-12T00:00:00Z") { id } }`,
      { ref: catalogueRef, with: true },
    );
    const took = performance.now() - started;
    expect(errors).toBeUndefined();
    expect(data.product).toMatchObject({ campaigns: [] });
    // One after the other, the campaigns would have waited for the products: twice the latency.
    expect(took).toBeLessThan(2 * latencyMs);
    // The campaign list once, whatever the root fields that lead to it.
    expect(h.takeCalls().byOperation).toEqual({ 'GET /products?refs': 1, 'GET /products': 1, 'GET /campaigns': 1 });

    await h.query(`query ($with: Boolean!) { productsByCategory(category: "Chaussures", first: 5) { nodes { campaigns @include(if: $with) { id } } } }`, { with: false });
    expect(h.takeCalls().byOperation).toEqual({ 'GET /products': 1 });
  } finally {
    h.pim.faults.reset();
  }
});

test('a second request is served from the cache; a partly cached batch asks the PIM for the rest only', async () => {
  const cached = await startHarness({ data });
  try {
    await checkCache(cached);
  } finally {
    await cached.stop();
  }
});

async function checkCache(h: Harness): Promise<void> {
  await h.entities(representations('webSku', range(0, 200)), 'catalogueRef campaigns { id }');
  expect(h.takeCalls().total).toBe(2);
  const again = await h.entities(representations('webSku', range(0, 200)), 'catalogueRef campaigns { id }');
  expect(again.data._entities[199]).toEqual({ catalogueRef: bulkKeys(199).catalogueRef, campaigns: [] });
  expect(h.takeCalls().total).toBe(0);
  // The cache is per key kind: the same products by ref are asked once.
  await h.entities(representations('catalogueRef', range(0, 200)));
  expect(h.takeCalls().itemsByOperation).toEqual({ 'GET /products?refs': 200 });
  await h.entities(representations('webSku', range(100, 300)));
  expect(h.takeCalls()).toMatchObject({ total: 1, itemsByOperation: { 'GET /products?aliases': 200 } });
}

test('products(catalogueRefs:) with 500 refs costs two PIM calls of 250', async () => {
  const refs = range(0, 500).map((i) => bulkKeys(i).catalogueRef);
  const { data } = await h.query('query ($refs: [String!]!) { products(catalogueRefs: $refs) { catalogueRef } }', { refs });
  expect(data.products.map((p: { catalogueRef: string }) => p.catalogueRef)).toEqual(refs);
  expect(h.takeCalls()).toMatchObject({ total: 2, byOperation: { 'GET /products?refs': 2 }, itemsByOperation: { 'GET /products?refs': 500 } });
});

test('a page of 500 products by category is one PIM call, and its products need no other', async () => {
  const { data } = await h.query('{ productsByCategory(category: "Vrac", first: 500) { nodes { catalogueRef listPrice { amount } } pageInfo { hasNextPage } } }');
  expect(data.productsByCategory.nodes).toHaveLength(500);
  expect(data.productsByCategory.pageInfo.hasNextPage).toBe(true);
  expect(h.takeCalls()).toMatchObject({ total: 1, byOperation: { 'GET /products': 1 } });
});
