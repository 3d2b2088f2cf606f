import { catalogueFixture } from '../../legacy/catalogue/fixture.js';
import { startCatalogue, type RunningCatalogue } from '../../legacy/catalogue/server.js';
import { LegacySource } from '../shared/source.js';
import { CatalogueClient, pimProblemOf, type PimProduct } from './client.js';

const source = () => new LegacySource('catalogue', { retryBaseMs: 1, retries: 2, timeoutMs: 10_000, breaker: { failureThreshold: 100 } });

/** The fixture's refs in the feed's order, worked out here: `updated_at`, then ref. */
const inFeedOrder = (since = 0) =>
  catalogueFixture.products
    .filter((p) => Date.parse(p.updated_at) >= since)
    .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || (a.ref < b.ref ? -1 : 1))
    .map((p) => p.ref);

/** Every page of the change feed from `since`, `limit` a page. */
async function readFeed(client: CatalogueClient, limit: number, since?: string): Promise<{ products: PimProduct[]; pages: number }> {
  const products: PimProduct[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.changedProducts({ since, limit, cursor });
    products.push(...page.items);
    pages += 1;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { products, pages };
}

describe('CatalogueClient change feed, against the stand-in', () => {
  let pim: RunningCatalogue;
  let client: CatalogueClient;
  beforeAll(async () => {
    pim = await startCatalogue({ data: catalogueFixture, port: 0 });
    client = new CatalogueClient(pim.url, source());
  });
  afterAll(() => pim.stop());
  beforeEach(() => pim.counter.reset());

  test('changedProducts pages every product by cursor, updatedAt then ref, one call a page, products as the PIM wrote them', async () => {
    const { products, pages } = await readFeed(client, 4);
    expect(products.map((p) => p.ref)).toEqual(inFeedOrder());
    expect(pages).toBe(Math.ceil(catalogueFixture.products.length / 4));
    expect(pim.counter.snapshot().byOperation).toEqual({ 'GET /products': pages });
    const sirocco = products.find((p) => p.ref === '702.611.50')!;
    expect(sirocco.updatedAt).toBe('2026-01-10T08:15:00.000Z');
    expect(sirocco.aliases.length).toBeGreaterThan(0);
  });

  test('updatedSince is inclusive: the products changed at that very instant are read again', async () => {
    const since = '2026-01-10T08:15:00.000Z';
    const { products } = await readFeed(client, 500, since);
    expect(products.map((p) => p.ref)).toEqual(inFeedOrder(Date.parse(since)));
    expect(products.map((p) => p.ref)).toEqual(expect.arrayContaining(['702.611.50', '208.450.61']));
  });

  test("the PIM's problem document becomes a coded failure of the right kind, its problem kind kept, not retried", async () => {
    const first = await client.changedProducts({ limit: 2 });
    const altered = `${first.nextCursor!.slice(0, -2)}xx`;
    const refused = await client.changedProducts({ limit: 2, cursor: altered }).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      message: expect.stringMatching(/^catalogue: GET \/products: HTTP 400 cursor .* was not issued by this PIM or was altered/),
      extensions: { code: 'SOURCE_BAD_REQUEST', source: 'catalogue' },
    });
    expect(pimProblemOf(refused)).toBe('invalid-cursor');

    const badSince = await client.changedProducts({ since: 'yesterday', limit: 2 }).catch((error: unknown) => error);
    expect(badSince).toMatchObject({ extensions: { code: 'SOURCE_BAD_REQUEST', source: 'catalogue' } });
    expect(pimProblemOf(badSince)).toBe('invalid-parameter');
    expect(pim.counter.snapshot().byOperation).toEqual({ 'GET /products': 3 });
  });

  test('a server error is the PIM unavailable, retried, then SOURCE_UNAVAILABLE', async () => {
    pim.faults.set({ errorRate: 1 });
    try {
      await expect(client.changedProducts({ limit: 2 })).rejects.toMatchObject({
        message: expect.stringMatching(/^catalogue: GET \/products: HTTP 500 /),
        extensions: { code: 'SOURCE_UNAVAILABLE', source: 'catalogue' },
      });
      expect(pim.counter.snapshot().faulted).toBe(3);
    } finally {
      pim.faults.set({ errorRate: 0 });
    }
  });
});

test('a product whose updatedAt is no ISO instant spoils a page of the change feed, not of the category list', async () => {
  // An instant without a zone: the PIM sorts it, but which instant it is nobody knows.
  const data = { ...catalogueFixture, products: catalogueFixture.products.map((p) => (p.ref === '702.611.50' ? { ...p, updated_at: '2026-01-10 08:15:00' } : p)) };
  const pim = await startCatalogue({ data, port: 0 });
  try {
    const client = new CatalogueClient(pim.url, source());
    await expect(client.changedProducts({ limit: 500 })).rejects.toMatchObject({
      message: expect.stringMatching(/^catalogue: GET \/products: items\[\d+\]\.updatedAt should be an ISO 8601 instant, got "2026-01-10 08:15:00"/),
      extensions: { code: 'SOURCE_BAD_RESPONSE', source: 'catalogue' },
    });
    const category = catalogueFixture.products.find((p) => p.ref === '702.611.50')!.category.join(' > ');
    const page = await client.productPage({ category, limit: 500 });
    expect(page.items.find((p) => p.ref === '702.611.50')?.updatedAt).toBe('2026-01-10 08:15:00');
  } finally {
    await pim.stop();
  }
});
