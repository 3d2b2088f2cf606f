import { parse } from 'graphql';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../test/support/grant.js';
import { composeTestSupergraph, startTestGateway, TEST_SUBGRAPH_LINKS, type TestGateway } from '../test/support/gateway.js';
import { internalKey, PRINCIPAL_HEADER, signGrant } from '../subgraphs/shared/principal.js';
import { noteStale } from '../subgraphs/shared/requestScope.js';
import { createSubgraphServer, listenSubgraph, type ListeningSubgraph, type RequestIdentity, type SubgraphModule } from '../subgraphs/shared/subgraphServer.js';

// A subgraph that answers with the principal it was handed, behind the gateway over a
// supergraph of that subgraph alone: what reaches a subgraph is what the gateway verified,
// whatever the client sent.
const typeDefs = parse(/* GraphQL */ `
  ${TEST_SUBGRAPH_LINKS}
  type Query {
    received: Received! @access(roles: ["public"])
    secret: String @access(roles: ["steward"])
    "Served from a cache past its freshness, as a legacy source does when its system fails."
    remembered: String @access(roles: ["public"])
  }
  type Thing @key(fields: "id") @access(roles: ["public"]) {
    id: ID!
  }
  type Received @access(roles: ["public"]) {
    role: String!
    actor: String
    franchise: String
    requestId: String!
  }
`);

const echo: SubgraphModule<RequestIdentity> = {
  name: 'echo',
  typeDefs,
  resolvers: {
    Query: {
      received: (_: unknown, __: unknown, { principal, requestId }: RequestIdentity) => ({ ...principal, requestId }),
      secret: () => 'for stewards',
      remembered: () => {
        noteStale({ source: 'echo', kind: 'thing', ageMs: 90_000 });
        return 'from the cache';
      },
    },
    Thing: { __resolveReference: ({ id }: { id: string }) => ({ id }) },
  },
};

let subgraph: ListeningSubgraph;
let gateway: TestGateway;
let supergraph: Awaited<ReturnType<typeof composeTestSupergraph>>;

beforeAll(async () => {
  subgraph = await listenSubgraph(createSubgraphServer(echo), { port: 0, internalSecret: TEST_INTERNAL_SECRET, context: async (identity) => identity });
  supergraph = await composeTestSupergraph([{ name: 'echo', url: subgraph.url, typeDefs }]);
  gateway = await startTestGateway({ echo: subgraph.url }, { supergraphPath: supergraph.supergraphPath });
});

afterAll(async () => {
  await gateway?.stop();
  await subgraph?.stop();
  await supergraph?.remove();
});

async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

const RECEIVED = '{ received { role actor franchise requestId } }';

describe('what the gateway hands a subgraph', () => {
  it("is the verified token's principal, with the request's id", async () => {
    const token = await gateway.tokens.sign({ role: 'associate', store: 'nrd01', franchise: 'nrd', actor: 'alice' });
    const { body } = await post(gateway.url, RECEIVED, { authorization: `Bearer ${token}`, 'x-request-id': 'req-12345678' });
    expect(body.data!.received).toEqual({ role: 'associate', actor: 'alice', franchise: 'NRD', requestId: 'req-12345678' });
  });

  it('is anonymous without a token', async () => {
    const { body } = await post(gateway.url, RECEIVED);
    expect(body.data!.received).toMatchObject({ role: 'anonymous', actor: null });
  });

  it("never a client's own principal header, nor the old actor and role headers", async () => {
    const forged = await grantHeaders({ role: 'admin', actor: 'mallory' });
    const { body } = await post(gateway.url, RECEIVED, { ...forged, 'x-crosscanal-actor': 'mallory', 'x-crosscanal-role': 'steward' });
    expect(body.data!.received).toMatchObject({ role: 'anonymous', actor: null });
    const denied = await post(gateway.url, '{ secret }', { ...forged, 'x-crosscanal-role': 'steward' });
    expect(denied.status).toBe(401);
    expect(denied.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });
});

describe('a subgraph called directly', () => {
  it('refuses a request without the gateway grant', async () => {
    const { status, body } = await post(subgraph.url, RECEIVED);
    expect(status).toBe(401);
    expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  it('refuses `_entities` without the grant', async () => {
    const { status, body } = await post(subgraph.url, '{ _entities(representations: [{ __typename: "Thing", id: "1" }]) { ... on Thing { id } } }');
    expect(status).toBe(401);
    expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a grant signed with another secret, and an expired one', async () => {
    const wrong = await post(subgraph.url, RECEIVED, await grantHeaders({ role: 'admin', actor: 'mallory' }, 'another-secret-of-at-least-32-characters'));
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors![0]!.message).toMatch(/not one the gateway signed/);
    const expired = signGrant(internalKey(TEST_INTERNAL_SECRET), { principal: { role: 'admin', actor: 'a' }, requestId: 'r', deadline: Date.now() - 60_000 });
    const late = await post(subgraph.url, RECEIVED, { [PRINCIPAL_HEADER]: expired });
    expect(late.status).toBe(401);
    expect(late.body.errors![0]!.message).toMatch(/expired/);
  });

  it('refuses a grant whose payload was changed, whose header says `alg: none`, or that is not a JWS', async () => {
    const [header, payload, signature] = signGrant(internalKey(TEST_INTERNAL_SECRET), { principal: { role: 'customer', actor: 'c', customerId: 'cus_1' }, requestId: 'r', deadline: Date.now() + 60_000 }).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const raised = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    for (const forged of [`${header}.${raised}.${signature}`, `${none}.${payload}.`, `${none}.${raised}.`, 'not-a-token', `${header}.${payload}`, `${header}.${payload}.${signature}.x`]) {
      const refused = await post(subgraph.url, RECEIVED, { [PRINCIPAL_HEADER]: forged });
      expect(refused.status).toBe(401);
      expect(refused.body.errors![0]!.message).toMatch(/not one the gateway signed/);
    }
  });

  it('answers composition (`_service`) and a liveness probe without the grant', async () => {
    const { status, body } = await post(subgraph.url, '{ _service { sdl } __typename }');
    expect(status).toBe(200);
    expect(body.data!._service.sdl).toContain('received');
  });

  it("enforces the field's roles again with a valid grant", async () => {
    const { body } = await post(subgraph.url, '{ secret }', await grantHeaders({ role: 'partner', actor: 'p', franchise: 'NRD' }));
    expect(body.data).toEqual({ secret: null });
    expect(body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const steward = await post(subgraph.url, '{ secret }', await grantHeaders({ role: 'steward', actor: 's' }));
    expect(steward.body.data).toEqual({ secret: 'for stewards' });
  });
});

describe('an answer served partly from a stale cache', () => {
  it('says so to the client, with the source, the kind of record and its age, through the gateway', async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ remembered received { role } }' }) });
    const body = (await response.json()) as { data: Record<string, unknown>; extensions?: { stale?: unknown } };
    expect(body.data.remembered).toBe('from the cache');
    expect(body.extensions?.stale).toEqual([{ source: 'echo', kind: 'thing', ageMs: 90_000 }]);
    const fresh = (await (await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ received { role } }' }) })).json()) as { extensions?: unknown };
    expect(fresh.extensions).toBeUndefined();
  });
});
