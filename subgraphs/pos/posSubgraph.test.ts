import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import Keyv from 'keyv';
import pg from 'pg';
import { CARD, EAN } from '../../legacy/pos/fixture.js';
import { catalogueStub, crosscanalStub, ecommerceStub } from './federationStubs.js';
import { subgraph } from './server.js';
import { BAD_EAN, bulkReceiptNumbers, CLOSED_STORE_CARD, gql, startPosStack, type PosStack } from './testStack.js';
import { GrantingDataSource } from '../../test/support/grant.js';

/** Store coordinates as the fixture gives them, to check distances against. */
const WHERE: Record<string, [number, number]> = {
  NRD01: [50.6365, 3.0635], NRD02: [50.6916, 3.1741], NRD03: [50.291, 2.7775], SUD01: [43.2975, 5.381],
  SUD02: [43.6975, 7.27], SUD03: [43.6086, 3.8798], OUE01: [47.213, -1.559], OUE02: [48.11, -1.679],
};

/** Great-circle metres by the spherical law of cosines (not the subgraph's haversine), on the mean sphere. */
function lawOfCosines([lat1, lon1]: [number, number], [lat2, lon2]: [number, number]): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const cos = Math.sin(r(lat1)) * Math.sin(r(lat2)) + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.cos(r(lon2 - lon1));
  return 6_371_008.8 * Math.acos(Math.min(1, cos));
}

const SALE_FIELDS = /* GraphQL */ `
  id number channel placedAt total { amount currency } cardNumber phone
  seller { code name } store { code name franchise { code } }
  lines { lineNumber product { gtin } sku gtin localCode label quantity unitPrice { amount currency } discount { amount currency } lineTotal { amount currency } }
`;

const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on StoreSale { id placedAt total { amount } }
      ... on Store { code name city postcode country clickAndCollect location { latitude longitude } franchise { code name } }
      ... on Franchise { code name stores { code } }
      ... on Quote { number status total { amount } }
      ... on Product { gtin }
      ... on LoyaltyCard { cardNumber: number }
    }
  }
