import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { ecommerceFixture } from '../../legacy/ecommerce/fixture.js';
import { subgraph } from './server.js';
import { errorCodes, startStack, type TestStack } from './testStack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(() => stack.stop());

const ACCOUNT = /* GraphQL */ `
  fragment Account on WebAccount {
    id email emailKey firstName lastName phone createdAt updatedAt
    newsletter { channel status capturedAt source system }
  }
`;

describe('webAccount', () => {
  it('normalises the account: trimmed email and its key, E.164 phone, ISO instants, newsletter consent', async () => {
    const answer = await stack.query(`${ACCOUNT} { webAccount(id: "1001") { ...Account addresses { id kind line1 line2 postcode city country } } }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.webAccount).toEqual({
      id: '1001',
      email: 'Jean.Dupont@Orange.fr',
      emailKey: 'jean.dupont@orange.fr',
      firstName: 'Jean',
      lastName: 'Dupont',
      phone: '+33612345678',
      createdAt: '2019-05-02T08:13:11.000Z',
      updatedAt: '2025-11-20T17:40:00.000Z',
      newsletter: { channel: 'EMAIL', status: 'SUBSCRIBED', capturedAt: '2019-05-02T08:14:00.000Z', source: 'WEB', system: 'ECOMMERCE' },
      addresses: [
        { id: '501', kind: 'BILLING', line1: '14, rue des tanneurs', line2: 'Apt 3', postcode: '59000', city: 'LILLE', country: 'FR' },
        { id: '502', kind: 'SHIPPING', line1: '14 rue des Tanneurs', line2: null, postcode: '59000', city: 'Lille', country: 'FR' },
      ],
    });
  });

  it.each([
    ['1002', ' marie.martin@gmail.com', 'marie.martin@gmail.com', '+33781224019'],
    ['1003', 'SOPHIE.LEGALL@LAPOSTE.NET ', 'sophie.legall@laposte.net', '+33298765432'],
    ['1004', 'chloe.petit+promo@hotmail.fr', 'chloe.petit+promo@hotmail.fr', '+33698765432'],
    ['1010', 'lucas.bernard@free.fr', 'lucas.bernard@free.fr', '+33645123390'],
    ['1005', 'e.moreau@sfr.fr', 'e.moreau@sfr.fr', null],
  ])('account %s: email %j becomes key %s, phone %s', async (id, typed, key, phone) => {
    const answer = await stack.query(`{ webAccount(id: "${id}") { email emailKey phone } }`);
    expect(answer.data.webAccount).toEqual({ email: typed.trim(), emailKey: key, phone });
  });

  it('shows an opt-out with the time it was chosen, and a never-asked account without one', async () => {
    const answer = await stack.query(`{ out: webAccount(id: "1010") { newsletter { status capturedAt } } never: webAccount(id: "1007") { newsletter { status capturedAt } } }`);
    expect(answer.data).toEqual({
      out: { newsletter: { status: 'UNSUBSCRIBED', capturedAt: '2022-01-10T07:30:00.000Z' } },
      never: { newsletter: { status: 'UNSUBSCRIBED', capturedAt: null } },
    });
  });

  it('lists the orders most recent first, `first` of them', async () => {
    const answer = await stack.query(`{ webAccount(id: "1001") { all: orders { number } two: orders(first: 2) { number } none: orders(first: 0) { number } } }`);
    expect(answer.data.webAccount).toEqual({
      all: [{ number: 'W1000203' }, { number: 'W1000145' }, { number: 'W1000101' }],
      two: [{ number: 'W1000203' }, { number: 'W1000145' }],
      none: [],
    });
  });

  it('is null for an account the platform does not have', async () => {
    const answer = await stack.query(`{ webAccount(id: "424242") { id } }`);
    expect(answer).toEqual({ data: { webAccount: null } });
  });

  it.each(['abc', '', '01001', '-3', '1e3'])('refuses the id %j as BAD_USER_INPUT, showing it', async (id) => {
    const answer = await stack.query(`query ($id: ID!) { webAccount(id: $id) { id } }`, { id });
    expect(errorCodes(answer)).toEqual([{ path: 'webAccount', code: 'BAD_USER_INPUT' }]);
    expect(answer.errors![0]!.message).toContain(JSON.stringify(id));
    expect(answer.errors![0]!.extensions).toMatchObject({ argument: 'id' });
  });

  it('refuses a `first` out of range', async () => {
    const answer = await stack.query(`{ webAccount(id: "1001") { id orders(first: 500) { number } } }`);
    expect(errorCodes(answer)).toEqual([{ path: 'webAccount.orders', code: 'BAD_USER_INPUT' }]);
    expect(answer.errors![0]!.message).toBe('first must be an integer from 0 to 200, got 500');
  });
});

describe('webAccountsByEmail', () => {
  it('finds every account under an address, whatever its case and the stray spaces it was typed with', async () => {
    const answer = await stack.query(`{ webAccountsByEmail(email: "  JEAN.dupont@orange.FR ") { id email } }`);
    expect(answer.data.webAccountsByEmail).toEqual([
      { id: '1001', email: 'Jean.Dupont@Orange.fr' },
      { id: '1007', email: 'jean.dupont@orange.fr' },
    ]);
  });

  it.each([
    ['marie.martin@gmail.com', ['1002']],
    ['Sophie.LeGall@laposte.net', ['1003']],
    ['chloe.petit+promo@hotmail.fr', ['1004']],
    ['nobody@example.com', []],
  ])('%s finds %j', async (email, ids) => {
    const answer = await stack.query(`query ($email: String!) { webAccountsByEmail(email: $email) { id } }`, { email });
    expect(answer.data.webAccountsByEmail.map((account: { id: string }) => account.id)).toEqual(ids);
  });

  it.each(['', '   ', 'jean.dupont', 'jean dupont@orange.fr'])('refuses %j as BAD_USER_INPUT', async (email) => {
    const answer = await stack.query(`query ($email: String!) { webAccountsByEmail(email: $email) { id } }`, { email });
    expect(errorCodes(answer)).toEqual([{ path: 'webAccountsByEmail', code: 'BAD_USER_INPUT' }]);
    expect(answer.errors![0]!.message).toContain(JSON.stringify(email));
  });
});

describe('webOrder', () => {
  it('serves a click-and-collect order that finished a quote: money in minor units, lines with their products', async () => {
    const answer = await stack.query(`{
      webOrder(number: " W1000145 ") {
        __typename id number channel status placedAt updatedAt couponCode
        total { amount currency }
        fulfilment { kind store { code } }
        quote { number }
        delivery { firstName lastName phone }
        account { id firstName }
        lines {
          lineNumber sku gtin localCode label quantity
          product { webSku webTitle webPrice { amount currency } webAvailable }
          unitPrice { amount currency } discount { amount } lineTotal { amount currency }
        }
      }
    }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.webOrder).toEqual({
      __typename: 'WebOrder',
      id: '90002',
      number: 'W1000145',
      channel: 'WEB',
      status: 'COLLECTED',
      placedAt: '2025-01-18T15:02:00.000Z',
      updatedAt: '2025-01-21T10:30:00.000Z',
      couponCode: null,
      total: { amount: 13898, currency: 'EUR' },
      fulfilment: { kind: 'CLICK_AND_COLLECT', store: { code: 'NRD01' } },
      quote: { number: 'Q-NRD01-000042' },
      delivery: { firstName: 'Jean', lastName: 'Dupont', phone: '+33612345678' },
      account: { id: '1001', firstName: 'Jean' },
      lines: [
        {
          lineNumber: 1, sku: 'WEB-TENT-2P', gtin: '3291310500411', localCode: null, label: 'Tente 2 secondes 2 places', quantity: 1,
          product: { webSku: 'WEB-TENT-2P', webTitle: 'Tente 2 secondes 2 places', webPrice: { amount: 12900, currency: 'EUR' }, webAvailable: true },
          unitPrice: { amount: 12900, currency: 'EUR' }, discount: { amount: 1000 }, lineTotal: { amount: 11900, currency: 'EUR' },
        },
        {
          lineNumber: 2, sku: 'WEB-SOCK-0032', gtin: null, localCode: null, label: 'Chaussettes running x3', quantity: 2,
          product: { webSku: 'WEB-SOCK-0032', webTitle: 'Chaussettes running x3', webPrice: { amount: 999, currency: 'EUR' }, webAvailable: true },
          unitPrice: { amount: 999, currency: 'EUR' }, discount: { amount: 0 }, lineTotal: { amount: 1998, currency: 'EUR' },
        },
      ],
    });
  });

  it.each([
    ['W1000203', 'a gift, to someone without an account', { firstName: 'Camille', lastName: 'Roussel', phone: '+33762189045' }],
    ['W1000230', 'a relative, on the household landline', { firstName: 'Yann', lastName: 'Le Gall', phone: '+33298765432' }],
    ['W1000204', 'a click-and-collect without a phone', { firstName: 'jean', lastName: 'DUPONT', phone: null }],
    ['W1000215', 'a phone keyed too short to be one', { firstName: 'Lucas', lastName: 'Bernard', phone: null }],
  ])('names the recipient of %s, %s, with the phone in E.164', async (number, _, delivery) => {
    const answer = await stack.query(`query ($number: String!) { webOrder(number: $number) { delivery { firstName lastName phone } } }`, { number });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.webOrder.delivery).toEqual(delivery);
  });

  it('serves a home delivery with a coupon, and a product price written without decimals', async () => {
    const answer = await stack.query(`{ webOrder(number: "W1000190") { fulfilment { kind store { code } } quote { number } couponCode status lines { sku unitPrice { amount } lineTotal { amount } } total { amount } } }`);
    expect(answer.data.webOrder).toEqual({
      fulfilment: { kind: 'HOME_DELIVERY', store: null },
      quote: null,
      couponCode: 'bienvenue10',
      status: 'SHIPPED',
      lines: [
        { sku: 'WEB-RUN-4471-W', unitPrice: { amount: 8990 }, lineTotal: { amount: 8091 } },
        { sku: 'web-cap-001', unitPrice: { amount: 1250 }, lineTotal: { amount: 1125 } },
      ],
      total: { amount: 9216 },
    });
  });

  it('selects the Order interface fields on a web order', async () => {
    const answer = await stack.query(`{ webOrder(number: "W1000101") { ... on Order { id number channel placedAt total { amount currency } lines { lineNumber quantity } } } }`);
    expect(answer.data.webOrder).toEqual({
      id: '90001', number: 'W1000101', channel: 'WEB', placedAt: '2024-11-02T09:12:00.000Z',
      total: { amount: 8990, currency: 'EUR' }, lines: [{ lineNumber: 1, quantity: 1 }],
    });
  });

  it('is null for an unknown number, and refuses a malformed one', async () => {
    expect(await stack.query(`{ webOrder(number: "W9999999") { id } }`)).toEqual({ data: { webOrder: null } });
    const answer = await stack.query(`{ webOrder(number: "W1000101,W1000145") { id } }`);
    expect(errorCodes(answer)).toEqual([{ path: 'webOrder', code: 'BAD_USER_INPUT' }]);
    expect(answer.errors![0]!.message).toContain('"W1000101,W1000145"');
  });

  it('refuses a number longer than 64 characters without asking the platform', async () => {
    await stack.resetCalls();
    const answer = await stack.query(`query ($number: String!) { webOrder(number: $number) { id } }`, { number: `W${'1'.repeat(256 * 1024)}` });
    expect(errorCodes(answer)).toEqual([{ path: 'webOrder', code: 'BAD_USER_INPUT' }]);
    expect(answer.errors![0]!.message).toMatch(/at most 64 characters\), got "W1{99}"$/);
    expect(await stack.calls()).toEqual({});
  });
});

