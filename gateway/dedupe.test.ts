import { parse } from 'graphql';
import { TEST_INTERNAL_SECRET } from '../test/support/grant.js';
import { composeTestSupergraph, startTestGateway, type TestGateway } from '../test/support/gateway.js';
import { createSubgraphServer, listenSubgraph, type ListeningSubgraph, type RequestIdentity, type SubgraphModule } from '../subgraphs/shared/subgraphServer.js';

// A slow subgraph that counts what it is asked, behind the gateway: identical reads in flight
// at once for the same principal reach it once; anything else (another principal, other
// arguments, a write, the sharing switched off) reaches it as often as it was asked.
const typeDefs = parse(/* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective"])
    @link(url: "https://crosscanal.dev/access/v1.0", import: ["@access"])
    @composeDirective(name: "@access")
  directive @access(roles: [String!]!) on FIELD_DEFINITION | OBJECT | INTERFACE
  type Query {
    slow(key: String!): Answer! @access(roles: ["public"])
  }
  type Mutation {
    touch(key: String!): Answer! @access(roles: ["public"])
  }
  type Answer @access(roles: ["public"]) {
    key: String!
    actor: String
    call: Int!
  }
`);

const DELAY_MS = 300;
let calls: Array<{ field: string; key: string; actor: string | null }> = [];

const slow: SubgraphModule<RequestIdentity> = {
  name: 'slow',
  typeDefs,
  resolvers: {
    Query: {
      slow: async (_: unknown, { key }: { key: string }, { principal }: RequestIdentity) => {
        calls.push({ field: 'slow', key, actor: principal.actor });
        const call = calls.length;
        await new Promise((resolve) => setTimeout(resolve, DELAY_MS));
        return { key, actor: principal.actor, call };
      },
    },
    Mutation: {
      touch: (_: unknown, { key }: { key: string }, { principal }: RequestIdentity) => {
        calls.push({ field: 'touch', key, actor: principal.actor });
        return { key, actor: principal.actor, call: calls.length };
      },
    },
  },
};

let subgraph: ListeningSubgraph;
let supergraph: Awaited<ReturnType<typeof composeTestSupergraph>>;
let gateway: TestGateway;
let unshared: TestGateway;

beforeAll(async () => {
  subgraph = await listenSubgraph(createSubgraphServer(slow), { port: 0, internalSecret: TEST_INTERNAL_SECRET, context: async (identity) => identity });
  supergraph = await composeTestSupergraph([{ name: 'slow', url: subgraph.url, typeDefs }]);
  const { supergraphPath } = supergraph;
  gateway = await startTestGateway({ slow: subgraph.url }, { supergraphPath });
  unshared = await startTestGateway({ slow: subgraph.url }, { supergraphPath, env: { GATEWAY_DEDUPE_FETCHES: 'off' } });
});

afterAll(async () => {
  await gateway?.stop();
  await unshared?.stop();
  await subgraph?.stop();
  await supergraph?.remove();
});

beforeEach(() => {
  calls = [];
});

interface Answer {
  status: number;
  requestId: string | null;
  body: { data?: { slow?: { key: string; actor: string | null; call: number }; touch?: { call: number } } | null; errors?: Array<{ extensions?: { code?: string } }> };
}

async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', signal, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Answer['body'] };
}

const SLOW = 'query Slow($key: String!) { slow(key: $key) { key actor call } }';
const TOUCH = 'mutation Touch($key: String!) { touch(key: $key) { call } }';

async function bearer(actor: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await gateway.tokens.sign({ role: 'service', actor })}` };
}

describe('identical subgraph reads in flight at once', () => {
  it('reach the subgraph once for the same principal, and each request gets the answer under its own id', async () => {
    const headers = await bearer('carol');
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(gateway.url, SLOW, { key: 'a' }, headers)));
    expect(calls).toEqual([{ field: 'slow', key: 'a', actor: 'carol' }]);
    for (const answer of answers) expect(answer.body.data!.slow).toEqual({ key: 'a', actor: 'carol', call: 1 });
    expect(new Set(answers.map((a) => a.requestId)).size).toBe(5);
  });

  it('are not shared between principals, nor between different arguments', async () => {
    const [carol, dave] = [await bearer('carol'), await bearer('dave')];
    const answers = await Promise.all([post(gateway.url, SLOW, { key: 'a' }, carol), post(gateway.url, SLOW, { key: 'a' }, dave), post(gateway.url, SLOW, { key: 'b' }, carol)]);
    expect(calls).toHaveLength(3);
    expect(answers.map((a) => a.body.data!.slow!.actor)).toEqual(['carol', 'dave', 'carol']);
    expect(answers.map((a) => a.body.data!.slow!.key)).toEqual(['a', 'a', 'b']);
  });

  it('are sent again once the first has been answered (nothing is cached)', async () => {
    const headers = await bearer('carol');
    await post(gateway.url, SLOW, { key: 'a' }, headers);
    await post(gateway.url, SLOW, { key: 'a' }, headers);
    expect(calls).toHaveLength(2);
  });

  it('are each sent when the sharing is switched off', async () => {
    const headers = { authorization: `Bearer ${await unshared.tokens.sign({ role: 'service', actor: 'carol' })}` };
    await Promise.all(Array.from({ length: 3 }, () => post(unshared.url, SLOW, { key: 'a' }, headers)));
    expect(calls).toHaveLength(3);
  });

  it('go on for the requests still waiting when the first one leaves', async () => {
    const headers = await bearer('carol');
    const leaving = new AbortController();
    const first = post(gateway.url, SLOW, { key: 'c' }, headers, leaving.signal).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = post(gateway.url, SLOW, { key: 'c' }, headers);
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaving.abort();
    expect(await first).toBe('AbortError');
    const answer = await second;
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data!.slow).toEqual({ key: 'c', actor: 'carol', call: 1 });
    expect(calls).toHaveLength(1);
  });
});

describe('writes', () => {
  it('are never shared, even identical and at once', async () => {
    const headers = await bearer('carol');
    const answers = await Promise.all(Array.from({ length: 3 }, () => post(gateway.url, TOUCH, { key: 'a' }, headers)));
    expect(calls.filter((c) => c.field === 'touch')).toHaveLength(3);
    expect(new Set(answers.map((a) => a.body.data!.touch!.call))).toEqual(new Set([1, 2, 3]));
  });
});
