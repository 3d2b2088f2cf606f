import { buildSchema, parse } from 'graphql';
import { startTestGateway, type TestGateway } from '../test/support/gateway.js';
import { createLocalAnswers } from './localAnswer.js';

/*
 * `{ __typename }` is answered by the gateway itself (localAnswer.ts): the same answer as Apollo
 * Server's, after the same checks. `__typename @include(if: true)` is the same operation that the
 * gateway leaves to Apollo Server (a directive), so the two answers can be compared.
 */

const APOLLO_ANSWERS = '{ __typename @include(if: true) }';
const APP = 'https://app.example.test';

let gateway: TestGateway;
let token: string;

beforeAll(async () => {
  gateway = await startTestGateway({}, { env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '60', GATEWAY_RATE_LIMIT_BURST: '20', GATEWAY_MAX_ALIASES: '3', GATEWAY_CORS_ORIGINS: APP } });
  token = await gateway.tokens.sign({ role: 'service', actor: 'local-answer-test' });
});

afterAll(async () => {
  await gateway.stop();
});

async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** What a client can tell of an answer: status, the headers that describe it, and its bytes. */
const seen = (answer: { status: number; headers: Headers; text: string }) => ({
  status: answer.status,
  type: answer.headers.get('content-type'),
  cacheControl: answer.headers.get('cache-control'),
  cors: answer.headers.get('access-control-allow-origin'),
  text: answer.text,
});

describe('createLocalAnswers', () => {
  const schema = buildSchema(/* GraphQL */ `
    type Query { product(id: ID!): Product }
    type Mutation { touch: Boolean }
    type Product { id: ID! }
  `);
  const answers = createLocalAnswers();
  const answer = (query: string, operationName?: string) => answers.answer(schema, parse(query), operationName);

  it('answers root __typename selections, aliases included, as Apollo Server writes them', () => {
    expect(answer('{ __typename }')).toBe('{"data":{"__typename":"Query"}}\n');
    expect(answer('query Ping { a: __typename __typename }', 'Ping')).toBe('{"data":{"a":"Query","__typename":"Query"}}\n');
    expect(answer('query Ping { __typename }')).toBeDefined();
    expect(answer('{ __proto__: __typename constructor: __typename }')).toBe('{"data":{"__proto__":"Query","constructor":"Query"}}\n');
  });

  it.each([
    ['a field of a subgraph', '{ __typename product(id: "1") { id } }'],
    ['a directive', '{ __typename @include(if: true) }'],
    ['a variable', 'query ($x: Boolean!) { __typename @skip(if: $x) }'],
    ['a fragment', '{ ...F } fragment F on Query { __typename }'],
    ['an inline fragment', '{ ... on Query { __typename } }'],
    ['introspection', '{ __schema { queryType { name } } }'],
    ['a mutation', 'mutation { __typename }'],
    ['two operations', 'query A { __typename } query B { __typename }'],
    ['a document that does not validate', '{ __typename(x: 1) }'],
  ])('leaves %s to Apollo Server', (_, query) => {
    expect(answer(query)).toBeUndefined();
  });

  it('leaves an operation name the document does not hold to Apollo Server', () => {
    expect(answer('query Ping { __typename }', 'Pong')).toBeUndefined();
    expect(answer('{ __typename }', 'Ping')).toBeUndefined();
  });
});

describe('the answer the gateway gives itself', () => {
  it.each([undefined, 'application/json', '*/*', 'application/graphql-response+json, application/json;q=0.9', 'application/graphql-response+json'])(
    'is the one Apollo Server gives, byte for byte, with Accept %s',
    async (accept) => {
      const headers = { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) };
      const local = await post({ query: '{ __typename }' }, headers);
      const apollo = await post({ query: APOLLO_ANSWERS }, headers);
      expect(seen(local)).toEqual(seen(apollo));
      expect(JSON.parse(local.text)).toEqual({ data: { __typename: 'Query' } });
      expect(local.headers.get('x-request-id')).toBeTruthy();
    },
  );

  it('names every alias, and answers an operation by its name', async () => {
    const named = await post({ query: 'query Ping { a: __typename b: __typename }', operationName: 'Ping' });
    expect(named.status).toBe(200);
    expect(JSON.parse(named.text)).toEqual({ data: { a: 'Query', b: 'Query' } });
  });

  it('leaves to Apollo Server what it would refuse: an Accept it cannot meet, another operation name', async () => {
    expect((await post({ query: '{ __typename }' }, { accept: 'text/html' })).status).toBe(406);
    const other = await post({ query: 'query Ping { __typename }', operationName: 'Pong' }, { accept: 'application/json' });
    expect(other.text).not.toContain('"data"');
  });

  it('is refused a bad token, as any operation is', async () => {
    const answer = await post({ query: '{ __typename }' }, { authorization: 'Bearer not-a-jwt' });
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('UNAUTHENTICATED');
  });

  it('is held to the operation limits', async () => {
    const answer = await post({ query: '{ a: __typename b: __typename c: __typename d: __typename }' }, { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain('"data"');
  });

  it("is held to a client's safelist", async () => {
    const partner = await gateway.tokens.sign({ role: 'partner', actor: 'nrd-integration', franchise: 'NRD' });
    const answer = await post({ query: '{ __typename }' }, { authorization: `Bearer ${partner}` });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.text).not.toContain('"data"');
  });

  it('is refused to a page of an origin outside the allow-list, and carries CORS headers for one inside', async () => {
    expect((await post({ query: '{ __typename }' }, { origin: 'https://elsewhere.example.test' })).status).toBe(403);
    const allowed = await post({ query: '{ __typename }' }, { origin: APP });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(seen(allowed)).toEqual(seen(await post({ query: APOLLO_ANSWERS }, { origin: APP })));
  });

  it('is refused as a GET a browser could send without a preflight (CSRF), like any GET', async () => {
    const response = await fetch(`${gateway.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
  });

  it('counts against the rate limit', async () => {
    const limited = await gateway.tokens.sign({ role: 'service', actor: 'local-answer-rate' });
    const statuses: number[] = [];
    for (let i = 0; i < 22; i += 1) statuses.push((await post({ query: '{ __typename }' }, { authorization: `Bearer ${limited}` })).status);
    expect(statuses.slice(0, 20).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(20)).toContain(429);
  });
});
