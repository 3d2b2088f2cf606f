import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Estate } from '../legacy/generator/model.js';
import type { RunningStack } from '../scripts/stack.js';
import { resumeConversions } from '../subgraphs/crosscanal/journeys/quoteOnline.js';
import { graphql } from './graphql.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// A quote prepared in a store, finished online: the kitchen case. A store's till prepares
// the quote (written here as the till writes it, in NRD's layout); the customer, or customer
// service, finishes it through the gateway; the web shop gets one order, the till learns
// which, and the store and its seller are credited with the sale.
let tiny: TinyStack;
let stack: RunningStack;
let estate: Estate;
let service: string;
let till: pg.Client;

const ask = (query: string, variables: Record<string, unknown> = {}, token = service) => graphql(stack.gateway.url, query, variables, token);

beforeAll(async () => {
  tiny = await startTinyStack('quote');
  ({ stack, estate } = tiny);
  service = await stack.tokens.sign({ role: 'service' });
  till = new pg.Client({ connectionString: stack.estate.pos.url });
  await till.connect();
}, 180_000);

afterAll(async () => {
  await till?.end();
  await tiny?.stop();
});

const DAY = 86_400_000;
let quoteSeq = 900;

interface Customer {
  id: string;
  card: string;
  accounts: string[];
}

let known: Customer[] | undefined;

/** Customers whose card was seen at a till, with their web accounts, found through the graph (once: the gateway limits a client's rate). */
async function customersWithCard(): Promise<Customer[]> {
  if (known) return known;
  const cards = [...new Set(estate.pos.receipts.filter((r) => r.card_number !== null).map((r) => r.card_number!))];
  const found: Customer[] = [];
  for (const card of cards) {
    const answer = await ask(`query ($card: String!) { customer(by: { cardNumber: $card }) { id identities { system localId } } }`, { card });
    const customer = answer.data?.customer as { id: string; identities: { system: string; localId: string }[] } | null;
    if (customer) found.push({ id: customer.id, card, accounts: customer.identities.filter((i) => i.system === 'ECOMMERCE').map((i) => i.localId) });
  }
  known = found;
  return found;
}

const activeProducts = () => estate.ecommerce.products.filter((p) => p.active && p.ean !== null && Number(p.price) >= 5);

/** The till at NRD01 prepares a quote for a card: lines by EAN (or a local code), at store prices. */
async function tillPreparesQuote(card: string, lines: { ean?: string; localCode?: string; quantity: number; unitCents: number }[], validForMs = 30 * DAY): Promise<string> {
  const number = `Q-NRD01-${String(++quoteSeq).padStart(6, '0')}`;
  const seller = estate.pos.sellers.find((s) => s.store_code === 'NRD01')!;
  const { rows } = await till.query<{ schema_name: string }>(`SELECT schema_name FROM ${stack.estate.pos.schemas.directory}.franchises WHERE code = 'NRD'`);
  const schema = rows[0]!.schema_name;
  const created = new Date(Date.now() - DAY);
  await till.query(`INSERT INTO ${schema}.quotes (quote_no, store_code, seller_code, created_at, valid_until, status, card_number, phone) VALUES ($1, 'NRD01', $2, $3, $4, 'OPEN', $5, NULL)`, [
    number,
    seller.code,
    created.toISOString(),
    new Date(Date.now() + validForMs).toISOString(),
    card,
  ]);
  for (const [i, line] of lines.entries()) {
    await till.query(`INSERT INTO ${schema}.quote_lines (quote_no, line_no, ean, local_code, quantity, unit_price_cents) VALUES ($1, $2, $3, $4, $5, $6)`, [
      number,
      i + 1,
      line.ean ?? null,
      line.localCode ?? null,
      line.quantity,
      line.unitCents,
    ]);
  }
  return number;
}

