import type { Estate, PosReceipt } from '../legacy/generator/model.js';
import { toE164 } from '../utilities/phone.js';
import type { RunningStack } from '../scripts/stack.js';
import { graphql } from './graphql.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// One order history across channels, asked of the gateway as the customer account page and
// customer service ask it: web orders of every web account, receipts of every franchise,
// returns as their own orders, newest first, by cursor; and any order by any number.
let tiny: TinyStack;
let stack: RunningStack;
let estate: Estate;
let gateway: string;
let service: string;

const ask = (query: string, variables: Record<string, unknown> = {}, token = service) => graphql(gateway, query, variables, token);

beforeAll(async () => {
  tiny = await startTinyStack('orders');
  ({ stack, estate } = tiny);
  gateway = stack.gateway.url;
  service = await stack.tokens.sign({ role: 'service' });
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
});

interface Identity {
  system: string;
  localId: string;
  franchise: string | null;
}

const countryOf = (storeCode: string) => estate.pos.stores.find((s) => s.code === storeCode)?.country ?? 'FR';

/** The receipts a POS identity stands for, as the tills hold them. */
function receiptsOf(identity: Identity): PosReceipt[] {
  const [kind, value] = [identity.localId.slice(0, identity.localId.indexOf(':')), identity.localId.slice(identity.localId.indexOf(':') + 1)];
  return estate.pos.receipts.filter((r) => {
    if (kind === 'card') return r.card_number === value;
    if (r.franchise !== identity.franchise) return false;
    if (kind === 'client') return String(r.client_id) === value;
    return r.phone !== null && toE164(r.phone, countryOf(r.store_code)) === value;
  });
}

/** Every order number the estate holds for these identities: web orders, receipts and the returns against any of them. */
function expectedNumbers(identities: Identity[]) {
  const accounts = new Set(identities.filter((i) => i.system === 'ECOMMERCE').map((i) => Number(i.localId)));
  const web = estate.ecommerce.orders.filter((o) => accounts.has(o.customer_id));
  const receipts = identities.filter((i) => i.system === 'POS').flatMap(receiptsOf);
  const cards = new Set(identities.filter((i) => i.localId.startsWith('card:')).map((i) => i.localId.slice(5)));
  const receiptNos = new Set(receipts.map((r) => r.receipt_no));
  const webNos = new Set(web.map((o) => o.number));
  const returns = estate.pos.returns.filter(
    (r) => (r.card_number !== null && cards.has(r.card_number)) || (r.receipt_no !== null && receiptNos.has(r.receipt_no)) || (r.web_order_number !== null && webNos.has(r.web_order_number)),
  );
  return { web, receipts, returns, all: new Set([...webNos, ...receiptNos, ...returns.map((r) => r.return_no)]) };
}

/** A customer with web orders, receipts and a return against one of their orders. */
async function customerWithReturn() {
  for (const ret of estate.pos.returns) {
    const order = ret.web_order_number ? estate.ecommerce.orders.find((o) => o.number === ret.web_order_number) : undefined;
    if (!order) continue;
    const answer = await ask(`query ($id: ID!) { customer(by: { webAccountId: $id }) { id identities { system localId franchise } } }`, { id: String(order.customer_id) });
    const customer = answer.data?.customer as { id: string; identities: Identity[] } | null;
    if (customer && customer.identities.some((i) => i.system === 'POS')) return { ...customer, ret };
  }
  throw new Error('the tiny estate has no customer with a till record and a returned web order');
}

const HISTORY = /* GraphQL */ `
  query ($id: ID!, $first: Int, $after: String, $channel: SalesChannel, $storeCode: ID) {
    customer(id: $id) {
      orders(first: $first, after: $after, channel: $channel, storeCode: $storeCode) {
        totalCount
        unavailable
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node {
            __typename number channel placedAt total { amount currency }
            lines { quantity lineTotal { amount } gtin localCode product { name } }
            ... on WebOrder { status fulfilment { kind store { code } } returns { number store { code } refund { amount } } }
            ... on StoreSale { store { code franchise { code } } returns { number } }
            ... on StoreReturn { refund { amount } store { code } webOrder { number status } receipt { number } items { restock } }
          }
        }
      }
    }
  }
`;

type Node = Record<string, any>;

