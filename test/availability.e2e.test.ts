import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEstate } from '../legacy/generator/files.js';
import type { CatalogueProduct, Estate, PosStock, Store } from '../legacy/generator/model.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { graphql } from './graphql.js';
import { TEST_INTERNAL_SECRET } from './support/grant.js';
import { readFileSync } from 'node:fs';
import { createFloor } from '../bench/gateway/floor.js';
import { SUPERGRAPH_PATH } from '../schema/subgraphs.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

// Where a product can be had, asked of the gateway as a store locator and a product page ask
// it: stores nearest first from a point or a postcode, and a product's stock in the stores —
// including the franchises that keep it under a local code of their own, which the POS learns
// from the catalogue's aliases through the query planner — with the web shop's availability.
let dir: string;
let stack: RunningStack;
let estate: Estate;
let gateway: string;
/** A gateway without safelists, for a partner's ad-hoc query, and one whose web shop subgraph is unreachable. */
let open: TestGateway;
let noWebShop: TestGateway;

const ask = (query: string, variables: Record<string, unknown> = {}, token?: string, url = gateway) => graphql(url, query, variables, token);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-availability-'));
  stack = await startTestStack({ dataDir: dir, scale: 'tiny', ...ANY_PORTS, internalSecret: TEST_INTERNAL_SECRET });
  estate = await readEstate(dir);
  gateway = stack.gateway.url;
  const safelistsOff = { GATEWAY_SAFELISTS_BY_CLIENT: '{}', GATEWAY_SAFELISTS_BY_ROLE: '{}', GATEWAY_RATE_LIMIT_PER_MINUTE: '0' };
  open = await startTestGateway(stack.subgraphUrls, { env: safelistsOff });
  const { ecommerce: _, ...withoutWebShop } = stack.subgraphUrls;
  noWebShop = await startTestGateway(withoutWebShop, { env: safelistsOff });
}, 180_000);

afterAll(async () => {
  await Promise.all([open?.stop(), noWebShop?.stop()]);
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

type LatLng = [number, number];

/** Great-circle metres by the spherical law of cosines on the mean sphere: not the subgraph's haversine. */
function metres([lat1, lon1]: LatLng, [lat2, lon2]: LatLng): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const cos = Math.sin(r(lat1)) * Math.sin(r(lat2)) + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.cos(r(lon2 - lon1));
  return 6_371_008.8 * Math.acos(Math.min(1, cos));
}

const at = (store: Store): LatLng => [store.latitude, store.longitude];
const storeNamed = (code: string) => estate.pos.stores.find((s) => s.code === code)!;

/** Store codes by distance from `from`, as the estate places the stores. */
const byDistanceFrom = (from: LatLng, stores: readonly Store[] = estate.pos.stores) =>
  [...stores].sort((a, b) => metres(from, at(a)) - metres(from, at(b)) || a.code.localeCompare(b.code)).map((s) => s.code);

const STORES_NEAR = /* GraphQL */ `
  query ($near: GeoInput!, $first: Int, $clickAndCollect: Boolean) {
    storesNear(near: $near, first: $first, clickAndCollect: $clickAndCollect) { store { code name postcode clickAndCollect } distanceMetres }
  }
`;

describe('storesNear', () => {
  it('lists the stores nearest first from a coordinate pair, with their great-circle distance', async () => {
    const lyon: LatLng = [45.764, 4.8357];
    const answer = await ask(STORES_NEAR, { near: { latitude: lyon[0], longitude: lyon[1] }, first: 50 });
    expect(answer.errors).toBeUndefined();
    const found = answer.data!.storesNear as Array<{ store: { code: string }; distanceMetres: number }>;
    expect(found.map((s) => s.store.code)).toEqual(byDistanceFrom(lyon));
    for (const { store, distanceMetres } of found) expect(Math.abs(distanceMetres - metres(lyon, at(storeNamed(store.code))))).toBeLessThan(2);
  });

  it("places a postcode at its département's stores, and keeps to click-and-collect stores when asked", async () => {
    const store = estate.pos.stores.find((s) => s.click_and_collect)!;
    const departement = store.postcode.slice(0, 2);
    const sameDepartement = estate.pos.stores.filter((s) => s.country === 'FR' && s.postcode.slice(0, 2) === departement);
    const centre: LatLng = [
      sameDepartement.reduce((sum, s) => sum + s.latitude, 0) / sameDepartement.length,
      sameDepartement.reduce((sum, s) => sum + s.longitude, 0) / sameDepartement.length,
    ];
    const answer = await ask(STORES_NEAR, { near: { postcode: store.postcode }, first: 3, clickAndCollect: true });
    expect(answer.errors).toBeUndefined();
    const found = answer.data!.storesNear as Array<{ store: { code: string; clickAndCollect: boolean }; distanceMetres: number }>;
    expect(found.map((s) => s.store.code)).toEqual(byDistanceFrom(centre, estate.pos.stores.filter((s) => s.click_and_collect)).slice(0, 3));
    expect(found.every((s) => s.store.clickAndCollect)).toBe(true);
    expect(found.map((s) => s.store.code)).toContain(store.code);
  });

  it('refuses a bad point with a coded error naming the argument, leaving the other root fields', async () => {
    const answer = await ask(`{ storesNear(near: { latitude: 45.7, postcode: "69001" }) { store { code } } franchises { code } }`);
    expect(answer.data!.storesNear).toBeNull();
    expect(answer.data!.franchises.length).toBeGreaterThan(0);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0]).toMatchObject({ path: ['storesNear'], extensions: { code: 'BAD_USER_INPUT', argument: 'near' } });
    expect(answer.errors![0]!.message).toContain('not both');

    const unknown = await ask(STORES_NEAR, { near: { postcode: '00100' } });
    expect(unknown.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'near' } });
    expect(unknown.errors![0]!.message).toContain('"00100"');
    const tooMany = await ask(STORES_NEAR, { near: { postcode: '59000' }, first: 51 });
    expect(tooMany.errors![0]).toMatchObject({ message: 'first must be from 1 to 50, got 51', extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
  });
});

