import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startChildStack, type ChildStack } from './support/childStack.js';

// The traces of a process, sent by OTLP/HTTP where the standard variable says: the whole graph
// runs in a child with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector played here, which
// keeps what it is sent. The batch delay is longer than the test, so the spans arrive only
// because the drain on SIGTERM sends what is queued before the process exits.

/** A value of an OTLP/JSON attribute. */
interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  arrayValue?: { values: AnyValue[] };
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: KeyValue[];
  status?: { code?: number };
}
interface ExportRequest {
  resourceSpans: Array<{ resource: { attributes: KeyValue[] }; scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }>;
}

/** OTLP's SpanKind: SPAN_KIND_SERVER, SPAN_KIND_CLIENT. */
const SERVER = 2;
const CLIENT = 3;

const received: Array<{ path: string; contentType: string; body: ExportRequest }> = [];
let collector: Server;
let stack: ChildStack;

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  stack = await startChildStack({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'crosscanal-under-test', OTEL_BSP_SCHEDULE_DELAY: '600000',
      // The subgraphs write their line for each request at debug.
      LOG_LEVEL: 'debug',
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => collector?.close(resolve));
});

const valueOf = (attributes: KeyValue[], key: string): string | number | boolean | undefined => {
  const value = attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue)) ?? value?.boolValue;
};

it("sends a request's spans, gateway to legacy call, to the OTLP endpoint as JSON, flushed when the process stops", async () => {
  const token = await stack.tokens.sign({ role: 'service' });
  const response = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'query LoyaltyProbe($id: ID!) { loyaltyMember(memberId: $id) { memberId } }', variables: { id: 'M99999999' } }),
  });
  expect(await response.json()).toEqual({ data: { loyaltyMember: null } });
  const rid = response.headers.get('x-request-id')!;
  expect(await stack.stop()).toBe(0);

  expect(received.length).toBeGreaterThanOrEqual(1);
  for (const request of received) {
    expect(request.path).toBe('/v1/traces');
    expect(request.contentType).toMatch(/^application\/json/);
  }
  const resources = received.flatMap((r) => r.body.resourceSpans);
  for (const resource of resources) expect(valueOf(resource.resource.attributes, 'service.name')).toBe('crosscanal-under-test');
  const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));

  const [root, ...others] = spans.filter((s) => s.kind === SERVER && s.name === 'POST /' && valueOf(s.attributes, 'crosscanal.request.id') === rid);
  expect(others).toEqual([]);
  expect(root).toBeDefined();
  expect(root!.parentSpanId ?? '').toBe('');
  const trace = spans.filter((s) => s.traceId === root!.traceId);
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const parent = (span: OtlpSpan) => byId.get(span.parentSpanId ?? '');

  const subgraph = trace.find((s) => s.name === 'subgraph loyalty')!;
  expect(subgraph).toBeDefined();
  expect(subgraph.kind).toBe(SERVER);
  expect(valueOf(subgraph.attributes, 'crosscanal.request.id')).toBe(rid);
  expect(parent(subgraph)?.name).toBe('gateway.fetch');
  expect(valueOf(parent(subgraph)!.attributes, 'service')).toBe('loyalty');

  const call = trace.find((s) => valueOf(s.attributes, 'crosscanal.legacy.system') === 'loyalty')!;
  expect(call).toBeDefined();
  expect(call.kind).toBe(CLIENT);
  expect(valueOf(call.attributes, 'crosscanal.request.id')).toBe(rid);
  expect(valueOf(call.attributes, 'crosscanal.legacy.outcome')).toBe('ok');
  // Under the subgraph's span, and from there up to the gateway's.
  let at: OtlpSpan | undefined = call;
  const path: string[] = [];
  while (at) {
    path.push(at.name);
    at = parent(at);
  }
  expect(path).toContain('subgraph loyalty');
  expect(path.at(-1)).toBe('POST /');
  expect(JSON.stringify(trace)).not.toContain('M99999999');

  // The log lines of the request carry its trace: the gateway's, and the subgraph's under its own span.
  const lines = stack
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { rid?: string; component?: string; trace_id?: string; span_id?: string; msg?: string });
  const ofRequest = lines.filter((line) => line.rid === rid);
  expect(ofRequest.length).toBeGreaterThanOrEqual(2);
  for (const line of ofRequest) expect({ msg: line.msg, trace_id: line.trace_id }).toEqual({ msg: line.msg, trace_id: root!.traceId });
  const gatewayLine = ofRequest.find((line) => line.component === 'gateway' && line.span_id === root!.spanId);
  expect(gatewayLine).toBeDefined();
  const subgraphLine = ofRequest.find((line) => line.msg === 'subgraph request' && line.span_id === subgraph.spanId);
  expect(subgraphLine).toBeDefined();
  // Lines written outside any request carry no trace.
  expect(lines.filter((line) => line.rid === undefined && line.trace_id !== undefined)).toEqual([]);
});
