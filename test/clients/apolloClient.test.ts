import { readFile } from 'node:fs/promises';
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError, type DocumentNode } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { generateKeyPair, SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER } from '../../gateway/devIssuer.js';
import type { Estate } from '../../legacy/generator/model.js';
import { graphql } from '../graphql.js';
import { startTinyStack, type TinyStack } from '../support/tinyStack.js';

// Apollo Client 4, as a web front-end or the mobile app runs it (HttpLink over Node's fetch, an
// InMemoryCache), against the whole graph on a tiny estate: a customer reads their own data
// with their token; the mobile app sends a checked-in persisted operation by its id alone; a
// forged or missing token is refused with a coded error that Apollo Client hands the caller.
// Expectations come from the estate's files, not from the graph.

let tiny: TinyStack;
let url: string;
/** The customer the tests act as: their card, the web orders of every account under their email, their golden id. */
let customer: { card: string; orders: Set<string>; id: string };

/** An active loyalty card used at a till, whose member's email also owns web accounts with orders. */
function customerWithCardAndOrders(estate: Estate): { card: string; orders: Set<string> } {
  const usedAtTill = new Set(estate.pos.receipts.map((receipt) => receipt.card_number));
  const normalised = (email: string | null) => email?.trim().toLowerCase() ?? '';
  for (const card of estate.loyalty.cards) {
    if (card.status !== 'ACTIVE' || !usedAtTill.has(card.card_number)) continue;
    const email = normalised(estate.loyalty.members.find((member) => member.member_id === card.member_id)!.email);
    if (email === '') continue;
    const accounts = new Set(estate.ecommerce.customers.filter((account) => normalised(account.email) === email).map((account) => account.id));
    const orders = new Set(estate.ecommerce.orders.filter((order) => accounts.has(order.customer_id)).map((order) => order.number));
    if (orders.size > 0) return { card: card.card_number, orders };
  }
  throw new Error('the tiny estate has no active, used loyalty card whose email owns web orders');
}

beforeAll(async () => {
  tiny = await startTinyStack('apollo-client');
  url = tiny.stack.gateway.url;
  const picked = customerWithCardAndOrders(tiny.estate);
  const service = await tiny.stack.tokens.sign({ role: 'service' });
  const found = await graphql(url, 'query ($card: String!) { customer(by: { cardNumber: $card }) { id } }', { card: picked.card }, service);
  if (!found.data?.customer) throw new Error(`customer service cannot find card ${picked.card}: ${JSON.stringify(found.errors)}`);
  customer = { ...picked, id: found.data.customer.id as string };
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
});

/** What went over the wire: each request's JSON body. */
type Sent = Array<Record<string, unknown>>;

