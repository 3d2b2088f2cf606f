import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEstate } from '../legacy/generator/files.js';
import type { Estate } from '../legacy/generator/model.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { graphql } from './graphql.js';

// The whole graph on port 0: four stand-ins over a generated tiny estate, four legacy
// subgraphs, the crosswalk synced from the stand-ins, and the gateway over the checked-in
// supergraph. Every question goes to the gateway, as a front end would ask it.
let dir: string;
let stack: RunningStack;
let estate: Estate;
let gateway: string;
let token: string;

/** Asks the gateway as customer service would, with a service token. */
function ask(query: string, variables: Record<string, unknown> = {}) {
  return graphql(gateway, query, variables, token);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-e2e-'));
  stack = await startTestStack({ dataDir: dir, scale: 'tiny', ...ANY_PORTS }, { embedded: true });
  estate = await readEstate(dir);
  gateway = stack.gateway.url;
  token = await stack.tokens.sign({ role: 'service' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Loyalty members with an active card used at a till, whose person also has web orders. */
function customersWithEverything() {
  const found = [];
  const { ecommerce, loyalty, pos } = estate;
  const cardsUsed = new Set(pos.receipts.map((r) => r.card_number).filter((c): c is string => c !== null));
  const orderCount = new Map<number, number>();
  for (const order of ecommerce.orders) orderCount.set(order.customer_id, (orderCount.get(order.customer_id) ?? 0) + 1);
  for (const card of loyalty.cards) {
    if (card.status !== 'ACTIVE' || !cardsUsed.has(card.card_number)) continue;
    const member = loyalty.members.find((m) => m.member_id === card.member_id)!;
    const accounts = ecommerce.customers.filter((c) => c.email && member.email && c.email.trim().toLowerCase() === member.email.trim().toLowerCase());
    const withOrders = accounts.find((a) => (orderCount.get(a.id) ?? 0) > 0);
    if (withOrders) found.push({ card: card.card_number, memberId: member.member_id, account: withOrders });
  }
  if (found.length < 2) throw new Error('the tiny estate has fewer than two members with a used card and web orders');
  return found;
}

describe('one customer across channels', () => {
  it('gives web orders, store receipts and the loyalty card in one query', async () => {
    const { card, memberId, account } = customersWithEverything()[0]!;
    const answer = await ask(/* GraphQL */ `
        query ($card: String!) {
          customer(by: { cardNumber: $card }) {
            id
            identities { system localId }
            webOrders(first: 200) { number channel total { amount currency } }
            storeSales(first: 100) { number channel store { code franchise { code } } }
            loyalty { memberId cardNumber tier pointsBalance }
          }
        }
      `,
      { card },
    );
    expect(answer.errors).toBeUndefined();
    const customer = answer.data!.customer;
    expect(customer.identities).toEqual(expect.arrayContaining([
      { system: 'LOYALTY', localId: memberId },
      { system: 'ECOMMERCE', localId: String(account.id) },
    ]));
    const webNumbers = estate.ecommerce.orders.filter((o) => o.customer_id === account.id).map((o) => o.number);
    expect(customer.webOrders.map((o: { number: string }) => o.number)).toEqual(expect.arrayContaining(webNumbers));
    expect(customer.webOrders.every((o: { channel: string; total: { currency: string } }) => o.channel === 'WEB' && o.total.currency === 'EUR')).toBe(true);
    const cardReceipts = estate.pos.receipts.filter((r) => r.card_number === card).map((r) => r.receipt_no);
    expect(cardReceipts.length).toBeGreaterThan(0);
    expect(customer.storeSales.map((s: { number: string }) => s.number)).toEqual(expect.arrayContaining(cardReceipts));
    expect(customer.storeSales.every((s: { channel: string }) => s.channel === 'STORE')).toBe(true);
    expect(customer.loyalty).toMatchObject({ memberId, cardNumber: card });
  });
});

describe('one product by any reference', () => {
  function fullyReferencedProduct() {
    const stocked = new Set(estate.pos.stock.filter((s) => s.quantity > 0 && s.ean).map((s) => s.ean));
    const catalogue = estate.catalogue.products.find((p) => p.ean && stocked.has(p.ean) && estate.ecommerce.products.some((w) => w.ean === p.ean));
    if (!catalogue) throw new Error('the tiny estate has no product known to the catalogue, the web shop and a store');
    const web = estate.ecommerce.products.find((w) => w.ean === catalogue.ean)!;
    return { catalogueRef: catalogue.ref, gtin: catalogue.ean!, webSku: web.sku };
  }

  const PRODUCT = /* GraphQL */ `
    query ($catalogueRef: String, $gtin: String, $webSku: String) {
      product(catalogueRef: $catalogueRef, gtin: $gtin, webSku: $webSku) {
        catalogueRef gtin webSku name listPrice { amount currency }
        webPrice { amount currency }
        storeStock { store { code name } quantity }
      }
    }
  `;

  it('answers the same product by catalogue reference, web SKU and EAN, with its stock in stores', async () => {
    const refs = fullyReferencedProduct();
    const answers = await Promise.all([
      ask(PRODUCT, { catalogueRef: refs.catalogueRef }),
      ask(PRODUCT, { webSku: refs.webSku }),
      ask(PRODUCT, { gtin: refs.gtin }),
    ]);
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const [byRef, bySku, byEan] = answers.map((a) => a.data!.product);
    expect(byRef).toMatchObject({ catalogueRef: refs.catalogueRef, gtin: refs.gtin, webSku: refs.webSku });
    expect(bySku).toEqual(byRef);
    expect(byEan).toEqual(byRef);
    expect(byRef.webPrice.currency).toBe('EUR');
    const expectedStores = estate.pos.stock.filter((s) => s.ean === refs.gtin).map((s) => s.store_code).sort();
    expect(byRef.storeStock.map((s: { store: { code: string } }) => s.store.code).sort()).toEqual(expectedStores);
  });

  it('refuses an EAN with a wrong check digit, naming it', async () => {
    const { gtin } = fullyReferencedProduct();
    const wrong = gtin.slice(0, 12) + String((Number(gtin[12]) + 1) % 10);
    const answer = await ask(PRODUCT, { gtin: wrong });
    expect(answer.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(answer.errors?.[0]?.message).toContain(wrong);
  });
});

describe('partial answers', () => {
  afterEach(() => stack.estate.loyalty.faults.reset());

  it('keeps web orders and store receipts when loyalty is down, with a coded error for loyalty', async () => {
    // A customer not asked for before: the loyalty subgraph's cache would otherwise answer.
    const { card } = customersWithEverything()[1]!;
    stack.estate.loyalty.faults.set({ down: true });
    const answer = await ask(/* GraphQL */ `
        query ($card: String!) {
          customer(by: { cardNumber: $card }) { id webOrders { number } storeSales { number } loyalty { tier } }
        }
      `,
      { card },
    );
    expect(answer.data!.customer.webOrders.length).toBeGreaterThan(0);
    expect(answer.data!.customer.storeSales.length).toBeGreaterThan(0);
    expect(answer.data!.customer.loyalty).toBeNull();
    expect(answer.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: ['customer', 'loyalty'], extensions: expect.objectContaining({ code: 'SOURCE_UNAVAILABLE', source: 'loyalty' }) }),
    ]));
  });
});
