import type { CatalogueData, CatalogueProduct } from '../generator/model.js';
import { catalogueFixture } from './fixture.js';
import type { BatchBody, ListBody } from './productHandlers.js';
import type { ProblemBody } from './problem.js';
import type { ProductJson } from './representations.js';
import { startCatalogue, type RunningCatalogue } from './server.js';

let pim: RunningCatalogue;
beforeAll(async () => {
  pim = await startCatalogue({ data: catalogueFixture });
});
afterAll(() => pim.stop());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${pim.url}/pim/v2${path}`, { headers });
const json = async <T>(path: string): Promise<T> => {
  const res = await get(path);
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
};
const fixture = (ref: string): CatalogueProduct => {
  const product = catalogueFixture.products.find((p) => p.ref === ref);
  if (!product) throw new Error(`fixture has no product ${ref}`);
  return product;
};
const refsOf = (body: { items: ProductJson[] }) => body.items.map((item) => item.ref);
const byListOrder = (a: CatalogueProduct, b: CatalogueProduct) =>
  Date.parse(a.updated_at) - Date.parse(b.updated_at) || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);

/** Follows nextCursor from the first page to the last, as a sync client does. */
async function pageThrough(running: RunningCatalogue, query: string): Promise<{ refs: string[]; calls: number }> {
  const refs: string[] = [];
  let cursor: string | null = null;
  let calls = 0;
  do {
    const url: string = `${running.url}/pim/v2/products?${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ListBody;
    calls += 1;
    refs.push(...refsOf(body));
    cursor = body.nextCursor;
  } while (cursor !== null);
  return { refs, calls };
}

