import { gql, startPosStack, type PosStack } from './testStack.js';
import { normalise } from './ratings.js';

let stack: PosStack;
let url: string;

beforeAll(async () => {
  stack = await startPosStack();
  ({ url } = await stack.subgraph());
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const RATING = 'rating scale normalised comment ratedAt receipt { id store { code } }';

test('Store.ratings: each franchise’s answers read from its own table, on its scale and normalised to 5', async () => {
  const { data, errors } = await gql<{ stores: Record<string, unknown> }>(
    url,
    `{ nrd: store(code: "NRD02") { ratings { count average recent { ${RATING} } } }
       sud: store(code: "SUD02") { ratings { count average recent { ${RATING} } } }
       sudZero: store(code: "SUD01") { ratings { count average recent(first: 1) { rating normalised ratedAt } } }
       oue: store(code: "OUE01") { ratings { count average recent { rating scale comment } } }
       none: store(code: "NRD01") { ratings { count average recent { rating } } } }`,
    {},
    { role: 'steward', actor: 'steward-1' },
  );
  expect(errors).toBeUndefined();
  expect(data).toEqual({
    nrd: { ratings: { count: 1, average: 4, recent: [{ rating: 4, scale: 'ONE_TO_FIVE', normalised: 4, comment: 'Vendeur très aimable.', ratedAt: '2026-04-02T18:00:00.000Z', receipt: { id: 'NRD02-0000815', store: { code: 'NRD02' } } }] } },
    // 9 out of 10 is 4.6 out of 5; the Paris wall clock read back as UTC.
    sud: { ratings: { count: 1, average: 4.6, recent: [{ rating: 9, scale: 'ZERO_TO_TEN', normalised: 4.6, comment: 'Super accueil !', ratedAt: '2026-07-03T18:05:00.000Z', receipt: { id: 'SUD02-0000450', store: { code: 'SUD02' } } }] } },
    sudZero: { ratings: { count: 1, average: 1, recent: [{ rating: 0, normalised: 1, ratedAt: '2026-03-14T12:00:00.000Z' }] } },
    oue: { ratings: { count: 1, average: 5, recent: [{ rating: 5, scale: 'ONE_TO_FIVE', comment: 'Rapide et efficace en caisse.' }] } },
    none: { ratings: { count: 0, average: null, recent: [] } },
  });
});

test('StoreSale.rating: the answer about that receipt, or null; one statement per franchise', async () => {
  const { data, errors } = await gql<{ a: unknown; b: unknown; c: unknown }>(
    url,
    `{ a: storeSale(number: "OUE02-000034") { rating { rating scale normalised comment } }
       b: storeSale(number: "NRD03-0000101") { rating { rating normalised } }
       c: storeSale(number: "NRD01-0004711") { rating { rating } } }`,
    {},
    { role: 'service', actor: 'agent-1' },
  );
  expect(errors).toBeUndefined();
  expect(data).toEqual({
    a: { rating: { rating: 3, scale: 'ONE_TO_FIVE', normalised: 3, comment: null } },
    b: { rating: { rating: 2, normalised: 2 } },
    c: { rating: null },
  });
});

test('an associate reads their own store’s ratings only', async () => {
  const own = await gql(url, '{ store(code: "NRD02") { ratings { count } } }', {}, { role: 'associate', actor: 'a-1', store: 'NRD02', franchise: 'NRD' });
  expect(own.errors).toBeUndefined();
  const other = await gql(url, '{ store(code: "SUD02") { ratings { count } } }', {}, { role: 'associate', actor: 'a-1', store: 'NRD02', franchise: 'NRD' });
  expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});

test('recent(first) is bounded', async () => {
  const { errors } = await gql(url, '{ store(code: "NRD02") { ratings { recent(first: 51) { rating } } } }', {}, { role: 'steward', actor: 's' });
  expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

test('normalise maps 0–10 linearly onto 1–5 and leaves 1–5 as it is', () => {
  expect([0, 5, 10].map((s) => normalise(s, 'ZERO_TO_TEN'))).toEqual([1, 3, 5]);
  expect(normalise(7, 'ZERO_TO_TEN')).toBe(3.8);
  expect(normalise(4, 'ONE_TO_FIVE')).toBe(4);
});