describe('Customer.orders', () => {
  it('gives every web order, receipt and return of the customer, newest first, with lines and products', async () => {
    const { id, identities, ret } = await customerWithReturn();
    const expected = expectedNumbers(identities);
    const answer = await ask(HISTORY, { id, first: 100 });
    expect(answer.errors).toBeUndefined();
    const orders = answer.data!.customer.orders;
    expect(orders.unavailable).toEqual([]);
    const nodes: Node[] = orders.edges.map((e: { node: Node }) => e.node);
    expect(new Set(nodes.map((n) => n.number))).toEqual(expected.all);
    expect(orders.totalCount).toBe(expected.all.size);
    expect(orders.pageInfo.hasNextPage).toBe(false);
    const times = nodes.map((n) => Date.parse(n.placedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(nodes.filter((n) => n.__typename === 'WebOrder').every((n) => n.channel === 'WEB')).toBe(true);
    expect(nodes.filter((n) => n.__typename !== 'WebOrder').every((n) => n.channel === 'STORE')).toBe(true);
    // The return of the web order is an order of its own, and the web order shows it.
    const returned = nodes.find((n) => n.number === ret.return_no)!;
    expect(returned.__typename).toBe('StoreReturn');
    expect(returned.total.amount).toBe(-ret.refund_total_cents);
    expect(returned.refund.amount).toBe(ret.refund_total_cents);
    expect(returned.webOrder.number).toBe(ret.web_order_number);
    expect(returned.lines.every((l: Node) => l.quantity < 0 && l.lineTotal.amount <= 0)).toBe(true);
    const webOrder = nodes.find((n) => n.number === ret.web_order_number)!;
    expect(webOrder.returns.map((r: Node) => r.number)).toContain(ret.return_no);
    // Lines name their products wherever a system maps the code.
    const lines = nodes.flatMap((n) => n.lines as Node[]);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.product?.name).length).toBeGreaterThan(lines.length / 2);
  });

  it('walks the history page by page with cursors, the pages adding up to the whole', async () => {
    const { id } = await customerWithReturn();
    const whole = await ask(HISTORY, { id, first: 100 });
    const all = whole.data!.customer.orders.edges.map((e: { node: Node }) => e.node.number);
    expect(all.length).toBeGreaterThan(3);
    const walked: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const answer = await ask(HISTORY, { id, first: 3, after });
      expect(answer.errors).toBeUndefined();
      const orders = answer.data!.customer.orders;
      expect(orders.totalCount).toBe(all.length);
      walked.push(...orders.edges.map((e: { node: Node }) => e.node.number));
      expect(orders.edges.at(-1)?.cursor ?? null).toBe(orders.pageInfo.endCursor);
      if (!orders.pageInfo.hasNextPage) break;
      after = orders.pageInfo.endCursor;
    }
    expect(walked).toEqual(all);
    // An edge's cursor reads on from that edge.
    const middle = whole.data!.customer.orders.edges[1].cursor;
    const rest = await ask(HISTORY, { id, first: 100, after: middle });
    expect(rest.data!.customer.orders.edges.map((e: { node: Node }) => e.node.number)).toEqual(all.slice(2));
  });

  it('keeps one channel, or one store', async () => {
    const { id } = await customerWithReturn();
    const web = await ask(HISTORY, { id, first: 100, channel: 'WEB' });
    expect(web.errors).toBeUndefined();
    const webNodes: Node[] = web.data!.customer.orders.edges.map((e: { node: Node }) => e.node);
    expect(webNodes.length).toBeGreaterThan(0);
    expect(webNodes.every((n) => n.__typename === 'WebOrder')).toBe(true);
    const store = await ask(HISTORY, { id, first: 100, channel: 'STORE' });
    const storeNodes: Node[] = store.data!.customer.orders.edges.map((e: { node: Node }) => e.node);
    expect(storeNodes.every((n) => n.channel === 'STORE')).toBe(true);
    expect(web.data!.customer.orders.totalCount + store.data!.customer.orders.totalCount).toBe((await ask(HISTORY, { id, first: 0 })).data!.customer.orders.totalCount);
    const code = storeNodes[0]?.store.code;
    if (code) {
      const inStore = await ask(HISTORY, { id, first: 100, storeCode: code });
      const nodes: Node[] = inStore.data!.customer.orders.edges.map((e: { node: Node }) => e.node);
      expect(nodes.length).toBeGreaterThan(0);
      expect(nodes.every((n) => n.store?.code === code || n.fulfilment?.store?.code === code)).toBe(true);
    }
  });

  it('refuses a page size out of range and a forged cursor with coded errors, and keeps the customer', async () => {
    const { id } = await customerWithReturn();
    for (const [variables, argument] of [
      [{ first: 101 }, 'first'],
      [{ first: -1 }, 'first'],
      [{ after: 'not-a-cursor' }, 'after'],
      [{ after: Buffer.from(JSON.stringify(['o1', 'yesterday', 'W1', 'WEB_ORDER'])).toString('base64url') }, 'after'],
      [{ storeCode: 'NRD01; DROP TABLE' }, 'storeCode'],
    ] as const) {
      const answer = await ask(`query ($id: ID!, $first: Int, $after: String, $storeCode: ID) { customer(id: $id) { id orders(first: $first, after: $after, storeCode: $storeCode) { totalCount } } }`, { id, ...variables });
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(answer.data?.customer?.id).toBe(id);
    }
  });

  it('answers a customer token for its own customer, as me', async () => {
    const { id } = await customerWithReturn();
    const token = await stack.tokens.sign({ role: 'customer', customerId: id });
    const answer = await ask(`{ me { orders(first: 5) { totalCount edges { node { number } } } } }`, {}, token);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.me.orders.edges.length).toBeGreaterThan(0);
  });
});

