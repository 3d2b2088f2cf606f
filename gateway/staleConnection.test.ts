import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { parse } from 'graphql';
import { TEST_INTERNAL_SECRET } from '../test/support/grant.js';
import { composeTestSupergraph, startTestGateway, TEST_SUBGRAPH_LINKS, type TestGateway } from '../test/support/gateway.js';
import { createSubgraphServer, listenSubgraph, type ListeningSubgraph, type RequestIdentity, type SubgraphModule } from '../subgraphs/shared/subgraphServer.js';

// The gateway keeps connections to each subgraph open between fetches. A subgraph closes an
// idle one after its keep-alive timeout, and a fetch the pool sends on it in that instant gets
// no answer: a reset. Here a proxy in front of the subgraph plays that instant on demand: once
// `closing` is set, a request arriving on a connection that has already carried one is met with
// a reset, unread. A read is sent again on a connection of its own and answered; a write is not
// sent again.
const typeDefs = parse(/* GraphQL */ `
  ${TEST_SUBGRAPH_LINKS}
  type Query {
    echo(key: String!): String! @access(roles: ["public"])
  }
  type Mutation {
    touch(key: String!): String! @access(roles: ["public"])
  }
`);

const calls: string[] = [];
const module: SubgraphModule<RequestIdentity> = {
  name: 'echo',
  typeDefs,
  resolvers: {
    Query: { echo: (_: unknown, { key }: { key: string }) => (calls.push(`echo ${key}`), key) },
    Mutation: { touch: (_: unknown, { key }: { key: string }) => (calls.push(`touch ${key}`), key) },
  },
};

/** A TCP proxy that can reset the next request on a reused connection. */
class ClosingProxy {
  closing = false;
  /** Requests met with a reset. */
  reset = 0;
  /** While closing, how many requests a connection carries before the next is reset. */
  requestsBeforeReset = 1;
  /** Connections opened by the gateway. */
  connections = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly upstreamPort: number) {
    this.server = createServer((client) => this.accept(client));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}/`;
  }

  private accept(client: Socket): void {
    this.connections += 1;
    let requests = 0;
    const upstream = createConnection(this.upstreamPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      // A chunk that starts a request (the gateway writes its headers in one).
      if (chunk.subarray(0, 5).toString('latin1') === 'POST ') {
        requests += 1;
        if (this.closing && requests > this.requestsBeforeReset) {
          this.reset += 1;
          upstream.destroy();
          client.resetAndDestroy();
          return;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let subgraph: ListeningSubgraph;
let proxy: ClosingProxy;
let supergraph: Awaited<ReturnType<typeof composeTestSupergraph>>;
let gateway: TestGateway;
let headers: Record<string, string>;

beforeAll(async () => {
  subgraph = await listenSubgraph(createSubgraphServer(module), { port: 0, internalSecret: TEST_INTERNAL_SECRET, context: async (identity) => identity });
  proxy = new ClosingProxy(Number(new URL(subgraph.url).port));
  const url = await proxy.listen();
  supergraph = await composeTestSupergraph([{ name: 'echo', url, typeDefs }]);
  gateway = await startTestGateway({ echo: url }, { supergraphPath: supergraph.supergraphPath });
  headers = { 'content-type': 'application/json', authorization: `Bearer ${await gateway.tokens.sign({ role: 'service', actor: 'dana' })}` };
});

afterAll(async () => {
  await gateway?.stop();
  await proxy?.stop();
  await subgraph?.stop();
  await supergraph?.remove();
});

beforeEach(() => {
  proxy.closing = false;
  proxy.reset = 0;
  proxy.requestsBeforeReset = 1;
  calls.length = 0;
});

async function ask(query: string): Promise<{ data?: Record<string, string> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> }> {
  const response = await fetch(gateway.url, { method: 'POST', headers, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: Record<string, string> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

test('a read sent on a pooled connection the subgraph has just closed is sent again on a new one, and answered', async () => {
  // A first read leaves a connection in the pool.
  expect(await ask('{ echo(key: "first") }')).toEqual({ data: { echo: 'first' } });
  const opened = proxy.connections;

  proxy.closing = true;
  expect(await ask('{ echo(key: "second") }')).toEqual({ data: { echo: 'second' } });
  // The pooled connection was reset, unread; the read went again on a connection of its own.
  expect(proxy.reset).toBe(1);
  expect(proxy.connections).toBe(opened + 1);
  expect(calls).toEqual(['echo first', 'echo second']);
});

test('a write is not sent again: the client gets SUBGRAPH_UNAVAILABLE, and the subgraph never saw it', async () => {
  expect(await ask('{ echo(key: "warm") }')).toEqual({ data: { echo: 'warm' } });

  proxy.closing = true;
  const answer = await ask('mutation { touch(key: "once") }');
  expect(answer.data ?? null).toBeNull();
  expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['SUBGRAPH_UNAVAILABLE']);
  expect(proxy.reset).toBe(1);
  expect(calls).toEqual(['echo warm']);
});

test('a read whose connection is reset again is not sent a third time', async () => {
  expect(await ask('{ echo(key: "warm") }')).toEqual({ data: { echo: 'warm' } });
  proxy.closing = true;
  // Every connection resets its first request from now on: the retry's own connection too.
  proxy.requestsBeforeReset = 0;
  const answer = await ask('{ echo(key: "lost") }');
  expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['SUBGRAPH_UNAVAILABLE']);
  expect(proxy.reset).toBe(2);
  expect(calls).toEqual(['echo warm']);
});
