/**
 * The README's first queries (README, "First queries"), word for word, which the explorer opens
 * as its tabs: `gateway/explorer.test.ts` fails when the two differ, and `test/readme.e2e.test.ts`
 * runs the README's over the demo estate.
 */
export interface ExplorerExample {
  /** The operation name the explorer gives it (the README's are anonymous): the tab's title. */
  name: string;
  /** What it shows, as the README introduces it; a comment above the query in its tab. */
  title: string;
  /** The README's text, exactly. */
  query: string;
}

export const FIRST_QUERIES: readonly ExplorerExample[] = [
  {
    name: 'CustomerByMessyEmail',
    title: 'A customer, found by a messy email, with their loyalty card, web orders and store receipts',
    query: /* GraphQL */ `{
  customer(by: { email: "  noah.AUBRY@sfr.fr " }) {
    id
    displayName { value reason source { system localId } }
    identities { system localId franchise }
    loyalty { cardNumber tier pointsBalance consents { channel status capturedAt } }
    webOrders(first: 5) { number placedAt status total { amount currency } }
    storeSales(first: 5) { number placedAt total { amount currency } store { name franchise { name } } }
  }
}
`,
  },
  {
    name: 'ProductByCatalogueRef',
    title: 'A product by any of its references, with its web price and its stock in the stores',
    query: /* GraphQL */ `{
  product(catalogueRef: "254.275.41") {
    catalogueRef gtin webSku name listPrice { amount currency }
    webPrice { amount currency }
    campaigns { title kind value }
    storeStock { store { code name city } quantity }
  }
}
`,
  },
  {
    name: 'OrderHistoryAcrossChannels',
    title: 'One order history across channels, newest first, by cursor',
    query: /* GraphQL */ `{
  customer(by: { email: "noah.aubry@sfr.fr" }) {
    orders(first: 10) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          __typename number channel placedAt total { amount currency }
          lines { quantity label product { name } }
          ... on WebOrder { status fulfilment { kind store { name } } returns { number store { name } } }
          ... on StoreSale { store { name franchise { name } } }
          ... on StoreReturn { refund { amount currency } store { name } webOrder { number } receipt { number } }
        }
      }
    }
  }
}
`,
  },
  {
    name: 'OrderByAnyNumber',
    title: 'Any order by any number, with its customer and what happened to it since',
    query: /* GraphQL */ `{
  order(number: "W1000041") {
    kind
    customer { id displayName { value } }
    order {
      __typename number placedAt
      ... on WebOrder { status fulfilment { kind store { name } } returns { number store { name } refund { amount currency } } }
    }
  }
}
`,
  },
];
