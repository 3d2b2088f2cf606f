import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { RunningStack } from '../scripts/stack.js';
import { startTracing, stopTracing } from '../subgraphs/shared/tracing.js';
import { startTestGateway } from './support/gateway.js';
import { grantHeaders } from './support/grant.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// One request through the whole graph, in one process (tinyStack), traced into an exporter in
// memory: the gateway's span, Apollo's plan and fetches under it, each subgraph's span under
// the fetch that called it, and each legacy call under the subgraph that made it, in one trace
// carrying the request id of the logs. And what a caller's own `traceparent` is worth.
const exporter = new InMemorySpanExporter();
let tiny: TinyStack;
let stack: RunningStack;

beforeAll(async () => {
  // Before the servers: they look at the tracer once, when they are built.
  expect(await startTracing({ serviceName: 'crosscanal-test', exporter, env: {} })).toBe(true);
  tiny = await startTinyStack('tracing');
  ({ stack } = tiny);
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
  await stopTracing();
});

beforeEach(() => exporter.reset());

const FORGED_TRACE = 'ab'.repeat(16);
const FORGED_SPAN = 'cd'.repeat(8);
const FORGED = `00-${FORGED_TRACE}-${FORGED_SPAN}-01`;

const attr = (span: ReadableSpan, name: string) => span.attributes[name];
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The gateway's span of the request `rid`, once it has ended (it ends after the answer is written). */
async function gatewaySpan(rid: string): Promise<ReadableSpan> {
  for (let waited = 0; waited < 5000; waited += 20) {
    const found = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER && s.name.startsWith('POST') && attr(s, 'crosscanal.request.id') === rid);
    if (found.length > 0) {
      expect(found).toHaveLength(1);
      return found[0]!;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no gateway span for request ${rid}`);
}

async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: Record<string, any> | null; errors?: Array<{ extensions?: { code?: string } }> };
  return { status: response.status, rid: response.headers.get('x-request-id')!, body };
}

/** The README's customer screen, found by a card used at a till. */
const CUSTOMER = /* GraphQL */ `
  query CustomerScreen($card: String!) {
    customer(by: { cardNumber: $card }) {
      id
      displayName { value }
      identities { system localId }
      loyalty { cardNumber tier pointsBalance }
      webOrders(first: 5) { number placedAt status total { amount currency } }
      storeSales(first: 5) { number placedAt total { amount currency } store { name franchise { name } } }
    }
  }
`;

it("traces a request from the gateway through each subgraph to each legacy call, in one trace with the logs' request id", async () => {
  const token = await stack.tokens.sign({ role: 'service' });
  // A card whose holder has a loyalty record, web orders and till receipts: every legacy system is asked.
  let picked: { rid: string; card: string; customer: Record<string, any> } | undefined;
  for (const card of [...new Set(tiny.estate.pos.receipts.map((r) => r.card_number).filter((c): c is string => c !== null))].slice(0, 40)) {
    const answer = await post(stack.gateway.url, CUSTOMER, { card }, { authorization: `Bearer ${token}` });
    expect(answer.body.errors).toBeUndefined();
    const customer = answer.body.data?.customer;
    if (customer?.loyalty && customer.webOrders.length > 0 && customer.storeSales.length > 0) {
      picked = { rid: answer.rid, card, customer };
      break;
    }
  }
  expect(picked).toBeDefined();
  const { rid, card, customer } = picked!;

  const root = await gatewaySpan(rid);
  const traceId = root.spanContext().traceId;
  expect(root.parentSpanContext).toBeUndefined();
  expect(root.name).toBe('POST /');
  expect(root.attributes).toMatchObject({
    'crosscanal.request.id': rid,
    'crosscanal.principal.role': 'service',
    'graphql.operation.name': 'CustomerScreen',
    'graphql.operation.type': 'query',
    'http.request.method': 'POST',
    'http.response.status_code': 200,
  });
  expect(root.status.code).not.toBe(SpanStatusCode.ERROR);

  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  // Every span of the request is in its trace, and every span of the trace is the request's.
  for (const span of exporter.getFinishedSpans()) {
    if (attr(span, 'crosscanal.request.id') === rid) expect(span.spanContext().traceId).toBe(traceId);
  }
  for (const span of spans) {
    const id = attr(span, 'crosscanal.request.id');
    if (id !== undefined) expect(id).toBe(rid);
  }
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  /** The span's ancestors, nearest first; every one of them must be in the trace, up to the gateway's. */
  const ancestors = (span: ReadableSpan): ReadableSpan[] => {
    const chain: ReadableSpan[] = [];
    for (let at = span; parentId(at) !== undefined; ) {
      const parent = byId.get(parentId(at)!);
      if (!parent) throw new Error(`${at.name}: its parent ${parentId(at)} is not in the trace`);
      chain.push(parent);
      at = parent;
    }
    return chain;
  };
  for (const span of spans) if (span !== root) expect(ancestors(span).at(-1)).toBe(root);

  // Apollo's own spans, under the request's.
  const apolloRequest = spans.filter((s) => s.name === 'gateway.request');
  expect(apolloRequest).toHaveLength(1);
  expect(parentId(apolloRequest[0]!)).toBe(root.spanContext().spanId);
  const fetches = spans.filter((s) => s.name === 'gateway.fetch');
  expect(new Set(fetches.map((f) => attr(f, 'service')))).toEqual(new Set(['crosscanal', 'loyalty', 'ecommerce', 'pos']));
  for (const fetch of fetches) expect(ancestors(fetch)).toContain(apolloRequest[0]);

  // Each subgraph's span, a server span under one of the gateway's fetches to it, with the request id.
  for (const subgraph of ['crosscanal', 'loyalty', 'ecommerce', 'pos']) {
    const served = spans.filter((s) => s.name === `subgraph ${subgraph}`);
    expect(served.length).toBeGreaterThanOrEqual(1);
    for (const span of served) {
      expect(span.kind).toBe(SpanKind.SERVER);
      const fetch = byId.get(parentId(span)!)!;
      expect(fetch.name).toBe('gateway.fetch');
      expect(attr(fetch, 'service')).toBe(subgraph);
      expect(span.attributes).toMatchObject({ 'crosscanal.subgraph': subgraph, 'crosscanal.request.id': rid, 'crosscanal.principal.role': 'service', 'http.response.status_code': 200 });
    }
  }

  // Each legacy system's calls, client spans under the subgraph that made them, templated.
  for (const system of ['loyalty', 'ecommerce', 'pos']) {
    const calls = spans.filter((s) => attr(s, 'crosscanal.legacy.system') === system);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of calls) {
      expect(call.kind).toBe(SpanKind.CLIENT);
      expect(call.name).toBe(`${system} ${attr(call, 'crosscanal.legacy.operation')}`);
      expect(call.attributes).toMatchObject({ 'crosscanal.request.id': rid, 'crosscanal.legacy.outcome': 'ok', 'crosscanal.legacy.attempts': 1 });
      expect(call.status.code).not.toBe(SpanStatusCode.ERROR);
      expect(ancestors(call).some((s) => s.name.startsWith('subgraph '))).toBe(true);
    }
    // The legacy subgraph of that system calls it itself.
    expect(calls.some((call) => ancestors(call).find((s) => s.name.startsWith('subgraph '))!.name === `subgraph ${system}`)).toBe(true);
  }

  // The crosswalk's own statements, client spans under the crosscanal subgraph's span: named by
  // operation and table, never their text.
  const statements = spans.filter((s) => attr(s, 'db.system.name') === 'postgresql');
  expect(statements.length).toBeGreaterThanOrEqual(1);
  for (const statement of statements) {
    expect(statement.kind).toBe(SpanKind.CLIENT);
    expect(statement.attributes).toMatchObject({ 'crosscanal.request.id': rid, 'db.operation.name': expect.stringMatching(/^[A-Z]+$/) });
    const collection = attr(statement, 'db.collection.name');
    expect(statement.name).toBe(collection ? `${attr(statement, 'db.operation.name')} ${collection}` : attr(statement, 'db.operation.name'));
    expect(attr(statement, 'db.query.summary')).toBe(statement.name);
    expect(statement.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(ancestors(statement).find((s) => s.name.startsWith('subgraph '))!.name).toBe('subgraph crosscanal');
  }
  for (const statement of statements) expect(Object.keys(statement.attributes).filter((key) => key.startsWith('db.query.text'))).toEqual([]);

  // Each read of a subgraph's cache, under the subgraph that asked it: its kind and how many keys, never which.
  const cacheReads = spans.filter((s) => s.name.startsWith('cache read '));
  expect(cacheReads.length).toBeGreaterThanOrEqual(1);
  for (const read of cacheReads) {
    expect(read.kind).toBe(SpanKind.CLIENT);
    expect(read.attributes).toMatchObject({ 'crosscanal.request.id': rid, 'crosscanal.cache.kind': expect.any(String), 'crosscanal.cache.keys': expect.any(Number), 'crosscanal.cache.found': expect.any(Number) });
    expect(ancestors(read).some((s) => s.name.startsWith('subgraph '))).toBe(true);
  }

  // Nothing personal: no value of the request or the answer in any attribute or span name.
  const recorded = JSON.stringify(spans.map((s) => [s.name, { ...s.attributes, 'crosscanal.request.id': undefined }, s.status, s.events]));
  const personal = [card, customer.id, ...customer.identities.map((i: { localId: string }) => i.localId), customer.displayName.value, ...customer.webOrders.map((o: { number: string }) => o.number)];
  for (const value of personal.map(String).filter((v) => v.length >= 5)) expect(recorded).not.toContain(value);
  expect(recorded).not.toContain('graphql.document');
  expect(recorded).not.toContain('cardNumber');
});

it("starts a trace of its own for a client's traceparent, linked to it, never under it", async () => {
  const token = await stack.tokens.sign({ role: 'service' });
  const answer = await post(stack.gateway.url, '{ franchises { code } }', {}, { authorization: `Bearer ${token}`, traceparent: FORGED });
  expect(answer.body.errors).toBeUndefined();
  const root = await gatewaySpan(answer.rid);
  expect(root.spanContext().traceId).not.toBe(FORGED_TRACE);
  expect(root.parentSpanContext).toBeUndefined();
  expect(root.links.map((link) => link.context)).toEqual([expect.objectContaining({ traceId: FORGED_TRACE, spanId: FORGED_SPAN })]);
  // The subgraph's span is in the gateway's trace, and nothing in the client's.
  const pos = exporter.getFinishedSpans().find((s) => s.name === 'subgraph pos' && attr(s, 'crosscanal.request.id') === answer.rid);
  expect(pos?.spanContext().traceId).toBe(root.spanContext().traceId);
  expect(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === FORGED_TRACE || s.parentSpanContext?.traceId === FORGED_TRACE)).toEqual([]);
});

it('continues a client trace with GATEWAY_TRUST_TRACEPARENT=on', async () => {
  const gateway = await startTestGateway({}, { env: { GATEWAY_TRUST_TRACEPARENT: 'on' } });
  try {
    const answer = await post(gateway.url, '{ __typename }', {}, { traceparent: FORGED });
    expect(answer.body.data).toEqual({ __typename: 'Query' });
    const root = await gatewaySpan(answer.rid);
    expect(root.spanContext().traceId).toBe(FORGED_TRACE);
    expect(root.parentSpanContext).toMatchObject({ traceId: FORGED_TRACE, spanId: FORGED_SPAN, isRemote: true });
  } finally {
    await gateway.stop();
  }
});

it("takes a subgraph's traceparent only with the gateway's grant: a forged one attaches to nothing", async () => {
  const url = stack.subgraphUrls.pos!;
  // No grant (what composition may ask), then a grant signed with another secret (refused).
  const open = await post(url, '{ __typename }', {}, { traceparent: FORGED });
  expect(open.status).toBe(200);
  const forged = await post(url, '{ __typename }', {}, { traceparent: FORGED, ...(await grantHeaders()) });
  expect(forged.status).toBe(401);
  const served = exporter.getFinishedSpans().filter((s) => s.name === 'subgraph pos');
  expect(served).toHaveLength(2);
  for (const span of served) {
    expect(span.spanContext().traceId).not.toBe(FORGED_TRACE);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.links).toEqual([]);
    expect(attr(span, 'crosscanal.request.id')).toBeUndefined();
  }
  expect(served.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
  expect(attr(served[1]!, 'error.type')).toBe('UNAUTHENTICATED');
});

it('scrubs an operation name that looks like personal data from every span, Apollo’s included', async () => {
  // The directive keeps the operation from the gateway's own answer to a bare `{ __typename }`
  // (gateway/localAnswer.ts): it goes through Apollo Server and Apollo's gateway, whose spans are checked.
  const answer = await post(stack.gateway.url, 'query Card2900001234566 { __typename @include(if: true) }', {});
  expect(answer.body.data).toEqual({ __typename: 'Query' });
  const root = await gatewaySpan(answer.rid);
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === root.spanContext().traceId);
  // The digits replaced by the scrubber's placeholder, on our span and on Apollo's alike.
  const named = attr(root, 'graphql.operation.name');
  expect(named).toMatch(/^Card.*\[(number|phone)\]$/);
  expect(spans.find((s) => s.name === 'gateway.request')?.attributes).toMatchObject({ 'graphql.operation.name': named });
  expect(JSON.stringify(spans.map((s) => [s.name, s.attributes]))).not.toContain('2900001234566');
});

it("marks a failing legacy call, its subgraph's span and the gateway's as errors with the code", async () => {
  const token = await stack.tokens.sign({ role: 'service' });
  const admin = `${stack.estate.loyalty.url}/__admin/faults`;
  await fetch(admin, { method: 'PUT', body: JSON.stringify({ down: true }) });
  let answer: Awaited<ReturnType<typeof post>>;
  try {
    answer = await post(stack.gateway.url, 'query LoyaltyProbe($id: ID!) { loyaltyMember(memberId: $id) { memberId } }', { id: '424242' }, { authorization: `Bearer ${token}` });
  } finally {
    await fetch(admin, { method: 'DELETE' });
  }
  expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['SOURCE_UNAVAILABLE']);
  const root = await gatewaySpan(answer.rid);
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === root.spanContext().traceId);
  const calls = spans.filter((s) => attr(s, 'crosscanal.legacy.system') === 'loyalty');
  expect(calls.length).toBeGreaterThanOrEqual(1);
  for (const span of [root, spans.find((s) => s.name === 'subgraph loyalty')!, ...calls]) {
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'SOURCE_UNAVAILABLE' });
    expect(span.attributes).toMatchObject({ 'error.type': 'SOURCE_UNAVAILABLE', 'crosscanal.error.codes': ['SOURCE_UNAVAILABLE'] });
  }
  expect(calls[0]!.attributes).toMatchObject({ 'crosscanal.legacy.outcome': 'unavailable' });
  expect(Number(attr(calls[0]!, 'crosscanal.legacy.attempts'))).toBeGreaterThanOrEqual(1);
  expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('424242');
});
