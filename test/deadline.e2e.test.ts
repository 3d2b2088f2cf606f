import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEstate } from '../legacy/generator/files.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { graphql } from './graphql.js';

// A request has a deadline, and a client can go away: either way nothing keeps working for it.
// The product query plans in two steps — the catalogue first, then the web shop and the tills
// by the keys the catalogue gave — so a slow catalogue shows whether the second step runs for
// nobody, and the stand-ins' call counters show every legacy call made.
const DEADLINE_MS = 1000;
let dir: string;
let stack: RunningStack;
let catalogueRef: string;

const PRODUCT = 'query ($ref: String!) { product(catalogueRef: $ref) { name webPrice { amount } storeStock { quantity } } }';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-deadline-'));
  stack = await startTestStack({ dataDir: dir, scale: 'tiny', ...ANY_PORTS, gatewayEnv: { GATEWAY_REQUEST_DEADLINE_MS: String(DEADLINE_MS) } });
  const estate = await readEstate(dir);
  const webEans = new Set(estate.ecommerce.products.map((p) => p.ean));
  const stocked = new Set(estate.pos.stock.map((s) => s.ean));
  catalogueRef = estate.catalogue.products.find((p) => p.ean && webEans.has(p.ean) && stocked.has(p.ean))!.ref;
  // Once without faults: the whole plan runs, and reaches every system it needs. The first
  // requests of a cold stack on a loaded machine can take longer than the 1 s deadline (code
  // not yet compiled, pools not yet open), so a few tries are allowed; one must succeed.
  let answer = await graphql(stack.gateway.url, PRODUCT, { ref: catalogueRef });
  for (let tries = 1; answer.errors && tries < 5; tries += 1) {
    expect(answer.errors.map((e) => e.extensions?.code)).toEqual(answer.errors.map(() => 'DEADLINE_EXCEEDED'));
    answer = await graphql(stack.gateway.url, PRODUCT, { ref: catalogueRef });
  }
  expect(answer.errors).toBeUndefined();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => stack.estate.catalogue.faults.reset());

function resetCounters(): void {
  for (const system of [stack.estate.catalogue, stack.estate.ecommerce, stack.estate.pos]) system.counter.reset();
}

/** Legacy calls served since the counters were reset, per system. */
function calls() {
  return { catalogue: stack.estate.catalogue.counter.snapshot().total, ecommerce: stack.estate.ecommerce.counter.snapshot().total, pos: stack.estate.pos.counter.snapshot().total };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('past the deadline the client gets a coded error, and no retry nor later step is made for it', async () => {
  // Slower than the deadline, faster than the catalogue's own 3 s timeout: only the deadline stops it.
  stack.estate.catalogue.faults.set({ latencyMs: 2500 });
  // A reference not asked before, so that no cache answers for the catalogue.
  const estate = await readEstate(dir);
  const ref = estate.catalogue.products.filter((p) => p.ref !== catalogueRef).at(-1)!.ref;
  resetCounters();
  const started = performance.now();
  const answer = await graphql(stack.gateway.url, PRODUCT, { ref });
  const took = performance.now() - started;
  expect(took).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
  expect(took).toBeLessThan(DEADLINE_MS + 700);
  expect(answer.data).toEqual({ product: null });
  expect(answer.errors!.map((e) => e.extensions!.code)).toContain('DEADLINE_EXCEEDED');
  // Long enough for a retry or the plan's next step to have reached the systems.
  await pause(3000);
  expect(calls()).toEqual({ catalogue: 1, ecommerce: 0, pos: 0 });
});

test('a client that goes away takes its request with it: the next step of the plan never runs', async () => {
  stack.estate.catalogue.faults.set({ latencyMs: 600 });
  const estate = await readEstate(dir);
  const ref = estate.catalogue.products.filter((p) => p.ref !== catalogueRef).at(-2)!.ref;
  resetCounters();
  const client = new AbortController();
  const asked = fetch(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: PRODUCT, variables: { ref } }),
    signal: client.signal,
  }).catch((error: unknown) => error);
  await pause(200);
  client.abort();
  expect(((await asked) as Error).name).toBe('AbortError');
  // The catalogue would have answered at 600 ms, and the web shop and the tills been asked next.
  await pause(1500);
  expect(calls()).toEqual({ catalogue: 1, ecommerce: 0, pos: 0 });
  // The same question, asked to the end, does reach them: the counters would have shown it.
  stack.estate.catalogue.faults.reset();
  const answer = await graphql(stack.gateway.url, PRODUCT, { ref });
  expect(answer.errors).toBeUndefined();
  expect(calls().ecommerce + calls().pos).toBeGreaterThan(0);
});
