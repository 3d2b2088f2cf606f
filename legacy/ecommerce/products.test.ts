import type { EcomCartRule, EcomProduct } from '../generator/model.js';
import { ecommerceFixture } from './fixture.js';
import { startEcommerce, type RunningEcommerce } from './server.js';
import { jsonClient } from './testClient.js';

const fixture = ecommerceFixture();
const product = (sku: string) => fixture.products.find((p) => p.sku === sku)!;
const skus = (records: EcomProduct[]) => records.map((p) => p.sku);

let server: RunningEcommerce;
let api: ReturnType<typeof jsonClient>;

beforeAll(async () => {
  server = await startEcommerce({ data: ecommerceFixture() });
  api = jsonClient(server.url);
});
afterAll(() => server.stop());

describe('GET /api/v1/products', () => {
  test('pages through every product in SKU order (byte order: upper case first)', async () => {
    const { records } = await api.all('/api/v1/products?per_page=2');
    const expected = [...fixture.products].sort((a, b) => (a.sku < b.sku ? -1 : 1));
    expect(records).toEqual(expected);
    expect(skus(records).at(-1)).toBe('web-cap-001');
  });

  test('skus= answers a batch, matching SKUs exactly', async () => {
    const { body } = await api.get('/api/v1/products?skus=web-cap-001,WEB-TENT-2P,WEB-CAP-001,NOPE');
    expect(body.data).toEqual([product('WEB-TENT-2P'), product('web-cap-001')]);
  });

  test('eans= answers a batch, with every product that carries an EAN, relisted ones included', async () => {
    const { body } = await api.get('/api/v1/products?eans=3608077027912,3291310500411,0000000000000');
    expect(skus(body.data)).toEqual(['RUN-KS500-OLD', 'WEB-RUN-4471', 'WEB-TENT-2P']);
    expect(body.data.every((p: EcomProduct) => ['3608077027912', '3291310500411'].includes(p.ean!))).toBe(true);
  });

  test('updated_since= lists changed products by updated_at, then SKU', async () => {
    const { body } = await api.get('/api/v1/products?updated_since=2025-12-01');
    const expected = fixture.products
      .filter((p) => p.updated_at >= '2025-12-01')
      .sort((a, b) => a.updated_at.localeCompare(b.updated_at) || (a.sku < b.sku ? -1 : 1));
    expect(skus(expected)).toEqual(['web-cap-001', 'WEB-RUN-4471', 'WEB-RUN-4471-W', 'WEB-TENT-2P']);
    expect(body.data).toEqual(expected);
  });
});

describe('GET /api/v1/products/:sku', () => {
  test('answers the product, EAN missing or not, price as a decimal string', async () => {
    expect((await api.get('/api/v1/products/WEB-SOCK-0032')).body).toEqual({ data: product('WEB-SOCK-0032') });
    expect((await api.get('/api/v1/products/web-cap-001')).body.data.price).toBe('12.5');
    expect((await api.get('/api/v1/products/WEB%2DRUN-4471')).body.data).toEqual(product('WEB-RUN-4471'));
  });

  test('404 for a SKU in another case', async () => {
    expect((await api.get('/api/v1/products/WEB-CAP-001')).body).toEqual({
      error: { code: 'not_found', message: 'no product with sku "WEB-CAP-001"' },
    });
  });
});

describe('cart rules', () => {
  const ruleIds = (records: { id: number }[]) => records.map((r) => r.id);

  test('GET /cart-rules lists the rules in the order they run: priority, then id', async () => {
    const { body } = await api.get('/api/v1/cart-rules');
    expect(body.data).toEqual([...fixture.cartRules].sort((a, b) => a.priority - b.priority || a.id - b.id));
    expect(ruleIds(body.data)).toEqual([1, 3, 4, 2]);
  });

  test('active_at= keeps the rules running then: start included, end excluded', async () => {
    const at = async (instant: string) => ruleIds((await api.get(`/api/v1/cart-rules?active_at=${instant}`)).body.data);
    expect(await at('2026-03-15T12:00:00Z')).toEqual([3, 2]);
    expect(await at('2026-03-01T00:00:00Z')).toEqual([3, 2]);
    expect(await at('2026-02-28T23:59:59Z')).toEqual([2]);
    expect(await at('2026-02-03T22:59:59.999Z')).toEqual([1, 2]);
    expect(await at('2026-02-03T23:00:00Z')).toEqual([2]);
    expect(await at('2019-12-31')).toEqual([]);
  });

  test('code= compares coupon codes case-insensitively, untrimmed', async () => {
    const code = async (value: string) => ruleIds((await api.get(`/api/v1/cart-rules?code=${value}`)).body.data);
    expect(await code('bienvenue10')).toEqual([2]);
    expect(await code('NOEL2025')).toEqual([4]);
    expect(await code('BIENVENUE10%20')).toEqual([]);
    expect(ruleIds((await api.get('/api/v1/cart-rules?code=noel2025&active_at=2026-01-01')).body.data)).toEqual([]);
  });

  test('serves free-shipping rules (no value) and first-order rules as the platform keeps them', async () => {
    const data = ecommerceFixture();
    const freeShipping: EcomCartRule = {
      id: 7, name: 'Livraison offerte', code: null, type: 'free_shipping', value: null, starts_at: '2026-01-01T00:00:00.000Z', ends_at: null,
      scope: { skus: null, min_subtotal: '60.00', first_order: false }, priority: 50, stackable: true,
    };
    const welcome: EcomCartRule = { ...data.cartRules.find((r) => r.id === 2)!, id: 8, code: 'PREMIERE5', scope: { skus: null, min_subtotal: null, first_order: true } };
    data.cartRules.push(freeShipping, welcome);
    const shop = await startEcommerce({ data });
    try {
      const client = jsonClient(shop.url);
      expect((await client.get('/api/v1/cart-rules/7')).body).toEqual({ data: freeShipping });
      expect((await client.get('/api/v1/cart-rules?code=premiere5')).body.data).toEqual([welcome]);
      const running = (await client.get('/api/v1/cart-rules?active_at=2026-03-15T12:00:00Z')).body.data as EcomCartRule[];
      expect(running.map((r) => [r.id, r.type, r.value, r.scope.first_order])).toEqual([
        [3, 'amount', '5.00', false],
        [2, 'percent', '10', false],
        [7, 'free_shipping', null, false],
        [8, 'percent', '10', true],
      ]);
    } finally {
      await shop.stop();
    }
  });

  test('GET /cart-rules/:id answers one rule, 404 for an unknown one', async () => {
    expect((await api.get('/api/v1/cart-rules/4')).body).toEqual({ data: fixture.cartRules.find((r) => r.id === 4) });
    expect((await api.get('/api/v1/cart-rules/40')).body).toEqual({ error: { code: 'not_found', message: 'no cart rule with id 40' } });
  });
});
