import { ecommerceFixture } from '../../legacy/ecommerce/fixture.js';
import type { EcomCartRule } from '../../legacy/generator/model.js';
import { errorCodes, startStack, type TestStack } from './testStack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(() => stack.stop());

const entities = (representations: unknown[], selection: string) =>
  stack.query(`query ($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`, { representations });

describe('WebAccount @key(fields: "id")', () => {
  it('resolves a mixed batch in order, null for unknown and malformed ids, in one call', async () => {
    await stack.resetCalls();
    const answer = await entities(
      [
        { __typename: 'WebAccount', id: '1001' },
        { __typename: 'WebAccount', id: '999999' },
        { __typename: 'WebAccount', id: 'not-an-id' },
        { __typename: 'WebAccount', id: '1002' },
        { __typename: 'WebAccount', id: '1001' },
      ],
      '... on WebAccount { id emailKey phone }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities).toEqual([
      { id: '1001', emailKey: 'jean.dupont@orange.fr', phone: '+33612345678' },
      null,
      null,
      { id: '1002', emailKey: 'marie.martin@gmail.com', phone: '+33781224019' },
      { id: '1001', emailKey: 'jean.dupont@orange.fr', phone: '+33612345678' },
    ]);
    expect(await stack.calls()).toEqual({ 'GET /customers': 1 });
    // 1001 (asked twice), 999999 and 1002: the malformed id never reaches the platform.
    expect(stack.shop.counter.snapshot().itemsByOperation).toEqual({ 'GET /customers': 3 });
  });
});

describe('WebOrder @key(fields: "id")', () => {
  it('resolves orders by id, null for unknown ones, each id asked once', async () => {
    await stack.resetCalls();
    const answer = await entities(
      [
        { __typename: 'WebOrder', id: '90006' },
        { __typename: 'WebOrder', id: '12' },
        { __typename: 'WebOrder', id: '90006' },
        { __typename: 'WebOrder', id: 'W1000204' },
        { __typename: 'WebOrder', id: '90001' },
      ],
      '... on WebOrder { id number status fulfilment { kind store { code } } delivery { firstName lastName phone } total { amount currency } }',
    );
    expect(answer.errors).toBeUndefined();
    const collect = {
      id: '90006', number: 'W1000204', status: 'READY_FOR_PICKUP', fulfilment: { kind: 'CLICK_AND_COLLECT', store: { code: 'SUD02' } },
      delivery: { firstName: 'jean', lastName: 'DUPONT', phone: null }, total: { amount: 8490, currency: 'EUR' },
    };
    expect(answer.data._entities).toEqual([
      collect,
      null,
      collect,
      null,
      {
        id: '90001', number: 'W1000101', status: 'DELIVERED', fulfilment: { kind: 'HOME_DELIVERY', store: null },
        delivery: { firstName: 'Jean', lastName: 'Dupont', phone: '+33612345678' }, total: { amount: 8990, currency: 'EUR' },
      },
    ]);
    // The platform has no batch filter on order ids: one call per distinct, well-formed id.
    expect(await stack.calls()).toEqual({ 'GET /orders/:id': 3 });
  });
});

