import { randomUUID } from 'node:crypto';
import type { Estate } from '../legacy/generator/model.js';
import type { RunningStack } from '../scripts/stack.js';
import { resumeReturns } from '../subgraphs/crosscanal/journeys/returnAnywhere.js';
import { graphql } from './graphql.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// Return anywhere: an associate at NRD01 takes back goods bought on the web, or in another
// franchise's store; the return lands in NRD's tills, in NRD's layout, and every view of the
// order shows it, through the gateway.
let tiny: TinyStack;
let stack: RunningStack;
let estate: Estate;
let associate: string;
let seller: string;

const ask = (query: string, variables: Record<string, unknown> = {}, token = associate) => graphql(stack.gateway.url, query, variables, token);

beforeAll(async () => {
  tiny = await startTinyStack('returns');
  ({ stack, estate } = tiny);
  associate = await stack.tokens.sign({ role: 'associate', store: 'NRD01', franchise: 'NRD' });
  seller = estate.pos.sellers.find((s) => s.store_code === 'NRD01')!.code;
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
});

const RECORD = /* GraphQL */ `
  mutation ($input: RecordReturnInput!) {
    recordReturn(input: $input) {
      status returnNumber pendingReason refund { amount currency } refundChannel
      storeReturn { number store { code } refund { amount } total { amount } webOrder { number } receipt { number } items { quantity restock } }
    }
  }
`;

const record = (input: Record<string, unknown>, token = associate) => ask(RECORD, { input: { idempotencyKey: randomUUID(), sellerCode: seller, ...input } }, token);

const taken = new Set<string>();
/** Orders nobody brought anything back from yet, each used by one test only. */
const untouched = (number: string) => {
  if (taken.has(number) || estate.pos.returns.some((r) => r.web_order_number === number || r.receipt_no === number)) return false;
  taken.add(number);
  return true;
};