const LOOKUP = /* GraphQL */ `
  query ($number: String!) {
    order(number: $number) {
      number kind
      customer { id }
      quote { number status seller { code } }
      order {
        __typename number channel placedAt
        ... on WebOrder { status fulfilment { kind store { code } } returns { number store { code } refund { amount } } }
        ... on StoreSale { store { code } returns { number store { code } } }
        ... on StoreReturn { store { code } refund { amount } webOrder { number } receipt { number } }
      }
    }
  }
`;

describe('order(number:)', () => {
  it('finds a web order, its customer and the returns made in a store', async () => {
    const { id, ret } = await customerWithReturn();
    const answer = await ask(LOOKUP, { number: ` ${ret.web_order_number} ` });
    expect(answer.errors).toBeUndefined();
    const found = answer.data!.order;
    expect(found).toMatchObject({ number: ret.web_order_number, kind: 'WEB_ORDER', customer: { id }, order: { __typename: 'WebOrder', channel: 'WEB' } });
    expect(found.order.returns).toEqual(expect.arrayContaining([{ number: ret.return_no, store: { code: ret.store_code }, refund: { amount: ret.refund_total_cents } }]));
  });

  it('finds a receipt, a return and its receipt, and a quote', async () => {
    const sale = estate.pos.receipts.find((r) => r.card_number !== null)!;
    const bySale = await ask(LOOKUP, { number: sale.receipt_no });
    expect(bySale.errors).toBeUndefined();
    expect(bySale.data!.order).toMatchObject({ kind: 'STORE_SALE', order: { __typename: 'StoreSale', store: { code: sale.store_code } } });
    expect(bySale.data!.order.customer).not.toBeNull();

    const ret = estate.pos.returns.find((r) => r.receipt_no !== null)!;
    const byReturn = await ask(LOOKUP, { number: ret.return_no });
    expect(byReturn.errors).toBeUndefined();
    expect(byReturn.data!.order).toMatchObject({ kind: 'STORE_RETURN', order: { __typename: 'StoreReturn', receipt: { number: ret.receipt_no }, refund: { amount: ret.refund_total_cents } } });
    const receipt = await ask(LOOKUP, { number: ret.receipt_no });
    expect(receipt.data!.order.order.returns.map((r: Node) => r.number)).toContain(ret.return_no);

    const converted = estate.ecommerce.orders.find((o) => o.quote_number !== null)!;
    const byQuote = await ask(LOOKUP, { number: converted.quote_number });
    expect(byQuote.errors).toBeUndefined();
    expect(byQuote.data!.order).toMatchObject({ kind: 'QUOTE', quote: { number: converted.quote_number }, order: { __typename: 'WebOrder', number: converted.number } });
  });

  it('answers null for an unknown number, and refuses a malformed one', async () => {
    const unknown = await ask(LOOKUP, { number: 'W9999999' });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data!.order).toBeNull();
    const noStore = await ask(LOOKUP, { number: 'NRD01-9999999' });
    expect(noStore.data!.order).toBeNull();
    const bad = await ask(LOOKUP, { number: 'W1,W2' });
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'number' });
  });

  it("gives a customer their own orders only: another's number answers as an unknown one", async () => {
    const { id, ret } = await customerWithReturn();
    const mine = await stack.tokens.sign({ role: 'customer', customerId: id });
    const own = await ask(LOOKUP, { number: ret.web_order_number }, mine);
    expect(own.errors).toBeUndefined();
    expect(own.data!.order.customer.id).toBe(id);
    const other = estate.ecommerce.orders.find((o) => o.customer_id !== estate.ecommerce.orders.find((x) => x.number === ret.web_order_number)!.customer_id)!;
    const theirs = await ask(LOOKUP, { number: other.number }, mine);
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data!.order).toBeNull();
  });
});