`;

let stack: PosStack;
let url: string;

beforeAll(async () => {
  stack = await startPosStack();
  ({ url } = await stack.subgraph());
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('root fields', () => {
  test('franchises and their stores come from the directory', async () => {
    const { data, errors } = await gql<{ franchises: Array<{ code: string; name: string; stores: Array<{ code: string }> }> }>(
      url,
      '{ franchises { code name stores { code } } }',
    );
    expect(errors).toBeUndefined();
    expect(data!.franchises).toEqual([
      { code: 'NRD', name: 'Nord Sports SARL', stores: [{ code: 'NRD01' }, { code: 'NRD02' }, { code: 'NRD03' }] },
      { code: 'OUE', name: 'Ouest Aventure EURL', stores: [{ code: 'OUE01' }, { code: 'OUE02' }] },
      { code: 'SUD', name: 'Sud Glisse SAS', stores: [{ code: 'SUD01' }, { code: 'SUD02' }, { code: 'SUD03' }] },
    ]);
  });

  test('store(code) with its franchise, location and promotions', async () => {
    const { data, errors } = await gql(
      url,
      `{ store(code: "SUD02") { code name city postcode country clickAndCollect location { latitude longitude } franchise { code name }
           promotions { id system title kind percentOff amountOff { amount currency } buyQuantity payQuantity channels stage priority stackable
             scope { allProducts franchise storeCodes gtins } conditions { couponCode } startsAt endsAt value currency code } }
         missing: store(code: "XXX01") { code } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      store: {
        code: 'SUD02',
        name: 'Nice Masséna',
        city: 'Nice',
        postcode: '06000',
        country: 'FR',
        clickAndCollect: true,
        location: { latitude: 43.6975, longitude: 7.27 },
        franchise: { code: 'SUD', name: 'Sud Glisse SAS' },
        promotions: [
          {
            id: 'pos:SUD:PROMO-ETE',
            system: 'POS',
            title: 'Été : 15 € offerts',
            kind: 'AMOUNT_OFF',
            percentOff: null,
            amountOff: { amount: 1500, currency: 'EUR' },
            buyQuantity: null,
            payQuantity: null,
            channels: ['STORE'],
            stage: 'PRODUCT',
            priority: 0,
            stackable: false,
            scope: { allProducts: false, franchise: 'SUD', storeCodes: ['SUD02'], gtins: [EAN.rainJacket] },
            conditions: { couponCode: null },
            startsAt: '2026-06-30T22:00:00.000Z',
            endsAt: '2026-08-31T21:59:59.000Z',
            value: 1500,
            currency: 'EUR',
            code: null,
          },
        ],
      },
      missing: null,
    });
  });

  test('stores(franchise) lists one franchise, or every store without it', async () => {
    const { data } = await gql<{ oue: Array<{ code: string }>; all: Array<{ code: string }>; none: unknown[] }>(
      url,
      '{ oue: stores(franchise: "OUE") { code } all: stores { code } none: stores(franchise: "XXX") { code } }',
    );
    expect(data!.oue).toEqual([{ code: 'OUE01' }, { code: 'OUE02' }]);
    expect(data!.all).toHaveLength(8);
    expect(data!.none).toEqual([]);
  });

  test('a store promotion runs from its start to its end; franchise-wide ones apply to every store', async () => {
    const { data } = await gql(
      url,
      `{ nrdMarch: store(code: "NRD03") { promotions(activeAt: "2026-03-15T12:00:00+01:00") { id kind percentOff scope { storeCodes gtins } value currency } }
         nrdMay: store(code: "NRD03") { promotions(activeAt: "2026-05-01T00:00:00Z") { id } }
         nrdEnd: store(code: "NRD03") { promotions(activeAt: "2026-03-31T21:59:59Z") { id } }
         oue: store(code: "OUE02") { promotions(activeAt: "2026-05-01T00:00:00Z") { id kind buyQuantity payQuantity scope { storeCodes gtins } value currency } }
         sud01: store(code: "SUD01") { promotions { id } } }`,
    );
    expect(data).toEqual({
      nrdMarch: { promotions: [{ id: 'pos:NRD:P-NRD-2026-03', kind: 'PERCENT_OFF', percentOff: 2000, scope: { storeCodes: [], gtins: [EAN.trailShoe, EAN.rainJacket].sort() }, value: 2000, currency: null }] },
      nrdMay: { promotions: [] },
      // The end is excluded, as for every promotion.
      nrdEnd: { promotions: [] },
      // 3 for 2: buy 3, pay 2; the bottle keyed twice in the back office is one item.
      oue: { promotions: [{ id: 'pos:OUE:OF-3POUR2', kind: 'BUY_N_PAY_M', buyQuantity: 3, payQuantity: 2, scope: { storeCodes: [], gtins: [EAN.bottle] }, value: 3, currency: null }] },
      sud01: { promotions: [] },
    });
  });

  test('storeSale(number): an NRD receipt in cents, with a line the catalogue does not know', async () => {
    const { data, errors } = await gql(url, `{ storeSale(number: "NRD01-0004711") { ${SALE_FIELDS} } }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      storeSale: {
        id: 'NRD01-0004711',
        number: 'NRD01-0004711',
        channel: 'STORE',
        placedAt: '2026-03-14T10:22:00.000Z',
        total: { amount: 8790, currency: 'EUR' },
        cardNumber: CARD.dupont,
        phone: null,
        seller: { code: 'V012', name: 'Karim Benali' },
        store: { code: 'NRD01', name: 'Lille Centre', franchise: { code: 'NRD' } },
        lines: [
          {
            lineNumber: 1,
            product: { gtin: EAN.trailShoe },
            sku: null,
            gtin: EAN.trailShoe,
            localCode: null,
            label: 'CHAUSS TRAIL EVASION 42',
            quantity: 1,
            unitPrice: { amount: 8990, currency: 'EUR' },
            discount: { amount: 900, currency: 'EUR' },
            lineTotal: { amount: 8090, currency: 'EUR' },
          },
          {
            lineNumber: 2,
            // A franchise code: the catalogue resolves the product by its till reference.
            product: { gtin: null },
            sku: null,
            gtin: null,
            localCode: 'NRD-LC-0042',
            label: 'LACETS COULEUR',
            quantity: 2,
            unitPrice: { amount: 350, currency: 'EUR' },
            discount: null,
            lineTotal: { amount: 700, currency: 'EUR' },
          },
        ],
      },
    });
  });

  test('storeSale(number): seller codes are per store, so NRD02 has its own V012', async () => {
    const { data } = await gql(url, '{ storeSale(number: "NRD02-0000815") { seller { code name } phone } }');
    expect(data).toEqual({ storeSale: { seller: { code: 'V012', name: 'Thomas Dubois' }, phone: '+33612345678' } });
  });

  test('storeSale and quote are null for a number no franchise issued', async () => {
    const { data, errors } = await gql(
      url,
      `{ a: storeSale(number: "NRD01-9999999") { id } b: storeSale(number: "ZZZ99-0000001") { id }
         c: quote(number: "Q-OUE01-999999") { number } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({ a: null, b: null, c: null });
  });

  test('quote(number) in each layout, with its status in the graph vocabulary', async () => {
    const { data, errors } = await gql(
      url,
      `{ nrd: quote(number: "Q-NRD01-000042") { number status createdAt validUntil phone cardNumber seller { name } store { code }
           total { amount currency } lines { lineNumber gtin localCode label quantity unitPrice { amount } discount { amount } lineTotal { amount } } }
         sud: quote(number: "Q-SUD01-000007") { status createdAt validUntil cardNumber total { amount } }
         oue: quote(number: "Q-OUE01-000004") { status phone cardNumber total { amount } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      nrd: {
        number: 'Q-NRD01-000042',
        status: 'OPEN',
        createdAt: '2026-03-10T15:00:00.000Z',
        validUntil: '2026-04-09T21:59:59.000Z',
        phone: '+33612345678',
        cardNumber: null,
        seller: { name: 'Karim Benali' },
        store: { code: 'NRD01' },
        total: { amount: 51200, currency: 'EUR' },
        lines: [
          { lineNumber: 1, gtin: EAN.tent, localCode: null, label: null, quantity: 2, unitPrice: { amount: 24900 }, discount: null, lineTotal: { amount: 49800 } },
          { lineNumber: 2, gtin: null, localCode: 'NRD-LC-0042', label: null, quantity: 4, unitPrice: { amount: 350 }, discount: null, lineTotal: { amount: 1400 } },
        ],
      },
      sud: {
        status: 'CONVERTED_ONLINE',
        createdAt: '2026-06-30T22:30:00.000Z',
        validUntil: '2026-07-30T21:59:59.000Z',
        cardNumber: CARD.garcia,
        total: { amount: 35970 },
      },
      oue: { status: 'EXPIRED', phone: '+33611223344', cardNumber: CARD.morvan, total: { amount: 7500 } },
    });
  });

  test('_service { sdl } serves the subgraph schema', async () => {
    const { data } = await gql<{ _service: { sdl: string } }>(url, '{ _service { sdl } }');
    expect(data!._service.sdl).toContain('type StoreSale implements Order');
    expect(data!._service.sdl).toMatch(/storeSales\(first: Int = 20\): \[StoreSale!\] @requires\(fields: "identities \{ system localId franchise \}"\)/);
  });
});

describe('normalisation', () => {
  test('SUD: numeric euros become cents and Paris wall-clock times become UTC instants', async () => {
    const { data, errors } = await gql(
      url,
      `{ winter: storeSale(number: "SUD01-0002001") { placedAt total { amount currency } lines { localCode unitPrice { amount } discount { amount } lineTotal { amount } } }
         nrdSameInstant: storeSale(number: "NRD01-0004711") { placedAt }
         summer: storeSale(number: "SUD02-0000450") { placedAt phone total { amount } }
         springForwardNight: storeSale(number: "SUD01-0002002") { placedAt }
         fallBackFirst: storeSale(number: "SUD03-0000077") { placedAt }
         fallBackSecond: storeSale(number: "SUD03-0000078") { placedAt } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      // Stored as 11:22 (CET, UTC+1).
      winter: {
        placedAt: '2026-03-14T10:22:00.000Z',
        total: { amount: 11185, currency: 'EUR' },
        lines: [
          { localCode: null, unitPrice: { amount: 8490 }, discount: null, lineTotal: { amount: 8490 } },
          { localCode: 'SUD-000731', unitPrice: { amount: 2995 }, discount: { amount: 300 }, lineTotal: { amount: 2695 } },
        ],
      },
      nrdSameInstant: { placedAt: '2026-03-14T10:22:00.000Z' },
      // Stored as 18:05 (CEST, UTC+2).
      summer: { placedAt: '2026-07-03T16:05:00.000Z', phone: '+33612345678', total: { amount: 11490 } },
      // Stored as 03:30, just after the clocks jumped from 02:00 to 03:00.
      springForwardNight: { placedAt: '2026-03-29T01:30:00.000Z' },
      // Both stored as 02:30, which happened twice that night: the first one is taken, so
      // the second sale (made at 01:30Z) cannot be told apart, as the till wrote it.
      fallBackFirst: { placedAt: '2026-10-25T00:30:00.000Z' },
      fallBackSecond: { placedAt: '2026-10-25T00:30:00.000Z' },
    });
  });

  test('SUD: returns, stock, prices and promotions are converted the same way', async () => {
    const { data, errors } = await gql(
      url,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) {
         ... on Product { storeStock(storeCodes: ["SUD01"]) { store { code } quantity updatedAt }
                          storePrices(storeCodes: ["SUD01"]) { price { amount currency } validFrom validTo } } } }`,
      { reps: [{ __typename: 'Product', gtin: EAN.trailShoe }] },
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      _entities: [
        {
          storeStock: [{ store: { code: 'SUD01' }, quantity: 7, updatedAt: '2026-06-01T04:15:00.000Z' }],
          storePrices: [{ price: { amount: 8490, currency: 'EUR' }, validFrom: '2026-01-01T00:00:00.000Z', validTo: null }],
        },
      ],
    });
  });

  test('a till code that is not a valid GTIN is no product: gtin null, the raw code in localCode; an unreadable phone is null', async () => {
    const { data, errors } = await gql(url, '{ storeSale(number: "NRD02-0000816") { phone lines { product { gtin } gtin localCode label } } }');
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      storeSale: {
        phone: null,
        lines: [
          { product: { gtin: null }, gtin: null, localCode: BAD_EAN, label: 'CHAUSS TRAIL EVASION 43' },
          // A local code of its own wins over the malformed EAN.
          { product: { gtin: null }, gtin: null, localCode: 'NRD-LC-0099', label: 'CHAUSSETTES' },
        ],
      },
    });
  });

  test('a receipt of a store the directory does not list: its store is SOURCE_BAD_RESPONSE naming the store, not a null the schema forbids', async () => {
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on LoyaltyCard { storeReceipts { id store { code } } } } }`;
    const reps = [{ __typename: 'LoyaltyCard', number: CLOSED_STORE_CARD }];
    const withoutStore = await gql(url, query.replace(' store { code }', ''), { reps });
    expect(withoutStore).toEqual({ data: { _entities: [{ storeReceipts: [{ id: 'NRD09-0000001' }] }] } });

    const { data, errors } = await gql(url, query, { reps });
    // Store! is non-null: the receipt goes, and with it the list of non-null receipts.
    expect(data).toEqual({ _entities: [{ storeReceipts: null }] });
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'pos: receipt NRD09-0000001 names store "NRD09", which the POS directory does not list',
        path: ['_entities', 0, 'storeReceipts', 0, 'store'],
        extensions: expect.objectContaining({ code: 'SOURCE_BAD_RESPONSE', source: 'pos' }),
      }),
    ]);
  });

  test('a Product is known by any length of GTIN, and an invalid GTIN is no product', async () => {
    const { data, errors } = await gql<{ _entities: Array<{ gtin: string; storeStock: Array<{ store: { code: string }; quantity: number }> } | null> }>(
      url,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { gtin storeStock { store { code } quantity } } } }`,
      { reps: [{ __typename: 'Product', gtin: `0${EAN.trailShoe}` }, { __typename: 'Product', gtin: BAD_EAN }, { __typename: 'Product', gtin: 'not-a-gtin' }] },
    );
    expect(errors).toBeUndefined();
    expect(data!._entities[0]).toEqual({
      gtin: `0${EAN.trailShoe}`,
      storeStock: [
        { store: { code: 'NRD01' }, quantity: 4 },
        { store: { code: 'NRD02' }, quantity: 0 },
        { store: { code: 'OUE01' }, quantity: 2 },
        { store: { code: 'SUD01' }, quantity: 7 },
      ],
    });
    expect(data!._entities.slice(1)).toEqual([null, null]);
  });

  test('OUE: a sale keeps no phone, only a client id; the phone comes from the clients table, in E.164', async () => {
    const { data, errors } = await gql(
      url,
      `{ a: storeSale(number: "OUE01-000301") { phone cardNumber total { amount } seller { code name } }
         b: storeSale(number: "OUE01-000303") { phone }
         c: storeSale(number: "OUE02-000035") { phone } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      a: { phone: '+33612345678', cardNumber: null, total: { amount: 8990 }, seller: { code: 'S-44', name: 'Gwenaëlle Le Goff' } },
      // Keyed at the till without a client row yet: the till filed it.
      b: { phone: '+33240998877' },
      c: { phone: null },
    });
  });
});

