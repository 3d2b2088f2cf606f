import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { operationFromDocument, Supergraph, type FieldSelection, type Schema } from '@apollo/federation-internals';
import { Kind, parse, type GraphQLError } from 'graphql';
import { CATEGORY_PAGE, CUSTOMER_360, partnerQuery, PRODUCT_PAGE } from '../bench/gateway/workloads.js';
import { seededRandom, shapingData } from '../bench/shapingData.js';
import { shapingFunctions } from './resultShaping.js';

// The compiled walk answers what Apollo's own `computeResponse` answers, to the byte and the
// error: both are run over the same operations of the graph and the same data, most of it
// well-formed and some of it breaking each rule the walk checks (nulls where the schema says
// non-null, values of the wrong kind, unknown or non-object `__typename`s, missing fields,
// lists that are not lists), with `@skip` / `@include` decided by literals, variables and
// their defaults, fragments on the abstract `Order`, and introspection beside the data. That
// the running gateway shapes its answers with it is tried in `operationCache.test.ts`.

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const api: Schema = Supergraph.build(readFileSync(join(root, 'schema/supergraph.graphql'), 'utf8')).apiSchema();

function graphqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? graphqlFiles(join(dir, entry.name)) : entry.name.endsWith('.graphql') ? [join(dir, entry.name)] : [],
  );
}

/** The example client's operations, each with the fragments its folder's files define. */
function examples(dir: string): Array<[string, string]> {
  const texts = graphqlFiles(dir).map((file) => [file.slice(root.length + 1), readFileSync(file, 'utf8')] as [string, string]);
  const fragments = texts.filter(([, text]) => !/^\s*(query|mutation)\b/m.test(text)).map(([, text]) => text).join('\n');
  return texts.filter(([, text]) => /^\s*(query|mutation)\b/m.test(text)).map(([name, text]) => [name, `${text}\n${fragments}`]);
}

const HAND_WRITTEN = {
  conditionsAndMerges: /* GraphQL */ `
    query Conditions($withLoyalty: Boolean!, $skipOrders: Boolean = false, $card: String!) {
      __typename
      kind: __typename
      customer(by: { cardNumber: $card }) {
        id
        ...Head
        loyalty @include(if: $withLoyalty) { cardNumber }
        ... on Customer { loyalty { tier pointsBalance } displayName { value } }
        ... @skip(if: true) { id }
        ... @include(if: $withLoyalty) { identities { system localId } }
        orders(first: 3) @skip(if: $skipOrders) {
          totalCount
          edges {
            node {
              __typename
              number
              kind: __typename
              ... on WebOrder { status placedAt }
              ... on StoreSale { store { code name } }
              ... on Order { channel total { amount currency } }
            }
          }
        }
      }
    }
    fragment Head on Customer { id displayName { value } loyalty { tier } }
  `,
  introspectionBeside: /* GraphQL */ `
    query Introspection($card: String!) {
      __schema { queryType { name } }
      t: __type(name: "Customer") { name }
      customer(by: { cardNumber: $card }) { id }
    }
  `,
};

const OPERATIONS: Array<[string, string]> = [
  ...graphqlFiles(join(root, 'gateway/safelists')).map((file): [string, string] => [file.slice(root.length + 1), readFileSync(file, 'utf8')]),
  ...examples(join(root, 'examples/typed-client/operations')),
  ['bench customer 360', CUSTOMER_360],
  ['bench product page', PRODUCT_PAGE],
  ['bench category page', CATEGORY_PAGE],
  ['bench partner day (12 receipts)', partnerQuery(12)],
  ...Object.entries(HAND_WRITTEN),
];

const introspectionHandling = (selection: FieldSelection) => ({ introspected: selection.element.responseName() });

type Outcome = { threw: string } | { data: unknown; errors: Array<{ message: string; path: unknown; code: unknown }> };

function outcome(run: () => { data: unknown; errors: GraphQLError[] }): string {
  let result: Outcome;
  try {
    const { data, errors } = run();
    result = { data, errors: errors.map((e) => ({ message: e.message, path: e.path, code: e.extensions?.code })) };
  } catch (error) {
    result = { threw: (error as Error).message };
  }
  return JSON.stringify(result);
}

