import type { Estate } from '../legacy/generator/model.js';
import type { RunningStack } from '../scripts/stack.js';
import { graphql } from './graphql.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// The store tablet when a customer is recognised at the till: one query for their sizes,
// what they own from every channel, their open quotes, their recent web orders and their
// contact choices, asked with an associate's token; and the store's quotes to follow up.
let tiny: TinyStack;
let stack: RunningStack;
let estate: Estate;

beforeAll(async () => {
  tiny = await startTinyStack('clienteling');
  ({ stack, estate } = tiny);
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
});

const TABLET = /* GraphQL */ `
  query Clienteling($card: String!) {
    customer(by: { cardNumber: $card }) {
      id
      displayName { value }
      loyalty { tier pointsBalance sizeProfile { shoeSize topSize bottomSize } consents { channel status } }
      purchasedProducts(first: 100) { unavailable products { product { gtin webSku name } quantity lastBoughtAt lastOrderNumber channels } }
      quotes(status: OPEN, first: 5) { number status validUntil total { amount currency } store { code } }
      orders(channel: WEB, first: 5) { totalCount edges { node { number placedAt total { amount } ... on WebOrder { status } } } }
      webAccounts { id newsletter { status } }
    }
  }
`;

it('shows the customer recognised by their card: sizes, what they own from every channel, open quotes, web orders, contact choices', async () => {
  const catalogueEans = new Set(estate.catalogue.products.map((p) => p.ean).filter(Boolean));
  // A card used at a till, whose holder also ordered on the web.
  let picked: { card: string; customer: Record<string, any> } | undefined;
  for (const card of new Set(estate.pos.receipts.map((r) => r.card_number).filter((c): c is string => c !== null))) {
    const store = estate.pos.receipts.find((r) => r.card_number === card)!.store_code;
    const associate = await stack.tokens.sign({ role: 'associate', store, franchise: store.slice(0, 3) });
    const answer = await graphql(stack.gateway.url, TABLET, { card }, associate);
    expect(answer.errors).toBeUndefined();
    if (answer.data!.customer?.orders.totalCount > 0) {
      picked = { card, customer: answer.data!.customer };
      break;
    }
  }
  expect(picked).toBeDefined();
  const { card, customer } = picked!;
  expect(customer.loyalty).not.toBeNull();
  expect(customer.purchasedProducts.unavailable).toEqual([]);
  const products = customer.purchasedProducts.products as { product: { gtin: string | null; webSku: string | null; name: string | null }; quantity: number; lastBoughtAt: string; channels: string[] }[];
  expect(products.length).toBeGreaterThan(0);
  expect(products.every((p) => p.quantity > 0)).toBe(true);
  const times = products.map((p) => Date.parse(p.lastBoughtAt));
  expect(times).toEqual([...times].sort((a, b) => b - a));
  // A product rung up on the card at a till, known to the catalogue, and not brought back, is among them, from STORE.
  const returned = new Set(estate.pos.returns.flatMap((r) => r.lines.map((l) => l.ean)));
  const bought = estate.pos.receipts.filter((r) => r.card_number === card).flatMap((r) => r.lines).find((l) => l.ean && catalogueEans.has(l.ean) && !returned.has(l.ean));
  if (bought) expect(products.find((p) => p.product.gtin === bought.ean)?.channels).toContain('STORE');
  expect(products.some((p) => p.channels.includes('WEB'))).toBe(true);
  expect(customer.orders.edges.every((e: { node: { status: string } }) => e.node.status !== undefined)).toBe(true);
  expect(customer.quotes.every((q: { status: string }) => q.status === 'OPEN')).toBe(true);
});

it("lists a store's quotes to follow up, soonest to expire first, to its own team", async () => {
  const open = estate.pos.quotes.filter((q) => q.status === 'OPEN');
  const code = open[0]!.store_code;
  const associate = await stack.tokens.sign({ role: 'associate', store: code, franchise: code.slice(0, 3) });
  const QUOTES = `query ($code: ID!, $status: QuoteStatus, $before: DateTime) { store(code: $code) { quotes(status: $status, expiringBefore: $before, first: 200) { number status validUntil seller { code } } } }`;
  const answer = await graphql(stack.gateway.url, QUOTES, { code }, associate);
  expect(answer.errors).toBeUndefined();
  const quotes = answer.data!.store.quotes as { number: string; status: string; validUntil: string }[];
  expect(new Set(quotes.map((q) => q.number))).toEqual(new Set(open.filter((q) => q.store_code === code).map((q) => q.quote_no)));
  const all = estate.pos.quotes.filter((q) => q.store_code === code && q.status === 'EXPIRED');
  const expired = await graphql(stack.gateway.url, QUOTES, { code, status: 'EXPIRED', before: '2100-01-01T00:00:00Z' }, associate);
  expect(expired.data!.store.quotes.map((q: { number: string }) => q.number).sort()).toEqual(all.map((q) => q.quote_no).sort());
  const times = expired.data!.store.quotes.map((q: { validUntil: string }) => Date.parse(q.validUntil));
  expect(times).toEqual([...times].sort((a: number, b: number) => a - b));
  const none = await graphql(stack.gateway.url, QUOTES, { code, before: '2000-01-01T00:00:00Z' }, associate);
  expect(none.data!.store.quotes).toEqual([]);
  const other = estate.pos.stores.find((s) => s.code !== code)!.code;
  expect((await graphql(stack.gateway.url, QUOTES, { code: other }, associate)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});
