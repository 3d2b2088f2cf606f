import { ecommerceFixture } from '../../legacy/ecommerce/fixture.js';
import { errorCodes, startStack, type TestStack } from './testStack.js';

let stack: TestStack | undefined;

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const UNAVAILABLE = { code: 'SOURCE_UNAVAILABLE', source: 'ecommerce' };

describe('a platform that fails', () => {
  it('answers SOURCE_UNAVAILABLE with the source when every call errors, after retrying', async () => {
    stack = await startStack();
    await stack.setFaults({ errorRate: 1 });
    const answer = await stack.query('{ webAccount(id: "1001") { id } }');
    expect(answer.data).toEqual({ webAccount: null });
    expect(errorCodes(answer)).toEqual([{ path: 'webAccount', ...UNAVAILABLE }]);
    expect(answer.errors![0]!.message).toMatch(/^ecommerce: GET \/customers: HTTP 500 server_error/);
    // One call and two retries, all failed on purpose.
    expect(stack.shop.counter.snapshot().faulted).toBe(3);
  });

  it('keeps the rest of the answer: customers without web accounts, and fields served from the cache', async () => {
    stack = await startStack();
    await stack.query('{ webAccount(id: "1001") { firstName } }');
    await stack.setFaults({ errorRate: 1 });

    const answer = await stack.query(`{
      cached: webAccount(id: "1001") { firstName }
      order: webOrder(number: "W1000101") { number }
      _entities(representations: [
        { __typename: "Customer", id: "store-only", identities: [{ system: LOYALTY, localId: "1002" }] },
        { __typename: "Customer", id: "web", identities: [{ system: ECOMMERCE, localId: "1003" }] }
      ]) { ... on Customer { id webAccounts { id } } }
    }`);
    expect(answer.data).toEqual({
      cached: { firstName: 'Jean' },
      order: null,
      // The web accounts are null where the platform failed; the customer still arrives.
      _entities: [{ id: 'store-only', webAccounts: [] }, { id: 'web', webAccounts: null }],
    });
    expect(errorCodes(answer)).toEqual(
      expect.arrayContaining([
        { path: 'order', ...UNAVAILABLE },
        { path: '_entities.1.webAccounts', ...UNAVAILABLE },
      ]),
    );
  });

  it('answers SOURCE_UNAVAILABLE while it is down, and serves again once it is back', async () => {
    stack = await startStack();
    await stack.setFaults({ down: true });
    const down = await stack.query('{ webPromotions { id } }');
    expect(down.data).toEqual({ webPromotions: null });
    expect(errorCodes(down)).toEqual([{ path: 'webPromotions', ...UNAVAILABLE }]);

    await stack.setFaults({ down: false });
    const back = await stack.query('{ webPromotions(code: "bienvenue10") { id } }');
    expect(back).toEqual({ data: { webPromotions: [{ id: 'web:2' }] } });
  });

  it('gives up on an answer slower than the timeout', async () => {
    stack = await startStack({ subgraph: { source: { timeoutMs: 100, retries: 0 } } });
    await stack.setFaults({ latencyMs: 400 });
    const started = performance.now();
    const answer = await stack.query('{ webOrder(number: "W1000101") { id } }');
    expect(performance.now() - started).toBeLessThan(350);
    expect(errorCodes(answer)).toEqual([{ path: 'webOrder', code: 'SOURCE_TIMEOUT', source: 'ecommerce' }]);
    expect(answer.errors![0]!.message).toContain('no answer within 100 ms');
  });

  it('stops calling after repeated failures: the circuit opens', async () => {
    stack = await startStack({ subgraph: { source: { retries: 0, breaker: { failureThreshold: 2, resetAfterMs: 60_000 } } } });
    await stack.setFaults({ errorRate: 1 });
    await stack.query('{ webAccount(id: "1001") { id } }');
    await stack.query('{ webAccount(id: "1002") { id } }');
    const answer = await stack.query('{ webAccount(id: "1003") { id } }');
    expect(errorCodes(answer)).toEqual([{ path: 'webAccount', ...UNAVAILABLE }]);
    expect(answer.errors![0]!.message).toContain('circuit open');
    expect(stack.shop.counter.snapshot().faulted).toBe(2);
    expect(stack.graph.source.breakerState).toBe('open');
  });
});

describe('a platform that rate-limits', () => {
  it('answers SOURCE_RATE_LIMITED when its Retry-After is longer than the subgraph will wait', async () => {
    stack = await startStack({ shop: { rateLimitPerSecond: 1 }, subgraph: { source: { maxRetryAfterMs: 0 } } });
    expect((await stack.query('{ webAccount(id: "1001") { id } }')).data).toEqual({ webAccount: { id: '1001' } });
    const limited = await stack.query('{ webAccount(id: "1002") { id } }');
    expect(limited.data).toEqual({ webAccount: null });
    expect(errorCodes(limited)).toEqual([{ path: 'webAccount', code: 'SOURCE_RATE_LIMITED', source: 'ecommerce' }]);
    expect(limited.errors![0]!.message).toContain('HTTP 429 rate_limited');
  });

  it('waits out a short Retry-After and gets its answer', async () => {
    stack = await startStack({ shop: { rateLimitPerSecond: 1 } });
    await stack.query('{ webAccount(id: "1001") { id } }');
    const started = performance.now();
    const answer = await stack.query('{ webAccount(id: "1002") { id } }');
    expect(answer).toEqual({ data: { webAccount: { id: '1002' } } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    // The refused call is not counted as served.
    expect(await stack.calls()).toEqual({ 'GET /customers': 2 });
  });
});

describe('a platform that garbles a record', () => {
  it('answers SOURCE_BAD_RESPONSE for that record alone', async () => {
    const data = ecommerceFixture();
    data.products.find((product) => product.sku === 'WEB-BAG-20L')!.price = '24,90';
    stack = await startStack({ data });
    const answer = await stack.query(`{
      _entities(representations: [
        { __typename: "Product", webSku: "WEB-TENT-2P" },
        { __typename: "Product", webSku: "WEB-BAG-20L" }
      ]) { ... on Product { webSku webPrice { amount } } }
    }`);
    expect(answer.data._entities).toEqual([{ webSku: 'WEB-TENT-2P', webPrice: { amount: 12900 } }, { webSku: 'WEB-BAG-20L', webPrice: null }]);
    expect(errorCodes(answer)).toEqual([{ path: '_entities.1.webPrice', code: 'SOURCE_BAD_RESPONSE', source: 'ecommerce' }]);
    expect(answer.errors![0]!.message).toBe('ecommerce: product "WEB-BAG-20L": price is not an amount in EUR: not a decimal amount: "24,90"');
  });
});
