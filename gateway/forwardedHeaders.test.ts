import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse } from 'graphql';
import { startGateway, type RunningGateway } from './server.js';

// A subgraph that answers with the headers it received, behind the gateway over a
// supergraph of that subgraph alone.
const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    received: Received!
  }
  type Received {
    actor: String
    role: String
    other: String
  }
`);

let echo: ApolloServer<{ req: IncomingMessage }>;
let gateway: RunningGateway;
let dir: string;

beforeAll(async () => {
  echo = new ApolloServer<{ req: IncomingMessage }>({
    schema: buildSubgraphSchema({
      typeDefs,
      resolvers: {
        Query: {
          received: (_: unknown, __: unknown, { req }: { req: IncomingMessage }) => ({
            actor: req.headers['x-crosscanal-actor'] ?? null,
            role: req.headers['x-crosscanal-role'] ?? null,
            other: req.headers['x-other'] ?? null,
          }),
        },
      } as GraphQLResolverMap<unknown>,
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(echo, { listen: { port: 0, host: '127.0.0.1' }, context: async ({ req }) => ({ req }) });
  const composed = composeServices([{ name: 'echo', url, typeDefs }]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-gateway-'));
  await writeFile(join(dir, 'supergraph.graphql'), composed.supergraphSdl);
  gateway = await startGateway({
    port: 0,
    host: '127.0.0.1',
    supergraphPath: join(dir, 'supergraph.graphql'),
    subgraphUrls: { echo: url },
    subgraphTimeoutMs: 5000,
    development: false,
  });
});

afterAll(async () => {
  await gateway?.stop();
  await echo?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function ask(headers: Record<string, string>) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ received { actor role other } }' }),
  });
  return ((await response.json()) as { data: { received: Record<string, string | null> } }).data.received;
}

describe('the gateway passes on who acts', () => {
  it('forwards x-crosscanal-actor and x-crosscanal-role to the subgraph, and no other header', async () => {
    expect(await ask({ 'x-crosscanal-actor': 'alice', 'x-crosscanal-role': 'steward', 'x-other': 'kept back' })).toEqual({
      actor: 'alice',
      role: 'steward',
      other: null,
    });
  });

  it('sends neither when the caller sent neither', async () => {
    expect(await ask({})).toEqual({ actor: null, role: null, other: null });
  });
});