const FINISH = /* GraphQL */ `
  mutation ($input: FinishQuoteInput!) {
    finishQuoteOnline(input: $input) {
      status quoteMarked pendingReason
      quote { number }
      webOrder { number }
      storeOnlyLines { lineNumber localCode gtin quantity lineTotal reason }
      attribution { rule explanation sellerCode store { code } quote { number } orderTotal { amount currency } quoteTotal { amount } leftOut { amount } }
    }
  }
`;

const finish = (input: Record<string, unknown>, token = service) =>
  ask(FINISH, { input: { idempotencyKey: randomUUID(), fulfilment: { kind: 'HOME_DELIVERY' }, ...input } }, token);

async function webOrdersOfQuote(quoteNumber: string): Promise<{ number: string; quote_number: string; lines: { sku: string; unit_price: string; quantity: number }[]; total: string; customer_id: number }[]> {
  const response = await fetch(`${stack.estate.ecommerce.url}/api/v1/orders?quote_number=${encodeURIComponent(quoteNumber)}`);
  return ((await response.json()) as { data: never[] }).data;
}

describe('finishQuoteOnline', () => {
  let single: Customer;
  let twoAccounts: Customer | undefined;

  beforeAll(async () => {
    const customers = await customersWithCard();
    single = customers.find((c) => c.accounts.length === 1)!;
    twoAccounts = customers.find((c) => c.accounts.length === 2);
    expect(single).toBeDefined();
  });

  it('reports the lines the web shop cannot sell and writes nothing, then finishes without them when told to', async () => {
    const [a, b] = activeProducts();
    const quote = await tillPreparesQuote(single.card, [
      { ean: a!.ean!, quantity: 1, unitCents: 129_900 },
      { localCode: 'NRD-POSE-CUISINE', quantity: 1, unitCents: 45_000 },
      { ean: b!.ean!, quantity: 2, unitCents: 8_990 },
    ]);
    const asked = await finish({ quoteNumber: quote });
    expect(asked.errors).toBeUndefined();
    expect(asked.data!.finishQuoteOnline).toMatchObject({
      status: 'NEEDS_CONFIRMATION',
      webOrder: null,
      storeOnlyLines: [{ lineNumber: 2, localCode: 'NRD-POSE-CUISINE', gtin: null, quantity: 1, lineTotal: 45_000, reason: 'NO_WEB_SKU' }],
    });
    expect(await webOrdersOfQuote(quote)).toEqual([]);

    const done = await finish({ quoteNumber: quote, withoutStoreOnlyLines: true });
    expect(done.errors).toBeUndefined();
    const result = done.data!.finishQuoteOnline;
    expect(result).toMatchObject({ status: 'DONE', quoteMarked: true, quote: { number: quote } });
    expect(result.attribution).toMatchObject({
      rule: 'QUOTE',
      store: { code: 'NRD01' },
      quote: { number: quote },
      orderTotal: { amount: 129_900 + 2 * 8_990, currency: 'EUR' },
      quoteTotal: { amount: 129_900 + 45_000 + 2 * 8_990 },
      leftOut: { amount: 45_000 },
    });
    expect(result.attribution.explanation).toContain(quote);
    const [order, ...more] = await webOrdersOfQuote(quote);
    expect(more).toEqual([]);
    expect(order).toMatchObject({ number: result.webOrder.number, customer_id: Number(single.accounts[0]), total: '1478.80' });
    expect(order!.lines.map((l) => l.unit_price)).toEqual(['1299.00', '89.90']);

    // The quote leads to its order, the order to its quote; the till says CONVERTED_ONLINE.
    const read = await ask(`query ($n: String!) { order(number: $n) { kind quote { number status webOrder { number } } order { ... on WebOrder { number quote { number } } } } }`, { n: quote });
    expect(read.errors).toBeUndefined();
    expect(read.data!.order).toMatchObject({ kind: "QUOTE", quote: { number: quote, status: "CONVERTED_ONLINE", webOrder: { number: order!.number } }, order: { number: order!.number, quote: { number: quote } } });

    // Recorded with who asked.
    const [row] = await stack.crosscanal.store.db.query<{ actor: string; role: string; state: string }>('SELECT actor, role, state FROM quote_conversion WHERE quote_number = $1', [quote]);
    expect(row).toMatchObject({ role: 'service', state: 'DONE', actor: expect.any(String) });
  });

  it('makes one order of a double submit and of a retry, and refuses another request for the same quote', async () => {
    const [a] = activeProducts();
    const quote = await tillPreparesQuote(single.card, [{ ean: a!.ean!, quantity: 1, unitCents: 50_000 }]);
    const input = { quoteNumber: quote, idempotencyKey: randomUUID(), fulfilment: { kind: 'HOME_DELIVERY' } };
    const [first, second] = await Promise.all([ask(FINISH, { input }), ask(FINISH, { input })]);
    const numbers = [first, second].map((a) => a.data?.finishQuoteOnline?.webOrder?.number ?? a.errors?.[0]?.extensions?.code);
    expect(await webOrdersOfQuote(quote)).toHaveLength(1);
    const [order] = await webOrdersOfQuote(quote);
    // Both name the one order, or the loser of the race is told the quote is being finished.
    for (const answer of numbers) expect([order!.number, 'QUOTE_ALREADY_FINISHING']).toContain(answer);
    const retry = await ask(FINISH, { input });
    expect(retry.data!.finishQuoteOnline).toMatchObject({ status: 'DONE', webOrder: { number: order!.number } });
    const other = await finish({ quoteNumber: quote });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'QUOTE_ALREADY_FINISHING', webOrderNumber: order!.number });
    expect(await webOrdersOfQuote(quote)).toHaveLength(1);
  });

  it('refuses an expired quote, a quote finished in store, a malformed request, and another customer', async () => {
    const [a] = activeProducts();
    const expired = await tillPreparesQuote(single.card, [{ ean: a!.ean!, quantity: 1, unitCents: 1_000 }], -DAY);
    expect((await finish({ quoteNumber: expired })).errors?.[0]?.extensions?.code).toBe('QUOTE_EXPIRED');
    const inStore = estate.pos.quotes.find((q) => q.status === 'CONVERTED_IN_STORE')!;
    expect((await finish({ quoteNumber: inStore.quote_no })).errors?.[0]?.extensions).toMatchObject({ code: 'QUOTE_NOT_OPEN', status: 'CONVERTED_IN_STORE' });
    expect((await finish({ quoteNumber: 'Q-NRD01-999999' })).errors?.[0]?.extensions?.code).toBe('QUOTE_NOT_FOUND');
    expect((await finish({ quoteNumber: expired, idempotencyKey: 'has space' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.idempotencyKey' });
    expect((await finish({ quoteNumber: expired, fulfilment: { kind: 'CLICK_AND_COLLECT' } })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.fulfilment.storeCode' });

    const open = await tillPreparesQuote(single.card, [{ ean: a!.ean!, quantity: 1, unitCents: 1_000 }]);
    const someoneElse = (await customersWithCard()).find((c) => c.id !== single.id)!;
    const theirs = await stack.tokens.sign({ role: 'customer', customerId: someoneElse.id });
    expect((await finish({ quoteNumber: open }, theirs)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const associate = await stack.tokens.sign({ role: 'associate', store: 'NRD01', franchise: 'NRD' });
    expect((await finish({ quoteNumber: open }, associate)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await webOrdersOfQuote(open)).toEqual([]);
    // The customer themselves may finish it.
    const own = await stack.tokens.sign({ role: 'customer', customerId: single.id });
    expect((await finish({ quoteNumber: open, fulfilment: { kind: 'CLICK_AND_COLLECT', storeCode: 'NRD01' } }, own)).data!.finishQuoteOnline.status).toBe('DONE');
  });

  it('asks which web account when the customer has two', async () => {
    if (!twoAccounts) return expect(twoAccounts).toBeDefined();
    const [a] = activeProducts();
    const quote = await tillPreparesQuote(twoAccounts.card, [{ ean: a!.ean!, quantity: 1, unitCents: 2_000 }]);
    const ambiguous = await finish({ quoteNumber: quote });
    expect(ambiguous.errors?.[0]?.extensions).toMatchObject({ code: 'WEB_ACCOUNT_AMBIGUOUS', accounts: [...twoAccounts.accounts].sort((x, y) => Number(x) - Number(y)) });
    const chosen = await finish({ quoteNumber: quote, webAccountId: twoAccounts.accounts[1] });
    expect(chosen.data!.finishQuoteOnline.status).toBe('DONE');
    expect((await webOrdersOfQuote(quote))[0]!.customer_id).toBe(Number(twoAccounts.accounts[1]));
  });

  it('stays pending while the web shop is down, and is finished by a retry or by the schedule, once', async () => {
    const [a] = activeProducts();
    const quote = await tillPreparesQuote(single.card, [
      { ean: a!.ean!, quantity: 3, unitCents: 3_000 },
      { localCode: 'NRD-MONTAGE', quantity: 1, unitCents: 9_000 },
    ]);
    // The lines are checked with the web shop up (the answer is NEEDS_CONFIRMATION); it goes
    // down before the customer confirms: the request is recorded, the order waits.
    expect((await finish({ quoteNumber: quote })).data!.finishQuoteOnline.status).toBe('NEEDS_CONFIRMATION');
    const input = { quoteNumber: quote, idempotencyKey: randomUUID(), fulfilment: { kind: 'HOME_DELIVERY' }, withoutStoreOnlyLines: true };
    stack.estate.ecommerce.faults.set({ down: true });
    let pending;
    try {
      pending = await ask(FINISH, { input });
    } finally {
      stack.estate.ecommerce.faults.set({ down: false });
    }
    expect(pending.errors).toBeUndefined();
    expect(pending.data!.finishQuoteOnline).toMatchObject({ status: 'PENDING', webOrder: null, pendingReason: expect.any(String) });
    expect(await webOrdersOfQuote(quote)).toEqual([]);
    // The schedule takes it on, as a restarted crosswalk would: from the recorded request alone.
    // The web shop's circuit breaker, opened by the failures, lets a call through again only
    // after its pause: the schedule's next runs take it on then (each run made due at once).
    let resumed = { done: 0, pending: 0 };
    for (let run = 0; run < 20 && resumed.done < 1; run++) {
      if (run > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      // Due a second ago: the runs compare with the process's clock, in milliseconds, where now() has
      // microseconds, so a row due "now" could still be a fraction of a millisecond ahead of it.
      await stack.crosscanal.store.db.query("UPDATE quote_conversion SET next_attempt_at = now() - interval '1 second' WHERE quote_number = $1", [quote]);
      resumed = await resumeConversions(stack.crosscanal.store, stack.crosscanal.journeys);
    }
    expect(resumed.done).toBeGreaterThanOrEqual(1);
    const retry = await ask(FINISH, { input });
    expect(retry.data!.finishQuoteOnline).toMatchObject({ status: 'DONE', quoteMarked: true });
    expect(await webOrdersOfQuote(quote)).toHaveLength(1);
  });

  it('credits the store and its seller with the online sales they started', async () => {
    const associate = await stack.tokens.sign({ role: 'associate', store: 'NRD01', franchise: 'NRD' });
    const from = new Date(Date.now() - DAY).toISOString();
    const to = new Date(Date.now() + DAY).toISOString();
    const answer = await ask(
      `query ($from: DateTime!, $to: DateTime!) { store(code: "NRD01") { code assistedOnlineSales(from: $from, to: $to) { orders quoteOrders total { amount currency } bySeller { sellerCode orders total { amount } } sales(first: 10) { rule quote { number } webOrder { number } } } } }`,
      { from, to },
      associate,
    );
    expect(answer.errors).toBeUndefined();
    const sales = answer.data!.store.assistedOnlineSales;
    expect(sales.orders).toBeGreaterThanOrEqual(4);
    expect(sales.quoteOrders).toBe(sales.orders);
    expect(sales.bySeller.reduce((sum: number, s: { orders: number }) => sum + s.orders, 0)).toBe(sales.orders);
    // The same, seller by seller, from a quote's seller.
    const quoteNumber = sales.sales.find((s: { rule: string }) => s.rule === 'QUOTE').quote.number;
    const bySeller = await ask(
      `query ($n: String!, $from: DateTime!, $to: DateTime!) { order(number: $n) { quote { seller { code storeCode assistedOnlineSales(from: $from, to: $to) { orders total { amount } } } } } }`,
      { n: quoteNumber, from, to },
      associate,
    );
    expect(bySeller.errors).toBeUndefined();
    const seller = bySeller.data!.order.quote.seller;
    const expected = sales.bySeller.find((s: { sellerCode: string }) => s.sellerCode === seller.code);
    expect(seller).toMatchObject({ storeCode: 'NRD01', assistedOnlineSales: { orders: expected.orders, total: { amount: expected.total.amount } } });
    const elsewhere = await ask(`query ($from: DateTime!, $to: DateTime!) { store(code: "SUD01") { assistedOnlineSales(from: $from, to: $to) { orders } } }`, { from, to }, associate);
    expect(elsewhere.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('attribution by rule', () => {
  it('credits a web order to the store that served the customer days before, with the receipt as evidence', async () => {
    const customers = await customersWithCard();
    const customer = customers.filter((c) => c.accounts.length === 1).at(-1)!;
    const seller = estate.pos.sellers.find((s) => s.store_code === 'NRD02')!;
    const { rows } = await till.query<{ schema_name: string }>(`SELECT schema_name FROM ${stack.estate.pos.schemas.directory}.franchises WHERE code = 'NRD'`);
    const schema = rows[0]!.schema_name;
    const receipt = 'NRD02-0900001';
    const servedAt = new Date(Date.now() - 3 * DAY);
    await till.query(`INSERT INTO ${schema}.receipts (receipt_no, store_code, seller_code, sold_at, card_number, phone, currency, total_cents) VALUES ($1, 'NRD02', $2, $3, $4, NULL, 'EUR', 1000)`, [
      receipt,
      seller.code,
      servedAt.toISOString(),
      customer.card,
    ]);
    const product = activeProducts()[0]!;
    const response = await fetch(`${stack.estate.ecommerce.url}/api/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ customer_id: Number(customer.accounts[0]), currency: 'EUR', lines: [{ sku: product.sku, quantity: 1 }], total: product.price, status: 'paid', fulfilment: { type: 'home_delivery' } }),
    });
    expect(response.status).toBe(201);
    const { data: order } = (await response.json()) as { data: { number: string } };
    expect(await stack.crosscanal.servedInStore!.incremental()).toMatchObject({ attributed: 1 });
    const steward = await stack.tokens.sign({ role: 'steward' });
    const from = new Date(Date.now() - DAY).toISOString();
    const to = new Date(Date.now() + DAY).toISOString();
    const answer = await ask(`query ($from: DateTime!, $to: DateTime!) { store(code: "NRD02") { assistedOnlineSales(from: $from, to: $to) { servedOrders sales { rule sellerCode explanation webOrder { number } } } } }`, { from, to }, steward);
    expect(answer.errors).toBeUndefined();
    const sale = answer.data!.store.assistedOnlineSales.sales.find((s: { webOrder: { number: string } }) => s.webOrder.number === order.number);
    expect(sale).toMatchObject({ rule: 'SERVED_IN_STORE', sellerCode: seller.code });
    expect(sale.explanation).toContain(receipt);
    // Read again, nothing new.
    expect(await stack.crosscanal.servedInStore!.incremental()).toMatchObject({ attributed: 0 });
  });
});
