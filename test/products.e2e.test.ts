import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEstate } from '../legacy/generator/files.js';
import type { CatalogueProduct, Estate } from '../legacy/generator/model.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { graphql } from './graphql.js';

// Product references through the gateway, as a web page or the store app asks: whatever code
// is typed, the crosswalk names the product and the catalogue answers the rest through the
// query planner.
let dir: string;
let stack: RunningStack;
let estate: Estate;
let gateway: string;
let token: string;

/** Asks the gateway as a data steward would, with a steward token. */
function ask(query: string, variables: Record<string, unknown> = {}) {
  return graphql(gateway, query, variables, token);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-products-e2e-'));
  stack = await startTestStack({ dataDir: dir, scale: 'tiny', ...ANY_PORTS });
  estate = await readEstate(dir);
  gateway = stack.gateway.url;
  token = await stack.tokens.sign({ role: 'steward' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const BY_REFERENCE = /* GraphQL */ `
  query ($ref: String!, $franchise: String) {
    productByReference(ref: $ref, franchise: $franchise) {
      ref
      kind
      value
      franchise
      ambiguous
      product { catalogueRef gtin webSku name }
      candidates { kind value franchise product { catalogueRef name } }
    }
  }
`;

const alias = (product: CatalogueProduct, type: string) => product.aliases.find((a) => a.type === type);

/** A catalogue product with an EAN, a web SKU and a till's local code. */
function everyCodeProduct() {
  const product = estate.catalogue.products.find((p) => p.ean && alias(p, 'WEB_SKU') && alias(p, 'POS_CODE'));
  if (!product) throw new Error('the tiny estate has no catalogue product with an EAN, a web SKU and a POS code');
  return { product, webSku: alias(product, 'WEB_SKU')!.value, pos: alias(product, 'POS_CODE')! };
}

/** A local code two franchises use, each for a product of its own. */
function sharedLocalCode() {
  const byCode = new Map<string, { franchise: string; ref: string }[]>();
  for (const p of estate.catalogue.products) {
    for (const a of p.aliases) if (a.type === 'POS_CODE') byCode.set(a.value, [...(byCode.get(a.value) ?? []), { franchise: a.franchise!, ref: p.ref }]);
  }
  const shared = [...byCode].find(([, uses]) => new Set(uses.map((u) => u.franchise)).size > 1 && new Set(uses.map((u) => u.ref)).size > 1);
  if (!shared) throw new Error('the tiny estate has no local code that two franchises use for different products');
  return { code: shared[0], uses: shared[1].sort((a, b) => a.franchise.localeCompare(b.franchise)) };
}

describe('one product by any of its codes', () => {
  it('answers the same product by catalogue reference without dots, EAN, web SKU in lower case and local code with its franchise', async () => {
    const { product, webSku, pos } = everyCodeProduct();
    const asks = [
      { variables: { ref: product.ref.replace(/\./g, '') }, kind: 'CATALOGUE_REF', value: product.ref, franchise: null },
      { variables: { ref: product.ean! }, kind: 'GTIN', value: product.ean, franchise: null },
      { variables: { ref: webSku.toLowerCase() }, kind: 'WEB_SKU', value: webSku, franchise: null },
      { variables: { ref: pos.value, franchise: pos.franchise!.toLowerCase() }, kind: 'POS_LOCAL_CODE', value: pos.value, franchise: pos.franchise },
    ];
    const answers = await Promise.all(asks.map((one) => ask(BY_REFERENCE, one.variables)));
    for (const [i, answer] of answers.entries()) {
      expect(answer.errors).toBeUndefined();
      const match = answer.data!.productByReference;
      expect(match).toMatchObject({ kind: asks[i]!.kind, value: asks[i]!.value, franchise: asks[i]!.franchise, ambiguous: false });
      expect(match.product).toEqual({ catalogueRef: product.ref, gtin: product.ean, webSku, name: product.name.fr });
      expect(match.candidates).toEqual([{ kind: asks[i]!.kind, value: asks[i]!.value, franchise: asks[i]!.franchise, product: { catalogueRef: product.ref, name: product.name.fr } }]);
    }
  });

  it('a local code two franchises use, asked without a franchise, answers every candidate and guesses none', async () => {
    const { code, uses } = sharedLocalCode();
    const answer = await ask(BY_REFERENCE, { ref: code });
    expect(answer.errors).toBeUndefined();
    const match = answer.data!.productByReference;
    expect(match).toMatchObject({ product: null, ambiguous: true, kind: 'POS_LOCAL_CODE', value: code, franchise: null });
    const name = (ref: string) => estate.catalogue.products.find((p) => p.ref === ref)!.name.fr;
    expect(match.candidates).toEqual(uses.map((u) => ({ kind: 'POS_LOCAL_CODE', value: code, franchise: u.franchise, product: { catalogueRef: u.ref, name: name(u.ref) } })));
    const one = await ask(BY_REFERENCE, { ref: code, franchise: uses[1]!.franchise });
    expect(one.data!.productByReference.product.catalogueRef).toBe(uses[1]!.ref);
  });

  it('an unknown code is null, and counted in the unmapped-codes report and the quality report', async () => {
    const unknown = await ask(BY_REFERENCE, { ref: 'nope-404' });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data!.productByReference).toBeNull();
    const report = await ask(/* GraphQL */ `
        {
          unmappedProductCodes(system: CROSSCANAL, first: 50) { system franchise code tillLines lookups }
          referenceQuality { catalogueProducts unmappedCodes { system franchise codes lookups } }
        }
      `,
    );
    expect(report.errors).toBeUndefined();
    expect(report.data!.unmappedProductCodes).toContainEqual({ system: 'CROSSCANAL', franchise: null, code: 'NOPE-404', tillLines: 0, lookups: 1 });
    expect(report.data!.referenceQuality.catalogueProducts).toBe(estate.catalogue.products.length);
    const asked = report.data!.referenceQuality.unmappedCodes.find((t: { system: string }) => t.system === 'CROSSCANAL');
    expect(asked.codes).toBeGreaterThanOrEqual(1);
    expect(asked.lookups).toBeGreaterThanOrEqual(1);
  });

  it("a code only a franchise's tills use is null with its franchise, and reported with its till lines", async () => {
    const catalogued = new Set(estate.catalogue.products.flatMap((p) => p.aliases.filter((a) => a.type === 'POS_CODE').map((a) => `${a.franchise} ${a.value}`)));
    const sold = estate.pos.receipts.flatMap((r) => r.lines.filter((l) => l.local_code && !catalogued.has(`${r.franchise} ${l.local_code}`)).map((l) => ({ franchise: r.franchise, code: l.local_code! })));
    if (sold.length === 0) throw new Error('the tiny estate has no till line with a local code the catalogue does not list');
    const { franchise, code } = sold[0]!;
    const answer = await ask(BY_REFERENCE, { ref: code, franchise });
    expect(answer.data!.productByReference).toBeNull();
    const report = await ask(/* GraphQL */ `query ($f: String) { unmappedProductCodes(system: POS, franchise: $f, first: 50) { code franchise tillLines lookups label } }`, { f: franchise });
    const line = report.data!.unmappedProductCodes.find((u: { code: string }) => u.code === code);
    expect(line).toMatchObject({ franchise, tillLines: sold.filter((s) => s.franchise === franchise && s.code === code).length });
    expect(line.lookups).toBeGreaterThanOrEqual(1);
  });

  it('refuses a reference that cannot be a code, naming it', async () => {
    const answer = await ask(BY_REFERENCE, { ref: '   ' });
    expect(answer.data?.productByReference ?? null).toBeNull();
    expect(answer.errors?.[0]).toMatchObject({ message: 'productByReference: ref must not be empty', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('says how far it has read each system', async () => {
    const answer = await ask('{ productReferenceSync { sources { source lastError lastFullAt entries } } }');
    expect(answer.errors).toBeUndefined();
    const sources = answer.data!.productReferenceSync.sources;
    expect(sources.map((s: { source: string; lastError: string | null }) => [s.source, s.lastError])).toEqual([
      ['CATALOGUE', null],
      ['ECOMMERCE', null],
      ['POS', null],
    ]);
    expect(sources[0].entries).toBe(estate.catalogue.products.length);
  });
});

describe('legacy calls of a product page', () => {
  const PAGE = /* GraphQL */ `
    query ($ref: String!, $postcode: String!) {
      product(catalogueRef: $ref) {
        catalogueRef name listPrice { amount } webPrice { amount }
        storePrices { store { code } price { amount } }
        storePromotions { id }
        availability(near: { postcode: $postcode }, first: 10) { stores { store { code } quantity } }
        campaigns { id }
      }
    }
  `;

  /**
   * The `nth` product from the end with a GTIN that stores stock and price (each test its own,
   * not asked before in this file, so that no subgraph cache answers for it) and a store holding
   * it; the tills' counter reset once the directory, kept across requests, has been read, so
   * that only the product's statements are counted.
   */
  async function stockedAndPriced(nth: number) {
    const stocked = new Set(estate.pos.stock.filter((s) => s.ean).map((s) => s.ean));
    const priced = new Set(estate.pos.prices.filter((p) => p.ean).map((p) => p.ean));
    const product = estate.catalogue.products.filter((p) => p.ean && stocked.has(p.ean) && priced.has(p.ean)).at(-nth)!;
    const store = estate.pos.stores.find((s) => estate.pos.stock.some((line) => line.ean === product.ean && line.store_code === s.code))!;
    await ask('{ franchises { code } }');
    stack.estate.pos.counter.reset();
    return { product, store };
  }

  test('the tills cost one statement per franchise for prices and promotions and one per franchise for stock', async () => {
    const { product, store } = await stockedAndPriced(1);

    const { data, errors } = await ask(PAGE, { ref: product.ref, postcode: store.postcode });
    expect(errors).toBeUndefined();
    const answered = data!.product as { storePrices: unknown[]; availability: { stores: unknown[] } };
    expect(answered.storePrices.length).toBeGreaterThan(0);
    expect(answered.availability.stores.length).toBeGreaterThan(0);
    // Two plan steps reach the tills (prices and promotions; then stock, which needs the
    // catalogue's aliases and the web shop's answer): one statement per franchise in each.
    expect(stack.estate.pos.counter.snapshot().byOperation).toEqual({ select: 2 * estate.pos.franchises.length });
  });

  test("with storeAvailability, stock, prices and promotions come in one plan step, and the tills answer them in one statement per franchise", async () => {
    const page = /* GraphQL */ `
      query ($ref: String!, $postcode: String!) {
        product(catalogueRef: $ref) {
          catalogueRef webAvailable
          storePrices { store { code } price { amount } }
          storePromotions { id }
          storeAvailability(near: { postcode: $postcode }, first: 10) { store { code } quantity }
        }
      }
    `;
    // Another product than the test before's, so that no cache answers for it.
    const { product, store } = await stockedAndPriced(2);

    const { data, errors } = await ask(page, { ref: product.ref, postcode: store.postcode });
    expect(errors).toBeUndefined();
    const answered = data!.product as { storePrices: unknown[]; storeAvailability: Array<{ store: { code: string } }> };
    expect(answered.storePrices.length).toBeGreaterThan(0);
    expect(answered.storeAvailability.map((s) => s.store.code)).toContain(store.code);
    // Two loaders, stock and pricing, read together: one statement per franchise, where two were sent.
    expect(stack.estate.pos.counter.snapshot().byOperation).toEqual({ select: estate.pos.franchises.length });
  });
});
