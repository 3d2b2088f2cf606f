import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { isRole, type Role } from '../subgraphs/shared/principal.js';
import { graphql } from './graphql.js';

// The README's quick start and first queries, kept true: the two commands it gives, and each
// query it tells a newcomer to paste, run through the gateway over the default demo estate
// that `npm start` generates.
const README = fileURLToPath(new URL('../README.md', import.meta.url));

let dir: string;
let stack: RunningStack;
let readme: string;
let token: string;

beforeAll(async () => {
  readme = await readFile(README, 'utf8');
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-readme-'));
  stack = await startTestStack({ dataDir: dir, scale: 'demo', ...ANY_PORTS });
  token = await stack.tokens.sign({ role: readmeRole() });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The fenced blocks of a section of the README, by language. */
function blocks(section: string, language: string): string[] {
  const start = readme.indexOf(section);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf('\n## ', start + section.length);
  const text = readme.slice(start, next === -1 ? undefined : next);
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** The role the README's token command asks for (`npm run --silent token -- --role <role>`). */
function readmeRole(): Role {
  const [commands] = blocks('### First queries', 'sh');
  const role = /npm run --silent token -- --role (\w+)/.exec(commands ?? '')?.[1];
  if (!isRole(role)) throw new Error(`the README's first queries make no token with a known role: ${JSON.stringify(commands)}`);
  return role;
}

/** Asks the gateway with the README's token. */
function ask(query: string) {
  return graphql(stack.gateway.url, query, {}, token);
}

test('the quick start is two commands: one starts the graph, one runs the tests', () => {
  const [commands] = blocks('## Quick start', 'sh');
  const lines = commands!.split('\n').filter((line) => line.trim() !== '').map((line) => line.replace(/#.*$/, '').trim());
  expect(lines).toEqual(['npm start', 'npm test']);
});

test('every first query runs through the gateway without an error, on the default demo estate', async () => {
  const queries = blocks('### First queries', 'graphql');
  expect(queries.length).toBeGreaterThanOrEqual(2);
  for (const query of queries) {
    const answer = await ask(query);
    expect({ query, errors: answer.errors ?? [] }).toEqual({ query, errors: [] });
  }
});

test('the curl example finds the customer with the token, and nothing without one', async () => {
  const [commands] = blocks('### First queries', 'sh');
  const body = /-d '([^']+)'/.exec(commands!)![1]!;
  const { query } = JSON.parse(body) as { query: string };
  const answer = await ask(query);
  expect(answer.errors).toBeUndefined();
  expect(answer.data!.customer.displayName.value).toMatch(/Noah Aubry/i);
  const anonymous = await graphql(stack.gateway.url, query);
  expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

test('the customer example finds one person by a messy email, with a loyalty card, web orders and store receipts', async () => {
  const query = blocks('### First queries', 'graphql').find((q) => q.includes('customer(by:'))!;
  const { data } = await ask(query);
  const customer = data!.customer as { identities: { system: string }[]; loyalty: { cardNumber: string } | null; webOrders: unknown[]; storeSales: unknown[] };
  expect(customer.loyalty?.cardNumber).toMatch(/^29\d{11}$/);
  expect(customer.webOrders.length).toBeGreaterThan(0);
  expect(customer.storeSales.length).toBeGreaterThan(0);
  // Two web accounts, as the README says.
  expect(customer.identities.filter((i) => i.system === 'ECOMMERCE')).toHaveLength(2);
});

test('the product example resolves its catalogue reference, with its web price and stock in stores', async () => {
  const query = blocks('### First queries', 'graphql').find((q) => q.includes('product('))!;
  const ref = /catalogueRef: "([^"]+)"/.exec(query)![1]!;
  const { data } = await ask(query);
  expect(data!.product).toMatchObject({ catalogueRef: ref, gtin: expect.stringMatching(/^\d{13}$/) });
  expect(data!.product!.webPrice).not.toBeNull();
  expect(data!.product!.storeStock.length).toBeGreaterThan(0);
  // The same product by the other references the README names.
  const bySku = await ask(`{ product(webSku: "${data!.product!.webSku}") { catalogueRef } }`);
  const byGtin = await ask(`{ product(gtin: "${data!.product!.gtin}") { catalogueRef } }`);
  expect([bySku.data?.product?.catalogueRef, byGtin.data?.product?.catalogueRef]).toEqual([ref, ref]);
});

test('the price story examples run on the demo estate: a product page with its offers per channel, what a customer may use, the coherence report', async () => {
  const queries = blocks('## One price story', 'graphql');
  expect(queries).toHaveLength(3);
  const [page, eligible, coherence] = await Promise.all(queries.map((query) => ask(query)));
  for (const [query, answer] of queries.map((q, i) => [q, [page, eligible, coherence][i]!] as const)) {
    expect({ query, errors: answer.errors ?? [] }).toEqual({ query, errors: [] });
  }
  // The tent of the example: 25 % off on the web (an automatic cart rule), 30 % off in the stores (the camping clearance).
  const product = page!.data!.product as Record<string, { unitPrice: { amount: number }; applied: { promotion: { id: string } }[] }> & { listPrice: { amount: number } };
  expect(product.web.applied.map((a) => a.promotion.id)).toEqual(['web:5']);
  expect(product.lille.applied.map((a) => a.promotion.id)).toEqual(['catalogue:CMP-CAMP-CLEAR']);
  expect(product.lille.unitPrice.amount).toBeLessThan(product.web.unitPrice.amount);
  expect(eligible!.data!.customer.eligiblePromotions.length).toBeGreaterThan(0);
  const report = coherence!.data!.priceCoherence as { incoherentProducts: number; byCause: { cause: string }[] };
  expect(report.incoherentProducts).toBeGreaterThan(0);
  expect(report.byCause.map((c) => c.cause)).toEqual(expect.arrayContaining(['MISSING_PRICE', 'STORE_PROMOTION', 'WEB_ONLY_PROMOTION', 'STORE_ONLY_PROMOTION']));
});

test("the contact choice examples run on the demo estate: Noah's choices, a refusal recorded and copied, the SMS audience", async () => {
  const [preferences, mutation, audience, feedback] = blocks('## Contact choices', 'graphql');
  const heard = await ask(feedback!);
  expect(heard.errors).toBeUndefined();
  expect(heard.data!.customer.personalData.recipients.length).toBeGreaterThan(2);
  expect(mutation).toContain('cus_…');
  const before = await ask(preferences!);
  expect(before.errors).toBeUndefined();
  const customer = before.data!.customer as { contactPreferences: { preferences: unknown[] }; sms: { reason: string } };
  expect(customer.contactPreferences.preferences).toHaveLength(15);
  const { data } = await ask('{ customer(by: { email: "noah.aubry@sfr.fr" }) { id identities { system localId } } }');
  // The placeholder is the customer's golden id, which the first query's customer has.
  const recorded = await ask(mutation!.replace('cus_…', data!.customer.id));
  expect(recorded.errors).toBeUndefined();
  const copies = recorded.data!.setContactPreference.preference.copies as { system: string; state: string }[];
  expect(copies.map((c) => c.system).sort()).toEqual(data!.customer.identities.filter((i: { system: string }) => i.system === 'ECOMMERCE' || i.system === 'LOYALTY').map((i: { system: string }) => i.system).sort());
  expect(copies.every((c) => c.state === 'APPLIED')).toBe(true);
  const marketing = await stack.tokens.sign({ role: 'marketing' });
  const members = await graphql(stack.gateway.url, audience!, {}, marketing);
  expect(members.errors).toBeUndefined();
  expect(members.data!.audience.members.length).toBeGreaterThan(0);
  const [commands] = blocks('## Contact choices', 'sh');
  expect(commands).toMatch(/npm run audience -- --channel SMS --purpose MARKETING/);
});