describe('entities', () => {
  test('every @key resolves through _entities, in order, with null for unknown keys', async () => {
    const { data, errors } = await gql<{ _entities: unknown[] }>(url, ENTITIES, {
      representations: [
        { __typename: 'StoreSale', id: 'OUE02-000033' },
        { __typename: 'StoreSale', id: 'SUD99-0000001' },
        { __typename: 'Store', code: 'NRD03' },
        { __typename: 'Store', code: 'XXX01' },
        { __typename: 'Franchise', code: 'OUE' },
        { __typename: 'Franchise', code: 'XXX' },
        { __typename: 'Quote', number: 'Q-SUD01-000007' },
        { __typename: 'Quote', number: 'Q-SUD01-999999' },
        { __typename: 'Product', gtin: EAN.bottle },
        { __typename: 'LoyaltyCard', number: CARD.morvan },
        { __typename: 'StoreSale', id: 'NRD01-0004712' },
      ],
    });
    expect(errors).toBeUndefined();
    expect(data!._entities).toEqual([
      { __typename: 'StoreSale', id: 'OUE02-000033', placedAt: '2026-04-11T14:20:00.000Z', total: { amount: 24900 } },
      null,
      {
        __typename: 'Store',
        code: 'NRD03',
        name: 'Arras Héros',
        city: 'Arras',
        postcode: '62000',
        country: 'FR',
        clickAndCollect: false,
        location: { latitude: 50.291, longitude: 2.7775 },
        franchise: { code: 'NRD', name: 'Nord Sports SARL' },
      },
      null,
      { __typename: 'Franchise', code: 'OUE', name: 'Ouest Aventure EURL', stores: [{ code: 'OUE01' }, { code: 'OUE02' }] },
      null,
      { __typename: 'Quote', number: 'Q-SUD01-000007', status: 'CONVERTED_ONLINE', total: { amount: 35970 } },
      null,
      { __typename: 'Product', gtin: EAN.bottle },
      { __typename: 'LoyaltyCard', cardNumber: CARD.morvan },
      { __typename: 'StoreSale', id: 'NRD01-0004712', placedAt: '2026-03-14T10:31:12.000Z', total: { amount: 1299 } },
    ]);
  });

  test('Product: store stock, prices and promotions, per store or everywhere', async () => {
    const { data, errors } = await gql(
      url,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product {
          gtin
          some: storeStock(storeCodes: ["SUD01", "OUE01", "XXX99"]) { store { code } quantity updatedAt }
          none: storeStock(storeCodes: []) { quantity }
          pricesNow: storePrices(activeAt: "2026-03-01T12:00:00Z") { store { code } price { amount currency } validFrom validTo }
          allPrices: storePrices(storeCodes: ["NRD01"]) { price { amount } validFrom validTo }
          storePromotions { id kind value startsAt endsAt scope { gtins } }
          sud02: storePromotions(storeCodes: ["SUD02"]) { id }
          sud01: storePromotions(storeCodes: ["SUD01"]) { id }
      } } }`,
      { reps: [{ __typename: 'Product', gtin: EAN.trailShoe }, { __typename: 'Product', gtin: EAN.rainJacket }, { __typename: 'Product', gtin: EAN.bottle }] },
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      _entities: [
        {
          gtin: EAN.trailShoe,
          some: [
            { store: { code: 'OUE01' }, quantity: 2, updatedAt: '2026-06-01T01:00:00.000Z' },
            { store: { code: 'SUD01' }, quantity: 7, updatedAt: '2026-06-01T04:15:00.000Z' },
          ],
          none: [],
          pricesNow: [
            { store: { code: 'NRD01' }, price: { amount: 8990, currency: 'EUR' }, validFrom: '2026-02-28T23:00:00.000Z', validTo: null },
            { store: { code: 'OUE01' }, price: { amount: 8990, currency: 'EUR' }, validFrom: '2026-01-01T00:00:00.000Z', validTo: null },
            { store: { code: 'SUD01' }, price: { amount: 8490, currency: 'EUR' }, validFrom: '2026-01-01T00:00:00.000Z', validTo: null },
          ],
          allPrices: [
            { price: { amount: 9990 }, validFrom: '2025-09-01T00:00:00.000Z', validTo: '2026-02-28T23:00:00.000Z' },
            { price: { amount: 8990 }, validFrom: '2026-02-28T23:00:00.000Z', validTo: null },
          ],
          storePromotions: [{ id: 'pos:NRD:P-NRD-2026-03', kind: 'PERCENT_OFF', value: 2000, startsAt: '2026-03-01T00:00:00.000Z', endsAt: '2026-03-31T21:59:59.000Z', scope: { gtins: [EAN.trailShoe, EAN.rainJacket].sort() } }],
          sud02: [],
          sud01: [],
        },
        {
          gtin: EAN.rainJacket,
          some: [],
          none: [],
          pricesNow: [{ store: { code: 'SUD02' }, price: { amount: 12990, currency: 'EUR' }, validFrom: '2026-01-01T00:00:00.000Z', validTo: null }],
          allPrices: [],
          storePromotions: [
            { id: 'pos:NRD:P-NRD-2026-03', kind: 'PERCENT_OFF', value: 2000, startsAt: '2026-03-01T00:00:00.000Z', endsAt: '2026-03-31T21:59:59.000Z', scope: { gtins: [EAN.trailShoe, EAN.rainJacket].sort() } },
            { id: 'pos:SUD:PROMO-ETE', kind: 'AMOUNT_OFF', value: 1500, startsAt: '2026-06-30T22:00:00.000Z', endsAt: '2026-08-31T21:59:59.000Z', scope: { gtins: [EAN.rainJacket] } },
          ],
          sud02: [{ id: 'pos:SUD:PROMO-ETE' }],
          sud01: [],
        },
        {
          gtin: EAN.bottle,
          some: [],
          none: [],
          pricesNow: [],
          allPrices: [],
          // Keyed twice in OUE's back office, served once.
          storePromotions: [{ id: 'pos:OUE:OF-3POUR2', kind: 'BUY_N_PAY_M', value: 3, startsAt: '2026-04-01T00:00:00.000Z', endsAt: '2026-06-30T21:59:59.000Z', scope: { gtins: [EAN.bottle] } }],
          sud02: [],
          sud01: [],
        },
      ],
    });
  });

  test('LoyaltyCard: receipts, returns and quotes carrying the card, in every franchise, most recent first', async () => {
    const { data, errors } = await gql(
      url,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on LoyaltyCard {
          number
          storeReceipts { id placedAt }
          latest: storeReceipts(first: 1) { id }
          storeReturns { number returnedAt refund { amount currency } receipt { id } webOrderNumber seller { name } store { code }
                         items { lineNumber product { gtin } gtin localCode quantity refund { amount } restock } }
          quotes { number status }
      } } }`,
      { reps: [{ __typename: 'LoyaltyCard', number: CARD.garcia }, { __typename: 'LoyaltyCard', number: CARD.morvan }, { __typename: 'LoyaltyCard', number: '2999999999999' }] },
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      _entities: [
        {
          number: CARD.garcia,
          storeReceipts: [
            { id: 'SUD03-0000077', placedAt: '2026-10-25T00:30:00.000Z' },
            { id: 'SUD03-0000078', placedAt: '2026-10-25T00:30:00.000Z' },
            { id: 'SUD01-0002001', placedAt: '2026-03-14T10:22:00.000Z' },
          ],
          latest: [{ id: 'SUD03-0000077' }],
          storeReturns: [],
          quotes: [{ number: 'Q-SUD01-000007', status: 'CONVERTED_ONLINE' }],
        },
        {
          number: CARD.morvan,
          storeReceipts: [{ id: 'OUE01-000302', placedAt: '2026-03-15T09:12:00.000Z' }],
          latest: [{ id: 'OUE01-000302' }],
          storeReturns: [
            {
              number: 'OUE01-RB-0001',
              returnedAt: '2026-03-22T16:10:00.000Z',
              refund: { amount: 2570, currency: 'EUR' },
              receipt: { id: 'OUE01-000302' },
              webOrderNumber: null,
              seller: { name: 'Gwenaëlle Le Goff' },
              store: { code: 'OUE01' },
              items: [
                { lineNumber: 1, product: { gtin: null }, gtin: null, localCode: 'OUE-77812', quantity: 2, refund: { amount: 1580 }, restock: true },
                { lineNumber: 2, product: { gtin: EAN.bottle }, gtin: EAN.bottle, localCode: null, quantity: 1, refund: { amount: 990 }, restock: false },
              ],
            },
          ],
          quotes: [{ number: 'Q-OUE01-000004', status: 'EXPIRED' }],
        },
        { number: '2999999999999', storeReceipts: [], latest: [], storeReturns: [], quotes: [] },
      ],
    });
  });
});