describe('Product @key(fields: "webSku")', () => {
  it('resolves web fields for known SKUs, null for unknown ones, in one call', async () => {
    await stack.resetCalls();
    const answer = await entities(
      [
        { __typename: 'Product', webSku: 'WEB-TENT-2P' },
        { __typename: 'Product', webSku: 'NOT-SOLD-ONLINE' },
        { __typename: 'Product', webSku: 'web-cap-001' },
        { __typename: 'Product', webSku: 'RUN-KS500-OLD' },
      ],
      '... on Product { webSku webTitle webPrice { amount currency } webAvailable }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities).toEqual([
      { webSku: 'WEB-TENT-2P', webTitle: 'Tente 2 secondes 2 places', webPrice: { amount: 12900, currency: 'EUR' }, webAvailable: true },
      // A SKU the shop does not know: its web fields are null, not the product.
      { webSku: 'NOT-SOLD-ONLINE', webTitle: null, webPrice: null, webAvailable: null },
      { webSku: 'web-cap-001', webTitle: 'casquette trail', webPrice: { amount: 1250, currency: 'EUR' }, webAvailable: true },
      { webSku: 'RUN-KS500-OLD', webTitle: 'Kiprun KS 500 (ancien modèle)', webPrice: { amount: 7499, currency: 'EUR' }, webAvailable: false },
    ]);
    expect(await stack.calls()).toEqual({ 'GET /products': 1 });
  });

  it('shows the cart rules running now that lower the product\'s own price, read once per request', async () => {
    await stack.resetCalls();
    const answer = await entities(
      [
        { __typename: 'Product', webSku: 'WEB-RUN-4471' },
        { __typename: 'Product', webSku: 'WEB-TENT-2P' },
        { __typename: 'Product', webSku: 'WEB-RUN-4471-W' },
      ],
      '... on Product { webSku webPromotions { id kind amountOff { amount currency } stage scope { allProducts webSkus } conditions { couponCode minimumBasket { amount } } value currency code } }',
    );
    expect(answer.errors).toBeUndefined();
    // "Bienvenue" (BIENVENUE10, from 30 €) is a basket-wide coupon with a minimum basket: the cart's, not the product's.
    const running = {
      id: 'web:3',
      kind: 'AMOUNT_OFF',
      amountOff: { amount: 500, currency: 'EUR' },
      stage: 'CART',
      scope: { allProducts: false, webSkus: ['WEB-RUN-4471', 'WEB-RUN-4471-W'] },
      conditions: { couponCode: null, minimumBasket: null },
      value: 500,
      currency: 'EUR',
      code: null,
    };
    expect(answer.data._entities).toEqual([
      { webSku: 'WEB-RUN-4471', webPromotions: [running] },
      { webSku: 'WEB-TENT-2P', webPromotions: [] },
      { webSku: 'WEB-RUN-4471-W', webPromotions: [running] },
    ]);
    expect(await stack.calls()).toEqual({ 'GET /products': 1, 'GET /cart-rules': 1 });
  });

  it('keeps for the product its own rules and the automatic ones on every product; leaves the cart its coupons, delivery offers, first-order and minimum-basket rules', async () => {
    const base = (id: number, fields: Partial<EcomCartRule>): EcomCartRule => ({
      id,
      name: `Rule ${id}`,
      code: null,
      type: 'percent',
      value: '10',
      starts_at: '2026-03-01T00:00:00.000Z',
      ends_at: '2026-04-01T00:00:00.000Z',
      scope: { skus: null, min_subtotal: null, first_order: false },
      priority: id,
      stackable: true,
      ...fields,
    });
    const data = ecommerceFixture();
    data.cartRules = [
      base(11, { name: 'Automatic on everything' }),
      base(12, { name: 'Free delivery', type: 'free_shipping', value: null }),
      base(13, { name: 'First order', scope: { skus: null, min_subtotal: null, first_order: true } }),
      base(14, { name: 'Basket coupon', code: 'PANIER5' }),
      base(15, { name: 'Tent coupon', code: 'TENTE', scope: { skus: ['WEB-TENT-2P'], min_subtotal: null, first_order: false } }),
      base(16, { name: 'Tent from 100 EUR', scope: { skus: ['WEB-TENT-2P'], min_subtotal: '100.00', first_order: false } }),
      base(17, { name: 'Ended', ends_at: '2026-03-14T12:00:00.000Z' }),
    ];
    const own = await startStack({ data });
    try {
      const answer = await own.query(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { webSku webPromotions { id kind stage } } } }',
        { r: [{ __typename: 'Product', webSku: 'WEB-TENT-2P' }, { __typename: 'Product', webSku: 'WEB-RUN-4471' }] },
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data._entities).toEqual([
        {
          webSku: 'WEB-TENT-2P',
          webPromotions: [
            { id: 'web:11', kind: 'PERCENT_OFF', stage: 'CART' },
            { id: 'web:15', kind: 'PERCENT_OFF', stage: 'CART' },
          ],
        },
        { webSku: 'WEB-RUN-4471', webPromotions: [{ id: 'web:11', kind: 'PERCENT_OFF', stage: 'CART' }] },
      ]);
      // The root field keeps listing every rule.
      const all = await own.query('{ webPromotions { id kind stage conditions { firstOrderOnly couponCode } } }');
      expect(all.errors).toBeUndefined();
      expect(all.data.webPromotions.map((p: { id: string }) => p.id)).toEqual(['web:11', 'web:12', 'web:13', 'web:14', 'web:15', 'web:16', 'web:17']);
      expect(all.data.webPromotions[1]).toEqual({ id: 'web:12', kind: 'FREE_DELIVERY', stage: 'DELIVERY', conditions: { firstOrderOnly: false, couponCode: null } });
      expect(all.data.webPromotions[2].conditions).toEqual({ firstOrderOnly: true, couponCode: null });
    } finally {
      await own.stop();
    }
  });
});