describe('till lines under a franchise code', () => {
  const RECEIPT = `query ($number: String!) { order(number: $number) { order { ... on StoreSale { lines { localCode product { catalogueRef name tillRef } } } } } }`;

  it('name the product the catalogue maps the code to in that franchise, and none for a code it does not map', async () => {
    const posCodes = estate.catalogue.products.flatMap((p) => p.aliases.filter((a) => a.type === 'POS_CODE').map((a) => ({ ref: p.ref, code: a.value, franchise: a.franchise })));
    const isMapped = (franchise: string, code: string) => posCodes.filter((a) => a.franchise === franchise && a.code === code);
    const lines = estate.pos.receipts.flatMap((r) => r.lines.filter((l) => l.local_code !== null && l.ean === null).map((l) => ({ receipt: r, code: l.local_code! })));
    const mapped = lines.find((l) => isMapped(l.receipt.franchise, l.code).length === 1)!;
    const unmapped = lines.find((l) => isMapped(l.receipt.franchise, l.code).length === 0)!;
    expect(mapped && unmapped).toBeTruthy();

    const found = await ask(RECEIPT, { number: mapped.receipt.receipt_no });
    expect(found.errors).toBeUndefined();
    const line = found.data!.order.order.lines.find((l: Node) => l.localCode === mapped.code);
    expect(line.product).toMatchObject({ catalogueRef: isMapped(mapped.receipt.franchise, mapped.code)[0]!.ref, tillRef: `${mapped.receipt.franchise}:${mapped.code}` });
    expect(line.product.name).toEqual(expect.any(String));

    const missing = await ask(RECEIPT, { number: unmapped.receipt.receipt_no });
    expect(missing.errors).toBeUndefined();
    const bare = missing.data!.order.order.lines.find((l: Node) => l.localCode === unmapped.code);
    expect(bare.product === null || bare.product.name === null).toBe(true);
  });
});

describe('the cost of a history page', () => {
  /** Places `count` paid web orders for an account on the web shop's API. */
  async function placeOrders(accountId: number, count: number, nth: number) {
    const product = estate.ecommerce.products.filter((p) => p.active && p.ean !== null)[nth]!;
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${stack.estate.ecommerce.url}/api/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `cost-${accountId}-${i}` },
        body: JSON.stringify({ customer_id: accountId, currency: 'EUR', lines: [{ sku: product.sku, quantity: 1 }], total: product.price, status: 'paid', fulfilment: { type: 'home_delivery' } }),
      });
      expect(response.status).toBe(201);
    }
  }

  const PAGE = `query ($id: ID!, $first: Int) { customer(id: $id) { orders(first: $first) { totalCount edges { node { number placedAt total { amount } lines { quantity label product { name } } } } } } }`;

  /** The calls each stand-in served for one page of a customer's history. */
  async function callsFor(customerId: string, first: number) {
    const systems = [stack.estate.ecommerce, stack.estate.pos, stack.estate.catalogue, stack.estate.loyalty];
    for (const system of systems) system.counter.reset();
    const answer = await ask(PAGE, { id: customerId, first });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.customer.orders.edges).toHaveLength(first);
    const [ecommerce, pos, catalogue, loyalty] = systems.map((system) => system.counter.snapshot().total);
    return { ecommerce, pos, catalogue, loyalty };
  }

  it('is the same number of legacy calls for 10 orders with their lines and products as for 100', async () => {
    // Two customers with one web account each, given 110 web orders: each is asked once, so
    // that neither page is served from the other's cache.
    const found: { id: string; account: number }[] = [];
    for (const account of estate.ecommerce.customers) {
      const answer = await ask(`query ($id: ID!) { customer(by: { webAccountId: $id }) { id identities { system } } }`, { id: String(account.id) });
      const customer = answer.data?.customer as { id: string; identities: { system: string }[] } | null;
      if (customer && customer.identities.filter((i) => i.system === 'ECOMMERCE').length === 1 && customer.identities.every((i) => i.system !== 'POS')) {
        found.push({ id: customer.id, account: account.id });
      }
      if (found.length === 3) break;
    }
    expect(found).toHaveLength(3);
    for (const [i, { account }] of found.entries()) await placeOrders(account, 110, i + 1);
    // The tills' directory is read once and cached: warm it with a third customer, as any earlier request would.
    await ask(PAGE, { id: found[2]!.id, first: 1 });
    const ten = await callsFor(found[0]!.id, 10);
    const hundred = await callsFor(found[1]!.id, 100);
    expect(hundred).toEqual(ten);
    // The web shop: the accounts' orders (two pages of 200 at most), the orders by number, their products.
    expect(hundred.ecommerce).toBeLessThanOrEqual(4);
    expect(hundred.catalogue).toBeLessThanOrEqual(2);
    expect(hundred.loyalty).toBe(0);
  });
});
