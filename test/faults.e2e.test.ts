import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEstate } from '../legacy/generator/files.js';
import type { Estate } from '../legacy/generator/model.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { graphql, type GraphQLAnswer } from './graphql.js';
import { TEST_INTERNAL_SECRET } from './support/grant.js';
import { startTestGateway } from './support/gateway.js';

// Partial beats nothing, asked of the gateway as a front end asks: a legacy system erroring,
// down or too slow, or a whole subgraph dead or hung, nulls the fields it owns with a coded
// error that names it, and every other field of the answer arrives.
// The deadline leaves the healthy systems time to answer on a busy two-core machine (a
// freshly started gateway's first request plans it too); the slow ones take longer still.
const DEADLINE_MS = 2500;
/**
 * The ten whole-subgraph cases are asked side by side, each on a gateway of its own, so the
 * healthy systems answer twenty requests at once there (the tills' ten connections among them):
 * under CI, with other suites running beside, 2.5 s was once too short for some of them.
 */
const SIDE_BY_SIDE_DEADLINE_MS = 4000;
let dir: string;
let stack: RunningStack;
let estate: Estate;
let token: string;

/** People with a card used at a till and web orders, and products the web shop and the tills both know: each case takes fresh ones, so that no cache answers for a failing system. */
const people: Array<{ card: string }> = [];
const products: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-faults-'));
  stack = await startTestStack({
    dataDir: dir,
    scale: 'tiny',
    ...ANY_PORTS,
    internalSecret: TEST_INTERNAL_SECRET,
    gatewayEnv: { GATEWAY_RATE_LIMIT_PER_MINUTE: '0', GATEWAY_REQUEST_DEADLINE_MS: String(DEADLINE_MS) },
    // Shorter pauses than the default (1 s, then up to 5 s), so that the cases meet closed breakers sooner.
    breaker: { resetAfterMs: 300, maxResetAfterMs: 1500 },
  });
  estate = await readEstate(dir);
  token = await stack.tokens.sign({ role: 'service' });
  const used = new Set(estate.pos.receipts.map((r) => r.card_number));
  const withOrders = new Set(estate.ecommerce.orders.map((o) => o.customer_id));
  for (const card of estate.loyalty.cards) {
    const member = estate.loyalty.members.find((m) => m.member_id === card.member_id)!;
    const key = member.email?.trim().toLowerCase();
    const account = estate.ecommerce.customers.find((c) => key && c.email.trim().toLowerCase() === key && withOrders.has(c.id));
    if (card.status === 'ACTIVE' && used.has(card.card_number) && account) people.push({ card: card.card_number });
  }
  const web = new Set(estate.ecommerce.products.map((p) => p.ean));
  const stocked = new Set(estate.pos.stock.map((s) => s.ean));
  // With a list price: a product the PIM gives none has a null listPrice even when the catalogue answers.
  products.push(...estate.catalogue.products.filter((p) => p.ean && p.list_price && web.has(p.ean) && stocked.has(p.ean)).map((p) => p.ref));
  // One healthy round first, with a customer and a product of its own: the first answer of a
  // fresh stack (cold code paths, first statements of each franchise) must not eat the
  // 1 s deadline of the first failing case.
  await ask(stack.gateway.url, fresh());
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const CUSTOMER = /* GraphQL */ `
  query ($card: String!) {
    customer(by: { cardNumber: $card }) {
      id
      displayName { value }
      loyalty { tier }
      webOrders(first: 5) { number }
      storeSales(first: 5) { number }
    }
  }
`;
const PRODUCT = 'query ($ref: String!) { product(catalogueRef: $ref) { name listPrice { amount } webPrice { amount } storeStock { quantity } } }';

/** The fields of each answer a system owns. */
const OWNED: Record<string, { customer: string[]; product: string[] }> = {
  loyalty: { customer: ['loyalty'], product: [] },
  ecommerce: { customer: ['webOrders'], product: ['webPrice'] },
  pos: { customer: ['storeSales'], product: ['storeStock'] },
  catalogue: { customer: [], product: ['name', 'listPrice'] },
  crosscanal: { customer: ['id', 'displayName'], product: [] },
};

let next = 0;
/** A customer and a product no earlier case asked for. */
function fresh(): { card: string; ref: string } {
  const n = next++;
  if (n >= people.length || n >= products.length) throw new Error(`the tiny estate has only ${people.length} people and ${products.length} products for the fault cases`);
  return { card: people[n]!.card, ref: products[n]! };
}

