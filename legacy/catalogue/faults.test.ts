import { faultsFromEnv } from '../shared/faults.js';
import { catalogueFixture } from './fixture.js';
import { PROBLEM_BASE, type ProblemBody } from './problem.js';
import type { BatchBody } from './productHandlers.js';
import { startCatalogue, type RunningCatalogue } from './server.js';

let pim: RunningCatalogue;
beforeEach(async () => {
  pim = await startCatalogue({ data: catalogueFixture });
});
afterEach(() => pim.stop());

const setFaults = async (patch: object) => {
  const res = await fetch(`${pim.url}/__admin/faults`, { method: 'PUT', body: JSON.stringify(patch) });
  expect(res.status).toBe(200);
};
const calls = async () => (await (await fetch(`${pim.url}/__admin/calls`)).json()) as { total: number; byOperation: Record<string, number>; itemsByOperation: Record<string, number>; faulted: number };

test('an injected error is the PIM\'s own 500 problem', async () => {
  await setFaults({ errorRate: 1 });
  const res = await fetch(`${pim.url}/pim/v2/products/702.611.50`);
  expect(res.status).toBe(500);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await res.json()).toEqual({
    type: `${PROBLEM_BASE}internal`,
    title: 'Internal server error',
    status: 500,
    detail: expect.stringContaining('injected fault') as unknown as string,
    instance: '/pim/v2/products/702.611.50',
  });
  await fetch(`${pim.url}/__admin/faults`, { method: 'DELETE' });
  expect((await fetch(`${pim.url}/pim/v2/products/702.611.50`)).status).toBe(200);
  expect(await calls()).toMatchObject({ total: 1, faulted: 1 });
});

test('faults read from LEGACY_CATALOGUE_* apply from start-up', async () => {
  const faulty = await startCatalogue({ data: catalogueFixture, faults: faultsFromEnv('LEGACY_CATALOGUE', { LEGACY_CATALOGUE_ERROR_RATE: '1' }) });
  try {
    const res = await fetch(`${faulty.url}/pim/v2/campaigns`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as ProblemBody).type).toBe(`${PROBLEM_BASE}internal`);
  } finally {
    await faulty.stop();
  }
});

test('down: the connection is dropped, so fetch rejects; the admin endpoint still answers', async () => {
  await setFaults({ down: true });
  await expect(fetch(`${pim.url}/pim/v2/products?refs=702.611.50`)).rejects.toThrow();
  expect(await (await fetch(`${pim.url}/__admin/health`)).json()).toEqual({ system: 'catalogue', status: 'down' });
  await setFaults({ down: false });
  expect((await fetch(`${pim.url}/pim/v2/products?refs=702.611.50`)).status).toBe(200);
});

test('latency delays every answer', async () => {
  await setFaults({ latencyMs: 80 });
  const started = performance.now();
  expect((await fetch(`${pim.url}/pim/v2/products/702.611.50`)).status).toBe(200);
  expect(performance.now() - started).toBeGreaterThanOrEqual(75);
});

test('a 200-ref batch counts as 1 call and 200 items', async () => {
  const known = catalogueFixture.products.map((p) => p.ref);
  const refs = Array.from({ length: 200 }, (_, i) => (i < known.length ? known[i]! : `400.000.${String(i).padStart(3, '0')}`));
  const body = (await (await fetch(`${pim.url}/pim/v2/products?refs=${refs.join(',')}`)).json()) as BatchBody;
  expect(body.items).toHaveLength(known.length);
  expect(body.missing).toHaveLength(200 - known.length);

  const counts = await calls();
  expect(counts.total).toBe(1);
  expect(counts.byOperation).toEqual({ 'GET /products?refs': 1 });
  expect(counts.itemsByOperation).toEqual({ 'GET /products?refs': 200 });
});

test('every operation is counted under its own name', async () => {
  const paths = [
    '/pim/v2/products/702.611.50',
    '/pim/v2/products/702.611.50',
    '/pim/v2/products?eans=3570041128362,3402188765011,3570041128362',
    '/pim/v2/products?alias=L0001',
    '/pim/v2/products?aliases=L0001,9000012',
    '/pim/v2/products?limit=2',
    '/pim/v2/campaigns?channel=WEB',
    '/pim/v2/campaigns/CMP-SELECTION',
    '/pim/v2/nothing',
  ];
  for (const path of paths) await (await fetch(`${pim.url}${path}`)).arrayBuffer();
  await (await fetch(`${pim.url}/pim/v2/products`, { method: 'POST' })).arrayBuffer();

  expect(await calls()).toEqual({
    system: 'catalogue',
    total: paths.length + 1,
    faulted: 0,
    byOperation: {
      'GET /products/{ref}': 2,
      'GET /products?eans': 1,
      'GET /products?alias': 1,
      'GET /products?aliases': 1,
      'GET /products': 1,
      'GET /campaigns': 1,
      'GET /campaigns/{id}': 1,
      'POST /products': 1,
      unrouted: 1,
    },
    itemsByOperation: {
      'GET /products/{ref}': 2,
      'GET /products?eans': 3,
      'GET /products?alias': 1,
      'GET /products?aliases': 2,
      'GET /products': 1,
      'GET /campaigns': 1,
      'GET /campaigns/{id}': 1,
      'POST /products': 1,
      unrouted: 1,
    },
  });
});
