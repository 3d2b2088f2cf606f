import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CombinedGraphQLErrors, type ApolloClient } from '@apollo/client';
import type { Estate } from '../../legacy/generator/model.js';
import { startTinyStack, type TinyStack } from '../../test/support/tinyStack.js';
import { createTypedClient, customerOrders, describeOrder, productByRef } from './client.js';

// The typed client example against the whole graph on a tiny estate: its operations are valid
// against the gateway's schema, its answers have the shape the generated types say, and the
// script runs with the gateway and token from the environment.
let tiny: TinyStack;
let estate: Estate;
let service: ApolloClient;
let token: string;

beforeAll(async () => {
  tiny = await startTinyStack('typed-client');
  estate = tiny.estate;
  token = await tiny.stack.tokens.sign({ role: 'service' });
  service = createTypedClient({ url: tiny.stack.gateway.url, token });
}, 180_000);

afterAll(async () => {
  service?.stop();
  await tiny?.stop();
});

/** A catalogue product with a list price, and a web customer with several orders, from the generated data. */
function picks() {
  const product = estate.catalogue.products.find((p) => p.status === 'ACTIVE' && p.list_price !== null)!;
  const ordersOf = new Map<number, string[]>();
  for (const order of estate.ecommerce.orders) ordersOf.set(order.customer_id, [...(ordersOf.get(order.customer_id) ?? []), order.number]);
  const [customerId, orders] = [...ordersOf].find(([, numbers]) => numbers.length >= 2)!;
  const customer = estate.ecommerce.customers.find((c) => c.id === customerId)!;
  return { product, customer, orders };
}

it('reads a product by catalogue reference, prices in minor units, without a token', async () => {
  const { product } = picks();
  const anonymous = createTypedClient({ url: tiny.stack.gateway.url });
  try {
    const answer = await productByRef(anonymous, product.ref);
    expect(answer).not.toBeNull();
    expect(answer!.catalogueRef).toBe(product.ref);
    expect(answer!.name).toBe(product.name.fr);
    expect(answer!.listPrice).toMatchObject({ amount: Math.round(Number(product.list_price!.amount) * 100), currency: product.list_price!.currency });
    expect(Array.isArray(answer!.storeStock)).toBe(true);
    expect(await productByRef(anonymous, '000.000.00')).toBeNull();
  } finally {
    anonymous.stop();
  }
});

it("reads a customer's orders from every channel, each narrowed by its typename", async () => {
  const { customer, orders } = picks();
  const answer = await customerOrders(service, customer.email, 100);
  expect(answer).not.toBeNull();
  const nodes = answer!.orders!.edges.map((edge) => edge.node);
  expect(nodes.length).toBe(Math.min(answer!.orders!.totalCount, 100));
  const web = nodes.filter((node) => node.__typename === 'WebOrder');
  expect(web.map((node) => node.number)).toEqual(expect.arrayContaining(orders));
  expect(nodes.every((node) => (node.__typename === 'WebOrder') === (node.channel === 'WEB'))).toBe(true);
  const line = describeOrder(web[0]!);
  expect(line).toContain(web[0]!.number);
  expect(line).toMatch(/ web, [a-z ]+$/);
});

it("rejects with the graph's coded error without a token that may read customers", async () => {
  const { customer } = picks();
  const anonymous = createTypedClient({ url: tiny.stack.gateway.url });
  try {
    const refusal = await customerOrders(anonymous, customer.email).then(
      () => null,
      (error: unknown) => error,
    );
    expect(CombinedGraphQLErrors.is(refusal)).toBe(true);
    expect((refusal as CombinedGraphQLErrors).errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  } finally {
    anonymous.stop();
  }
});

it('runs as a script with the gateway and token from the environment', async () => {
  const { product, customer, orders } = picks();
  const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
        env: { PATH: process.env.PATH ?? '', CROSSCANAL_GATEWAY_URL: tiny.stack.gateway.url, CROSSCANAL_TOKEN: token },
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', (code) => resolve({ code, out }));
    });
  const found = await run(['--product', product.ref, '--email', customer.email, '--orders', '100']);
  expect(found.out).toContain(`${product.ref} ${product.name.fr}: list `);
  for (const number of orders) expect(found.out).toContain(` ${number} `);
  expect(found.code).toBe(0);
  const missing = await run(['--product', '000.000.00']);
  expect(missing).toEqual({ code: 1, out: 'no product 000.000.00\n' });
}, 60_000);
