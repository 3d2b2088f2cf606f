import { randomUUID } from 'node:crypto';
import type { Estate } from '../legacy/generator/model.js';
import type { RunningStack } from '../scripts/stack.js';
import { createWebPoints } from '../subgraphs/crosscanal/earning/webPoints.js';
import { EcommerceClient } from '../subgraphs/ecommerce/client.js';
import { LoyaltyClient } from '../subgraphs/loyalty/client.js';
import { LegacySource } from '../subgraphs/shared/source.js';
import { graphql } from './graphql.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// One loyalty programme: a web order paid now earns points like a till receipt, credited by
// the crosswalk to the customer's loyalty member exactly once, whatever fails on the way.
// Orders are placed on the web shop's own order API, as a checkout would; everything is
// read back through the gateway.
let tiny: TinyStack;
let stack: RunningStack;
let estate: Estate;
let service: string;

const ask = (query: string, variables: Record<string, unknown> = {}, token = service) => graphql(stack.gateway.url, query, variables, token);

beforeAll(async () => {
  tiny = await startTinyStack('points');
  ({ stack, estate } = tiny);
  service = await stack.tokens.sign({ role: 'service' });
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The n-th web account whose customer holds one loyalty member, found through the graph. Each
 * test takes its own: the loyalty subgraph caches a member's movements for a minute.
 */
async function memberAccount(n: number): Promise<{ accountId: number; memberId: string; customerId: string }> {
  for (const account of estate.ecommerce.customers) {
    const answer = await ask(`query ($id: ID!) { customer(by: { webAccountId: $id }) { id identities { system localId } } }`, { id: String(account.id) });
    const customer = answer.data?.customer as { id: string; identities: { system: string; localId: string }[] } | null;
    const members = customer?.identities.filter((i) => i.system === 'LOYALTY').map((i) => i.localId).sort() ?? [];
    if (customer && members.length === 1 && n-- === 0) return { accountId: account.id, memberId: members[0]!, customerId: customer.id };
  }
  throw new Error('the tiny estate has no web account whose customer holds one loyalty member');
}

/** Places a paid order on the web shop's API; the total in cents. */
async function placeOrder(accountId: number, quantity = 2): Promise<{ number: string; totalCents: number }> {
  const product = estate.ecommerce.products.find((p) => p.active && Number(p.price) >= 10)!;
  const totalCents = Math.round(Number(product.price) * 100) * quantity;
  const response = await fetch(`${stack.estate.ecommerce.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({
      customer_id: accountId,
      currency: 'EUR',
      lines: [{ sku: product.sku, quantity }],
      total: (totalCents / 100).toFixed(2),
      status: 'paid',
      fulfilment: { type: 'home_delivery', store_code: null },
    }),
  });
  expect(response.status).toBe(201);
  const { data } = (await response.json()) as { data: { number: string } };
  return { number: data.number, totalCents };
}

const POINTS = /* GraphQL */ `
  query ($number: String!) {
    order(number: $number) {
      customer { id loyalty { memberId pointsMovements(first: 100) { reference points reason } } }
      order { ... on WebOrder { number status loyaltyPoints { state points memberId transactionId attempts creditedAt lastError } } }
    }
  }
`;

async function pointsOf(number: string) {
  const answer = await ask(POINTS, { number });
  expect(answer.errors).toBeUndefined();
  const found = answer.data!.order;
  const movements = (found.customer.loyalty.pointsMovements as { reference: string; points: number; reason: string }[]).filter((m) => m.reference === number);
  return { credit: found.order.loyaltyPoints, movements, memberId: found.customer.loyalty.memberId as string };
}

/** The crosswalk's job as another process would run it: its own clients, the same database. */
function anotherProcess(loyalty: Pick<LoyaltyClient, 'creditExternalPurchase'> = new LoyaltyClient(stack.estate.loyalty.endpoint, new LegacySource('loyalty', { breaker: { resetAfterMs: 50, maxResetAfterMs: 100 } }))) {
  return createWebPoints({ store: stack.crosscanal.store, ecommerce: new EcommerceClient(stack.estate.ecommerce.url, new LegacySource('ecommerce')), loyalty });
}

describe('web orders earn loyalty points', () => {
  it('credits a paid web order to the customer\'s member once, one point per whole euro, however often the job runs', async () => {
    const { accountId, memberId } = await memberAccount(0);
    const order = await placeOrder(accountId);
    const first = await stack.crosscanal.webPoints!.incremental();
    expect(first).toMatchObject({ credited: 1, failed: 0, refused: 0 });
    const { credit, movements } = await pointsOf(order.number);
    expect(credit).toMatchObject({ state: 'CREDITED', points: Math.floor(order.totalCents / 100), memberId, transactionId: `web:${order.number}`, attempts: 1 });
    expect(movements).toEqual([{ reference: order.number, points: Math.floor(order.totalCents / 100), reason: 'PURCHASE' }]);

    const again = await stack.crosscanal.webPoints!.incremental();
    expect(again).toMatchObject({ recorded: 0, credited: 0, alreadyCredited: 0 });
    expect((await pointsOf(order.number)).movements).toHaveLength(1);
  });

  it('credits an order in the run that records it when the job\'s clock runs behind the database\'s', async () => {
    // Two hosts' clocks a few minutes apart: a row is due by the clock of the job that claims it,
    // not by the database's, or it waits until the job's clock has caught up.
    const { accountId, memberId } = await memberAccount(4);
    const order = await placeOrder(accountId);
    const behind = createWebPoints({
      store: stack.crosscanal.store,
      ecommerce: new EcommerceClient(stack.estate.ecommerce.url, new LegacySource('ecommerce')),
      loyalty: new LoyaltyClient(stack.estate.loyalty.endpoint, new LegacySource('loyalty')),
      now: () => new Date(Date.now() - 5 * 60_000),
    });
    expect(await behind.incremental()).toMatchObject({ recorded: 1, credited: 1, failed: 0 });
    expect((await pointsOf(order.number)).credit).toMatchObject({ state: 'CREDITED', memberId, attempts: 1 });
  });

  it('keeps a credit owed while the programme is down, and makes it once it is back', async () => {
    const { accountId } = await memberAccount(1);
    const order = await placeOrder(accountId);
    stack.estate.loyalty.faults.set({ down: true });
    try {
      const down = await stack.crosscanal.webPoints!.incremental();
      expect(down).toMatchObject({ recorded: 1, failed: 1, credited: 0 });
    } finally {
      stack.estate.loyalty.faults.set({ down: false });
    }
    const owed = (await ask(POINTS.replace(/customer \{[^\n]*\n/, ''), { number: order.number })).data!.order.order.loyaltyPoints;
    expect(owed).toMatchObject({ state: 'PENDING', points: null, attempts: 1 });
    expect(owed.lastError).toEqual(expect.any(String));
    // The first retry waits 2 s.
    await sleep(2_100);
    const back = await anotherProcess().incremental();
    expect(back).toMatchObject({ credited: 1 });
    const { credit, movements } = await pointsOf(order.number);
    expect(credit).toMatchObject({ state: 'CREDITED', attempts: 2, lastError: null });
    expect(movements).toHaveLength(1);
  });

  it('credits once when the programme made the credit but its answer was lost, the job restarting in between', async () => {
    const { accountId } = await memberAccount(2);
    const order = await placeOrder(accountId);
    const real = new LoyaltyClient(stack.estate.loyalty.endpoint, new LegacySource('loyalty'));
    // The programme credits, then the process dies before it records the answer.
    const crashing = anotherProcess({
      creditExternalPurchase: async (purchase) => {
        await real.creditExternalPurchase(purchase);
        throw new Error('the process stopped before it recorded the answer');
      },
    });
    expect(await crashing.incremental()).toMatchObject({ recorded: 1, failed: 1 });
    const lost = await ask(POINTS.replace(/customer \{[^\n]*\n/, ''), { number: order.number });
    expect(lost.data!.order.order.loyaltyPoints.state).toBe('PENDING');

    await sleep(2_100);
    const restarted = await anotherProcess().incremental();
    expect(restarted).toMatchObject({ alreadyCredited: 1, credited: 0 });
    const { credit, movements } = await pointsOf(order.number);
    expect(credit).toMatchObject({ state: 'CREDITED', points: Math.floor(order.totalCents / 100) });
    expect(movements).toHaveLength(1);
  });

  it('earns nothing for orders placed before web orders began to earn', async () => {
    const old = estate.ecommerce.orders.find((o) => o.status === 'delivered')!;
    const answer = await ask(`query ($n: String!) { order(number: $n) { order { ... on WebOrder { loyaltyPoints { state } } } } }`, { n: old.number });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.order.order.loyaltyPoints).toBeNull();
  });

  it('shows a steward where the credits stand, and hides the reasons from a customer', async () => {
    const steward = await stack.tokens.sign({ role: 'steward' });
    const status = await ask(`{ webPoints { earningFrom watermark lastRunAt pending credited noMember refused } }`, {}, steward);
    expect(status.errors).toBeUndefined();
    expect(status.data!.webPoints).toMatchObject({ credited: 4, pending: 0, refused: 0, earningFrom: expect.any(String), watermark: expect.any(String) });

    const { customerId, accountId } = await memberAccount(3);
    const order = await placeOrder(accountId, 1);
    await stack.crosscanal.webPoints!.incremental();
    const own = await stack.tokens.sign({ role: 'customer', customerId });
    const mine = await ask(`query ($n: String!) { order(number: $n) { order { ... on WebOrder { loyaltyPoints { state points } } } } }`, { n: order.number }, own);
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.order.order.loyaltyPoints.state).toBe('CREDITED');
    const reasons = await ask(`query ($n: String!) { order(number: $n) { order { ... on WebOrder { loyaltyPoints { lastError } } } } }`, { n: order.number }, own);
    expect(reasons.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