describe('Customer', () => {
  const CUSTOMER = /* GraphQL */ `
    query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer {
      id
      storeSales { id phone cardNumber store { code } }
      storeReturns { number }
      quotes { number phone }
    } } }
  `;

  test('a card and a phone: receipts of every franchise, merged without duplicates, most recent first', async () => {
    const { data, errors } = await gql(url, CUSTOMER, {
      reps: [
        {
          __typename: 'Customer',
          id: 'C-1',
          identities: [
            { system: 'POS', localId: `card:${CARD.dupont}`, franchise: null },
            { system: 'POS', localId: 'phone:+33612345678', franchise: null },
            // Other systems' identities are theirs to resolve.
            { system: 'ECOMMERCE', localId: '1042', franchise: null },
            { system: 'LOYALTY', localId: 'M00012345', franchise: null },
          ],
        },
      ],
    });
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      _entities: [
        {
          id: 'C-1',
          storeSales: [
            { id: 'SUD02-0000450', phone: '+33612345678', cardNumber: null, store: { code: 'SUD02' } },
            { id: 'NRD03-0000101', phone: '+33612345678', cardNumber: CARD.dupont, store: { code: 'NRD03' } },
            { id: 'NRD02-0000815', phone: '+33612345678', cardNumber: null, store: { code: 'NRD02' } },
            // OUE's client 101 filed the same phone.
            { id: 'OUE01-000301', phone: '+33612345678', cardNumber: null, store: { code: 'OUE01' } },
            { id: 'NRD01-0004711', phone: null, cardNumber: CARD.dupont, store: { code: 'NRD01' } },
          ],
          storeReturns: [{ number: 'R-NRD01-000012' }],
          quotes: [{ number: 'Q-NRD01-000042', phone: '+33612345678' }],
        },
      ],
    });
  });

  test('an identity with a franchise is looked for in that franchise only', async () => {
    const { data } = await gql<{ _entities: Array<{ storeSales: Array<{ id: string }> }> }>(url, CUSTOMER, {
      reps: [{ __typename: 'Customer', id: 'C-2', identities: [{ system: 'POS', localId: 'phone:+33612345678', franchise: 'NRD' }] }],
    });
    expect(data!._entities[0]!.storeSales.map((s) => s.id)).toEqual(['NRD03-0000101', 'NRD02-0000815']);
  });

  test('OUE phone-only client: client:<id> finds its own sales and quotes; the phone finds every client filed under it', async () => {
    const { data, errors } = await gql(url, CUSTOMER, {
      reps: [
        { __typename: 'Customer', id: 'C-3', identities: [{ system: 'POS', localId: 'client:102', franchise: 'OUE' }] },
        // The family landline: clients 102 and 104 share it.
        { __typename: 'Customer', id: 'C-4', identities: [{ system: 'POS', localId: 'phone:+33240123456', franchise: null }] },
        { __typename: 'Customer', id: 'C-5', identities: [{ system: 'POS', localId: 'client:102', franchise: 'NRD' }] },
        { __typename: 'Customer', id: 'C-6', identities: [] },
      ],
    });
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      _entities: [
        {
          id: 'C-3',
          storeSales: [{ id: 'OUE02-000033', phone: '+33240123456', cardNumber: null, store: { code: 'OUE02' } }],
          storeReturns: [],
          quotes: [{ number: 'Q-OUE02-000003', phone: '+33240123456' }],
        },
        {
          id: 'C-4',
          storeSales: [
            { id: 'OUE02-000034', phone: '+33240123456', cardNumber: null, store: { code: 'OUE02' } },
            { id: 'OUE02-000033', phone: '+33240123456', cardNumber: null, store: { code: 'OUE02' } },
          ],
          storeReturns: [],
          quotes: [{ number: 'Q-OUE02-000003', phone: '+33240123456' }],
        },
        // NRD keeps no client table: nothing there has that id.
        { id: 'C-5', storeSales: [], storeReturns: [], quotes: [] },
        { id: 'C-6', storeSales: [], storeReturns: [], quotes: [] },
      ],
    });
  });

  test('returns are found by the card on the return or by the identity of the receipt returned', async () => {
    const { data } = await gql(url, CUSTOMER, {
      reps: [
        { __typename: 'Customer', id: 'C-7', identities: [{ system: 'POS', localId: `card:${CARD.morvan}`, franchise: null }] },
        { __typename: 'Customer', id: 'C-8', identities: [{ system: 'POS', localId: 'client:101', franchise: 'OUE' }] },
      ],
    });
    expect(data).toEqual({
      _entities: [
        {
          id: 'C-7',
          storeSales: [{ id: 'OUE01-000302', phone: null, cardNumber: CARD.morvan, store: { code: 'OUE01' } }],
          storeReturns: [{ number: 'OUE01-RB-0001' }],
          quotes: [{ number: 'Q-OUE01-000004', phone: '+33611223344' }],
        },
        { id: 'C-8', storeSales: [{ id: 'OUE01-000301', phone: '+33612345678', cardNumber: null, store: { code: 'OUE01' } }], storeReturns: [], quotes: [] },
      ],
    });
  });
});

