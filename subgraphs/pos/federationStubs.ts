import { parse, type DocumentNode } from 'graphql';

/**
 * The other owners of the types the POS subgraph extends, reduced to what the vocabulary
 * (docs/graph-vocabulary.md) says they serve, so that tests can check that the POS SDL
 * composes with them and that the planner hands identities over as `@requires` promises.
 */

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

const SOURCE_SYSTEM = 'enum SourceSystem { ECOMMERCE LOYALTY POS CATALOGUE CROSSCANAL }';

const SHARED_VALUES = /* GraphQL */ `
  ${SOURCE_SYSTEM}
  enum SalesChannel { WEB STORE }
  enum PromotionKind { PERCENT AMOUNT POINTS OTHER }
  type Money @shareable { amount: Int! currency: String! }
  type Promotion @shareable {
    id: ID! system: SourceSystem! title: String! kind: PromotionKind! value: Int! currency: String
    startsAt: DateTime endsAt: DateTime code: String
  }
  type OrderLine @shareable {
    lineNumber: Int! product: Product sku: String gtin: String localCode: String label: String
    quantity: Int! unitPrice: Money! discount: Money lineTotal: Money!
  }
  interface Order { id: ID! number: String! channel: SalesChannel! placedAt: DateTime! total: Money! lines: [OrderLine!]! }
  scalar DateTime
`;

/** The golden customer and its identities, as `crosscanal` serves them. */
export const crosscanalStub: DocumentNode = parse(/* GraphQL */ `
  ${LINK}
  ${SOURCE_SYSTEM}
  type Identity @shareable { system: SourceSystem! localId: ID! franchise: String }
  type Customer @key(fields: "id") { id: ID! identities: [Identity!]! }
  type Query { customer(id: ID!): Customer }
`);

/** Every product key, as the catalogue resolves them. */
export const catalogueStub: DocumentNode = parse(/* GraphQL */ `
  ${LINK}
  type Product @key(fields: "gtin") @key(fields: "catalogueRef") @key(fields: "webSku") {
    gtin: String catalogueRef: ID webSku: String name: String aliases: [ProductAlias!]
  }
  enum ProductAliasKind { CATALOGUE_REF GTIN WEB_SKU SUPPLIER_REF POS_LOCAL_CODE }
  type ProductAlias @shareable { kind: ProductAliasKind! value: String! franchise: String }
  type Query { product(catalogueRef: ID!): Product }
`);

/** Loyalty cards. */
export const loyaltyStub: DocumentNode = parse(/* GraphQL */ `
  ${LINK}
  type LoyaltyCard @key(fields: "number") { number: String! status: String }
  type Query { loyaltyCard(number: String!): LoyaltyCard }
`);

/** Web orders, which implement `Order` too and point at stores and quotes. */
export const ecommerceStub: DocumentNode = parse(/* GraphQL */ `
  ${LINK}
  ${SHARED_VALUES}
  type Product @key(fields: "webSku") { webSku: String! webPrice: Money webAvailable: Boolean }
  type Store @key(fields: "code", resolvable: false) { code: ID! }
  type Quote @key(fields: "number", resolvable: false) { number: ID! }
  type WebOrder implements Order @key(fields: "id") @key(fields: "number") {
    id: ID! number: String! channel: SalesChannel! placedAt: DateTime! total: Money! lines: [OrderLine!]!
    pickupStore: Store quote: Quote
  }
  type Query { webOrder(id: ID!): WebOrder orders: [Order!]! }
`);
