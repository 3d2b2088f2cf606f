import { readEstate } from '../legacy/generator/files.js';
import type { CatalogueProduct, Estate } from '../legacy/generator/model.js';
import { graphql, type GraphQLAnswer } from './graphql.js';
import { startChildStack, type ChildStack } from './support/childStack.js';

// SIGTERM with requests in flight, as an orchestrator stops a replica: the process answers
// /healthz with 503 at once (for DRAIN_DELAY_MS, so that a load balancer sees it), then
// refuses new connections, finishes every request it had — each with its whole answer, from
// every subgraph its plan reaches after the signal — and exits 0.
//
// The product query plans in two steps: the catalogue first (slowed here, so the signal lands
// while it works), then the web shop and the tills by the keys the catalogue gave. The second
// step runs after the signal: the subgraphs and the stand-ins must still answer it. The web
// shop is slowed too, so that the requests stay in flight for seconds after the listener
// closes, however late a loaded machine runs the probes.
const LATENCY_MS = 1500;
const DRAIN_DELAY_MS = 300;

const PRODUCT = /* GraphQL */ `
  query DrainProduct($ref: String!) {
    product(catalogueRef: $ref) {
      catalogueRef
      name
      gtin
      webSku
      webTitle
      storeStock { store { code } quantity }
    }
  }
`;

let child: ChildStack | undefined;

afterAll(async () => {
  // Stopped by the test; here only if it failed before.
  if (child) await child.stop().catch(() => undefined);
});

/** What the graph must answer for `product`, from the estate's files, not from the graph. */
function expected(estate: Estate, product: CatalogueProduct) {
  const webSku = product.aliases.find((a) => a.type === 'WEB_SKU')!.value;
  const web = estate.ecommerce.products.find((p) => p.sku === webSku)!;
  const stock = estate.pos.stock.filter((s) => s.ean === product.ean).map((s) => ({ store: { code: s.store_code }, quantity: s.quantity }));
  return { catalogueRef: product.ref, name: product.name.fr, gtin: product.ean, webSku, webTitle: web.title, storeStock: stock };
}

/** Products of the catalogue known to the web shop and stocked in stores: every step of the plan has work. */
function productsOnEveryChannel(estate: Estate): CatalogueProduct[] {
  const skus = new Set(estate.ecommerce.products.map((p) => p.sku));
  const stocked = new Set(estate.pos.stock.map((s) => s.ean));
  return estate.catalogue.products.filter((p) => p.ean && stocked.has(p.ean) && p.aliases.some((a) => a.type === 'WEB_SKU' && skus.has(a.value)));
}

const byStore = (a: { store: { code: string } }, b: { store: { code: string } }) => a.store.code.localeCompare(b.store.code);

/** GET /healthz on a new connection: the status and body, or the connection's error code. */
async function probe(url: string): Promise<{ status: number; body: unknown } | { refused: string }> {
  try {
    const response = await fetch(new URL('/healthz', url), { headers: { connection: 'close' } });
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { refused: (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message };
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('SIGTERM with requests in flight: each finishes with its whole answer, /healthz says draining, the process exits 0', async () => {
  const stack = await startChildStack({ env: { DRAIN_DELAY_MS: String(DRAIN_DELAY_MS) } });
  child = stack;
  // Read before stop(), which deletes the estate's folder.
  const estate = await readEstate(stack.dataDir);
  const products = productsOnEveryChannel(estate).slice(0, 3);
  expect(products.length).toBe(3);
  expect(await probe(stack.url)).toEqual({ status: 200, body: { status: 'alive' } });

  for (const system of [stack.admin.catalogue, stack.admin.ecommerce]) {
    const slowed = await fetch(`${system}/__admin/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: LATENCY_MS }) });
    expect(slowed.status).toBe(200);
  }
  const sent = performance.now();
  const inFlight = products.map((product) =>
    graphql(stack.url, PRODUCT, { ref: product.ref }).then((answer) => ({ answer, at: performance.now() - sent })),
  );
  // The catalogue has the first step in hand for the next 1.5 s.
  await pause(300);
  const exited = stack.stop();
  const signalled = performance.now() - sent;
  child = undefined;

  // Probed until the listener closes (or the answers are in): 503 draining first, then refused.
  const probes: Array<{ at: number; result: Awaited<ReturnType<typeof probe>> }> = [];
  let answered = false;
  void Promise.all(inFlight).then(() => (answered = true));
  while (!answered && !('refused' in (probes.at(-1)?.result ?? {}))) {
    probes.push({ at: performance.now() - sent, result: await probe(stack.url) });
    await pause(25);
  }

  const answers = await Promise.all(inFlight);
  for (const [i, { answer, at }] of answers.entries()) {
    // Not answered before the catalogue's and the web shop's latencies, one after the other:
    // the signal came while the first step was in flight.
    expect(at).toBeGreaterThanOrEqual(2 * LATENCY_MS);
    expect(at).toBeGreaterThan(signalled);
    const want = expected(estate, products[i]!);
    const got = (answer as GraphQLAnswer).data?.product;
    expect(answer.errors).toBeUndefined();
    expect({ ...got, storeStock: [...(got?.storeStock ?? [])].sort(byStore) }).toEqual({ ...want, storeStock: want.storeStock.sort(byStore) });
  }

  const seen = probes.map((p) => p.result);
  // Right after the signal the gateway says it is draining, while it still accepts connections…
  expect(seen.filter((r) => 'status' in r && r.status !== 200)).toContainEqual({ status: 503, body: { status: 'draining' } });
  expect(seen.some((r) => 'status' in r && r.status === 503)).toBe(true);
  // …and nothing says alive once it has said draining.
  const firstDraining = seen.findIndex((r) => 'status' in r && r.status === 503);
  expect(seen.slice(firstDraining).every((r) => 'refused' in r || r.status === 503)).toBe(true);
  // Then it closed its listener, before the requests in flight were done.
  const refusedAt = probes.find((p) => 'refused' in p.result)?.at;
  expect(refusedAt).toBeDefined();
  expect(refusedAt!).toBeLessThan(Math.min(...answers.map((a) => a.at)));

  expect(await exited).toBe(0);
  const output = stack.output();
  expect(output).toMatch(/"msg":"draining: /);
  expect(output).toMatch(/"msg":"stopped"/);
}, 120_000);