describe('bad user input', () => {
  test.each([
    ['storeSale(number: "NRD01 0004711") { id }', 'storeSale', '"NRD01 0004711"'],
    ['quote(number: "") { number }', 'quote', '""'],
    ['store(code: "NRD;01") { code }', 'store', '"NRD;01"'],
  ])('%s is refused with the value in the message', async (field, path, shown) => {
    const { data, errors } = await gql(url, `{ ${field} ok: store(code: "NRD01") { code } }`);
    expect(errors).toHaveLength(1);
    expect(errors![0]).toMatchObject({ path: [path], extensions: { code: 'BAD_USER_INPUT' } });
    expect(errors![0]!.message).toContain(shown);
    expect(data).toEqual({ [path]: null, ok: { code: 'NRD01' } });
  });

  test('first out of range, a malformed store code in a list, a malformed POS identity', async () => {
    const { errors } = await gql(
      url,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) {
         ... on LoyaltyCard { storeReceipts(first: 500) { id } }
         ... on Product { storeStock(storeCodes: ["NRD 01"]) { quantity } }
         ... on Customer { storeSales { id } }
      } }`,
      {
        reps: [
          { __typename: 'LoyaltyCard', number: CARD.dupont },
          { __typename: 'Product', gtin: EAN.tent },
          { __typename: 'Customer', id: 'C-9', identities: [{ system: 'POS', localId: 'email:someone@example.com', franchise: null }] },
          { __typename: 'Customer', id: 'C-10', identities: [{ system: 'POS', localId: 'client:102', franchise: null }] },
        ],
      },
    );
    const byEntity = Object.fromEntries(errors!.map((e) => [e.path![1], e]));
    expect(Object.values(byEntity).every((e) => e.extensions?.code === 'BAD_USER_INPUT')).toBe(true);
    expect(byEntity[0]!.message).toBe('first must be from 0 to 100, got 500');
    expect(byEntity[1]!.message).toContain('"NRD 01"');
    expect(byEntity[2]!.message).toContain('"email:someone@example.com"');
    expect(byEntity[3]!.message).toContain('"client:102"');
  });

  test('a DateTime without a zone is refused', async () => {
    const { errors } = await gql(url, 'query ($at: DateTime) { store(code: "NRD01") { promotions(activeAt: $at) { id } } }', { at: '2026-03-15 12:00' });
    expect(errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors![0]!.message).toContain('2026-03-15 12:00');
  });
});

describe('storesNear', () => {
  type Near = Array<{ store: { code: string }; distanceMetres: number }>;
  const codes = (list: Near) => list.map((s) => s.store.code);

  test('nearest first from a coordinate pair, every store with coordinates, with its distance in metres', async () => {
    const marseille: [number, number] = [43.2965, 5.3698];
    const { data, errors } = await gql<{ near: Near }>(
      url,
      'query ($near: GeoInput!) { near: storesNear(near: $near, first: 50) { store { code name } distanceMetres } }',
      { near: { latitude: marseille[0], longitude: marseille[1] } },
    );
    expect(errors).toBeUndefined();
    expect(codes(data!.near)).toEqual(['SUD01', 'SUD03', 'SUD02', 'OUE01', 'OUE02', 'NRD03', 'NRD01', 'NRD02']);
    for (const { store, distanceMetres } of data!.near) {
      expect(Number.isInteger(distanceMetres)).toBe(true);
      expect(Math.abs(distanceMetres - lawOfCosines(marseille, WHERE[store.code]!))).toBeLessThan(2);
    }
    expect(data!.near[0]).toEqual({ store: { code: 'SUD01', name: 'Marseille Canebière' }, distanceMetres: 913 });
  });

  test('first (default 10), clickAndCollect and franchise narrow the list', async () => {
    const lille = { latitude: 50.6292, longitude: 3.0573 };
    const { data, errors } = await gql<Record<string, Near>>(
      url,
      `query ($near: GeoInput!) {
         two: storesNear(near: $near, first: 2) { store { code } distanceMetres }
         byDefault: storesNear(near: $near) { store { code } }
         noCollect: storesNear(near: $near, clickAndCollect: false) { store { code clickAndCollect } }
         collect: storesNear(near: $near, clickAndCollect: true, first: 3) { store { code } }
         oue: storesNear(near: $near, franchise: "OUE") { store { code } }
         none: storesNear(near: $near, franchise: "XXX") { store { code } } }`,
      { near: lille },
    );
    expect(errors).toBeUndefined();
    expect(codes(data!.two)).toEqual(['NRD01', 'NRD02']);
    expect(data!.byDefault).toHaveLength(8);
    expect(codes(data!.noCollect)).toEqual(['NRD03', 'OUE02', 'SUD03']);
    expect(codes(data!.collect)).toEqual(['NRD01', 'NRD02', 'OUE01']);
    expect(codes(data!.oue)).toEqual(['OUE02', 'OUE01']);
    expect(data!.none).toEqual([]);
  });

  test("a postcode is placed at its département's stores, else at the table's centre of the département", async () => {
    const { data, errors } = await gql<Record<string, Near>>(
      url,
      `{ marseille: storesNear(near: { postcode: "13001" }, first: 3) { store { code } distanceMetres }
         roubaix: storesNear(near: { postcode: "59100" }, first: 3) { store { code } distanceMetres }
         paris: storesNear(near: { postcode: "75011" }, first: 3) { store { code } } }`,
    );
    expect(errors).toBeUndefined();
    // SUD01 is the only store of the Bouches-du-Rhône: the postcode is placed on it.
    expect(data!.marseille[0]).toEqual({ store: { code: 'SUD01' }, distanceMetres: 0 });
    expect(codes(data!.marseille)).toEqual(['SUD01', 'SUD03', 'SUD02']);
    // Between Lille Centre and Roubaix, the Nord's two stores: about 5 km from each.
    expect(codes(data!.roubaix)).toEqual(['NRD02', 'NRD01', 'NRD03']);
    expect(data!.roubaix.slice(0, 2).every((s) => Math.abs(s.distanceMetres - 4_957) <= 2)).toBe(true);
    // No store in Paris: the table's centre, from which Arras is nearer than Lille.
    expect(codes(data!.paris)).toEqual(['NRD03', 'NRD01', 'NRD02']);
  });

  test.each([
    ['{ }', 'near', 'near: give both latitude and longitude, or a postcode; got {"latitude":null,"longitude":null,"postcode":null}'],
    ['{ latitude: 50.6 }', 'near', 'near: give both latitude and longitude, or a postcode'],
    ['{ latitude: 50.6, longitude: 3.06, postcode: "59000" }', 'near', 'near: give either a coordinate pair or a postcode, not both'],
    ['{ latitude: 95, longitude: 3.06 }', 'near', 'near: latitude must be from -90 to 90, got 95'],
    ['{ postcode: "5900" }', 'near', 'near: postcode must be a French postcode of five digits, got "5900"'],
    ['{ postcode: "00100" }', 'near', 'near: postcode "00100" is in no département we can place (00)'],
  ])('near: %s is BAD_USER_INPUT on %s', async (near, argument, message) => {
    const { data, errors } = await gql(url, `{ storesNear(near: ${near}) { store { code } } ok: store(code: "NRD01") { code } }`);
    expect(data).toEqual({ storesNear: null, ok: { code: 'NRD01' } });
    expect(errors).toHaveLength(1);
    expect(errors![0]).toMatchObject({ path: ['storesNear'], extensions: { code: 'BAD_USER_INPUT', argument } });
    expect(errors![0]!.message).toContain(message);
  });

  test.each([0, 51, -1])('first: %d is BAD_USER_INPUT', async (first) => {
    const { errors } = await gql(url, `{ storesNear(near: { postcode: "59000" }, first: ${first}) { store { code } } }`);
    expect(errors![0]).toMatchObject({ message: `first must be from 1 to 50, got ${first}`, extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
  });
});

describe('Product.availability', () => {
  const AVAILABILITY = /* GraphQL */ `
    query ($reps: [_Any!]!, $near: GeoInput, $first: Int) { _entities(representations: $reps) { ... on Product {
      availability(near: $near, first: $first) { web stores { store { code } quantity distanceMetres updatedAt code } }
    } } }
  `;
  type Availability = { web: boolean | null; stores: Array<{ store: { code: string }; quantity: number; distanceMetres: number | null; updatedAt: string; code: string }> };
  type Answer = { _entities: Array<{ availability: Availability | null } | null> };

  /** The trail shoe as the planner hands it over: with the catalogue's aliases and the web shop's availability. */
  const trailShoe = {
    __typename: 'Product',
    gtin: EAN.trailShoe,
    aliases: [
      { kind: 'CATALOGUE_REF', value: '702.611.50', franchise: null },
      { kind: 'GTIN', value: EAN.trailShoe, franchise: null },
      { kind: 'POS_LOCAL_CODE', value: 'L0001', franchise: 'NRD' },
      { kind: 'POS_LOCAL_CODE', value: 'SUD-000731', franchise: 'SUD' },
      // OUE's code, said to be NRD's: NRD holds nothing under it, and OUE's stock of it is another product's.
      { kind: 'POS_LOCAL_CODE', value: 'OUE-77812', franchise: 'NRD' },
    ],
    webAvailable: true,
  };

  test('stock under the GTIN in every franchise and under each franchise\'s own local codes, by store code', async () => {
    const { data, errors } = await gql<Answer>(url, AVAILABILITY, { reps: [trailShoe] });
    expect(errors).toBeUndefined();
    expect(data!._entities[0]!.availability).toEqual({
      web: true,
      stores: [
        { store: { code: 'NRD01' }, quantity: 4, distanceMetres: null, updatedAt: '2026-05-31T23:00:00.000Z', code: EAN.trailShoe },
        { store: { code: 'NRD02' }, quantity: 0, distanceMetres: null, updatedAt: '2026-05-31T23:00:00.000Z', code: EAN.trailShoe },
        // NRD's L0001; SUD's L0001 in SUD03 is another product.
        { store: { code: 'NRD02' }, quantity: 3, distanceMetres: null, updatedAt: '2026-06-02T08:00:00.000Z', code: 'L0001' },
        { store: { code: 'OUE01' }, quantity: 2, distanceMetres: null, updatedAt: '2026-06-01T01:00:00.000Z', code: EAN.trailShoe },
        { store: { code: 'SUD01' }, quantity: 7, distanceMetres: null, updatedAt: '2026-06-01T04:15:00.000Z', code: EAN.trailShoe },
        // SUD's layout: code_local, and a Paris wall-clock date_maj.
        { store: { code: 'SUD03' }, quantity: 6, distanceMetres: null, updatedAt: '2026-06-02T08:00:00.000Z', code: 'SUD-000731' },
      ],
    });
  });

  test('nearest first from near, with distances, at most first', async () => {
    const montpellier: [number, number] = [43.6108, 3.8767];
    const { data, errors } = await gql<Answer>(url, AVAILABILITY, { reps: [trailShoe], near: { latitude: montpellier[0], longitude: montpellier[1] }, first: 4 });
    expect(errors).toBeUndefined();
    const { stores } = data!._entities[0]!.availability!;
    expect(stores.map((s) => `${s.store.code} ${s.code}`)).toEqual(['SUD03 SUD-000731', `SUD01 ${EAN.trailShoe}`, `OUE01 ${EAN.trailShoe}`, `NRD01 ${EAN.trailShoe}`]);
    for (const s of stores) expect(Math.abs(s.distanceMetres! - lawOfCosines(montpellier, WHERE[s.store.code]!))).toBeLessThan(2);
  });

  test('from a postcode; a product without aliases is found by its GTIN alone; web is null when the web shop did not say', async () => {
    const { data, errors } = await gql<Answer>(url, AVAILABILITY, {
      reps: [{ __typename: 'Product', gtin: EAN.trailShoe }, { __typename: 'Product', gtin: EAN.rainJacket, aliases: null, webAvailable: false }],
      near: { postcode: '59800' },
    });
    expect(errors).toBeUndefined();
    const [shoe, jacket] = data!._entities.map((e) => e!.availability!);
    expect(shoe!.web).toBeNull();
    expect(shoe!.stores.map((s) => s.store.code)).toEqual(['NRD02', 'NRD01', 'OUE01', 'SUD01']);
    expect(jacket).toEqual({ web: false, stores: [{ store: { code: 'SUD02' }, quantity: 3, distanceMetres: expect.any(Number), updatedAt: '2026-06-01T04:15:00.000Z', code: EAN.rainJacket }] });
  });

  test('a product without a GTIN is answered from its local codes; without either it has no stores', async () => {
    const { data, errors } = await gql<Answer>(url, AVAILABILITY, {
      reps: [
        { __typename: 'Product', gtin: null, aliases: [{ kind: 'POS_LOCAL_CODE', value: 'OUE-77812', franchise: 'OUE' }], webAvailable: null },
        { __typename: 'Product', gtin: null, aliases: [{ kind: 'SUPPLIER_REF', value: 'X-1', franchise: null }] },
      ],
    });
    expect(errors).toBeUndefined();
    expect(data!._entities).toEqual([
      { availability: { web: null, stores: [{ store: { code: 'OUE01' }, quantity: 5, distanceMetres: null, updatedAt: '2026-06-01T01:00:00.000Z', code: 'OUE-77812' }] } },
      null,
    ]);
  });

  test("a partner sees its own franchise's stores only", async () => {
    const { data, errors } = await gql<Answer>(url, AVAILABILITY, { reps: [trailShoe] }, { role: 'partner', actor: 'nrd-integration', franchise: 'NRD' });
    expect(errors).toBeUndefined();
    expect(data!._entities[0]!.availability!.stores.map((s) => `${s.store.code} ${s.code}`)).toEqual([`NRD01 ${EAN.trailShoe}`, `NRD02 ${EAN.trailShoe}`, 'NRD02 L0001']);
  });

  test('a bad near or first nulls the field with BAD_USER_INPUT, before anything is read', async () => {
    const { data, errors } = await gql<Answer>(url, AVAILABILITY, { reps: [trailShoe, trailShoe], near: { latitude: 43.6 }, first: 3 });
    expect(data!._entities).toEqual([{ availability: null }, { availability: null }]);
    expect(errors!.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'near' }), expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'near' })]);
    const tooMany = await gql<Answer>(url, AVAILABILITY, { reps: [trailShoe], first: 51 });
    expect(tooMany.errors![0]).toMatchObject({ message: 'first must be from 1 to 50, got 51', extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
  });
});

describe('batching and caching', () => {
  const statements = () => stack.pos.counter.snapshot().byOperation.select ?? 0;

  test('N sales cost one statement per franchise per 100 keys, and nothing once cached', async () => {
    // missRefreshMs 0: a number naming no store the held directory knows always has it read again.
    const { url: batched } = await stack.subgraph({ batchSize: 100, cache: new Keyv(), directory: { missRefreshMs: 0 } });
    const known = [
      ...bulkReceiptNumbers(150),
      'NRD01-0004711', 'NRD01-0004712', 'NRD02-0000815', 'NRD03-0000101', 'NRD02-0000816',
      'SUD01-0002001', 'SUD02-0000450', 'SUD01-0002002', 'SUD03-0000077', 'SUD03-0000078',
      'OUE01-000301', 'OUE01-000302', 'OUE02-000033', 'OUE02-000034', 'OUE01-000303', 'OUE02-000035',
    ];
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on StoreSale { id total { amount } seller { name } store { name franchise { name } } lines { label } } } }`;
    const reps = (numbers: string[]) => numbers.map((id) => ({ __typename: 'StoreSale', id }));

    stack.pos.counter.reset();
    const first = await gql<{ _entities: Array<{ id: string } | null> }>(batched, query, { reps: reps([...known, 'NRD01-9999999', 'ZZZ-1']) });
    expect(first.errors).toBeUndefined();
    expect(first.data!._entities.map((e) => e?.id ?? null)).toEqual([...known, null, null]);
    // NRD's 156 numbers in two statements, SUD's and OUE's in one each; the directory, held since
    // start, read again once for ZZZ-1, which names no store it knows (one opened since?).
    expect(statements()).toBe(5);

    stack.pos.counter.reset();
    const second = await gql<{ _entities: Array<{ id: string } | null> }>(batched, query, { reps: reps(known) });
    expect(second.data!._entities).toEqual(first.data!._entities.slice(0, known.length));
    expect(statements()).toBe(0);

    stack.pos.counter.reset();
    const stores = await gql<{ _entities: unknown[] }>(batched, ENTITIES, {
      representations: ['NRD01', 'NRD02', 'NRD03', 'SUD01', 'SUD02', 'SUD03', 'OUE01', 'OUE02'].map((code) => ({ __typename: 'Store', code })),
    });
    expect(stores.data!._entities).toHaveLength(8);
    expect(statements()).toBe(0);
  });

  test('customers, cards and products cost one statement per franchise per loader, whatever their number', async () => {
    // No warm-up: the directory is held from start. missRefreshMs 0: a row naming a store
    // the held copy does not know would read it again, and show here as a statement.
    const { url: fresh } = await stack.subgraph({ cache: new Keyv(), directory: { missRefreshMs: 0 } });

    stack.pos.counter.reset();
    const customers = await gql<{ _entities: unknown[] }>(
      fresh,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { storeSales { id } storeReturns { number } quotes { number } } } }`,
      {
        reps: [
          { __typename: 'Customer', id: 'C-1', identities: [{ system: 'POS', localId: `card:${CARD.dupont}`, franchise: null }] },
          { __typename: 'Customer', id: 'C-2', identities: [{ system: 'POS', localId: 'phone:+33612345678', franchise: null }] },
          { __typename: 'Customer', id: 'C-3', identities: [{ system: 'POS', localId: 'client:102', franchise: 'OUE' }] },
          { __typename: 'Customer', id: 'C-4', identities: [{ system: 'POS', localId: `card:${CARD.garcia}`, franchise: null }] },
        ],
      },
    );
    expect(customers.errors).toBeUndefined();
    // Three loaders (sales, returns, quotes) × three franchises.
    expect(statements()).toBe(9);

    stack.pos.counter.reset();
    const products = await gql<{ _entities: unknown[] }>(
      fresh,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { storeStock { quantity } } } }`,
      { reps: Object.values(EAN).map((gtin) => ({ __typename: 'Product', gtin })) },
    );
    expect(products.data!._entities).toHaveLength(4);
    expect(statements()).toBe(3);

    stack.pos.counter.reset();
    await gql(fresh, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { storeStock { quantity } } } }`, {
      reps: Object.values(EAN).map((gtin) => ({ __typename: 'Product', gtin })),
    });
    expect(statements()).toBe(0);
  });

  test("a product's store prices and promotions cost one statement per franchise together, whatever the products, nothing once cached", async () => {
    // No warm-up: the directory is held from start. missRefreshMs 0: a row naming a store
    // the held copy does not know would read it again, and show here as a statement.
    const { url: fresh } = await stack.subgraph({ cache: new Keyv(), directory: { missRefreshMs: 0 } });
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { storePrices { store { code } price { amount } } storePromotions { id } } } }`;
    const reps = Object.values(EAN).map((gtin) => ({ __typename: 'Product', gtin }));

    stack.pos.counter.reset();
    const first = await gql<{ _entities: Array<{ storePrices: unknown[]; storePromotions: unknown[] }> }>(fresh, query, { reps });
    expect(first.errors).toBeUndefined();
    expect(first.data!._entities).toHaveLength(reps.length);
    expect(first.data!._entities.some((e) => e.storePrices.length > 0)).toBe(true);
    // Prices and promotions of every product, in one statement per franchise (three franchises).
    expect(statements()).toBe(3);

    stack.pos.counter.reset();
    const again = await gql(fresh, query, { reps });
    expect(again.data).toEqual(first.data);
    expect(statements()).toBe(0);
  });

  test('availability costs one statement per franchise whatever the products and codes, only the franchises a code names without a GTIN, nothing once cached', async () => {
    // No warm-up: the directory is held from start. missRefreshMs 0: a row naming a store
    // the held copy does not know would read it again, and show here as a statement.
    const { url: fresh } = await stack.subgraph({ cache: new Keyv(), directory: { missRefreshMs: 0 } });
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { availability { stores { store { code } code } } } } }`;
    const local = (franchise: string, value: string) => ({ kind: 'POS_LOCAL_CODE', value, franchise });
    const reps = [
      ...Object.values(EAN).map((gtin) => ({ __typename: 'Product', gtin, aliases: [], webAvailable: null })),
      { __typename: 'Product', gtin: EAN.trailShoe, aliases: [local('NRD', 'L0001'), local('SUD', 'SUD-000731')], webAvailable: true },
      { __typename: 'Product', gtin: null, aliases: [local('OUE', 'OUE-77812')], webAvailable: null },
    ];

    stack.pos.counter.reset();
    const first = await gql<{ _entities: unknown[] }>(fresh, query, { reps });
    expect(first.errors).toBeUndefined();
    expect(first.data!._entities).toHaveLength(6);
    expect(statements()).toBe(3);

    stack.pos.counter.reset();
    const again = await gql<{ _entities: unknown[] }>(fresh, query, { reps });
    expect(again.data).toEqual(first.data);
    expect(statements()).toBe(0);

    // A product known by an OUE code only: OUE alone is asked.
    stack.pos.counter.reset();
    await gql(fresh, query, { reps: [{ __typename: 'Product', gtin: null, aliases: [local('OUE', '9000001')], webAvailable: null }] });
    expect(statements()).toBe(1);
  });

  test("a product page's stock near a postcode, store prices and promotions cost one statement per franchise together, and answer as when asked apart", async () => {
    const stockQuery = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { storeAvailability(near: { postcode: "59000" }, first: 5) { store { code } code quantity updatedAt distanceMetres } } } }`;
    const pricingQuery = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { storePrices { store { code } price { amount currency } validFrom } storePromotions { id title kind } } } }`;
    const together = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product {
      storeAvailability(near: { postcode: "59000" }, first: 5) { store { code } code quantity updatedAt distanceMetres }
      storePrices { store { code } price { amount currency } validFrom } storePromotions { id title kind } } } }`;
    const local = (franchise: string, value: string) => ({ kind: 'POS_LOCAL_CODE', value, franchise });
    const reps = [
      ...Object.values(EAN).map((gtin) => ({ __typename: 'Product', gtin, aliases: [], webAvailable: null })),
      { __typename: 'Product', gtin: EAN.trailShoe, aliases: [local('NRD', 'L0001'), local('SUD', 'SUD-000731')], webAvailable: true },
    ];
    type Entities = { _entities: Array<Record<string, unknown[]>> };

    // Apart, each on a subgraph of its own (nothing cached): a statement per franchise each.
    const { url: apartStock } = await stack.subgraph({ cache: new Keyv(), directory: { missRefreshMs: 0 } });
    const { url: apartPricing } = await stack.subgraph({ cache: new Keyv(), directory: { missRefreshMs: 0 } });
    stack.pos.counter.reset();
    const stock = await gql<Entities>(apartStock, stockQuery, { reps });
    expect(statements()).toBe(3);
    stack.pos.counter.reset();
    const pricing = await gql<Entities>(apartPricing, pricingQuery, { reps });
    expect(statements()).toBe(3);
    expect(stock.errors).toBeUndefined();
    expect(pricing.errors).toBeUndefined();
    expect(stock.data!._entities.some((e) => e.storeAvailability!.length > 0)).toBe(true);
    expect(pricing.data!._entities.some((e) => e.storePrices!.length > 0)).toBe(true);
    expect(pricing.data!._entities.some((e) => e.storePromotions!.length > 0)).toBe(true);

    // Together: one statement per franchise for the three fields, the same answers.
    const { url: fresh } = await stack.subgraph({ cache: new Keyv(), directory: { missRefreshMs: 0 } });
    stack.pos.counter.reset();
    const both = await gql<Entities>(fresh, together, { reps });
    expect(both.errors).toBeUndefined();
    expect(statements()).toBe(3);
    expect(both.data!._entities).toEqual(stock.data!._entities.map((e, i) => ({ ...e, ...pricing.data!._entities[i] })));

    stack.pos.counter.reset();
    expect((await gql<Entities>(fresh, together, { reps })).data).toEqual(both.data);
    expect(statements()).toBe(0);
  });
});