const AVAILABILITY = /* GraphQL */ `
  query ($gtin: String!, $near: GeoInput, $first: Int) {
    product(gtin: $gtin) {
      gtin
      webAvailable
      storeStock { store { code } }
      availability(near: $near, first: $first) {
        web
        stores { store { code franchise { code } } quantity code updatedAt distanceMetres }
      }
    }
  }
`;

interface Entry {
  store: { code: string; franchise: { code: string } };
  quantity: number;
  code: string;
  updatedAt: string;
  distanceMetres: number | null;
}

const franchiseOf = (storeCode: string) => storeNamed(storeCode).franchise;

/** The stock rows of the product, as the tills hold them: its EAN anywhere, its local code in its own franchise. */
function stockOf(ean: string, localCodes: ReadonlyArray<{ franchise: string; code: string }>): PosStock[] {
  return estate.pos.stock.filter(
    (row) => row.ean === ean || localCodes.some((c) => row.ean === null && row.local_code === c.code && franchiseOf(row.store_code) === c.franchise),
  );
}

/**
 * A catalogue product with an EAN and a franchise's POS code, stocked in that franchise under
 * the local code only (no EAN on the row), and stocked elsewhere under its EAN; preferably one
 * whose local code another franchise uses for a product of its own.
 */
function localCodeProduct() {
  const candidates = estate.catalogue.products.flatMap((product) => {
    const local = product.aliases.find((a) => a.type === 'POS_CODE' && a.franchise !== null);
    if (!product.ean || !local) return [];
    const franchise = local.franchise!;
    const underLocal = estate.pos.stock.filter((r) => r.ean === null && r.local_code === local.value && franchiseOf(r.store_code) === franchise);
    const underEan = estate.pos.stock.filter((r) => r.ean === product.ean);
    if (underLocal.length === 0 || underEan.length === 0 || underEan.some((r) => franchiseOf(r.store_code) === franchise)) return [];
    const sharedElsewhere = estate.pos.stock.some((r) => r.local_code === local.value && franchiseOf(r.store_code) !== franchise);
    return [{ product, ean: product.ean, local: { franchise, code: local.value }, sharedElsewhere }];
  });
  const found = candidates.find((c) => c.sharedElsewhere) ?? candidates[0];
  if (!found) throw new Error('the tiny estate has no product stocked under a local code in one franchise and its EAN in another');
  return found;
}

const webSkuOf = (product: CatalogueProduct) => product.aliases.find((a) => a.type === 'WEB_SKU')?.value ?? null;

