import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { RunningStack } from '../scripts/stack.js';
import { startTracing, stopTracing } from '../subgraphs/shared/tracing.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// Inside one subgraph fetch, legacy calls that do not need each other's answers go out
// together: read from the traces (a span per legacy call), with every stand-in slowed down so
// that calls made one after the other cannot overlap. The longest chain of calls each started
// after the previous one ended is the number of round trips the fetch waits for.
// The latency is well above what a loaded machine adds to a call (both cores busy: up to 55 ms
// more on the POS calls): at 60 ms, in a full run, a late receipt read let its returns start
// after the web orders' returns had ended, and the chain read three where the plan has two.
const LATENCY_MS = 200;
const exporter = new InMemorySpanExporter();
let tiny: TinyStack;
let stack: RunningStack;

beforeAll(async () => {
  // Before the servers: they look at the tracer once, when they are built.
  expect(await startTracing({ serviceName: 'crosscanal-test', exporter, env: {} })).toBe(true);
  tiny = await startTinyStack('concurrent-reads');
  ({ stack } = tiny);
}, 180_000);

afterAll(async () => {
  if (stack) for (const system of slowed()) system.faults.reset();
  await tiny?.stop();
  await stopTracing();
});

/**
 * Every legacy system, the catalogue included: a call left fast (the campaign list) could end
 * before a slowed one started on a loaded machine, and count as a round trip of its own.
 */
const slowed = () => [stack.estate.ecommerce, stack.estate.loyalty, stack.estate.pos, stack.estate.catalogue];
const attr = (span: ReadableSpan, name: string) => span.attributes[name];
const ms = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;
/**
 * When a span ended, to the millisecond: spans' starts are recorded to the millisecond, so a
 * call started right after another ended, within the same millisecond, reads as starting a
 * fraction of a millisecond before it (seen in a full run).
 */
const ended = (span: ReadableSpan) => Math.floor(ms(span.endTime));

async function post(query: string, variables: Record<string, unknown>) {
  const token = await stack.tokens.sign({ role: 'service' });
  const response = await fetch(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any> | null; errors?: unknown[] };
  return { rid: response.headers.get('x-request-id')!, body };
}