/** Asserts the answers carry every field but those `system` owns, each of those null with one of `codes` naming it. */
function expectPartial(answers: { customer: GraphQLAnswer; product: GraphQLAnswer }, system: string, codes: string[]) {
  for (const kind of ['customer', 'product'] as const) {
    const answer = answers[kind];
    const owned = new Set(OWNED[system]![kind]);
    const root = answer.data?.[kind];
    const failed = (answer.errors ?? []).map((e) => ({ path: e.path?.join('.'), code: e.extensions?.code, source: e.extensions?.source }));
    if (owned.has('id') || owned.has('name')) {
      // The system owns the root entity: without it there is nothing to hang the others on.
      expect(root ?? null).toBeNull();
      expect(failed).toEqual([expect.objectContaining({ path: kind, source: system })]);
      expect(codes).toContain(failed[0]!.code);
      continue;
    }
    expect(root).not.toBeNull();
    for (const [field, value] of Object.entries(root as Record<string, unknown>)) {
      if (owned.has(field)) expect({ field, value }).toEqual({ field, value: null });
      else expect({ field, value }).toEqual({ field, value: expect.anything() });
    }
    expect(failed.map((f) => f.path).sort()).toEqual([...owned].map((field) => `${kind}.${field}`).sort());
    for (const failure of failed) {
      expect(failure.source).toBe(system);
      expect(codes).toContain(failure.code);
    }
  }
}

/**
 * Waits for the circuit breakers a failing case opened to close again (a trial goes through
 * within their longest pause, 5 s), so that the next case meets healthy systems.
 */
async function untilEverySystemAnswers(): Promise<void> {
  const until = Date.now() + 8000;
  for (let n = 0; ; n++) {
    // Numbers and references nobody has: answered by each system, never by a cache.
    const probe = `{
      storeSale(number: "NRD01-9${String(n).padStart(6, "0")}") { number }
      product(catalogueRef: "999.999.${String(n % 100).padStart(2, '0')}") { name }
      webOrder(number: "WPROBE${n}") { number }
      loyaltyMembersByEmail(email: "nobody${n}@example.com") { memberId }
    }`;
    const answer = await graphql(stack.gateway.url, probe, {}, token);
    if (!answer.errors) return;
    if (Date.now() > until) throw new Error(`the systems did not recover: ${JSON.stringify(answer.errors).slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function ask(url: string, { card, ref }: { card: string; ref: string }, bearer = token) {
  const [customer, product] = await Promise.all([graphql(url, CUSTOMER, { card }, bearer), graphql(url, PRODUCT, { ref }, bearer)]);
  return { customer, product };
}

describe('a legacy system failing', () => {
  const SYSTEMS = ['loyalty', 'ecommerce', 'pos', 'catalogue'] as const;
  afterEach(async () => {
    for (const system of SYSTEMS) stack.estate[system].faults.reset();
    await untilEverySystemAnswers();
  });

  test.each(SYSTEMS.flatMap((system) => [
    [system, 'erroring', { errorRate: 1 }, ['SOURCE_UNAVAILABLE']],
    [system, 'down', { down: true }, ['SOURCE_UNAVAILABLE']],
    [system, 'slower than the deadline', { latencyMs: 5000 }, ['DEADLINE_EXCEEDED', 'SOURCE_TIMEOUT']],
  ] as const))('%s %s: its fields null with a coded error, the others arrive', async (system, _, faults, codes) => {
    const asked = fresh();
    stack.estate[system].faults.set(faults);
    const started = performance.now();
    const answers = await ask(stack.gateway.url, asked);
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + 1000);
    expectPartial(answers, system, [...codes]);
  });
});

describe('a whole subgraph failing', () => {
  let hung: Server;
  const sockets = new Set<Socket>();

  const SUBGRAPHS = ['crosscanal', 'loyalty', 'ecommerce', 'pos', 'catalogue'] as const;
  const CASES = SUBGRAPHS.flatMap((name) => [
    [name, 'dead', 'SUBGRAPH_UNAVAILABLE'],
    [name, 'hung', 'DEADLINE_EXCEEDED'],
  ] as const);
  /** Each case's answers and how long they took, or what went wrong in asking. */
  const outcomes = new Map<string, { answers: Awaited<ReturnType<typeof ask>>; ms: number } | { error: unknown }>();

  beforeAll(async () => {
    // Takes connections and never answers, as a process stuck in a loop would.
    hung = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const address = hung.address();
    const hungUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    // Every case has a gateway of its own, and they are asked side by side: a hung subgraph
    // costs its case the whole deadline, and ten deadlines waited in turn were most of this file.
    // Each gateway is started before any is asked, so that no start-up shares a case's clock.
    const gateways = await Promise.allSettled(
      CASES.map(([name, how]) =>
        startTestGateway(
          { ...stack.subgraphUrls, [name]: how === 'dead' ? 'http://127.0.0.1:9/' : hungUrl },
          { env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '0', GATEWAY_REQUEST_DEADLINE_MS: String(SIDE_BY_SIDE_DEADLINE_MS) } },
        ),
      ),
    );
    try {
      await Promise.all(
        CASES.map(async ([name, how], i) => {
          const started = gateways[i]!;
          if (started.status === 'rejected') return void outcomes.set(`${name} ${how}`, { error: started.reason });
          const asked = fresh();
          try {
            const bearer = await started.value.tokens.sign({ role: 'service' });
            const begun = performance.now();
            const answers = await ask(started.value.url, asked, bearer);
            outcomes.set(`${name} ${how}`, { answers, ms: performance.now() - begun });
          } catch (error) {
            outcomes.set(`${name} ${how}`, { error });
          }
        }),
      );
    } finally {
      await Promise.all(gateways.map((g) => (g.status === 'fulfilled' ? g.value.stop() : undefined)));
    }
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hung?.close(resolve));
  });

  test.each(CASES)('%s %s: the gateway puts a coded error on its fields, and the rest arrives', (name, how, code) => {
    const outcome = outcomes.get(`${name} ${how}`);
    if (!outcome || 'error' in outcome) throw outcome?.error ?? new Error(`${name} ${how} was not asked`);
    expect(outcome.ms).toBeLessThan(SIDE_BY_SIDE_DEADLINE_MS + 1000);
    expectPartial(outcome.answers, name, [code]);
  });
});

describe('products a system does not know', () => {
  test('a store-only product answers every product field without an error, its web fields null', async () => {
    // Products the web shop does not sell: no web SKU among their references, no EAN it lists.
    const web = new Set(estate.ecommerce.products.map((p) => p.ean));
    const storeOnly = estate.catalogue.products.filter((p) => !p.aliases.some((a) => a.type === 'WEB_SKU') && !web.has(p.ean ?? null)).slice(0, 20);
    expect(storeOnly.length).toBeGreaterThan(0);
    const answer = await graphql(
      stack.gateway.url,
      /* GraphQL */ `
        query ($refs: [String!]!) {
          products(catalogueRefs: $refs) { catalogueRef name webSku webTitle webPrice { amount } webAvailable webPromotions { id } storeStock { quantity } storePrices { price { amount } } campaigns { id } }
        }
      `,
      { refs: storeOnly.map((p) => p.ref) },
    );
    expect(answer.errors).toBeUndefined();
    for (const product of answer.data!.products) {
      expect(product).toMatchObject({ webTitle: null, webPrice: null, webAvailable: null });
      expect(product.webPromotions ?? []).toEqual([]);
    }
  });

  test('a page of a category mixing web and store-only products answers whole', async () => {
    const category = estate.catalogue.products[0]!.category[0]!;
    const answer = await graphql(stack.gateway.url, `{ productsByCategory(category: "${category}", first: 100) { nodes { catalogueRef webPrice { amount } webPromotions { id } storeStock { quantity } } } }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.productsByCategory.nodes.length).toBeGreaterThan(0);
  });
});