function booleanVariables(text: string): Array<{ name: string; defaulted: boolean }> {
  const document = parse(text);
  return document.definitions.flatMap((d) =>
    d.kind === Kind.OPERATION_DEFINITION
      ? (d.variableDefinitions ?? [])
          .filter((v) => (v.type.kind === Kind.NON_NULL_TYPE ? v.type.type : v.type).kind === Kind.NAMED_TYPE && JSON.stringify(v.type).includes('"Boolean"'))
          .map((v) => ({ name: v.variable.name.value, defaulted: v.defaultValue !== undefined }))
      : [],
  );
}

const { apollo, compiled } = shapingFunctions();
/** The kinds of failure the broken data led to, over every operation. */
const seen = new Set<string>();

describe.each(OPERATIONS)('%s', (_name, text) => {
  const operation = operationFromDocument(api, parse(text), { validate: false });
  const booleans = booleanVariables(text);

  test('well-formed data: the same answer as Apollo, with data in every answer', () => {
    for (let seed = 1; seed <= 40; seed += 1) {
      const rand = seededRandom(seed);
      const input = shapingData(operation, api, { random: rand, breakage: 0 });
      const variables = Object.fromEntries(booleans.filter((b) => !b.defaulted || rand() < 0.5).map((b) => [b.name, rand() < 0.5]));
      const theirs = outcome(() => apollo({ operation, variables, input, introspectionHandling }));
      expect({ seed, answer: outcome(() => compiled({ operation, variables, input, introspectionHandling })) }).toEqual({ seed, answer: theirs });
      expect(JSON.parse(theirs).errors).toEqual([]);
    }
  });

  test('data that breaks the rules: the same nulls, errors and failures as Apollo', () => {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 300; seed += 1) {
      const rand = seededRandom(seed * 7919);
      const input = shapingData(operation, api, { random: rand, breakage: 0.08 });
      const variables = Object.fromEntries(booleans.filter((b) => !b.defaulted || rand() < 0.5).map((b) => [b.name, rand() < 0.5]));
      const theirs = outcome(() => apollo({ operation, variables, input, introspectionHandling }));
      expect({ seed, answer: outcome(() => compiled({ operation, variables, input, introspectionHandling })) }).toEqual({ seed, answer: theirs });
      const parsed = JSON.parse(theirs) as Outcome;
      if ('threw' in parsed) kinds.add('threw');
      else for (const e of parsed.errors) kinds.add(e.message.replace(/ (for|at) .*$/, ''));
    }
    // The comparison saw breakage at work, not only clean answers.
    expect(kinds.size).toBeGreaterThan(0);
    for (const kind of kinds) seen.add(kind);
  });
});

test('the broken data, over all the operations, broke every rule the walk checks', () => {
  expect([...seen].sort()).toEqual(['Cannot return null', 'Invalid __typename found', 'Invalid value found', 'threw']);
});

test("a condition's variable that is not a boolean fails as Apollo's walk fails", () => {
  const operation = operationFromDocument(api, parse(HAND_WRITTEN.conditionsAndMerges), { validate: false });
  const input = shapingData(operation, api, { random: seededRandom(3), breakage: 0 });
  const variables = { withLoyalty: 'yes', card: '1' };
  const theirs = outcome(() => apollo({ operation, variables, input, introspectionHandling }));
  expect(JSON.parse(theirs)).toEqual({ threw: expect.stringContaining('Unexpected value yes for variable $withLoyalty of @include(if: $withLoyalty)') });
  expect(outcome(() => compiled({ operation, variables, input, introspectionHandling }))).toBe(theirs);
});

test('an answer with no data is passed through as it is', () => {
  const operation = operationFromDocument(api, parse(CATEGORY_PAGE), { validate: false });
  for (const input of [null, undefined]) {
    expect(compiled({ operation, variables: {}, input, introspectionHandling })).toEqual(apollo({ operation, variables: {}, input, introspectionHandling }));
  }
});
