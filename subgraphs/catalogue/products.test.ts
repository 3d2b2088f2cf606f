import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { catalogueFixture } from '../../legacy/catalogue/fixture.js';
import { subgraph } from './server.js';
import { startHarness, type Harness } from './testHarness.js';

// No cross-request cache here, so that each test sees the PIM calls of its own request.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ cache: false });
});
afterAll(() => h.stop());
beforeEach(() => h.takeCalls());

const PRODUCT = `catalogueRef gtin webSku name nameEn: name(locale: EN) description descriptionEn: description(locale: EN)
  brand status category sizes listPrice { amount currency } updatedAt aliases { kind value franchise }`;

describe('product', () => {
  it('finds a product by its catalogue ref, with every field normalised', async () => {
    const { data, errors } = await h.query(`{ product(catalogueRef: "702.611.50") { ${PRODUCT} } }`);
    expect(errors).toBeUndefined();
    expect(data.product).toEqual({
      catalogueRef: '702.611.50',
      gtin: '3570041128362',
      webSku: 'RUN-30418-BLU',
      name: 'Chaussure de running Altitude Sirocco bleu',
      nameEn: 'Altitude Sirocco running shoe, blue',
      description: 'Chaussure de running Sirocco de Altitude, pensé pour un usage régulier.',
      descriptionEn: "Altitude's Sirocco running shoe, built for regular use.",
      brand: 'Altitude',
      status: 'ACTIVE',
      category: ['Chaussures', 'Running'],
      sizes: ['38', '39', '40', '41', '42', '43', '44', '45'],
      listPrice: { amount: 8990, currency: 'EUR' },
      updatedAt: '2026-01-10T08:15:00.000Z',
      aliases: [
        { kind: 'CATALOGUE_REF', value: '702.611.50', franchise: null },
        { kind: 'GTIN', value: '3570041128362', franchise: null },
        { kind: 'WEB_SKU', value: 'RUN-30418-BLU', franchise: null },
        { kind: 'SUPPLIER_REF', value: 'ALT204113', franchise: null },
        { kind: 'CATALOGUE_REF', value: '611.702.05', franchise: null },
      ],
    });
    expect(h.takeCalls().byOperation).toEqual({ 'GET /products?refs': 1 });
  });

  it('finds a product by GTIN, in its EAN-13 or GTIN-14 form, through the PIM\'s eans batch', async () => {
    const { data } = await h.query(`{ a: product(gtin: "3402188765011") { catalogueRef gtin } b: product(gtin: "03402188765011") { catalogueRef } }`);
    expect(data).toEqual({ a: { catalogueRef: '815.240.07', gtin: '3402188765011' }, b: { catalogueRef: '815.240.07' } });
    // Both forms are one key: one call, one value asked.
    expect(h.takeCalls()).toMatchObject({ byOperation: { 'GET /products?eans': 1 }, itemsByOperation: { 'GET /products?eans': 1 } });
  });

  it('finds a product by web SKU through its WEB_SKU alias, and POS codes per franchise', async () => {
    const { data } = await h.query(`{ product(webSku: "RUN-77120-BLA") { catalogueRef webSku aliases { kind value franchise } } }`);
    expect(data.product).toEqual({
      catalogueRef: '815.240.07',
      webSku: 'RUN-77120-BLA',
      aliases: [
        { kind: 'CATALOGUE_REF', value: '815.240.07', franchise: null },
        { kind: 'GTIN', value: '3402188765011', franchise: null },
        { kind: 'WEB_SKU', value: 'RUN-77120-BLA', franchise: null },
        { kind: 'POS_LOCAL_CODE', value: 'L0001', franchise: 'NRD' },
      ],
    });
    expect(h.takeCalls().byOperation).toEqual({ 'GET /products?aliases': 1 });
  });

  it('does not take another kind of alias for a web SKU: a supplier ref is not a web SKU', async () => {
    const { data, errors } = await h.query(`{ product(webSku: "ALT204113") { catalogueRef } }`);
    expect(errors).toBeUndefined();
    expect(data.product).toBeNull();
  });

  it('finds a web SKU in any case, as the shop and people type it, in one PIM call', async () => {
    const { data, errors } = await h.query(`{ lower: product(webSku: "run-77120-bla") { catalogueRef webSku } mixed: product(webSku: "Run-77120-Bla") { catalogueRef } exact: product(webSku: "RUN-77120-BLA") { catalogueRef } }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({ lower: { catalogueRef: '815.240.07', webSku: 'RUN-77120-BLA' }, mixed: { catalogueRef: '815.240.07' }, exact: { catalogueRef: '815.240.07' } });
    // One batch call: each value as given and in upper case, the upper-case form asked once.
    expect(h.takeCalls()).toMatchObject({ total: 1, byOperation: { 'GET /products?aliases': 1 }, itemsByOperation: { 'GET /products?aliases': 3 } });
  });

  it('resolves a Product entity by its webSku key in any case', async () => {
    const { data, errors } = await h.entities(
      [{ __typename: 'Product', webSku: 'jac-20931-gre' }, { __typename: 'Product', webSku: 'JAC-20931-GRE' }, { __typename: 'Product', webSku: 'jac-00000-no' }],
      'catalogueRef webSku',
    );
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([{ catalogueRef: expect.any(String), webSku: 'JAC-20931-GRE' }, { catalogueRef: data._entities[0].catalogueRef, webSku: 'JAC-20931-GRE' }, null]);
    expect(h.takeCalls().byOperation).toEqual({ 'GET /products?aliases': 1 });
  });

  it('writes a ref keyed without dots the PIM\'s way', async () => {
    const { data } = await h.query(`{ product(catalogueRef: "70261150") { catalogueRef } }`);
    expect(data.product).toEqual({ catalogueRef: '702.611.50' });
  });

  it('serves a product without an EAN, and without a web SKU, with null for them', async () => {
    const { data } = await h.query(`{ product(catalogueRef: "144.902.33") { gtin webSku aliases { kind value } } }`);
    expect(data.product).toEqual({ gtin: null, webSku: null, aliases: [{ kind: 'CATALOGUE_REF', value: '144.902.33' }, { kind: 'SUPPLIER_REF', value: '9000012' }] });
  });

  it('answers null for a reference the catalogue does not know, an old ref included', async () => {
    const { data, errors } = await h.query(`{ a: product(catalogueRef: "999.999.99") { name } b: product(gtin: "4006381333931") { name } c: product(webSku: "NOPE-1") { name } d: product(catalogueRef: "611.702.05") { name } }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({ a: null, b: null, c: null, d: null });
  });

  it('refuses zero or several references with BAD_USER_INPUT', async () => {
    for (const [args, got] of [['', 'none'], ['catalogueRef: "702.611.50", gtin: "3570041128362"', 'catalogueRef and gtin'], ['gtin: null', 'none']]) {
      const { data, errors } = await h.query(`{ product${args ? `(${args})` : ''} { name } }`);
      expect(data).toEqual({ product: null });
      expect(errors).toEqual([expect.objectContaining({ message: `product takes exactly one of catalogueRef, gtin or webSku; got ${got}`, extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    }
    expect(h.takeCalls().total).toBe(0);
  });

  it('refuses a malformed GTIN with BAD_USER_INPUT naming it and the expected check digit, without asking the PIM', async () => {
    const { errors } = await h.query(`{ product(gtin: "3570041128363") { name } }`);
    expect(errors?.[0]).toMatchObject({
      message: 'gtin "3570041128363" is not a valid GTIN: its check digit should be 2',
      extensions: { code: 'BAD_USER_INPUT', argument: 'gtin' },
    });
    const letters = await h.query(`{ product(gtin: "357004112836X") { name } }`);
    expect(letters.errors?.[0]?.message).toBe('gtin "357004112836X" is not a valid GTIN: a GTIN is 8, 12, 13 or 14 digits');
    const ref = await h.query(`{ product(catalogueRef: "702.611") { name } }`);
    expect(ref.errors?.[0]).toMatchObject({ message: 'catalogueRef "702.611" is not a catalogue ref: a catalogue ref is eight digits written 702.611.50', extensions: { code: 'BAD_USER_INPUT' } });
    expect(h.takeCalls().total).toBe(0);
  });
});

describe('products', () => {
  it('answers in argument order, null for unknown refs, in one call with each ref asked once', async () => {
    const refs = ['815.240.07', '999.999.99', '702.611.50', '815.240.07', '144.902.33'];
    const { data, errors } = await h.query(`query ($refs: [String!]!) { products(catalogueRefs: $refs) { catalogueRef } }`, { refs });
    expect(errors).toBeUndefined();
    expect(data.products).toEqual([{ catalogueRef: '815.240.07' }, null, { catalogueRef: '702.611.50' }, { catalogueRef: '815.240.07' }, { catalogueRef: '144.902.33' }]);
    expect(h.takeCalls()).toMatchObject({ total: 1, itemsByOperation: { 'GET /products?refs': 4 } });
  });

  it('refuses more than 500 refs, and a malformed one, naming it and its position', async () => {
    const many = Array.from({ length: 501 }, () => '702.611.50');
    const tooMany = await h.query(`query ($refs: [String!]!) { products(catalogueRefs: $refs) { catalogueRef } }`, { refs: many });
    expect(tooMany.errors?.[0]).toMatchObject({ message: 'products takes at most 500 catalogueRefs per query, got 501; split the list', extensions: { code: 'BAD_USER_INPUT' } });
    const malformed = await h.query(`{ products(catalogueRefs: ["702.611.50", "3570041128362"]) { catalogueRef } }`);
    expect(malformed.errors?.[0]).toMatchObject({ message: 'catalogueRefs[1] "3570041128362" is not a catalogue ref: a catalogue ref is eight digits written 702.611.50', extensions: { code: 'BAD_USER_INPUT' } });
    expect(h.takeCalls().total).toBe(0);
  });
});

describe('productsByCategory', () => {
  const query = `query ($category: String!, $first: Int, $after: String) {
    productsByCategory(category: $category, first: $first, after: $after) { nodes { catalogueRef listPrice { amount } } pageInfo { hasNextPage endCursor } } }`;

  it('pages over the PIM\'s cursors, in the PIM\'s order, sub-categories included', async () => {
    const first = await h.query(query, { category: 'Chaussures', first: 2 });
    expect(first.errors).toBeUndefined();
    expect(first.data.productsByCategory.nodes.map((node: { catalogueRef: string }) => node.catalogueRef)).toEqual(['330.118.92', '702.611.50']);
    expect(first.data.productsByCategory.pageInfo).toEqual({ hasNextPage: true, endCursor: expect.any(String) });
    const second = await h.query(query, { category: 'Chaussures', first: 2, after: first.data.productsByCategory.pageInfo.endCursor });
    expect(second.data.productsByCategory).toEqual({ nodes: [{ catalogueRef: '815.240.07', listPrice: { amount: 12999 } }], pageInfo: { hasNextPage: false, endCursor: null } });
    expect(h.takeCalls()).toMatchObject({ total: 2, byOperation: { 'GET /products': 2 } });
  });

  it('matches category paths segment by segment and serves an unknown category as an empty page', async () => {
    const jackets = await h.query(query, { category: 'Vêtements>Vestes' });
    expect(jackets.data.productsByCategory.nodes.map((node: { catalogueRef: string }) => node.catalogueRef)).toEqual(['561.007.14', '144.902.33']);
    const unknown = await h.query(query, { category: 'Jardin' });
    expect(unknown.data.productsByCategory).toEqual({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('serves the products of the page without asking the PIM for them again', async () => {
    const { data } = await h.query(`{ productsByCategory(category: "Camping") { nodes { catalogueRef campaigns(activeAt: "2026-03-01T00:00:00Z") { id } } } }`);
    expect(data.productsByCategory.nodes).toEqual([{ catalogueRef: '477.313.80', campaigns: [{ id: 'catalogue:CMP-CAMP-CLEAR' }] }]);
    expect(h.takeCalls().byOperation).toEqual({ 'GET /products': 1, 'GET /campaigns': 1 });
  });

  it('refuses a malformed category, a page size out of 1–500 and a cursor not issued for this listing', async () => {
    const category = await h.query(query, { category: 'Chaussures >' });
    expect(category.errors?.[0]).toMatchObject({ message: 'category must be a path like "Chaussures > Running", got "Chaussures >"', extensions: { code: 'BAD_USER_INPUT' } });
    for (const first of [0, 501]) {
      const size = await h.query(query, { category: 'Chaussures', first });
      expect(size.errors?.[0]).toMatchObject({ message: `first must be from 1 to 500, got ${first}`, extensions: { code: 'BAD_USER_INPUT' } });
    }
    const page = await h.query(query, { category: 'Chaussures', first: 1 });
    const cursor = page.data.productsByCategory.pageInfo.endCursor as string;
    const elsewhere = await h.query(query, { category: 'Camping', after: cursor });
    expect(elsewhere.data).toEqual({ productsByCategory: null });
    expect(elsewhere.errors?.[0]).toMatchObject({
      message: `after ${JSON.stringify(cursor)} is not a cursor of this listing: pass pageInfo.endCursor back unchanged, with the same category`,
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    });
    const forged = `${cursor.split('.')[0]}.AAAAAAAAAAAAAAAA`;
    const altered = await h.query(query, { category: 'Chaussures', after: forged });
    expect(altered.errors?.[0]).toMatchObject({ message: expect.stringContaining(`after "${forged}" is not a cursor`), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('productsByCategory, with the cross-request cache', () => {
  const query = `query ($category: String!, $first: Int, $after: String) {
    productsByCategory(category: $category, first: $first, after: $after) { nodes { catalogueRef name } pageInfo { hasNextPage endCursor } } }`;
  let cached: Harness | undefined;
  afterEach(async () => {
    await cached?.stop();
    cached = undefined;
  });

  it('asks the PIM for a page once a minute: the same category, size and cursor are served from the cache', async () => {
    cached = await startHarness({ retries: 0 });
    const first = await cached.query(query, { category: 'Chaussures', first: 2 });
    const again = await cached.query(query, { category: 'Chaussures', first: 2 });
    expect(again).toEqual(first);
    expect(first.data.productsByCategory.nodes.map((node: { catalogueRef: string }) => node.catalogueRef)).toEqual(['330.118.92', '702.611.50']);
    expect(cached.takeCalls().byOperation).toEqual({ 'GET /products': 1 });
    // Another size, another page: each its own call, then kept too.
    const three = await cached.query(query, { category: 'Chaussures', first: 3 });
    expect(three.data.productsByCategory.nodes).toHaveLength(3);
    const cursor = first.data.productsByCategory.pageInfo.endCursor as string;
    for (let i = 0; i < 2; i++) {
      const second = await cached.query(query, { category: 'Chaussures', first: 2, after: cursor });
      expect(second.data.productsByCategory).toEqual({ nodes: [{ catalogueRef: '815.240.07', name: expect.any(String) }], pageInfo: { hasNextPage: false, endCursor: null } });
    }
    expect(cached.takeCalls().byOperation).toEqual({ 'GET /products': 2 });
  });

  it('asks again past the TTL, and serves the page it holds while the PIM fails, saying how old it is', async () => {
    cached = await startHarness({ retries: 0, ttls: { listingsMs: 0 } });
    const fresh = await cached.query(query, { category: 'Vêtements' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await cached.query(query, { category: 'Vêtements' });
    expect(cached.takeCalls().byOperation).toEqual({ 'GET /products': 2 });
    cached.pim.faults.set({ down: true });
    const stale = (await cached.query(query, { category: 'Vêtements' })) as Awaited<ReturnType<Harness['query']>> & { extensions?: { stale?: unknown } };
    expect(stale.errors).toBeUndefined();
    expect(stale.data).toEqual(fresh.data);
    expect(stale.extensions?.stale).toEqual([{ source: 'catalogue', kind: 'categoryPage', ageMs: expect.any(Number) }]);
    // A page it never held has nothing to fall back on.
    const never = await cached.query(query, { category: 'Camping' });
    expect(never.data).toEqual({ productsByCategory: null });
    expect(never.errors?.[0]).toMatchObject({ path: ['productsByCategory'], extensions: { code: 'SOURCE_UNAVAILABLE', source: 'catalogue' } });
  });

  it('keeps no refusal and no failure: a forged cursor is refused each time, a page the PIM failed is asked again', async () => {
    cached = await startHarness({ retries: 0 });
    const page = await cached.query(query, { category: 'Chaussures', first: 1 });
    const forged = `${(page.data.productsByCategory.pageInfo.endCursor as string).split('.')[0]}.AAAAAAAAAAAAAAAA`;
    cached.takeCalls();
    for (let i = 0; i < 2; i++) {
      const refused = await cached.query(query, { category: 'Chaussures', first: 1, after: forged });
      expect(refused.errors?.[0]).toMatchObject({ message: expect.stringContaining(`after "${forged}" is not a cursor`), extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    }
    expect(cached.takeCalls().byOperation).toEqual({ 'GET /products': 2 });
    cached.pim.faults.set({ errorRate: 1 });
    const failed = await cached.query(query, { category: 'Camping' });
    expect(failed.errors?.[0]).toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE' } });
    cached.pim.faults.reset();
    const served = await cached.query(query, { category: 'Camping' });
    expect(served.errors).toBeUndefined();
    expect(served.data.productsByCategory.nodes.map((node: { catalogueRef: string }) => node.catalogueRef)).toEqual(['477.313.80']);
  });
});

describe('campaigns', () => {
  // The fixture's campaigns active at an instant, in the PIM's order (start, then id).
  const activeAt = (iso: string) =>
    catalogueFixture.campaigns
      .filter((c) => Date.parse(c.starts_at) <= Date.parse(iso) && Date.parse(iso) < Date.parse(c.ends_at))
      .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at) || (a.id < b.id ? -1 : 1));

  it('lists the campaigns active at an instant, as catalogue product promotions in minor units and hundredths of a percent', async () => {
    const { data, errors } = await h.query(`{ campaigns(activeAt: "2026-03-12T10:00:00+01:00") {
      id system title kind percentOff amountOff { amount currency } fixedPrice { amount currency } channels stage priority stackable
      scope { allProducts catalogueRefs categories } conditions { couponCode } startsAt endsAt value currency code } }`);
    expect(errors).toBeUndefined();
    const campaign = (fields: Record<string, unknown>) => ({
      system: 'CATALOGUE',
      kind: 'PERCENT_OFF',
      amountOff: null,
      fixedPrice: null,
      stage: 'PRODUCT',
      priority: 0,
      stackable: false,
      conditions: { couponCode: null },
      currency: null,
      code: null,
      ...fields,
    });
    const categories = (...paths: string[]) => ({ allProducts: false, catalogueRefs: [], categories: paths });
    expect(data.campaigns).toEqual([
      campaign({ id: 'catalogue:CMP-RUN-AUTUMN', title: 'Automne running', percentOff: 2000, value: 2000, channels: ['WEB', 'STORE'], scope: categories('Chaussures > Running'), startsAt: '2026-02-01T00:00:00.000Z', endsAt: '2026-03-31T22:00:00.000Z' }),
      campaign({ id: 'catalogue:CMP-CAMP-CLEAR', title: 'Fin de saison camping', percentOff: 3000, value: 3000, channels: ['STORE'], scope: categories('Camping'), startsAt: '2026-02-15T00:00:00.000Z', endsAt: '2026-03-15T00:00:00.000Z' }),
      campaign({ id: 'catalogue:CMP-SELECTION', title: 'Sélection du mois', percentOff: 1500, value: 1500, channels: ['WEB', 'STORE'], scope: expect.objectContaining({ allProducts: false }), startsAt: '2026-03-01T00:00:00.000Z', endsAt: '2026-03-31T00:00:00.000Z' }),
      campaign({ id: 'catalogue:CMP-WEB-JACKETS', title: 'Vestes : 10 € offerts', kind: 'AMOUNT_OFF', percentOff: null, amountOff: { amount: 1000, currency: 'EUR' }, value: 1000, currency: 'EUR', channels: ['WEB'], scope: categories('Vêtements > Vestes'), startsAt: '2026-03-10T00:00:00.000Z', endsAt: '2026-04-10T00:00:00.000Z' }),
    ]);
    expect(data.campaigns.map((c: { id: string }) => c.id)).toEqual(activeAt('2026-03-12T09:00:00Z').map((c) => `catalogue:${c.id}`));
    const selection = catalogueFixture.campaigns.find((c) => c.id === 'CMP-SELECTION')!;
    expect(data.campaigns[2].scope).toEqual({ allProducts: false, catalogueRefs: selection.product_refs, categories: selection.categories.map((c) => c.split('>').map((s) => s.trim()).join(' > ')) });
  });

  it('filters by channel, speaks English when asked, and defaults to the campaigns active now', async () => {
    const { data } = await h.query(`{ store: campaigns(activeAt: "2026-03-12T00:00:00Z", channel: STORE) { id } en: campaigns(activeAt: "2025-04-01T00:00:00Z", locale: EN) { title } now: campaigns { id } }`);
    expect(data.store).toEqual([{ id: 'catalogue:CMP-RUN-AUTUMN' }, { id: 'catalogue:CMP-CAMP-CLEAR' }, { id: 'catalogue:CMP-SELECTION' }]);
    expect(data.en).toEqual([{ title: 'Spring 2025' }]);
    expect(data.now).toEqual(activeAt(new Date().toISOString()).map((c) => ({ id: `catalogue:${c.id}` })));
    // Three lists, one call: the campaign list is fetched once and filtered here.
    expect(h.takeCalls().byOperation).toEqual({ 'GET /campaigns': 1 });
  });

  it('refuses an instant that is not ISO 8601 with a zone, showing it', async () => {
    const { errors } = await h.query('query ($at: DateTime) { campaigns(activeAt: $at) { id } }', { at: '2026-03-12T10:00:00' });
    expect(errors?.[0]).toMatchObject({ message: expect.stringContaining('"2026-03-12T10:00:00"'), extensions: { code: 'BAD_USER_INPUT' } });
    expect(h.takeCalls().total).toBe(0);
  });

  it('gives each product the campaigns that cover it, by ref or by category path', async () => {
    const { data } = await h.query(`{ products(catalogueRefs: ["815.240.07", "330.118.92", "561.007.15", "144.902.33", "612.774.03"]) {
      catalogueRef campaigns(activeAt: "2026-03-12T00:00:00Z") { id } web: campaigns(activeAt: "2026-03-12T00:00:00Z", channel: STORE) { id } spring: campaigns(activeAt: "2025-04-01T00:00:00Z") { id } } }`);
    expect(data.products).toEqual([
      { catalogueRef: '815.240.07', campaigns: [{ id: 'catalogue:CMP-RUN-AUTUMN' }], web: [{ id: 'catalogue:CMP-RUN-AUTUMN' }], spring: [{ id: 'catalogue:CMP-SPRING-2025' }] },
      { catalogueRef: '330.118.92', campaigns: [{ id: 'catalogue:CMP-SELECTION' }], web: [{ id: 'catalogue:CMP-SELECTION' }], spring: [{ id: 'catalogue:CMP-SPRING-2025' }] },
      { catalogueRef: '561.007.15', campaigns: [], web: [], spring: [] },
      { catalogueRef: '144.902.33', campaigns: [{ id: 'catalogue:CMP-WEB-JACKETS' }], web: [], spring: [] },
      { catalogueRef: '612.774.03', campaigns: [{ id: 'catalogue:CMP-SELECTION' }], web: [{ id: 'catalogue:CMP-SELECTION' }], spring: [] },
    ]);
    expect(h.takeCalls().byOperation).toEqual({ 'GET /products?refs': 1, 'GET /campaigns': 1 });
  });
});

describe('what the PIM serves since: no list price, fixed-price campaigns, kinds added later', () => {
  let own: Harness;
  beforeAll(async () => {
    own = await startHarness({
      cache: false,
      data: {
        products: catalogueFixture.products.map((p) => (p.ref === '330.118.92' ? { ...p, list_price: null } : p)),
        campaigns: [
          ...catalogueFixture.campaigns,
          { ...catalogueFixture.campaigns[0]!, id: 'CMP-PRIX-CHOC', kind: 'FIXED_PRICE', value: '59.99', categories: [], product_refs: ['815.240.07'] },
          { ...catalogueFixture.campaigns[0]!, id: 'CMP-BOGO', kind: 'BOGO' as 'PERCENT', value: '1+1', categories: [], product_refs: ['815.240.07'] },
        ],
      },
    });
  });
  afterAll(() => own.stop());

  it('serves a product without a list price with listPrice null and no error', async () => {
    const { data, errors } = await own.query('{ product(catalogueRef: "330.118.92") { catalogueRef listPrice { amount currency } } }');
    expect(errors).toBeUndefined();
    expect(data.product).toEqual({ catalogueRef: '330.118.92', listPrice: null });
  });

  it('serves a FIXED_PRICE campaign with its fixed price, and a kind it cannot read as OTHER rather than an error', async () => {
    const { data, errors } = await own.query(`{ product(catalogueRef: "815.240.07") { campaigns(activeAt: "2026-03-12T00:00:00Z") {
      id kind percentOff fixedPrice { amount currency } stage scope { catalogueRefs } value currency } } }`);
    expect(errors).toBeUndefined();
    // In the PIM's order: start, then id.
    expect(data.product.campaigns).toEqual([
      { id: 'catalogue:CMP-BOGO', kind: 'OTHER', percentOff: null, fixedPrice: null, stage: 'PRODUCT', scope: { catalogueRefs: ['815.240.07'] }, value: 0, currency: null },
      { id: 'catalogue:CMP-PRIX-CHOC', kind: 'FIXED_PRICE', percentOff: null, fixedPrice: { amount: 5999, currency: 'EUR' }, stage: 'PRODUCT', scope: { catalogueRefs: ['815.240.07'] }, value: 5999, currency: 'EUR' },
      { id: 'catalogue:CMP-RUN-AUTUMN', kind: 'PERCENT_OFF', percentOff: 2000, fixedPrice: null, stage: 'PRODUCT', scope: { catalogueRefs: [] }, value: 2000, currency: null },
    ]);
  });
});

describe('federation', () => {
  it('serves its SDL with the Product keys: a till reference and the three codes', async () => {
    const { data } = await h.query('{ _service { sdl } }');
    expect(data._service.sdl).toMatch(/type Product\s+@key\(fields: "tillRef"\)\s+@key\(fields: "catalogueRef"\)\s+@key\(fields: "gtin"\)\s+@key\(fields: "webSku"\)/);
  });

  it('composes, alone and beside subgraphs that resolve Product by web SKU and by GTIN', () => {
    expect(composeServices([{ name: 'catalogue', typeDefs: subgraph.typeDefs, url: 'http://catalogue' }]).errors).toBeUndefined();
    const header = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';
    const web = parse(`${header}
      type Product @key(fields: "webSku") { webSku: String webPrice: Money }
      type Money @shareable { amount: Int! currency: String! }
      type Query { webProduct(sku: String!): Product }`);
    const pos = parse(`${header}
      type Product @key(fields: "gtin") { gtin: String storeStock: Int }
      type Query { storeProduct(gtin: String!): Product }`);
    const result = composeServices([
      { name: 'catalogue', typeDefs: subgraph.typeDefs, url: 'http://catalogue' },
      { name: 'web', typeDefs: web, url: 'http://web' },
      { name: 'pos', typeDefs: pos, url: 'http://pos' },
    ]);
    expect(result.errors).toBeUndefined();
  });
});