describe('recordReturn', () => {
  it('takes back part of a web order at a store, and the web order shows it', async () => {
    const order = estate.ecommerce.orders.find((o) => o.status === 'delivered' && o.lines.length >= 2 && o.lines[0]!.quantity === 1 && untouched(o.number))!;
    const answer = await record({ orderNumber: order.number, lines: [{ lineNumber: 1, quantity: 1, restock: true }] });
    expect(answer.errors).toBeUndefined();
    const paid = Math.round(Number(order.lines[0]!.unit_price) * 100) - Math.round(Number(order.lines[0]!.discount) * 100);
    const result = answer.data!.recordReturn;
    expect(result).toMatchObject({ status: 'DONE', refund: { amount: paid, currency: 'EUR' }, refundChannel: 'STORE' });
    expect(result.returnNumber).toMatch(/^R-NRD01-\d{6}$/);
    expect(result.storeReturn).toMatchObject({ number: result.returnNumber, store: { code: 'NRD01' }, refund: { amount: paid }, total: { amount: -paid }, webOrder: { number: order.number }, items: [{ quantity: 1, restock: true }] });

    const seen = await ask(`query ($n: String!) { order(number: $n) { order { ... on WebOrder { status returnState returns { number store { code } refundChannel } } } } }`, { n: order.number });
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.order.order).toMatchObject({ returnState: 'PARTLY_RETURNED', returns: [{ number: result.returnNumber, store: { code: 'NRD01' }, refundChannel: 'STORE' }] });
  });

  it("takes back another franchise's anonymous receipt, written in the store's own tills", async () => {
    const sale = estate.pos.receipts.find((r) => r.franchise !== 'NRD' && r.card_number === null && r.lines[0]!.ean !== null && untouched(r.receipt_no))!;
    const answer = await record({ orderNumber: sale.receipt_no, lines: [{ lineNumber: 1, quantity: 1, restock: false }] });
    expect(answer.errors).toBeUndefined();
    const { returnNumber, storeReturn } = answer.data!.recordReturn;
    expect(storeReturn).toMatchObject({ store: { code: 'NRD01' }, receipt: { number: sale.receipt_no }, items: [{ quantity: 1, restock: false }] });
    const receipt = await ask(`query ($n: String!) { order(number: $n) { kind order { ... on StoreSale { store { code } returns { number store { code } } } } } }`, { n: sale.receipt_no });
    expect(receipt.data!.order).toMatchObject({ kind: 'STORE_SALE', order: { store: { code: sale.store_code }, returns: [{ number: returnNumber, store: { code: 'NRD01' } }] } });
    const byNumber = await ask(`query ($n: String!) { order(number: $n) { kind order { __typename channel placedAt } } }`, { n: returnNumber });
    expect(byNumber.data!.order).toMatchObject({ kind: 'STORE_RETURN', order: { __typename: 'StoreReturn', channel: 'STORE' } });
  });

  it('records a return once however often it is sent, and never more than was bought', async () => {
    const order = estate.ecommerce.orders.find((o) => o.status === 'delivered' && o.lines[0]!.quantity === 1 && o.lines.length === 1 && untouched(o.number))!;
    const input = { idempotencyKey: randomUUID(), sellerCode: seller, orderNumber: order.number, lines: [{ lineNumber: 1, quantity: 1, restock: true }] };
    const [a, b] = await Promise.all([ask(RECORD, { input }), ask(RECORD, { input })]);
    const again = await ask(RECORD, { input });
    for (const answer of [a, b, again]) expect(answer.errors).toBeUndefined();
    const numbers = [a, b, again].map((x) => x.data?.recordReturn?.returnNumber);
    expect(new Set(numbers).size).toBe(1);
    expect(numbers[0]).toMatch(/^R-NRD01-/);
    const returns = await ask(`query ($n: String!) { order(number: $n) { order { ... on WebOrder { returnState returns { number } } } } }`, { n: order.number });
    expect(returns.data!.order.order).toMatchObject({ returnState: 'RETURNED', returns: [{ number: numbers[0] }] });
    const more = await record({ orderNumber: order.number, lines: [{ lineNumber: 1, quantity: 1, restock: true }] });
    expect(more.errors?.[0]?.extensions).toMatchObject({ code: 'RETURN_REFUSED', reason: 'MORE_THAN_BOUGHT', left: 0 });
    const reused = await ask(RECORD, { input: { ...input, orderNumber: estate.ecommerce.orders.find((o) => o.number !== order.number)!.number } });
    expect(reused.errors?.[0]?.extensions).toMatchObject({ code: 'RETURN_REFUSED', reason: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('refuses what cannot be returned, with coded reasons, and writes nothing', async () => {
    const order = estate.ecommerce.orders.find((o) => o.status === 'delivered' && untouched(o.number))!;
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ orderNumber: 'W9999999', lines: [{ lineNumber: 1, quantity: 1, restock: true }] }, { code: 'RETURN_REFUSED', reason: 'ORDER_NOT_FOUND' }],
      [{ orderNumber: order.number, lines: [{ lineNumber: 99, quantity: 1, restock: true }] }, { code: 'RETURN_REFUSED', reason: 'LINE_NOT_FOUND' }],
      [{ orderNumber: order.number, lines: [{ lineNumber: 1, quantity: 0, restock: true }] }, { code: 'BAD_USER_INPUT', argument: 'input.lines[0].quantity' }],
      [{ orderNumber: order.number, lines: [] }, { code: 'BAD_USER_INPUT', argument: 'input.lines' }],
      [{ orderNumber: order.number, sellerCode: 'NOBODY', lines: [{ lineNumber: 1, quantity: 1, restock: true }] }, { code: 'RETURN_REFUSED', reason: 'SELLER_NOT_FOUND' }],
      [{ orderNumber: order.number, idempotencyKey: 'two words', lines: [{ lineNumber: 1, quantity: 1, restock: true }] }, { code: 'BAD_USER_INPUT', argument: 'input.idempotencyKey' }],
    ];
    for (const [input, extensions] of cases) {
      const answer = await record(input);
      expect({ input, extensions: answer.errors?.[0]?.extensions }).toMatchObject({ input, extensions });
    }
    const pending = estate.ecommerce.orders.find((o) => o.status === 'pending');
    if (pending) expect((await record({ orderNumber: pending.number, lines: [{ lineNumber: 1, quantity: 1, restock: true }] })).errors?.[0]?.extensions).toMatchObject({ reason: 'ORDER_NOT_RETURNABLE' });
    const seen = await ask(`query ($n: String!) { order(number: $n) { order { ... on WebOrder { returnState returns { number } } } } }`, { n: order.number });
    expect(seen.data!.order.order).toEqual({ returnState: 'NONE', returns: [] });
    // Only at the associate's own store; a customer takes no returns.
    expect((await record({ storeCode: 'NRD02', orderNumber: order.number, lines: [{ lineNumber: 1, quantity: 1, restock: true }] })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const customer = await stack.tokens.sign({ role: 'customer', customerId: 'cus_x' });
    expect((await record({ orderNumber: order.number, lines: [{ lineNumber: 1, quantity: 1, restock: true }] }, customer)).errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN/);
  });

  it('keeps a return taken while the tills are down, and writes it once they are back', async () => {
    const order = estate.ecommerce.orders.find((o) => o.status === 'collected' && untouched(o.number))!;
    // The order is read first (tills up); they go down before the return is written.
    await ask(`query ($n: String!) { order(number: $n) { kind } }`, { n: order.number });
    const input = { idempotencyKey: randomUUID(), sellerCode: seller, orderNumber: order.number, lines: [{ lineNumber: 1, quantity: 1, restock: true }] };
    const service = await stack.tokens.sign({ role: 'service' });
    const warm = await ask(RECORD, { input: { ...input, idempotencyKey: randomUUID(), lines: [{ lineNumber: 99, quantity: 1, restock: true }], storeCode: 'NRD01' } }, service);
    expect(warm.errors?.[0]?.extensions?.reason).toBe('LINE_NOT_FOUND');
    // A web order's number names no store of the tills, so placing it has their directory read
    // again, at most once a second: past that second, with the tills down, that read fails, and
    // the return must be taken all the same (it once failed with SOURCE_UNAVAILABLE whenever a
    // busy machine let a second pass here).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    stack.estate.pos.faults.set({ down: true });
    let pending;
    try {
      pending = await ask(RECORD, { input });
    } finally {
      stack.estate.pos.faults.set({ down: false });
    }
    expect(pending.errors).toBeUndefined();
    expect(pending.data!.recordReturn).toMatchObject({ status: 'PENDING', returnNumber: null, pendingReason: expect.any(String) });
    // The schedule's next run, made due at once; the calls that failed while the tills were down
    // may have opened the circuit to them, which lets a trial through within its pause (5 s at most).
    const until = Date.now() + 8000;
    for (;;) {
      await stack.crosscanal.store.db.query('UPDATE return_request SET next_attempt_at = now() WHERE idempotency_key = $1', [input.idempotencyKey]);
      const resumed = await resumeReturns(stack.crosscanal.store, stack.crosscanal.journeys.returns);
      if (resumed.done === 1 || Date.now() > until) {
        expect(resumed).toMatchObject({ done: 1, pending: 0 });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const done = await ask(RECORD, { input });
    expect(done.data!.recordReturn).toMatchObject({ status: 'DONE', returnNumber: expect.stringMatching(/^R-NRD01-/) });
    const [row] = await stack.crosscanal.store.db.query<{ actor: string; role: string; state: string }>('SELECT actor, role, state FROM return_request WHERE idempotency_key = $1', [input.idempotencyKey]);
    expect(row).toMatchObject({ role: 'associate', state: 'DONE', actor: expect.any(String) });
  });

  it('with the web shop down, takes back a receipt all the same, and refuses a web order with the shop\'s coded error, recording nothing', async () => {
    const sale = estate.pos.receipts.find((r) => r.franchise === 'NRD' && r.lines[0]!.ean !== null && untouched(r.receipt_no))!;
    const order = estate.ecommerce.orders.find((o) => o.status === 'delivered' && untouched(o.number))!;
    const refusedKey = randomUUID();
    stack.estate.ecommerce.faults.set({ down: true });
    let receipt;
    let web;
    try {
      receipt = await record({ orderNumber: sale.receipt_no, lines: [{ lineNumber: 1, quantity: 1, restock: true }] });
      web = await record({ idempotencyKey: refusedKey, orderNumber: order.number, lines: [{ lineNumber: 1, quantity: 1, restock: true }] });
    } finally {
      stack.estate.ecommerce.faults.set({ down: false });
    }
    // The receipt is the tills' alone: the web shop, asked at the same time, failing does not matter.
    expect(receipt.errors).toBeUndefined();
    expect(receipt.data!.recordReturn).toMatchObject({ status: 'DONE', returnNumber: expect.stringMatching(/^R-NRD01-/), storeReturn: { receipt: { number: sale.receipt_no } } });
    // The tills have no such number, and the shop that may have it cannot say: an error, not a refusal.
    expect(web.data?.recordReturn ?? null).toBeNull();
    expect(web.errors?.[0]?.extensions).toMatchObject({ code: 'SOURCE_UNAVAILABLE', source: 'ecommerce' });
    expect(await stack.crosscanal.store.db.query('SELECT 1 FROM return_request WHERE idempotency_key = $1', [refusedKey])).toEqual([]);
  });
});
