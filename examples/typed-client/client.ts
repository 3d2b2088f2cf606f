import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import {
  CustomerOrdersDocument,
  ProductByRefDocument,
  type CustomerOrdersQuery,
  type PriceFragment,
  type ProductByRefQuery,
} from './generated/operations.js';

/**
 * A client of the graph whose answers are typed from the API schema (`schema/api.graphql`):
 * each operation in `operations/` becomes a typed document in `generated/operations.ts`
 * (`npm run codegen`), and Apollo Client infers data and variables from it.
 */
export interface TypedClientOptions {
  /** The gateway, e.g. `http://127.0.0.1:4000/`. */
  url: string;
  /** A bearer token (`npm run token -- --role service`); product data needs none. */
  token?: string;
}

export function createTypedClient({ url, token }: TypedClientOptions): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: url, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    cache: new InMemoryCache(),
    // A script asks once and exits: nothing to keep between answers.
    defaultOptions: { query: { fetchPolicy: 'no-cache' } },
  });
}

export type Product = NonNullable<ProductByRefQuery['product']>;
export type Customer = NonNullable<CustomerOrdersQuery['customer']>;
export type CustomerOrder = NonNullable<Customer['orders']>['edges'][number]['node'];

/** A product by catalogue reference; null when no system knows it. A refused or failed query rejects with its errors. */
export async function productByRef(client: ApolloClient, catalogueRef: string): Promise<Product | null> {
  const { data } = await client.query({ query: ProductByRefDocument, variables: { catalogueRef } });
  return data?.product ?? null;
}

/** A customer by email with their `first` latest orders from every channel; null when nobody has that email. */
export async function customerOrders(client: ApolloClient, email: string, first = 5): Promise<Customer | null> {
  const { data } = await client.query({ query: CustomerOrdersDocument, variables: { email, first } });
  return data?.customer ?? null;
}

/** Integer minor units in their currency's own decimals: `{ amount: 12990, currency: "EUR" }` is `129.90 EUR`. */
export function formatPrice({ amount, currency }: PriceFragment): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
}

/** One line per order, with what only its kind has: the typename narrows the node to that kind's fields. */
export function describeOrder(order: CustomerOrder): string {
  const head = `${order.placedAt.slice(0, 10)} ${order.number} ${formatPrice(order.total)}`;
  switch (order.__typename) {
    case 'WebOrder':
      return `${head} web, ${order.status.toLowerCase().replace(/_/g, ' ')}`;
    case 'StoreSale':
      return `${head} at ${order.store.name}`;
    case 'StoreReturn':
      return `${head} returned in a store`;
  }
}
