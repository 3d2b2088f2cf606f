import { startCatalogue, type RunningCatalogue } from '../legacy/catalogue/server.js';
import { startEcommerce, type RunningEcommerce } from '../legacy/ecommerce/server.js';
import { generateEstate } from '../legacy/generator/generate.js';
import { startCatalogueSubgraph } from '../subgraphs/catalogue/server.js';
import { startEcommerceSubgraph } from '../subgraphs/ecommerce/server.js';
import type { ListeningSubgraph } from '../subgraphs/shared/subgraphServer.js';
import { graphql } from './graphql.js';
import { TEST_INTERNAL_SECRET } from './support/grant.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

// N+1 through the gateway: a question about 200 products must cost the catalogue one call
// per plan step, and the web shop one call per 100 SKUs (its batch limit), however the
// planner splits it. Only the two systems the question touches are running: the gateway
// never calls the others.
const { estate } = generateEstate({ scale: 'demo' });
let catalogue: RunningCatalogue;
let ecommerce: RunningEcommerce;
const subgraphs: ListeningSubgraph[] = [];
let gateway: TestGateway;

beforeAll(async () => {
  catalogue = await startCatalogue({ data: estate.catalogue });
  ecommerce = await startEcommerce({ data: estate.ecommerce });
  const catalogueSubgraph = await startCatalogueSubgraph({ pimUrl: catalogue.url, internalSecret: TEST_INTERNAL_SECRET });
  const ecommerceSubgraph = await startEcommerceSubgraph({ legacyUrl: ecommerce.url, internalSecret: TEST_INTERNAL_SECRET });
  subgraphs.push(catalogueSubgraph, ecommerceSubgraph);
  gateway = await startTestGateway({ catalogue: catalogueSubgraph.url, ecommerce: ecommerceSubgraph.url });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all(subgraphs.map((s) => s.stop()));
  await Promise.all([catalogue?.stop(), ecommerce?.stop()]);
});

it('costs one catalogue call and one web-shop call per 100 SKUs for 200 products', async () => {
  const webEans = new Set(estate.ecommerce.products.map((p) => p.ean));
  const refs = estate.catalogue.products.filter((p) => p.ean && webEans.has(p.ean)).slice(0, 200).map((p) => p.ref);
  expect(refs).toHaveLength(200);
  catalogue.counter.reset();
  ecommerce.counter.reset();
  const answer = await graphql(
    gateway.url,
    /* GraphQL */ `
      query ($refs: [String!]!) {
        products(catalogueRefs: $refs) { catalogueRef name listPrice { amount } webSku webPrice { amount currency } }
      }
    `,
    { refs },
  );
  expect(answer.errors).toBeUndefined();
  const products = answer.data!.products as Array<{ catalogueRef: string; webSku: string | null; webPrice: { amount: number } | null }>;
  expect(products.map((p) => p.catalogueRef)).toEqual(refs);
  const priced = products.filter((p) => p.webPrice !== null);
  expect(priced.length).toBeGreaterThan(150);
  const catalogueCalls = catalogue.counter.snapshot();
  const webCalls = ecommerce.counter.snapshot();
  // One plan step in the catalogue (the root field), one in the web shop (entities by SKU).
  expect(catalogueCalls.total).toBe(1);
  const skus = new Set(products.map((p) => p.webSku).filter(Boolean));
  expect(webCalls.total).toBe(Math.ceil(skus.size / 100));
});