describe('Product.availability', () => {
  it("finds the stock a franchise holds under its own local code, which storeStock (by EAN) misses, and the web shop's availability", async () => {
    const { product, ean, local, sharedElsewhere } = localCodeProduct();
    const answer = await ask(AVAILABILITY, { gtin: ean, first: 50 });
    expect(answer.errors).toBeUndefined();
    const { availability, storeStock, webAvailable } = answer.data!.product;
    const entries = availability.stores as Entry[];
    const expected = stockOf(ean, [local]);
    expect(entries.map((e) => `${e.store.code} ${e.code} ${e.quantity}`).sort()).toEqual(
      expected.map((r) => `${r.store_code} ${r.ean ?? r.local_code} ${r.quantity}`).sort(),
    );
    // By store code without `near`, and no distance.
    expect(entries.map((e) => e.store.code)).toEqual([...entries.map((e) => e.store.code)].sort());
    expect(entries.every((e) => e.distanceMetres === null)).toBe(true);
    const underLocal = entries.filter((e) => e.code === local.code);
    expect(underLocal.length).toBeGreaterThan(0);
    expect(underLocal.every((e) => e.store.franchise.code === local.franchise)).toBe(true);
    expect(entries.some((e) => e.code === ean && e.store.franchise.code !== local.franchise)).toBe(true);
    // The EAN alone does not find the local-code stock.
    const byEan = new Set((storeStock as Array<{ store: { code: string } }>).map((s) => s.store.code));
    expect(underLocal.some((e) => !byEan.has(e.store.code))).toBe(true);
    if (sharedElsewhere) {
      // Another franchise's stock under the same code is another product's.
      expect(entries.filter((e) => e.code === local.code && e.store.franchise.code !== local.franchise)).toEqual([]);
    }
    // The web shop's own answer, handed over by the planner.
    expect(availability.web).toBe(webAvailable);
    if (webSkuOf(product)) expect(typeof availability.web).toBe('boolean');
  });

  it('lists them nearest first from a postcode, with distances, at most `first`', async () => {
    const { ean, local } = localCodeProduct();
    const home = estate.pos.stores.find((s) => s.franchise === local.franchise)!;
    const sameDepartement = estate.pos.stores.filter((s) => s.country === 'FR' && s.postcode.slice(0, 2) === home.postcode.slice(0, 2));
    const centre: LatLng = [
      sameDepartement.reduce((sum, s) => sum + s.latitude, 0) / sameDepartement.length,
      sameDepartement.reduce((sum, s) => sum + s.longitude, 0) / sameDepartement.length,
    ];
    const rows = stockOf(ean, [local]);
    const answer = await ask(AVAILABILITY, { gtin: ean, near: { postcode: home.postcode }, first: 3 });
    expect(answer.errors).toBeUndefined();
    const entries = answer.data!.product.availability.stores as Entry[];
    expect(entries).toHaveLength(Math.min(3, rows.length));
    const distances = entries.map((e) => e.distanceMetres!);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    for (const e of entries) expect(Math.abs(e.distanceMetres! - metres(centre, at(storeNamed(e.store.code))))).toBeLessThan(2);
    const nearestRows = [...rows].sort((a, b) => metres(centre, at(storeNamed(a.store_code))) - metres(centre, at(storeNamed(b.store_code))));
    expect(entries[0]!.store.code).toBe(nearestRows[0]!.store_code);
  });

  it('is null for a product not on the web shop, with the stores still listed', async () => {
    const product = estate.catalogue.products.find((p) => p.ean && !webSkuOf(p) && estate.pos.stock.some((r) => r.ean === p.ean));
    if (!product) throw new Error('the tiny estate has no stocked catalogue product without a web SKU');
    const answer = await ask(AVAILABILITY, { gtin: product.ean });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.product.availability.web).toBeNull();
    expect(answer.data!.product.availability.stores.length).toBeGreaterThan(0);
  });

  it("shows a partner its own franchise's stores only", async () => {
    const { ean, local } = localCodeProduct();
    const partner = await open.tokens.sign({ role: 'partner', actor: 'partner-it', franchise: local.franchise });
    const answer = await ask(`query ($gtin: String!) { product(gtin: $gtin) { availability(first: 50) { stores { store { code franchise { code } } code } } } }`, { gtin: ean }, partner, open.url);
    expect(answer.errors).toBeUndefined();
    const entries = answer.data!.product.availability.stores as Entry[];
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.store.franchise.code === local.franchise)).toBe(true);
    expect(entries.some((e) => e.code === local.code)).toBe(true);
  });

  it('refuses a bad point or first with a coded error on the field, the product still answered', async () => {
    const { ean } = localCodeProduct();
    const answer = await ask(AVAILABILITY, { gtin: ean, near: { latitude: 45.7 } });
    expect(answer.data!.product.gtin).toBe(ean);
    expect(answer.data!.product.availability).toBeNull();
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0]).toMatchObject({ path: ['product', 'availability'], extensions: { code: 'BAD_USER_INPUT', argument: 'near' } });
    const zero = await ask(AVAILABILITY, { gtin: ean, first: 0 });
    expect(zero.errors![0]).toMatchObject({ path: ['product', 'availability'], extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
  });

  it("with the web shop's platform failing, web is null with the web shop's error and the stores still arrive", async () => {
    const { product: asked } = localCodeProduct();
    // A product on the web that no earlier test read, so that the web shop has no copy of it to serve.
    const product = estate.catalogue.products.find((p) => p !== asked && p.ean && webSkuOf(p) && estate.pos.stock.some((r) => r.ean === p.ean));
    if (!product) throw new Error('the tiny estate has no other stocked catalogue product on the web');
    stack.estate.ecommerce.faults.set({ errorRate: 1 });
    try {
      const answer = await ask(AVAILABILITY, { gtin: product.ean });
      expect(answer.data!.product.availability.web).toBeNull();
      expect(answer.data!.product.availability.stores.length).toBeGreaterThan(0);
      expect(answer.errors!.some((e) => e.extensions?.code === 'SOURCE_UNAVAILABLE' && e.extensions?.source === 'ecommerce')).toBe(true);
    } finally {
      stack.estate.ecommerce.faults.reset();
    }
  });

  it('with the web shop subgraph unreachable, the stores cannot be asked either: the field is null with the subgraph error', async () => {
    // The cost of `@requires(… webAvailable)`: the planner calls the POS only once it has every
    // required field, so a web shop that cannot answer at all takes the store list with it.
    const { ean } = localCodeProduct();
    const answer = await ask(AVAILABILITY, { gtin: ean }, undefined, noWebShop.url);
    expect(answer.data!.product.gtin).toBe(ean);
    expect(answer.data!.product.storeStock.length).toBeGreaterThan(0);
    expect(answer.data!.product.availability).toBeNull();
    expect(answer.errors!.map((e) => e.extensions?.code)).toContain('SUBGRAPH_UNAVAILABLE');
  });
});

