import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../../test/support/grant.js';
import { withAccessDirectives } from './access.js';
import { registry } from './metrics.js';
import { answerOperations, Lifecycle, sourcesReadiness, type Readiness } from './operations.js';
import { clientOperationName, createSubgraphServer, listenSubgraph, type RequestIdentity, type SubgraphModule } from './subgraphServer.js';

/** A bare HTTP server that answers the operations endpoints, and 418 for anything else. */
async function operationsServer(lifecycle: Lifecycle, readiness?: Readiness): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    void answerOperations(req, res, lifecycle, readiness).then((answered) => {
      if (!answered) res.writeHead(418).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: response.headers.get('content-type')?.startsWith('application/json') ? await response.json() : await response.text() };
}

describe('the operations endpoints', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  it('healthz: alive while serving, 503 draining from the moment the drain starts', async () => {
    const lifecycle = new Lifecycle();
    lifecycle.state = 'serving';
    const started = await operationsServer(lifecycle);
    server = started.server;
    expect(await get(`${started.url}/healthz`)).toEqual({ status: 200, body: { status: 'alive' } });
    lifecycle.state = 'draining';
    expect(await get(`${started.url}/healthz`)).toEqual({ status: 503, body: { status: 'draining' } });
  });

  it('readyz: the checks decide while serving; draining is never ready, and the checks are not asked then', async () => {
    const lifecycle = new Lifecycle();
    lifecycle.state = 'serving';
    let asked = 0;
    let answer = { ready: true, checks: { store: 'up' } };
    const started = await operationsServer(lifecycle, async () => {
      asked++;
      return answer;
    });
    server = started.server;
    expect(await get(`${started.url}/readyz`)).toEqual({ status: 200, body: { ready: true, checks: { state: 'serving', store: 'up' } } });
    answer = { ready: false, checks: { store: 'down' } };
    expect(await get(`${started.url}/readyz`)).toEqual({ status: 503, body: { ready: false, checks: { state: 'serving', store: 'down' } } });
    lifecycle.state = 'draining';
    expect(await get(`${started.url}/readyz?verbose=1`)).toEqual({ status: 503, body: { ready: false, checks: { state: 'draining' } } });
    expect(asked).toBe(2);
  });

  it('readyz: a check that fails makes the server unready, with the reason', async () => {
    const lifecycle = new Lifecycle();
    lifecycle.state = 'serving';
    const started = await operationsServer(lifecycle, async () => {
      throw new Error('the store is gone');
    });
    server = started.server;
    expect(await get(`${started.url}/readyz`)).toEqual({ status: 503, body: { ready: false, checks: { state: 'serving', error: 'the store is gone' } } });
  });

  it("metrics: the registry's exposition; other paths are left to the server", async () => {
    const lifecycle = new Lifecycle();
    const started = await operationsServer(lifecycle);
    server = started.server;
    const response = await fetch(`${started.url}/metrics`);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    expect(await response.text()).toContain('# TYPE crosscanal_requests_total counter');
    expect((await fetch(`${started.url}/healthz/x`)).status).toBe(418);
    expect((await fetch(`${started.url}/`)).status).toBe(418);
  });

  it("a legacy subgraph's checks: each source's breaker; an open one degrades, never unreadies", async () => {
    const readiness = sourcesReadiness([{ health: () => ({ source: 'loyalty', breaker: 'open' }) }]);
    expect(await readiness()).toEqual({ ready: true, checks: { sources: [{ source: 'loyalty', breaker: 'open' }], degraded: true } });
  });
});

describe("a subgraph's drain", () => {
  let entered: () => void = () => undefined;
  const slowModule: SubgraphModule<RequestIdentity> = {
    name: 'slowpoke',
    typeDefs: withAccessDirectives(/* GraphQL */ `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective"])
      type Query {
        slow(ms: Int!): String @access(roles: ["public"])
      }
    `),
    resolvers: {
      Query: {
        slow: async (_: unknown, { ms }: { ms: number }) => {
          entered();
          await new Promise((resolve) => setTimeout(resolve, ms));
          return `slept ${ms}`;
        },
      },
    },
  };

  it('finishes the request in flight with its answer, refuses new connections meanwhile, then stops', async () => {
    const listening = await listenSubgraph(createSubgraphServer(slowModule), { port: 0, internalSecret: TEST_INTERNAL_SECRET, context: async (identity) => identity });
    const inResolver = new Promise<void>((resolve) => (entered = resolve));
    const headers = { 'content-type': 'application/json', ...(await grantHeaders()) };
    const inFlight = fetch(listening.url, { method: 'POST', headers, body: JSON.stringify({ query: 'query Sleepy { slow(ms: 400) }' }) });
    await inResolver;
    const stopped = listening.stop();
    const stopping = performance.now();
    // The listener closes on the next turn of the event loop; a connection opened before that
    // with no request yet is closed as idle.
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The listener is closed: a new connection is refused (a load balancer takes that as down too).
    const probe = await new Promise<string>((resolve) => {
      const req = request(new URL('/healthz', listening.url), { agent: false }, (res) => resolve(String(res.statusCode)));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end();
    });
    expect(['ECONNREFUSED', '503']).toContain(probe);
    const response = await inFlight;
    expect(response.status).toBe(200);
    // No cache on the way keeps a subgraph's answer.
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ data: { slow: 'slept 400' } });
    await stopped;
    expect(performance.now() - stopping).toBeLessThan(5000);
    const metrics = await registry.metrics();
    expect(metrics).toContain('crosscanal_requests_total{server="slowpoke",operation="Sleepy",outcome="200"} 1');
  });
});

test("a subgraph counts a fetch under the client's operation, not the gateway's name for the plan's step", () => {
  expect(clientOperationName('ProductPage__catalogue__0', 'catalogue')).toBe('ProductPage');
  expect(clientOperationName('ProductPage__pos__12', 'pos')).toBe('ProductPage');
  expect(clientOperationName('ProductPage__pos__1', 'catalogue')).toBe('ProductPage__pos__1');
  expect(clientOperationName('Mine', 'pos')).toBe('Mine');
  expect(clientOperationName(undefined, 'pos')).toBeUndefined();
});
