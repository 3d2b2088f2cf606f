import { randomUUID } from 'node:crypto';
import type { Estate } from '../legacy/generator/model.js';
import type { RunningStack } from '../scripts/stack.js';
import { graphql } from './graphql.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// Click-and-collect for the store team: the web orders to prepare and to hand over at their
// own store, oldest first, asked of the gateway with an associate's token.
let tiny: TinyStack;
let stack: RunningStack;
let estate: Estate;

beforeAll(async () => {
  tiny = await startTinyStack('pickups');
  ({ stack, estate } = tiny);
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
});

const PICKUPS = `query ($code: ID!, $status: [WebOrderStatus!], $first: Int) { store(code: $code) { code name pickups(status: $status, first: $first) { number status placedAt fulfilment { kind store { code } } delivery { lastName } } } }`;

it("lists a store's click-and-collect orders to prepare and hand over, oldest first, to its own team only", async () => {
  const collected = estate.ecommerce.orders.filter((o) => o.fulfilment.type === 'click_and_collect');
  const code = collected[0]!.fulfilment.store_code!;
  const associate = await stack.tokens.sign({ role: 'associate', store: code, franchise: code.slice(0, 3) });

  // A customer orders now, to collect at the store: the team sees it to prepare.
  const product = estate.ecommerce.products.find((p) => p.active)!;
  const response = await fetch(`${stack.estate.ecommerce.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ customer_id: estate.ecommerce.customers[0]!.id, currency: 'EUR', lines: [{ sku: product.sku, quantity: 1 }], total: product.price, status: 'paid', fulfilment: { type: 'click_and_collect', store_code: code } }),
  });
  expect(response.status).toBe(201);
  const placed = ((await response.json()) as { data: { number: string } }).data.number;

  const answer = await graphql(stack.gateway.url, PICKUPS, { code, first: 200 }, associate);
  expect(answer.errors).toBeUndefined();
  const pickups = answer.data!.store.pickups as { number: string; status: string; placedAt: string; fulfilment: { kind: string; store: { code: string } } }[];
  const expected = collected.filter((o) => o.fulfilment.store_code === code && (o.status === 'paid' || o.status === 'ready_for_pickup')).map((o) => o.number);
  expect(new Set(pickups.map((p) => p.number))).toEqual(new Set([...expected, placed]));
  expect(pickups.every((p) => p.fulfilment.kind === 'CLICK_AND_COLLECT' && p.fulfilment.store.code === code && ['PAID', 'READY_FOR_PICKUP'].includes(p.status))).toBe(true);
  const times = pickups.map((p) => Date.parse(p.placedAt));
  expect(times).toEqual([...times].sort((a, b) => a - b));

  const done = await graphql(stack.gateway.url, PICKUPS, { code, status: ['COLLECTED'], first: 200 }, associate);
  expect(done.errors).toBeUndefined();
  const collectedHere = collected.filter((o) => o.fulfilment.store_code === code && o.status === 'collected').map((o) => o.number);
  expect(new Set(done.data!.store.pickups.map((p: { number: string }) => p.number))).toEqual(new Set(collectedHere));

  const other = estate.pos.stores.find((s) => s.code !== code)!.code;
  const elsewhere = await graphql(stack.gateway.url, PICKUPS, { code: other }, associate);
  expect(elsewhere.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const tooMany = await graphql(stack.gateway.url, PICKUPS, { code, first: 500 }, associate);
  expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
  const customer = await stack.tokens.sign({ role: 'customer', customerId: 'cus_x' });
  const refused = await graphql(stack.gateway.url, PICKUPS, { code }, customer);
  expect(refused.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN/);
});
