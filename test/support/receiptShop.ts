import { parse } from 'graphql';
import type { RequestIdentity, SubgraphModule } from '../../subgraphs/shared/subgraphServer.js';
import { TEST_SUBGRAPH_LINKS } from './gateway.js';

/**
 * A one-type subgraph for the gateway's own tests: `receipt(number)` answers a receipt whose
 * total and lines follow from its number (`none` answers null), so that an answer shows which
 * request's variables it was made with.
 */
export const receiptShopTypeDefs = parse(/* GraphQL */ `
  ${TEST_SUBGRAPH_LINKS}
  type Query {
    receipt(number: ID!): Receipt @access(roles: ["public"])
  }
  type Receipt @access(roles: ["public"]) {
    number: ID!
    total: Int!
    lines: [Line!]!
  }
  type Line @access(roles: ["public"]) {
    n: Int!
    label: String!
  }
`);

export const receiptShop: SubgraphModule<RequestIdentity> = {
  name: 'shop',
  typeDefs: receiptShopTypeDefs,
  resolvers: {
    Query: {
      receipt: (_: unknown, { number }: { number: string }) =>
        number === 'none' ? null : { number, total: number.length * 100, lines: Array.from({ length: number.length }, (_, n) => ({ n, label: `${number}/${n}` })) },
    },
  },
};