describe('faults', () => {
  afterEach(() => {
    stack.pos.faults.reset();
  });

  test('statements failing: SOURCE_UNAVAILABLE on what was not cached, cached data still served', async () => {
    const { url: faulty } = await stack.subgraph({ cache: new Keyv(), retries: 1 });
    const warm = await gql(faulty, '{ storeSale(number: "NRD01-0004711") { id } }');
    expect(warm.errors).toBeUndefined();

    stack.pos.faults.set({ errorRate: 1 });
    const { data, errors } = await gql(faulty, '{ storeSale(number: "NRD01-0004711") { id total { amount } } quote(number: "Q-NRD01-000042") { number } }');
    expect(data).toEqual({ storeSale: { id: 'NRD01-0004711', total: { amount: 8790 } }, quote: null });
    expect(errors).toHaveLength(1);
    expect(errors![0]).toMatchObject({ path: ['quote'], extensions: { code: 'SOURCE_UNAVAILABLE', source: 'pos' } });
    expect(errors![0]!.message).toMatch(/^pos: quotesByNumber NRD: injected fault/);
  });

  test('the database down: SOURCE_UNAVAILABLE', async () => {
    const { url: faulty } = await stack.subgraph({ cache: new Keyv(), retries: 0 });
    stack.pos.faults.set({ down: true });
    const { data, errors } = await gql(faulty, '{ storeSale(number: "NRD01-0004711") { id } }');
    expect(data).toEqual({ storeSale: null });
    expect(errors![0]).toMatchObject({ path: ['storeSale'], extensions: { code: 'SOURCE_UNAVAILABLE', source: 'pos' } });
  });

  test('an answer slower than the timeout: SOURCE_TIMEOUT after the timeout, the root field alone null', async () => {
    const { url: faulty } = await stack.subgraph({ cache: new Keyv(), retries: 0, timeoutMs: 150 });
    stack.pos.faults.set({ latencyMs: 1000 });
    const started = Date.now();
    const { data, errors } = await gql(faulty, '{ storeSale(number: "NRD01-0004711") { id } franchises { code } }');
    expect(Date.now() - started).toBeLessThan(900);
    // The directory is held since start: only the receipt's statement is slow.
    expect(data).toEqual({ storeSale: null, franchises: [{ code: 'NRD' }, { code: 'OUE' }, { code: 'SUD' }] });
    expect(errors).toHaveLength(1);
    expect(errors![0]).toMatchObject({ path: ['storeSale'], extensions: { code: 'SOURCE_TIMEOUT', source: 'pos' } });
    expect(errors![0]!.message).toBe('pos: salesByNumber NRD: no answer within 150 ms');
  });
});