describe('a flapping system', () => {
  afterEach(() => stack.estate.loyalty.faults.reset());

  test('answers again within a bounded time once it is up, and in its up windows while it flaps', async () => {
    // Every ask reaches the programme (lookups by email are not cached).
    const emails = estate.loyalty.members.map((m) => m.email).filter((e): e is string => e !== null);
    let n = 0;
    const lookup = async () => {
      const answer = await graphql(stack.gateway.url, 'query ($e: String!) { loyaltyMembersByEmail(email: $e) { memberId } }', { e: emails[n++ % emails.length]! }, token);
      return answer.data?.loyaltyMembersByEmail != null;
    };
    // 1 s down, 1 s up, three times: the breaker opens in a down window, and its jittered
    // trials must not all land in the next ones.
    const upWindows: boolean[] = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      stack.estate.loyalty.faults.set({ down: true });
      const downUntil = Date.now() + 1000;
      while (Date.now() < downUntil) {
        await lookup();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      stack.estate.loyalty.faults.set({ down: false });
      const upUntil = Date.now() + 1000;
      let answered = false;
      while (Date.now() < upUntil) {
        answered = (await lookup()) || answered;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      upWindows.push(answered);
    }
    expect(upWindows.some(Boolean)).toBe(true);
    // Then up for good: answered again within the breaker's longest pause (1.5 s here), with room.
    stack.estate.loyalty.faults.set({ down: true });
    for (let i = 0; i < 8; i++) await lookup();
    stack.estate.loyalty.faults.set({ down: false });
    const up = Date.now();
    while (!(await lookup())) {
      expect(Date.now() - up).toBeLessThan(3000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 30_000);
});
