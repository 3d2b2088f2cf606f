import { Kind, parse, type DocumentNode } from 'graphql';
import { buildSchema } from '@apollo/federation-internals';
import operationsModule from '@apollo/federation-internals/dist/operations.js';
import { TEST_INTERNAL_SECRET } from '../test/support/grant.js';
import { composeTestSupergraph, startTestGateway, type TestGateway } from '../test/support/gateway.js';
import { receiptShop, receiptShopTypeDefs } from '../test/support/receiptShop.js';
import { createSubgraphServer, listenSubgraph, type ListeningSubgraph, type RequestIdentity } from '../subgraphs/shared/subgraphServer.js';
import { keepResponseOperations, type KeptOperations } from './operationCache.js';
import { installedShaping } from './resultShaping.js';

// The operation the gateway shapes each answer with is built once per parsed document and kept:
// what each request's variables decide (arguments, @include / @skip) is still its own.
let subgraph: ListeningSubgraph;
let supergraph: Awaited<ReturnType<typeof composeTestSupergraph>>;
let gateway: TestGateway;
let counts: KeptOperations;

beforeAll(async () => {
  subgraph = await listenSubgraph(createSubgraphServer(receiptShop), { port: 0, internalSecret: TEST_INTERNAL_SECRET, context: async (identity: RequestIdentity) => identity });
  supergraph = await composeTestSupergraph([{ name: 'shop', url: subgraph.url, typeDefs: receiptShopTypeDefs }]);
  gateway = await startTestGateway({ shop: subgraph.url }, { supergraphPath: supergraph.supergraphPath });
  // Installed by the gateway as it started: this hands back the same counts.
  counts = keepResponseOperations()!;
});

afterAll(async () => {
  await gateway?.stop();
  await subgraph?.stop();
  await supergraph?.remove();
});

async function ask(query: string, variables: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  expect(response.status).toBe(200);
  return response.json();
}

const RECEIPTS = /* GraphQL */ `
  query Receipts($a: ID!, $b: ID!, $withLines: Boolean!) {
    first: receipt(number: $a) { ...Head lines @include(if: $withLines) { n label } }
    second: receipt(number: $b) { ...Head total }
  }
  fragment Head on Receipt { __typename number }
`;

test('the same text is built once; each request still gets its own variables, aliases, fragments and conditions', async () => {
  const before = { ...counts };
  expect(await ask(RECEIPTS, { a: 'AB', b: 'XYZ', withLines: true })).toEqual({
    data: {
      first: { __typename: 'Receipt', number: 'AB', lines: [{ n: 0, label: 'AB/0' }, { n: 1, label: 'AB/1' }] },
      second: { __typename: 'Receipt', number: 'XYZ', total: 300 },
    },
  });
  expect(counts.builds).toBe(before.builds + 1);
  // Same text, other variables: the kept operation, this request's answer.
  expect(await ask(RECEIPTS, { a: 'C', b: 'none', withLines: false })).toEqual({ data: { first: { __typename: 'Receipt', number: 'C' }, second: null } });
  expect(await ask(RECEIPTS, { a: 'DE', b: 'F', withLines: true })).toEqual({
    data: { first: { __typename: 'Receipt', number: 'DE', lines: [{ n: 0, label: 'DE/0' }, { n: 1, label: 'DE/1' }] }, second: { __typename: 'Receipt', number: 'F', total: 100 } },
  });
  expect(counts).toEqual({ builds: before.builds + 1, hits: before.hits + 2 });
});

test('another text is built for itself, and a variable of the wrong type is refused before any of it', async () => {
  const before = { ...counts };
  const other = 'query One($a: ID!) { receipt(number: $a) { number total } }';
  expect(await ask(other, { a: 'GH' })).toEqual({ data: { receipt: { number: 'GH', total: 200 } } });
  expect(await ask(other, { a: 'IJK' })).toEqual({ data: { receipt: { number: 'IJK', total: 300 } } });
  expect(counts).toEqual({ builds: before.builds + 1, hits: before.hits + 1 });
  const refused = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: other, variables: { a: { not: 'an id' } } }) });
  expect(((await refused.json()) as { errors: Array<{ extensions?: { code?: string } }> }).errors[0]!.extensions?.code).toBe('BAD_USER_INPUT');
  expect(counts).toEqual({ builds: before.builds + 1, hits: before.hits + 1 });
});

test('only the call that shapes an answer is kept: planning and other callers build each time', () => {
  const build = (operationsModule as unknown as { operationFromDocument: (schema: object, document: DocumentNode, options?: object) => unknown }).operationFromDocument;
  const schema = buildSchema('type Query { receipt(number: ID!): String }');
  const document = parse('query R { receipt(number: "1") }');
  const before = { ...counts };
  // As the planner calls it (validated, by operation name) and with no options: built each time.
  expect(build(schema, document, { operationName: 'R' })).not.toBe(build(schema, document, { operationName: 'R' }));
  expect(build(schema, document)).not.toBe(build(schema, document));
  expect(counts).toEqual(before);
  // As the executor calls it to shape an answer: built once for these definitions and this schema.
  const shaped = build(schema, document, { validate: false });
  expect(build(schema, document, { validate: false })).toBe(shaped);
  expect(build(buildSchema('type Query { receipt(number: ID!): String }'), document, { validate: false })).not.toBe(shaped);
  expect(build(schema, parse('query R { receipt(number: "1") }'), { validate: false })).not.toBe(shaped);
  // The same operation node with other fragments beside it is another operation.
  const [spread, one] = parse('query S { ...F } fragment F on Query { receipt(number: "1") }').definitions;
  const [two] = parse('fragment F on Query { receipt(number: "2") }').definitions;
  const withOne = build(schema, { kind: Kind.DOCUMENT, definitions: [spread!, one!] }, { validate: false });
  expect(build(schema, { kind: Kind.DOCUMENT, definitions: [spread!, two!] }, { validate: false })).not.toBe(withOne);
  expect(build(schema, { kind: Kind.DOCUMENT, definitions: [spread!, one!] }, { validate: false })).not.toBe(withOne);
  expect(counts).toEqual({ builds: before.builds + 6, hits: before.hits + 1 });
});

test('each answer is shaped by the compiled walk kept with its operation (resultShaping.ts), conditions and nulls its own', async () => {
  // Installed by the gateway as it started.
  const shaping = installedShaping()!;
  expect(shaping).toBeDefined();
  const before = { ...shaping };
  expect(await ask(RECEIPTS, { a: 'KL', b: 'none', withLines: true })).toEqual({
    data: { first: { __typename: 'Receipt', number: 'KL', lines: [{ n: 0, label: 'KL/0' }, { n: 1, label: 'KL/1' }] }, second: null },
  });
  expect(await ask(RECEIPTS, { a: 'M', b: 'NO', withLines: false })).toEqual({
    data: { first: { __typename: 'Receipt', number: 'M' }, second: { __typename: 'Receipt', number: 'NO', total: 200 } },
  });
  expect(shaping).toEqual({ shaped: before.shaped + 2, declined: before.declined });
});