describe('the store directory, held in process', () => {
  const statements = () => stack.pos.counter.snapshot().byOperation.select ?? 0;
  let sql: pg.Pool;
  const directory = () => stack.pos.schemas.directory;
  const nrd = () => stack.pos.schemas.franchises.NRD!;

  beforeAll(() => {
    sql = new pg.Pool({ connectionString: stack.pos.url, max: 1 });
  });

  afterAll(async () => {
    await sql?.end();
  });

  afterEach(() => {
    stack.pos.faults.reset();
  });

  test('is read at start, not on the path of each request: a request costs its own statements only', async () => {
    const { url: fresh } = await stack.subgraph({ cache: new Keyv() });
    stack.pos.counter.reset();
    const { data, errors } = await gql(fresh, '{ franchises { code } store(code: "SUD02") { name } storeSale(number: "NRD01-0004711") { id store { code franchise { code } } } }');
    expect(errors).toBeUndefined();
    expect(data).toMatchObject({ franchises: [{ code: 'NRD' }, { code: 'OUE' }, { code: 'SUD' }], storeSale: { id: 'NRD01-0004711', store: { code: 'NRD01', franchise: { code: 'NRD' } } } });
    // The receipt's statement; no directory read.
    expect(statements()).toBe(1);
  });

  test('a store opened after start is found on first use: by code, by a receipt number, and in a stock row', async () => {
    // Two subgraphs, both holding a directory read before the store opened.
    const { url: first } = await stack.subgraph({ cache: new Keyv(), directory: { missRefreshMs: 0 } });
    const { url: second } = await stack.subgraph({ cache: new Keyv(), directory: { missRefreshMs: 0 } });
    await sql.query(`INSERT INTO ${directory()}.stores VALUES ('NRD07', 'NRD', 'Roubaix', 'Roubaix', '59100', 'FR', false, 50.69, 3.18)`);
    try {
      await sql.query(`INSERT INTO ${nrd()}.receipts VALUES ('NRD07-0000001', 'NRD07', 'V001', '2026-03-20T10:00:00Z', NULL, NULL, 'EUR', 1990)`);
      await sql.query(`INSERT INTO ${nrd()}.stock VALUES ('NRD07', '${EAN.trailShoe}', NULL, 4, '2026-06-01T00:00:00Z')`);
      stack.pos.counter.reset();
      const opened = await gql(first, '{ store(code: "NRD07") { name franchise { code } } storeSale(number: "NRD07-0000001") { id store { code } } }');
      expect(opened.errors).toBeUndefined();
      expect(opened.data).toEqual({ store: { name: 'Roubaix', franchise: { code: 'NRD' } }, storeSale: { id: 'NRD07-0000001', store: { code: 'NRD07' } } });
      // The directory read again once (the store and the number missed it together), then the receipt.
      expect(statements()).toBe(2);

      const stock = await gql<{ _entities: Array<{ availability: { stores: Array<{ store: { code: string; name: string } }> } }> }>(
        second,
        `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { availability { stores { store { code name } } } } } }`,
        { reps: [{ __typename: 'Product', gtin: EAN.trailShoe, aliases: [], webAvailable: null }] },
      );
      expect(stock.errors).toBeUndefined();
      expect(stock.data!._entities[0]!.availability.stores).toContainEqual({ store: { code: 'NRD07', name: 'Roubaix' } });
    } finally {
      await sql.query(`DELETE FROM ${nrd()}.stock WHERE store_code = 'NRD07'`);
      await sql.query(`DELETE FROM ${nrd()}.receipts WHERE store_code = 'NRD07'`);
      await sql.query(`DELETE FROM ${directory()}.stores WHERE store_code = 'NRD07'`);
    }
  });

  test('a store the held copy does not know, the directory failing: SOURCE_UNAVAILABLE for it, never "no such store"; the stores it knows still answer', async () => {
    const { url: held } = await stack.subgraph({ cache: new Keyv(), retries: 0, directory: { missRefreshMs: 0 } });
    stack.pos.faults.set({ errorRate: 1 });
    const { data, errors } = await gql(held, '{ known: store(code: "NRD01") { name } unknown: store(code: "NRD08") { name } }');
    expect(data).toEqual({ known: { name: expect.any(String) }, unknown: null });
    expect(errors).toHaveLength(1);
    expect(errors![0]).toMatchObject({ path: ['unknown'], extensions: { code: 'SOURCE_UNAVAILABLE', source: 'pos' } });
  });

  test('the database down at start: the subgraph starts, and the first request once it is back reads the directory', async () => {
    stack.pos.faults.set({ down: true });
    const { url: late } = await stack.subgraph({ cache: new Keyv(), retries: 0, timeoutMs: 300 });
    const down = await gql(late, '{ franchises { code } }');
    expect(down.data).toEqual({ franchises: null });
    expect(down.errors![0]!.extensions).toMatchObject({ source: 'pos' });
    stack.pos.faults.reset();
    const up = await gql(late, '{ franchises { code } }');
    expect(up).toEqual({ data: { franchises: [{ code: 'NRD' }, { code: 'OUE' }, { code: 'SUD' }] } });
  });
});

