import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { subgraph } from './server.js';
import { startHarness, type Harness } from './testHarness.js';
import { GrantingDataSource } from '../../test/support/grant.js';

/** The least of what crosscanal serves: the golden Customer and its identities. */
const crosscanalSdl = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  enum SourceSystem {
    ECOMMERCE
    LOYALTY
    POS
    CATALOGUE
    CROSSCANAL
  }
  type Identity @shareable {
    system: SourceSystem!
    localId: ID!
    franchise: String
  }
  type Customer @key(fields: "id") {
    id: ID!
    identities: [Identity!]!
  }
  type Query {
    customer(id: ID!): Customer
  }
`);

const IDENTITIES: Record<string, Array<{ system: string; localId: string; franchise: string | null }>> = {
  C1: [
    { system: 'ECOMMERCE', localId: '1001', franchise: null },
    { system: 'LOYALTY', localId: 'M00100003', franchise: null },
    { system: 'LOYALTY', localId: 'M00100004', franchise: null },
  ],
};

/** A subgraph adding to the loyalty card by its number, as the POS does with its receipts. */
const posSdl = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type LoyaltyCard @key(fields: "number") {
    number: String!
    storeReceiptCount: Int!
  }
  type Query {
    storeReceiptCard(receipt: ID!): LoyaltyCard
  }
`);

function compose(urls: { crosscanal: string; loyalty: string; pos: string }) {
  return composeServices([
    { name: 'crosscanal', typeDefs: crosscanalSdl, url: urls.crosscanal },
    { name: subgraph.name, typeDefs: subgraph.typeDefs, url: urls.loyalty },
    { name: 'pos', typeDefs: posSdl, url: urls.pos },
  ]);
}

test('composes with crosscanal (Customer.identities for @requires) and a subgraph extending LoyaltyCard', () => {
  const result = compose({ crosscanal: 'http://crosscanal', loyalty: 'http://loyalty', pos: 'http://pos' });
  expect(result.errors?.map((error) => error.message)).toBeUndefined();
  expect(result.hints).toEqual([]);
  const supergraph = result.supergraphSdl!;
  expect(supergraph).toMatch(/loyalty: LoyaltyMembership @join__field\(graph: LOYALTY, requires: "identities \{ system localId franchise \}"\)/);
  expect(supergraph).toMatch(/type LoyaltyMembership\s+@join__type\(graph: LOYALTY, key: "memberId"\)\s+@join__type\(graph: LOYALTY, key: "cardNumber"\)/);
});

describe('through @apollo/gateway', () => {
  let h: Harness;
  let crosscanal: ApolloServer;
  let gateway: ApolloServer;

  beforeAll(async () => {
    h = await startHarness();
    crosscanal = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: crosscanalSdl,
        resolvers: {
          Query: { customer: (_: unknown, { id }: { id: string }) => (IDENTITIES[id] ? { id } : null) },
          Customer: { identities: ({ id }: { id: string }) => IDENTITIES[id] ?? [] },
        },
      }),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    const { url: crosscanalUrl } = await startStandaloneServer(crosscanal, { listen: { port: 0, host: '127.0.0.1' } });
    const composed = compose({ crosscanal: crosscanalUrl, loyalty: h.subgraph.url, pos: 'http://127.0.0.1:9/' });
    gateway = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl!, buildService: ({ url }) => new GrantingDataSource({ url }) }) });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await crosscanal?.stop();
    await h?.stop();
  });

  test('the planner hands the customer’s identities to the loyalty subgraph and gets its memberships back', async () => {
    const response = await gateway.executeOperation({
      query: '{ customer(id: "C1") { id loyalty { memberId cardNumber tier } loyaltyMemberships { memberId } } }',
    });
    expect(response.body.kind === 'single' && response.body.singleResult).toEqual({
      data: {
        customer: {
          id: 'C1',
          loyalty: { memberId: 'M00100004', cardNumber: '2900100042598', tier: 'BRONZE' },
          loyaltyMemberships: [{ memberId: 'M00100004' }, { memberId: 'M00100003' }],
        },
      },
    });
  });
});
