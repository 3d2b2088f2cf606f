import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { execute, parse } from 'graphql';
import { createContext, type Context } from './context.js';
import { subgraph } from './server.js';
import { CrosswalkStore } from './store/crosswalkStore.js';

/**
 * A customer named by id in one read and gone by the next (a steward unlinked its last record
 * in between): the non-null fields that load it answer CUSTOMER_NOT_FOUND, where they answered
 * null, which the schema forbids and GraphQL turned into an internal error.
 */

// As createSubgraphServer builds it: Apollo's map type takes no context type, and every execution below passes a Context.
const schema = buildSubgraphSchema({ typeDefs: subgraph.typeDefs, resolvers: subgraph.resolvers as GraphQLResolverMap<unknown> });
let store: CrosswalkStore;

beforeAll(async () => {
  store = await CrosswalkStore.open();
}, 60_000);

afterAll(() => store?.close());

/** A request's context in which customer C1's record LOYALTY::M1 is a candidate with WEB::10002, whose customer C2 was read and is gone since. */
function raceContext(): Context {
  const context = createContext(store, { principal: { role: 'steward', actor: 'alice' }, requestId: 'r1' });
  const own = 'LOYALTY::M1';
  const theirs = 'ECOMMERCE::10002';
  context.loaders.customer.prime('C1', { id: 'C1', createdAt: '2026-01-01T00:00:00.000Z' });
  context.loaders.links.prime('C1', [{ record: own, customerId: 'C1', rule: 'ORIGIN', matchedWith: null, evidence: [], linkedAt: '2026-01-01T00:00:00.000Z', linkedBy: 'sync' }]);
  context.loaders.candidates.prime(own, [
    { a: own, b: theirs, rule: 'EMAIL', reason: 'FIRST_NAME_DIFFERS', evidence: [{ field: 'EMAIL', value: 'roux@example.com' }], foundAt: '2026-01-02T00:00:00.000Z' },
  ]);
  context.loaders.customerOfRecord.prime(theirs, 'C2');
  return context;
}

async function run(query: string, context: Context) {
  const result = await execute({ schema, document: parse(query), contextValue: context, variableValues: { reps: [{ __typename: 'Customer', id: 'C1' }] } });
  return JSON.parse(JSON.stringify(result)) as { data?: Record<string, unknown>; errors?: Array<{ message: string; path: unknown[]; extensions?: Record<string, unknown> }> };
}

test('a candidate whose customer is gone: its customer is CUSTOMER_NOT_FOUND naming the id', async () => {
  const { data, errors } = await run('query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { id candidates { customer { id } } } } }', raceContext());
  // CustomerCandidate.customer and Customer.candidates are non-null: the null reaches the entity.
  expect(data).toEqual({ _entities: [null] });
  expect(errors).toEqual([
    expect.objectContaining({
      message: 'customer C2 is no longer in the crosswalk',
      path: ['_entities', 0, 'candidates', 0, 'customer'],
      extensions: expect.objectContaining({ code: 'CUSTOMER_NOT_FOUND' }),
    }),
  ]);
});
