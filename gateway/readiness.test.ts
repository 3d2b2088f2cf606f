import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gatewayReadiness } from './readiness.js';

/** A subgraph stand-in whose /healthz answers `status` after `delayMs`, counting the probes. */
async function fakeSubgraph(status: number, delayMs = 0): Promise<{ url: string; probes: () => number; server: Server }> {
  let probes = 0;
  const server = createServer((req, res) => {
    if (req.url === '/healthz') probes++;
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, probes: () => probes, server };
}

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('each subgraph up or down by its /healthz, informational: the supergraph alone decides', async () => {
  const up = await fakeSubgraph(200);
  const draining = await fakeSubgraph(503);
  // Margins for a loaded machine: a healthy probe gets 400 ms, the slow one answers after 2 s.
  const slow = await fakeSubgraph(200, 2_000);
  servers.push(up.server, draining.server, slow.server);
  const readiness = gatewayReadiness({
    loaded: () => true,
    subgraphs: () => new Map([['up', up.url], ['draining', draining.url], ['slow', slow.url]]),
    timeoutMs: 400,
  });
  const report = await readiness();
  expect(report).toEqual({
    ready: true,
    checks: {
      supergraph: 'loaded',
      subgraphs: {
        draining: { status: 'down', reason: 'HTTP 503', ms: expect.any(Number) },
        slow: { status: 'down', reason: 'timeout', ms: expect.any(Number) },
        up: { status: 'up', ms: expect.any(Number) },
      },
    },
  });
  expect((report.checks.subgraphs as Record<string, { ms: number }>).slow!.ms).toBeLessThan(1_500);
});

test('not ready before the supergraph is loaded', async () => {
  const readiness = gatewayReadiness({ loaded: () => false, subgraphs: () => new Map() });
  expect(await readiness()).toEqual({ ready: false, checks: { supergraph: 'not loaded', subgraphs: {} } });
});

test('probes each subgraph once per cache period, however many ask', async () => {
  const one = await fakeSubgraph(200);
  servers.push(one.server);
  const readiness = gatewayReadiness({ loaded: () => true, subgraphs: () => new Map([['one', one.url]]), cacheMs: 300 });
  await Promise.all(Array.from({ length: 20 }, () => readiness()));
  await readiness();
  expect(one.probes()).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 350));
  await readiness();
  expect(one.probes()).toBe(2);
});
