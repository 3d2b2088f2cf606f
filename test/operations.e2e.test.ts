import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { graphql } from './graphql.js';
import { startTestGateway } from './support/gateway.js';

// The operations endpoints of every server of the graph — /healthz, /readyz, /metrics — as a
// load balancer, an orchestrator and a Prometheus scraper meet them: on each server's own port,
// without a token, outside the rate limit, answering in JSON (metrics in Prometheus's text).
let dir: string;
let stack: RunningStack;
let service: string;

const LEGACY = ['ecommerce', 'loyalty', 'pos', 'catalogue'] as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-operations-'));
  stack = await startTestStack({ dataDir: dir, scale: 'tiny', ...ANY_PORTS });
  service = await stack.tokens.sign({ role: 'service' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  type: string | null;
  body: any;
  text: string;
}

async function get(base: string, path: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(new URL(path, base), init);
  const text = await response.text();
  const type = response.headers.get('content-type');
  return { status: response.status, type, text, body: type?.startsWith('application/json') ? JSON.parse(text) : undefined };
}

/** The URL of a port that was free a moment ago and is closed now. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/`;
}

/** Every server of the stack: the gateway and the five subgraphs, by name. */
function servers(): Array<[string, string]> {
  return [['gateway', stack.gateway.url], ...Object.entries(stack.subgraphUrls)];
}

/** The value of one series in a Prometheus text exposition; undefined when it is absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const found = Object.fromEntries([...line.slice(name.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(line.slice(close + 1).trim());
  }
  return undefined;
}

describe('/healthz', () => {
  it('answers 200 {"status":"alive"} in JSON on the gateway and every subgraph', async () => {
    for (const [name, url] of servers()) {
      const reply = await get(url, '/healthz');
      expect({ name, status: reply.status, type: reply.type, body: reply.body }).toEqual({ name, status: 200, type: 'application/json; charset=utf-8', body: { status: 'alive' } });
    }
  });

  it('needs no token, and a bad one is not even looked at', async () => {
    const reply = await get(stack.gateway.url, '/healthz', { headers: { authorization: 'Bearer not-a-token' } });
    expect(reply.status).toBe(200);
    // The same token on the graph is refused: the endpoint is answered before authentication.
    const refused = await fetch(stack.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' }, body: '{"query":"{ __typename }"}' });
    expect(refused.status).toBe(401);
  });

  it('answers GET only', async () => {
    const reply = await get(stack.gateway.url, '/healthz', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(reply.status).toBe(405);
    expect(reply.body.errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('/readyz', () => {
  it('the gateway: ready with its supergraph loaded, each subgraph up', async () => {
    const reply = await get(stack.gateway.url, '/readyz');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ready: true,
      checks: {
        state: 'serving',
        supergraph: 'loaded',
        subgraphs: Object.fromEntries(Object.keys(stack.subgraphUrls).sort().map((name) => [name, { status: 'up', ms: expect.any(Number) }])),
      },
    });
  });

  it('a legacy subgraph: ready, with its source and its breaker closed', async () => {
    for (const name of LEGACY) {
      const reply = await get(stack.subgraphUrls[name]!, '/readyz');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ ready: true, checks: { state: 'serving', sources: [{ source: name, breaker: 'closed' }], degraded: false } });
    }
  });

  it('the crosswalk: ready with its store answering, and the last identity and product syncs', async () => {
    const before = Date.now();
    const reply = await get(stack.subgraphUrls.crosscanal!, '/readyz');
    expect(reply.status).toBe(200);
    const { checks } = reply.body;
    expect(reply.body.ready).toBe(true);
    expect(checks.store).toEqual({ status: 'up', ms: expect.any(Number) });
    // The stack synced before it listened: both syncs finished before this test started.
    for (const sync of [checks.identitySync, checks.productSync]) {
      expect(sync.status).toBe('succeeded');
      expect(Date.parse(sync.finishedAt)).toBeLessThanOrEqual(before);
      expect(sync.ageSeconds).toBeGreaterThanOrEqual(0);
      expect(sync.ageSeconds).toBeLessThan(600);
    }
    expect(checks.identitySync.running).toBe(false);
    expect(checks.productSync.failedSources).toEqual([]);
  });

  it('the gateway reports a subgraph it cannot reach as down, and stays ready', async () => {
    // The catalogue is reachable, the POS subgraph's port closed, the others' addresses unusable.
    const lone = await startTestGateway({ catalogue: stack.subgraphUrls.catalogue!, pos: await closedPortUrl() });
    try {
      const reply = await get(lone.url, '/readyz');
      expect(reply.status).toBe(200);
      expect(reply.body.ready).toBe(true);
      const subgraphs = reply.body.checks.subgraphs;
      expect(Object.keys(subgraphs).sort()).toEqual(['catalogue', 'crosscanal', 'ecommerce', 'loyalty', 'pos']);
      expect(subgraphs.catalogue).toEqual({ status: 'up', ms: expect.any(Number) });
      expect(subgraphs.pos).toEqual({ status: 'down', reason: 'ECONNREFUSED', ms: expect.any(Number) });
      for (const name of ['ecommerce', 'loyalty', 'crosscanal']) expect(subgraphs[name]).toEqual({ status: 'down', reason: expect.any(String), ms: expect.any(Number) });
      // Nothing of the graph's inner addresses in the reasons.
      expect(JSON.stringify(subgraphs)).not.toMatch(/127\.0\.0\.1|localhost/);
    } finally {
      await lone.stop();
    }
  });
});

describe('/metrics', () => {
  it("counts the gateway's requests by operation and outcome, and the subgraphs' under their names", async () => {
    const answer = await graphql(stack.gateway.url, 'query OpsProbe { franchises { code stores { code } } }', {}, service);
    expect(answer.errors).toBeUndefined();
    const reply = await get(stack.gateway.url, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(reply.text, 'crosscanal_requests_total', { server: 'gateway', operation: 'OpsProbe', outcome: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(reply.text, 'crosscanal_request_duration_seconds_count', { server: 'gateway', operation: 'OpsProbe' })).toBeGreaterThanOrEqual(1);
    // The franchises and their stores come from the POS subgraph, which counts the gateway's fetch.
    expect(sample(reply.text, 'crosscanal_requests_total', { server: 'pos', outcome: '200' })).toBeGreaterThanOrEqual(1);
    // One registry per process, on every server's port.
    expect((await get(stack.subgraphUrls.pos!, '/metrics')).text).toContain('crosscanal_requests_total{server="gateway",operation="OpsProbe",outcome="200"}');
  });

  it('counts the errors of a refused operation by code, and the refusal as its outcome', async () => {
    const deep = `query TooDeep { franchises { stores { franchise { stores { franchise { stores { franchise { stores { franchise { code } } } } } } } } } }`;
    const refused = await graphql(stack.gateway.url, deep, {}, service);
    const code = refused.errors![0]!.extensions!.code as string;
    expect(code).toMatch(/^QUERY_TOO_/);
    const anonymous = await graphql(stack.gateway.url, 'query WhoIsIt { customer(id: "x") { id } }');
    expect(anonymous.errors!.map((e) => e.extensions!.code)).toContain('UNAUTHENTICATED');
    const metrics = (await get(stack.gateway.url, '/metrics')).text;
    expect(sample(metrics, 'crosscanal_requests_total', { server: 'gateway', operation: 'TooDeep', outcome: code })).toBe(1);
    expect(sample(metrics, 'crosscanal_graphql_errors_total', { server: 'gateway', code })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'crosscanal_graphql_errors_total', { server: 'gateway', code: 'UNAUTHENTICATED' })).toBeGreaterThanOrEqual(1);
  });

  it('exposes every series the graph records, with help and type', async () => {
    const metrics = (await get(stack.gateway.url, '/metrics')).text;
    for (const name of ['crosscanal_requests_total', 'crosscanal_request_duration_seconds', 'crosscanal_graphql_errors_total', 'crosscanal_breaker_state']) {
      expect(metrics).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    // And the process's own (prom-client's default metrics).
    expect(metrics).toMatch(/^# TYPE crosscanal_process_cpu_seconds_total /m);
  });
});

describe('outside the rate limit', () => {
  it('serves 300 probes in a burst and leaves the bucket of the address whole', async () => {
    // The anonymous bucket of this address holds 100; probes drawing on it would empty it thrice.
    for (let round = 0; round < 6; round++) {
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) => get(stack.gateway.url, ['/healthz', '/readyz', '/metrics'][i % 3]!)),
      );
      expect(replies.every((reply) => reply.status === 200)).toBe(true);
    }
    const answer = await graphql(stack.gateway.url, '{ franchises { code } }');
    expect(answer.errors).toBeUndefined();
  });
});

describe('a legacy system down', () => {
  afterEach(() => stack.estate.loyalty.faults.reset());

  it("opens its subgraph's breaker: readyz shows it open and degraded, and stays ready", async () => {
    stack.estate.loyalty.faults.set({ down: true });
    let state = 'closed';
    for (let attempt = 0; attempt < 10 && state !== 'open'; attempt++) {
      // A member id never asked before: no cache answers for the system.
      const answer = await graphql(stack.gateway.url, 'query ($id: ID!) { loyaltyMember(memberId: $id) { memberId } }', { id: `9${attempt}0000${attempt}` }, service);
      expect(answer.errors!.map((e) => e.extensions!.code)).toContainEqual(expect.stringMatching(/^SOURCE_/));
      state = (await get(stack.subgraphUrls.loyalty!, '/readyz')).body.checks.sources[0].breaker;
    }
    const reply = await get(stack.subgraphUrls.loyalty!, '/readyz');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ready: true, checks: { state: 'serving', sources: [{ source: 'loyalty', breaker: 'open' }], degraded: true } });
    const metrics = (await get(stack.gateway.url, '/metrics')).text;
    expect(sample(metrics, 'crosscanal_graphql_errors_total', { server: 'loyalty', code: 'SOURCE_UNAVAILABLE' })).toBeGreaterThanOrEqual(1);
  });
});