describe('through a gateway', () => {
  const identities: Record<string, Array<{ system: string; localId: string; franchise: string | null }>> = {
    'C-1': [
      { system: 'POS', localId: `card:${CARD.dupont}`, franchise: null },
      { system: 'POS', localId: 'phone:+33612345678', franchise: 'NRD' },
      { system: 'ECOMMERCE', localId: '1042', franchise: null },
    ],
    'C-2': [{ system: 'POS', localId: 'client:102', franchise: 'OUE' }],
  };
  /** The catalogue's products, with their aliases, and the web shop's SKUs, as the stubs serve them. */
  const products: Record<string, { catalogueRef: string; gtin: string | null; webSku: string | null; aliases: unknown[] }> = {
    '702.611.50': {
      catalogueRef: '702.611.50',
      gtin: EAN.trailShoe,
      webSku: 'SHO-00001-RED',
      aliases: [
        { kind: 'CATALOGUE_REF', value: '702.611.50', franchise: null },
        { kind: 'POS_LOCAL_CODE', value: 'SUD-000731', franchise: 'SUD' },
      ],
    },
    '702.611.51': { catalogueRef: '702.611.51', gtin: EAN.rainJacket, webSku: null, aliases: [{ kind: 'CATALOGUE_REF', value: '702.611.51', franchise: null }] },
  };
  const webAvailable: Record<string, boolean> = { 'SHO-00001-RED': true };
  let crosscanal: ApolloServer;
  let catalogue: ApolloServer;
  let ecommerce: ApolloServer;
  let gateway: ApolloServer;
  let gatewayUrl: string;

  beforeAll(async () => {
    crosscanal = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: crosscanalStub,
        resolvers: {
          Query: { customer: (_: unknown, { id }: { id: string }) => (identities[id] ? { id } : null) },
          Customer: {
            __resolveReference: ({ id }: { id: string }) => ({ id }),
            identities: ({ id }: { id: string }) => identities[id] ?? [],
          },
        },
      }),
    });
    const { url: crosscanalUrl } = await startStandaloneServer(crosscanal, { listen: { port: 0, host: '127.0.0.1' } });
    const byKey = (key: { catalogueRef?: string; gtin?: string }) =>
      Object.values(products).find((p) => p.catalogueRef === key.catalogueRef || (key.gtin !== undefined && p.gtin === key.gtin)) ?? null;
    catalogue = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: catalogueStub,
        resolvers: { Query: { product: (_: unknown, { catalogueRef }: { catalogueRef: string }) => byKey({ catalogueRef }) }, Product: { __resolveReference: byKey } },
      }),
    });
    const { url: catalogueUrl } = await startStandaloneServer(catalogue, { listen: { port: 0, host: '127.0.0.1' } });
    ecommerce = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: ecommerceStub,
        resolvers: { Product: { __resolveReference: ({ webSku }: { webSku: string | null }) => ({ webSku, webAvailable: webSku ? (webAvailable[webSku] ?? null) : null }) } },
      }),
    });
    const { url: ecommerceUrl } = await startStandaloneServer(ecommerce, { listen: { port: 0, host: '127.0.0.1' } });
    const composed = composeServices([
      { name: 'pos', typeDefs: subgraph.typeDefs, url },
      { name: 'crosscanal', typeDefs: crosscanalStub, url: crosscanalUrl },
      { name: 'catalogue', typeDefs: catalogueStub, url: catalogueUrl },
      { name: 'ecommerce', typeDefs: ecommerceStub, url: ecommerceUrl },
    ]);
    expect(composed.errors).toBeUndefined();
    gateway = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl!, buildService: ({ url }) => new GrantingDataSource({ url }) }) });
    ({ url: gatewayUrl } = await startStandaloneServer(gateway, { listen: { port: 0, host: '127.0.0.1' } }));
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([crosscanal?.stop(), catalogue?.stop(), ecommerce?.stop()]);
  });

  test("the planner hands the catalogue's aliases and the web shop's availability over: Product.availability", async () => {
    const { data, errors } = await gql(
      gatewayUrl,
      `{ shoe: product(catalogueRef: "702.611.50") { availability(near: { postcode: "13001" }, first: 3) { web stores { store { code } code quantity distanceMetres } } }
         jacket: product(catalogueRef: "702.611.51") { availability { web stores { store { code } code } } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      shoe: {
        availability: {
          web: true,
          stores: [
            { store: { code: 'SUD01' }, code: EAN.trailShoe, quantity: 7, distanceMetres: 0 },
            // Held by SUD under its own code only: found through the catalogue's alias.
            { store: { code: 'SUD03' }, code: 'SUD-000731', quantity: 6, distanceMetres: expect.any(Number) },
            { store: { code: 'OUE01' }, code: EAN.trailShoe, quantity: 2, distanceMetres: expect.any(Number) },
          ],
        },
      },
      // Not on the web shop: no web SKU, so the web shop cannot say.
      jacket: { availability: { web: null, stores: [{ store: { code: 'SUD02' }, code: EAN.rainJacket }] } },
    });
  });

  test('the planner hands the identities over: the store sales, returns and quotes of a customer', async () => {
    const { data, errors } = await gql(
      gatewayUrl,
      `{ c1: customer(id: "C-1") { id storeSales(first: 3) { id placedAt store { name } } storeReturns { number receipt { id } } quotes { number } }
         c2: customer(id: "C-2") { storeSales { ... on Order { number channel total { amount currency } } } quotes { number status } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      c1: {
        id: 'C-1',
        storeSales: [
          { id: 'NRD03-0000101', placedAt: '2026-05-09T08:05:00.000Z', store: { name: 'Arras Héros' } },
          { id: 'NRD02-0000815', placedAt: '2026-04-02T16:45:00.000Z', store: { name: 'Roubaix Grand-Place' } },
          { id: 'NRD01-0004711', placedAt: '2026-03-14T10:22:00.000Z', store: { name: 'Lille Centre' } },
        ],
        storeReturns: [{ number: 'R-NRD01-000012', receipt: { id: 'NRD01-0004711' } }],
        quotes: [{ number: 'Q-NRD01-000042' }],
      },
      c2: {
        storeSales: [{ number: 'OUE02-000033', channel: 'STORE', total: { amount: 24900, currency: 'EUR' } }],
        quotes: [{ number: 'Q-OUE02-000003', status: 'OPEN' }],
      },
    });
  });
});