describe('Customer, from the identities crosscanal hands over', () => {
  const jean = {
    __typename: 'Customer',
    id: 'golden-1',
    identities: [
      { system: 'ECOMMERCE', localId: '1001', franchise: null },
      { system: 'LOYALTY', localId: '1003', franchise: null },
      { system: 'ECOMMERCE', localId: '1007', franchise: null },
      { system: 'POS', localId: 'phone:+33612345678', franchise: 'NRD' },
      { system: 'ECOMMERCE', localId: '555555', franchise: null },
    ],
  };
  const storeOnly = { __typename: 'Customer', id: 'golden-2', identities: [{ system: 'LOYALTY', localId: '1002', franchise: null }] };

  it('gathers the web accounts of ECOMMERCE identities only, skipping accounts the shop no longer has', async () => {
    await stack.resetCalls();
    const answer = await entities([jean, storeOnly], '... on Customer { id webAccounts { id firstName } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities).toEqual([
      { id: 'golden-1', webAccounts: [{ id: '1001', firstName: 'Jean' }, { id: '1007', firstName: 'jean' }] },
      { id: 'golden-2', webAccounts: [] },
    ]);
    expect(await stack.calls()).toEqual({ 'GET /customers': 1 });
  });

  it('merges the orders of every web account, most recent first, `first` of them, in one call', async () => {
    await stack.resetCalls();
    const answer = await entities([jean, storeOnly], '... on Customer { all: webOrders { number placedAt } top: webOrders(first: 2) { number account { id } } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities).toEqual([
      {
        all: [
          { number: 'W1000204', placedAt: '2026-03-02T11:00:00.000Z' },
          { number: 'W1000203', placedAt: '2026-03-01T18:20:00.000Z' },
          { number: 'W1000145', placedAt: '2025-01-18T15:02:00.000Z' },
          { number: 'W1000101', placedAt: '2024-11-02T09:12:00.000Z' },
        ],
        top: [
          { number: 'W1000204', account: { id: '1007' } },
          { number: 'W1000203', account: { id: '1001' } },
        ],
      },
      { all: [], top: [] },
    ]);
    // The accounts were cached by the previous test: only the orders are asked for.
    expect(await stack.calls()).toEqual({ 'GET /orders': 1 });
  });

  it('refuses a `first` out of range without calling the platform', async () => {
    await stack.resetCalls();
    const answer = await entities([jean], '... on Customer { webOrders(first: -1) { number } }');
    expect(errorCodes(answer)).toEqual([{ path: '_entities.0.webOrders', code: 'BAD_USER_INPUT' }]);
    expect(await stack.calls()).toEqual({});
  });
});