const STORE_AVAILABILITY = /* GraphQL */ `
  query ($gtin: String!, $near: GeoInput, $first: Int) {
    product(gtin: $gtin) {
      gtin
      webAvailable
      storeAvailability(near: $near, first: $first) { store { code franchise { code } } quantity code updatedAt distanceMetres }
    }
  }
`;

describe('Product.storeAvailability', () => {
  it("answers availability's stores, and beside webAvailable lets the planner ask the tills and the web shop in one step", async () => {
    const { ean, local } = localCodeProduct();
    const home = estate.pos.stores.find((s) => s.franchise === local.franchise)!;
    for (const variables of [{ gtin: ean, first: 50 }, { gtin: ean, near: { postcode: home.postcode }, first: 3 }]) {
      const [both, old] = await Promise.all([ask(STORE_AVAILABILITY, variables), ask(AVAILABILITY, variables)]);
      expect(both.errors).toBeUndefined();
      expect(both.data!.product.storeAvailability).toEqual(old.data!.product.availability.stores);
      expect(both.data!.product.storeAvailability.length).toBeGreaterThan(0);
      expect(both.data!.product.webAvailable).toBe(old.data!.product.availability.web);
    }
    // The plans: availability waits for the web shop's webAvailable before the tills are asked.
    const planner = createFloor(readFileSync(SUPERGRAPH_PATH, 'utf8'), {}, async () => ({ data: null }));
    expect(planner.depth(STORE_AVAILABILITY)).toBe(2);
    expect(planner.depth(AVAILABILITY)).toBe(3);
  });

  it("shows a partner its own franchise's stores only, and refuses a bad point or first on the field", async () => {
    const { ean, local } = localCodeProduct();
    const partner = await open.tokens.sign({ role: 'partner', actor: 'partner-it', franchise: local.franchise });
    const own = await ask(`query ($gtin: String!) { product(gtin: $gtin) { storeAvailability(first: 50) { store { franchise { code } } code } } }`, { gtin: ean }, partner, open.url);
    expect(own.errors).toBeUndefined();
    expect(own.data!.product.storeAvailability.length).toBeGreaterThan(0);
    expect(own.data!.product.storeAvailability.every((e: Entry) => e.store.franchise.code === local.franchise)).toBe(true);
    const bad = await ask(STORE_AVAILABILITY, { gtin: ean, near: { latitude: 45.7 } });
    expect(bad.data!.product).toMatchObject({ gtin: ean, storeAvailability: null });
    expect(bad.errors).toEqual([expect.objectContaining({ path: ['product', 'storeAvailability'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'near' }) })]);
    const zero = await ask(STORE_AVAILABILITY, { gtin: ean, first: 51 });
    expect(zero.errors![0]).toMatchObject({ path: ['product', 'storeAvailability'], extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
  });

  it('with the web shop subgraph unreachable, the stores still arrive: only webAvailable is null, with the subgraph error', async () => {
    const { ean } = localCodeProduct();
    const answer = await ask(STORE_AVAILABILITY, { gtin: ean }, undefined, noWebShop.url);
    expect(answer.data!.product.gtin).toBe(ean);
    expect(answer.data!.product.webAvailable).toBeNull();
    expect(answer.data!.product.storeAvailability.length).toBeGreaterThan(0);
    expect(answer.errors!.map((e) => e.extensions?.code)).toEqual(['SUBGRAPH_UNAVAILABLE']);
  });
});