describe('normalisation of products', () => {
  it('keeps an EAN whose check digit fails out of gtin, as the local code of the lines that sell it', async () => {
    const data = ecommerceFixture();
    data.products.push({ sku: 'WEB-BOTTLE-1L', ean: '3608077027913', title: 'Gourde 1L', price: '7', currency: 'EUR', active: false, updated_at: '2025-05-05T05:05:05.000Z' });
    data.orders[0]!.lines.push({ sku: 'WEB-BOTTLE-1L', quantity: 1, unit_price: '7', discount: '0.00' });
    const own = await startStack({ data });
    try {
      const answer = await own.query(`{ webOrder(number: "${data.orders[0]!.number}") { lines { sku gtin localCode label product { webPrice { amount } webAvailable } } } }`);
      expect(answer.data.webOrder.lines.at(-1)).toEqual({
        sku: 'WEB-BOTTLE-1L', gtin: null, localCode: '3608077027913', label: 'Gourde 1L', product: { webPrice: { amount: 700 }, webAvailable: false },
      });
    } finally {
      await own.stop();
    }
  });
});

describe('webPromotions', () => {
  const FIELDS = `id system title kind percentOff amountOff { amount currency } channels stage priority stackable
    scope { allProducts webSkus } conditions { couponCode minimumBasket { amount currency } firstOrderOnly membersOnly marketingOnly }
    startsAt endsAt value currency code`;

  it('lists every cart rule in the order the cart applies them, percentages in hundredths and amounts in minor units', async () => {
    const answer = await stack.query(`{ webPromotions { ${FIELDS} } }`);
    expect(answer.errors).toBeUndefined();
    const rule = (fields: Record<string, unknown>) => ({
      system: 'ECOMMERCE',
      percentOff: null,
      amountOff: null,
      channels: ['WEB'],
      stage: 'CART',
      scope: { allProducts: true, webSkus: [] },
      currency: null,
      ...fields,
    });
    const conditions = (couponCode: string | null, minimum: number | null) => ({
      couponCode,
      minimumBasket: minimum === null ? null : { amount: minimum, currency: 'EUR' },
      firstOrderOnly: false,
      membersOnly: false,
      marketingOnly: false,
    });
    expect(answer.data.webPromotions).toEqual([
      rule({ id: 'web:1', title: 'Soldes hiver -20%', kind: 'PERCENT_OFF', percentOff: 2000, priority: 10, stackable: false, conditions: conditions(null, null), startsAt: '2026-01-07T07:00:00.000Z', endsAt: '2026-02-03T23:00:00.000Z', value: 2000, code: null }),
      rule({ id: 'web:3', title: 'Running -5€', kind: 'AMOUNT_OFF', amountOff: { amount: 500, currency: 'EUR' }, priority: 20, stackable: true, scope: { allProducts: false, webSkus: ['WEB-RUN-4471', 'WEB-RUN-4471-W'] }, conditions: conditions(null, null), startsAt: '2026-03-01T00:00:00.000Z', endsAt: '2026-04-01T00:00:00.000Z', value: 500, currency: 'EUR', code: null }),
      rule({ id: 'web:4', title: 'Noël', kind: 'AMOUNT_OFF', amountOff: { amount: 1500, currency: 'EUR' }, priority: 30, stackable: false, conditions: conditions('Noel2025', 10000), startsAt: '2025-12-01T00:00:00.000Z', endsAt: '2025-12-25T00:00:00.000Z', value: 1500, currency: 'EUR', code: 'Noel2025' }),
      rule({ id: 'web:2', title: 'Bienvenue', kind: 'PERCENT_OFF', percentOff: 1000, priority: 50, stackable: true, conditions: conditions('BIENVENUE10', 3000), startsAt: '2020-01-01T00:00:00.000Z', endsAt: null, value: 1000, code: 'BIENVENUE10' }),
    ]);
  });

  it.each([
    ['{ activeAt: "2026-03-14T10:00:00Z" }', ['web:3', 'web:2']],
    ['{ activeAt: "2025-12-10T00:00:00+01:00" }', ['web:4', 'web:2']],
    ['{ activeAt: "2026-04-01T00:00:00.000Z" }', ['web:2']],
    ['{ code: "  bienvenue10 " }', ['web:2']],
    ['{ code: "NOEL2025", activeAt: "2026-03-14T10:00:00Z" }', []],
    ['{ code: "nope" }', []],
  ])('filters %s', async (args, ids) => {
    const answer = await stack.query(`{ webPromotions${args.replace(/^\{ /, '(').replace(/ \}$/, ')')} { id } }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.webPromotions.map((promotion: { id: string }) => promotion.id)).toEqual(ids);
  });

  it('refuses a blank code and an instant without a zone', async () => {
    const blank = await stack.query(`{ webPromotions(code: "   ") { id } }`);
    expect(errorCodes(blank)).toEqual([{ path: 'webPromotions', code: 'BAD_USER_INPUT' }]);
    const zoneless = await stack.query(`query ($at: DateTime) { webPromotions(activeAt: $at) { id } }`, { at: '2026-03-14T10:00:00' });
    expect(zoneless.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(zoneless.errors?.[0]?.message).toContain('"2026-03-14T10:00:00"');
  });
});

describe('the schema', () => {
  it('serves its SDL through _service', async () => {
    const answer = await stack.query('{ _service { sdl } }');
    const sdl: string = answer.data._service.sdl;
    expect(sdl).toContain('type WebOrder implements Order');
    expect(sdl).toContain('@key(fields: "webSku")');
    expect(sdl).toContain('@requires(fields: "identities { system localId franchise }")');
  });

  it('composes with a crosscanal subgraph that owns Customer and its identities', () => {
    const crosscanal = parse(/* GraphQL */ `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
      enum SourceSystem { ECOMMERCE LOYALTY POS CATALOGUE CROSSCANAL }
      type Identity @shareable { system: SourceSystem! localId: ID! franchise: String }
      type Customer @key(fields: "id") { id: ID! identities: [Identity!]! }
      type Query { customer(id: ID!): Customer }
    `);
    const result = composeServices([
      { name: 'crosscanal', url: 'http://crosscanal', typeDefs: crosscanal },
      { name: subgraph.name, url: 'http://ecommerce', typeDefs: subgraph.typeDefs },
    ]);
    expect(result.errors?.map((error) => error.message)).toBeUndefined();
  });
});