/** The legacy calls the crosscanal subgraph made for the request `rid`, once its span has ended. */
async function crosswalkCalls(rid: string): Promise<ReadableSpan[]> {
  for (let waited = 0; waited < 5000; waited += 20) {
    const spans = exporter.getFinishedSpans().filter((s) => attr(s, 'crosscanal.request.id') === rid);
    const served = spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'subgraph crosscanal');
    if (served) {
      const id = served.spanContext().spanId;
      return spans.filter((s) => s.kind === SpanKind.CLIENT && attr(s, 'crosscanal.legacy.system') !== undefined && s.parentSpanContext?.spanId === id);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no crosscanal span for request ${rid}`);
}

/** The most calls in a chain where each starts after the previous one ended. */
function longestChain(calls: readonly ReadableSpan[]): string[] {
  const sorted = [...calls].sort((a, b) => ms(a.endTime) - ms(b.endTime));
  const best = new Map<ReadableSpan, string[]>();
  for (const call of sorted) {
    let chain: string[] = [];
    for (const before of sorted) {
      if (ended(before) <= ms(call.startTime) && (best.get(before)?.length ?? 0) > chain.length) chain = best.get(before)!;
    }
    best.set(call, [...chain, call.name]);
  }
  return [...best.values()].reduce((a, b) => (b.length > a.length ? b : a), []);
}

const by = (calls: readonly ReadableSpan[], name: string) => {
  const found = calls.filter((s) => s.name === name || s.name.startsWith(`${name} `));
  expect(found.length).toBeGreaterThanOrEqual(1);
  return found;
};
const starts = (spans: ReadableSpan[]) => Math.min(...spans.map((s) => ms(s.startTime)));
const ends = (spans: ReadableSpan[]) => Math.max(...spans.map(ended));

it("reads a customer's orders in two legacy round trips: the web shop and the tills side by side", async () => {
  // A customer with web orders, till receipts and a loyalty member; found through the crosswalk
  // and the web shop's subgraph, so that nothing of theirs is in the crosswalk's own caches yet.
  let picked: { card: string } | undefined;
  for (const card of [...new Set(tiny.estate.pos.receipts.map((r) => r.card_number).filter((c): c is string => c !== null))].slice(0, 60)) {
    const { body } = await post('query ($card: String!) { customer(by: { cardNumber: $card }) { identities { system } webOrders(first: 1) { number } } }', { card });
    const systems = new Set((body.data?.customer?.identities ?? []).map((i: { system: string }) => i.system));
    if (systems.has('POS') && systems.has('LOYALTY') && body.data!.customer.webOrders.length > 0) {
      picked = { card };
      break;
    }
  }
  expect(picked).toBeDefined();
  for (const system of slowed()) system.faults.set({ latencyMs: LATENCY_MS, jitterMs: 0 });
  const { rid, body } = await post('query ($card: String!) { customer(by: { cardNumber: $card }) { orders(first: 20) { totalCount unavailable } } }', picked!);
  for (const system of slowed()) system.faults.reset();
  expect(body.errors).toBeUndefined();
  expect(body.data!.customer.orders.unavailable).toEqual([]);
  expect(body.data!.customer.orders.totalCount).toBeGreaterThan(0);

  const calls = await crosswalkCalls(rid);
  // The tills' receipts and returns of the customer do not wait for the web orders.
  expect(starts([...by(calls, 'pos salesFor'), ...by(calls, 'pos returnsFor')])).toBeLessThan(ends(by(calls, 'ecommerce GET /orders')));
  // What does wait: the returns against the receipts for the receipts, those against the web orders for the web orders.
  expect(starts(by(calls, 'pos returnsOfReceipts'))).toBeGreaterThanOrEqual(ends(by(calls, 'pos salesFor')));
  expect(starts(by(calls, 'pos returnsOfWebOrders'))).toBeGreaterThanOrEqual(ends(by(calls, 'ecommerce GET /orders')));
  // Two round trips, where there were four (the web orders, then the tills' directory, their receipts, the returns against them).
  expect(longestChain(calls)).toHaveLength(2);
});

it("reads what a customer's promotions depend on in two legacy round trips: the programme and the web shop side by side", async () => {
  // Another customer, so that the crosswalk's caches of the systems hold nothing of theirs.
  let picked: { card: string } | undefined;
  for (const card of [...new Set(tiny.estate.pos.receipts.map((r) => r.card_number).filter((c): c is string => c !== null))].slice(0, 120).reverse()) {
    const { body } = await post('query ($card: String!) { customer(by: { cardNumber: $card }) { identities { system } } }', { card });
    const systems = new Set((body.data?.customer?.identities ?? []).map((i: { system: string }) => i.system));
    if (systems.has('ECOMMERCE') && systems.has('LOYALTY')) {
      picked = { card };
      break;
    }
  }
  expect(picked).toBeDefined();
  for (const system of slowed()) system.faults.set({ latencyMs: LATENCY_MS, jitterMs: 0 });
  const { rid, body } = await post('query ($card: String!) { customer(by: { cardNumber: $card }) { eligiblePromotions(channel: WEB) { id } } }', picked!);
  for (const system of slowed()) system.faults.reset();
  expect(body.errors).toBeUndefined();

  const calls = await crosswalkCalls(rid);
  // The web accounts (their newsletter choice) and their orders (a first order) do not wait for the programme.
  expect(starts([...by(calls, 'ecommerce GET /customers'), ...by(calls, 'ecommerce GET /orders')])).toBeLessThan(ends(by(calls, 'loyalty GetMembers')));
  // The best member's offers do not wait for the consents; both wait for the members.
  expect(starts(by(calls, 'loyalty GetOffers'))).toBeLessThan(ends(by(calls, 'loyalty GetConsents')));
  expect(starts([...by(calls, 'loyalty GetOffers'), ...by(calls, 'loyalty GetConsents')])).toBeGreaterThanOrEqual(ends(by(calls, 'loyalty GetMembers')));
  // Two round trips, where there were four (members, consents, web accounts then orders, offers).
  expect(longestChain(calls)).toHaveLength(2);
});