describe('GET /pim/v2/products/{ref}', () => {
  test('serves the product in camelCase, both locales by default', async () => {
    const res = await get('/products/702.611.50');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const product = fixture('702.611.50');
    expect(await res.json()).toEqual({
      ref: product.ref,
      ean: product.ean,
      name: product.name,
      description: product.description,
      brand: product.brand,
      category: product.category,
      listPrice: product.list_price,
      status: product.status,
      color: product.color,
      sizes: product.sizes,
      aliases: product.aliases,
      updatedAt: product.updated_at,
    });
  });

  test('serves one locale as plain strings with ?locale=', async () => {
    const res = await get('/products/144.902.33?locale=en');
    expect(res.headers.get('content-language')).toBe('en');
    const body = (await res.json()) as ProductJson;
    expect(body.name).toBe(fixture('144.902.33').name.en);
    expect(body.description).toBe(fixture('144.902.33').description.en);
    expect(body.ean).toBeNull();
    const fr = await json<ProductJson>('/products/144.902.33?locale=fr');
    expect(fr.name).toBe(fixture('144.902.33').name.fr);
  });

  test('is strict about the dotted form: 70261150 is a 404 whose detail shows the dotted ref', async () => {
    const res = await get('/products/70261150');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as ProblemBody;
    expect(problem).toMatchObject({ status: 404, instance: '/pim/v2/products/70261150' });
    expect(problem.type).toMatch(/\/problems\/product-not-found$/);
    expect(problem.detail).toContain('"702.611.50"');
  });

  test('an old ref is only an alias: not found by path, found with ?alias=', async () => {
    expect((await get('/products/611.702.05')).status).toBe(404);
    expect(refsOf(await json<BatchBody>('/products?alias=611.702.05'))).toEqual(['702.611.50']);
  });

  test('answers 304 to If-None-Match with the current ETag, per representation', async () => {
    const first = await get('/products/815.240.07');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);

    const again = await get('/products/815.240.07', { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    expect((await get('/products/815.240.07', { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);

    const english = await get('/products/815.240.07?locale=en', { 'if-none-match': etag! });
    expect(english.status).toBe(200);
    expect(english.headers.get('etag')).not.toBe(etag);
    expect((await get('/products/702.611.50', { 'if-none-match': etag! })).status).toBe(200);
  });
});

describe('batch lookups', () => {
  test('refs: each product once, in asked order, and the values not found in missing', async () => {
    const body = await json<BatchBody>('/products?refs=330.118.92,70261150,702.611.50,999.999.99,330.118.92');
    expect(refsOf(body)).toEqual(['330.118.92', '702.611.50']);
    expect(body.items[0]).toMatchObject({ listPrice: fixture('330.118.92').list_price, updatedAt: fixture('330.118.92').updated_at });
    expect(body.missing).toEqual(['70261150', '999.999.99']);
  });

  test('eans: found by EAN-13; a valid but unknown GTIN is missing', async () => {
    const body = await json<BatchBody>(`/products?eans=${fixture('612.774.03').ean},${fixture('477.313.80').ean},4006381333931&locale=fr`);
    expect(refsOf(body)).toEqual(['612.774.03', '477.313.80']);
    expect(body.items[0]!.name).toBe(fixture('612.774.03').name.fr);
    expect(body.missing).toEqual(['4006381333931']);
  });

  test('eans: a wrong check digit is a 400 that names the value', async () => {
    const good = fixture('702.611.50').ean!;
    const bad = good.slice(0, -1) + String((Number(good.at(-1)) + 1) % 10);
    const res = await get(`/products?eans=${good},${bad}`);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.type).toMatch(/\/problems\/invalid-gtin$/);
    expect(problem.detail).toContain(JSON.stringify(bad));
    expect(problem.detail).toContain(`check digit should be ${good.at(-1)}`);
  });

  test('alias: a value that several products carry returns all of them', async () => {
    const shared = await json<BatchBody>('/products?alias=L0001');
    expect(refsOf(shared).sort()).toEqual(['330.118.92', '815.240.07']);
    expect(shared.items.flatMap((item) => item.aliases.filter((a) => a.value === 'L0001').map((a) => a.franchise)).sort()).toEqual(['NRD', 'SUD']);

    const acrossTypes = await json<BatchBody>('/products?alias=9000012');
    expect(refsOf(acrossTypes).sort()).toEqual(['144.902.33', '561.007.14']);
    expect(refsOf(await json<BatchBody>('/products?alias=9000012&aliasType=POS_CODE'))).toEqual(['561.007.14']);
    expect(refsOf(await json<BatchBody>('/products?alias=9000012&aliasType=SUPPLIER_REF'))).toEqual(['144.902.33']);
    expect(await json<BatchBody>('/products?alias=9000012&aliasType=WEB_SKU')).toEqual({ items: [], missing: ['9000012'] });
  });

  test('aliases: a batch of alias values, a product found twice listed once', async () => {
    const body = await json<BatchBody>('/products?aliases=RUN-30418-BLU,ALT204113,NO-SUCH-SKU,SWI-66104-BLU');
    expect(refsOf(body)).toEqual(['702.611.50', '923.018.45']);
    expect(body.missing).toEqual(['NO-SUCH-SKU']);
  });

  test('takes 250 values and refuses 251', async () => {
    const refs = (n: number) => Array.from({ length: n }, (_, i) => `100.000.${String(i).padStart(3, '0')}`).join(',');
    const full = await json<BatchBody>(`/products?refs=702.611.50,${refs(249)}`);
    expect(refsOf(full)).toEqual(['702.611.50']);
    expect(full.missing).toHaveLength(249);

    const res = await get(`/products?refs=${refs(251)}`);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.type).toMatch(/\/problems\/batch-too-large$/);
    expect(problem.detail).toContain('got 251');
  });
});

describe('GET /pim/v2/products (list)', () => {
  test('cursor paging visits every product exactly once, in (updatedAt, ref) order', async () => {
    const { refs, calls } = await pageThrough(pim, 'limit=3');
    const expected = [...catalogueFixture.products].sort(byListOrder).map((p) => p.ref);
    expect(refs).toEqual(expected);
    expect(new Set(refs).size).toBe(catalogueFixture.products.length);
    expect(calls).toBe(Math.ceil(catalogueFixture.products.length / 3));
  });

  test('a list that fits in one page has a null nextCursor', async () => {
    const body = await json<ListBody>('/products');
    expect(body.items).toHaveLength(catalogueFixture.products.length);
    expect(body.nextCursor).toBeNull();
  });

  test('updatedSince is inclusive and keeps the list order', async () => {
    const since = fixture('144.902.33').updated_at;
    const body = await json<ListBody>(`/products?updatedSince=${since}`);
    const expected = catalogueFixture.products.filter((p) => p.updated_at >= since).sort(byListOrder).map((p) => p.ref);
    expect(expected).toContain('144.902.33');
    expect(refsOf(body)).toEqual(expected);
  });

  test('updatedSince takes a zone offset and a plain date', async () => {
    const offset = await json<ListBody>(`/products?updatedSince=${encodeURIComponent('2026-02-01T01:00:00+01:00')}`);
    const date = await json<ListBody>('/products?updatedSince=2026-02-01');
    const expected = catalogueFixture.products.filter((p) => p.updated_at >= '2026-02-01T00:00:00.000Z').sort(byListOrder).map((p) => p.ref);
    expect(refsOf(offset)).toEqual(expected);
    expect(refsOf(date)).toEqual(expected);
  });

  test('category matches whole path segments, at any depth below', async () => {
    const running = await json<ListBody>(`/products?category=${encodeURIComponent('Chaussures > Running')}`);
    expect(refsOf(running).sort()).toEqual(['702.611.50', '815.240.07']);
    const jackets = await json<ListBody>(`/products?category=${encodeURIComponent('Vêtements>Vestes')}`);
    expect(refsOf(jackets).sort()).toEqual(['144.902.33', '561.007.14']);
    const shoes = await json<ListBody>('/products?category=Chaussures');
    expect(refsOf(shoes).sort()).toEqual(catalogueFixture.products.filter((p) => p.category[0] === 'Chaussures').map((p) => p.ref).sort());
    expect(await json<ListBody>('/products?category=chaussures')).toEqual({ items: [], nextCursor: null });
  });

  test('category, updatedSince and locale combine while paging', async () => {
    const since = '2026-01-01T00:00:00Z';
    const { refs } = await pageThrough(pim, `limit=1&category=Chaussures&updatedSince=${since}&locale=en`);
    const expected = catalogueFixture.products
      .filter((p) => p.category[0] === 'Chaussures' && Date.parse(p.updated_at) >= Date.parse(since))
      .sort(byListOrder)
      .map((p) => p.ref);
    expect(expected.length).toBeGreaterThan(1);
    expect(refs).toEqual(expected);
    const page = await json<ListBody>(`/products?limit=1&locale=en`);
    expect(typeof page.items[0]!.name).toBe('string');
  });

  test('a tampered cursor, or one from another query, is a 400', async () => {
    const { nextCursor } = await json<ListBody>('/products?limit=2&category=Chaussures');
    expect(nextCursor).not.toBeNull();
    const [payload, signature] = nextCursor!.split('.');
    const forged = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace(/"r":"[^"]*"/, '"r":"000.000.00"')).toString('base64url');
    for (const cursor of [`${forged}.${signature}`, nextCursor!.slice(0, -2), 'page-2']) {
      const res = await get(`/products?limit=2&category=Chaussures&cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as ProblemBody).type).toMatch(/\/problems\/invalid-cursor$/);
    }
    const elsewhere = await get(`/products?limit=2&category=Camping&cursor=${encodeURIComponent(nextCursor!)}`);
    expect(elsewhere.status).toBe(400);
    expect(((await elsewhere.json()) as ProblemBody).detail).toContain('category=Chaussures');
    expect((await get(`/products?limit=5&category=Chaussures&cursor=${encodeURIComponent(nextCursor!)}`)).status).toBe(200);
  });
});

describe('a bench-sized catalogue', () => {
  const COUNT = 12_000;
  let big: RunningCatalogue;
  let data: CatalogueData;

  beforeAll(async () => {
    const template = catalogueFixture.products;
    const products = Array.from({ length: COUNT }, (_, i): CatalogueProduct => {
      const base = template[i % template.length]!;
      const digits = String(10_000_000 + i * 7919).slice(-8);
      return {
        ...base,
        ref: `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}`,
        ean: null,
        aliases: [{ type: 'WEB_SKU', value: `SKU-${i}`, franchise: null }],
        // Many products share an instant, so the ref decides the order.
        updated_at: new Date(Date.UTC(2025, 0, 1) + (i % 997) * 3_600_000).toISOString(),
      };
    });
    data = { products, campaigns: [] };
    big = await startCatalogue({ data });
  });
  afterAll(() => big.stop());

  test('serves 100 products a page by default', async () => {
    const body = (await (await fetch(`${big.url}/pim/v2/products`)).json()) as ListBody;
    expect(body.items).toHaveLength(100);
    expect(body.nextCursor).not.toBeNull();
  });

  test('pages through 12,000 products once each, 500 at a time', async () => {
    const { refs, calls } = await pageThrough(big, 'limit=500');
    expect(calls).toBe(COUNT / 500);
    expect(new Set(refs).size).toBe(COUNT);
    expect(refs).toEqual([...data.products].sort(byListOrder).map((p) => p.ref));
  });

  test('a sync from updatedSince sees exactly the products changed since', async () => {
    const since = new Date(Date.UTC(2025, 0, 1) + 900 * 3_600_000).toISOString();
    const { refs } = await pageThrough(big, `limit=250&updatedSince=${since}`);
    const expected = data.products.filter((p) => p.updated_at >= since).sort(byListOrder).map((p) => p.ref);
    expect(expected.length).toBeGreaterThan(500);
    expect(refs).toEqual(expected);
  });
});

describe('a product the PIM has no list price for', () => {
  test('is served with listPrice null, alone, in batches and in lists', async () => {
    const data: CatalogueData = {
      ...catalogueFixture,
      products: catalogueFixture.products.map((p) => (p.ref === '330.118.92' ? { ...p, list_price: null } : p)),
    };
    const running = await startCatalogue({ data });
    try {
      const one = (await (await fetch(`${running.url}/pim/v2/products/330.118.92`)).json()) as ProductJson;
      expect(one.listPrice).toBeNull();
      const batch = (await (await fetch(`${running.url}/pim/v2/products?refs=330.118.92,702.611.50`)).json()) as BatchBody;
      expect(batch.items.map((item) => [item.ref, item.listPrice])).toEqual([
        ['330.118.92', null],
        ['702.611.50', fixture('702.611.50').list_price],
      ]);
      const list = (await (await fetch(`${running.url}/pim/v2/products?limit=500`)).json()) as ListBody;
      expect(list.items.filter((item) => item.listPrice === null).map((item) => item.ref)).toEqual(['330.118.92']);
    } finally {
      await running.stop();
    }
  });
});