/** An Apollo Client over HttpLink (Node's fetch, recording each body) behind `links`, with a bearer token when given. */
function clientFor(token: string | undefined, { links = [], sent = [] }: { links?: ApolloLink[]; sent?: Sent } = {}): ApolloClient {
  const recordingFetch: typeof fetch = async (input, init) => {
    if (typeof init?.body === 'string') sent.push(JSON.parse(init.body) as Record<string, unknown>);
    return fetch(input, init);
  };
  const http = new HttpLink({ uri: url, fetch: recordingFetch, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return new ApolloClient({ link: ApolloLink.from([...links, http]), cache: new InMemoryCache() });
}

/** The error `client.query` rejects with (Apollo Client's default error policy). */
async function refusalOf(client: ApolloClient, query: DocumentNode): Promise<unknown> {
  try {
    // From the network: `me` may be in the cache already.
    const result = await client.query({ query, fetchPolicy: 'network-only' });
    return new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  } catch (error) {
    return error;
  }
}

/** A GraphQL error as Apollo Client surfaces it, for comparing: its class, HTTP status when there is one, codes and first message. */
function surfaced(error: unknown): { kind: string; codes?: unknown[]; message?: string; status?: number } {
  if (CombinedGraphQLErrors.is(error)) return { kind: 'CombinedGraphQLErrors', codes: error.errors.map((e) => e.extensions?.code), message: error.errors[0]?.message };
  if (ServerError.is(error)) return { kind: 'ServerError', status: error.statusCode, message: error.bodyText.slice(0, 300) };
  return { kind: String(error) };
}

const ME = parse(/* GraphQL */ `
  query Me {
    me {
      id
      displayName { value }
      loyalty { cardNumber tier }
      webOrders(first: 5) { number total { amount currency } }
    }
  }
`);

interface MeData {
  me: { id: string; displayName: { value: string }; loyalty: { cardNumber: string; tier: string }; webOrders: Array<{ number: string; total: { amount: number; currency: string } }> };
}

describe('Apollo Client 4 against the gateway', () => {
  test("a customer reads their own card and web orders with their token, and Apollo's cache holds them", async () => {
    const token = await tiny.stack.tokens.sign({ role: 'customer', customerId: customer.id, actor: 'apollo-client-customer' });
    const client = clientFor(token);
    const { data } = await client.query<MeData>({ query: ME });
    expect(data!.me.id).toBe(customer.id);
    expect(data!.me.loyalty.cardNumber).toBe(customer.card);
    expect(data!.me.webOrders.length).toBeGreaterThan(0);
    expect(data!.me.webOrders.filter((order) => !customer.orders.has(order.number))).toEqual([]);
    // Normalised by Apollo's cache under the customer's id (the gateway answers the __typename the cache asks for).
    expect((client.cache.extract() as Record<string, unknown>)[`Customer:${customer.id}`]).toMatchObject({ __typename: 'Customer', id: customer.id });
    expect(client.readQuery<MeData>({ query: ME })).toEqual(data);
  });

  test('the mobile app sends a checked-in persisted operation by its id alone, and an ad hoc one is refused with a code', async () => {
    const manifest = JSON.parse(await readFile(new URL('../../gateway/safelists/mobile.json', import.meta.url), 'utf8')) as { operations: Array<{ id: string; name: string }> };
    const ids = new Map(manifest.operations.map((operation) => [operation.name, operation.id]));
    const nameOf = (document: DocumentNode) => document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)?.name?.value ?? '';
    // The manifest maps operation names to ids, as Apollo's persisted query lists do: an
    // operation outside it goes with a made-up id, which the gateway does not know.
    const persisted = new PersistedQueryLink({ generateHash: (document) => ids.get(nameOf(document)) ?? `not-in-the-manifest-${nameOf(document)}` });
    const token = await tiny.stack.tokens.sign({ role: 'customer', customerId: customer.id, client: 'crosscanal-mobile', actor: 'apollo-client-mobile' });
    const sent: Sent = [];
    const client = clientFor(token, { links: [persisted], sent });
    const myCard = parse(await readFile(new URL('../../gateway/safelists/mobile/MyCard.graphql', import.meta.url), 'utf8'));
    const { data } = await client.query<{ me: { id: string; loyalty: { cardNumber: string } } }>({ query: myCard });
    expect(data!.me).toMatchObject({ id: customer.id, loyalty: { cardNumber: customer.card } });
    // The listed text has no __typename (the document the cache asks for has): the cache keeps it all the same.
    expect(client.readQuery({ query: myCard })).toEqual(data);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty('query');
    expect(sent[0]).toMatchObject({ operationName: 'MyCard', extensions: { persistedQuery: { version: 1, sha256Hash: ids.get('MyCard') } } });

    const adHoc = parse('query AdHoc { me { id } }');
    expect(surfaced(await refusalOf(client, adHoc))).toEqual({
      kind: 'CombinedGraphQLErrors',
      codes: ['PERSISTED_QUERY_NOT_ALLOWED'],
      message: expect.stringMatching(/^operation "not-in-the-manifest-AdHoc" is not in this client's safelist/),
    });
  });

  test('a forged token and a missing one are refused with UNAUTHENTICATED, which Apollo Client surfaces as a GraphQL error', async () => {
    // The customer's claims signed with a key of the forger's own, under the development key's id.
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = (tiny.stack.tokens.trusted.jwks!.keys[0] as { kid: string }).kid;
    const forged = await new SignJWT({ crosscanal_role: 'customer', crosscanal_customer: customer.id })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(surfaced(await refusalOf(clientFor(forged), ME))).toEqual({ kind: 'CombinedGraphQLErrors', codes: ['UNAUTHENTICATED'], message: 'the bearer token is not signed by its issuer' });
    expect(surfaced(await refusalOf(clientFor(undefined), ME))).toEqual({ kind: 'CombinedGraphQLErrors', codes: ['UNAUTHENTICATED'], message: expect.stringMatching(/^sign in to read these fields: send a bearer token\./) });
  });
});
