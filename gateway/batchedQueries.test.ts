import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import DataLoader from 'dataloader';
import { parse } from 'graphql';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../test/support/grant.js';
import { PRINCIPAL_HEADER } from '../subgraphs/shared/principal.js';
import { composeTestSupergraph, startTestGateway, TEST_SUBGRAPH_LINKS, type TestGateway } from '../test/support/gateway.js';
import { registry } from '../subgraphs/shared/metrics.js';
import { noteStale } from '../subgraphs/shared/requestScope.js';
import { BATCH_ANSWER_TYPE, createSubgraphServer, listenSubgraph, MAX_BATCH_OPERATIONS, type ListeningSubgraph, type RequestIdentity, type SubgraphModule } from '../subgraphs/shared/subgraphServer.js';

// A subgraph of people, looked up through a loader of the request's context that records each
// batch of keys it reads: reads of one operation for requests served at once reach it as one
// batch of operations, one context, one read of their keys.
const typeDefs = parse(/* GraphQL */ `
  ${TEST_SUBGRAPH_LINKS}
  type Query {
    person(id: ID!): Person @access(roles: ["public"])
    motto: String @access(roles: ["public"])
  }
  type Mutation {
    rename(id: ID!): Person @access(roles: ["public"])
  }
  type Person @access(roles: ["public"]) {
    id: ID!
    name: String
  }
`);

interface PeopleContext extends RequestIdentity {
  people: DataLoader<string, { id: string } | null>;
}

/** HTTP requests the subgraph served (its context is made once per request), and the key batches its loaders read. */
let requests = 0;
let reads: string[][] = [];
/** Ids whose person the subgraph had finished reading (a slow one after 300 ms). */
let finished: string[] = [];

const people: SubgraphModule<PeopleContext> = {
  name: 'people',
  typeDefs,
  resolvers: {
    Query: {
      person: async (_: unknown, { id }: { id: string }, context: PeopleContext) => {
              if (id === 'old') noteStale({ source: 'people', kind: 'person', ageMs: 60_000 });
        if (id.startsWith('slow')) await new Promise((resolve) => setTimeout(resolve, 300));
        finished.push(id);
        return context.people.load(id);
      },
      motto: () => 'one brand',
    },
    Mutation: {
      rename: (_: unknown, { id }: { id: string }) => ({ id }),
    },
    Person: {
      name: ({ id }: { id: string }) => {
        if (id === 'bad') throw new Error('this person cannot be read');
        return `person ${id}`;
      },
    },
  },
};

let subgraph: ListeningSubgraph;
let supergraph: Awaited<ReturnType<typeof composeTestSupergraph>>;
let gateway: TestGateway;
let unbatched: TestGateway;
/** In front of the subgraph, a server that takes one operation at a time (as Apollo Server does by default), and the gateway that asks it. */
let oneAtATime: Server;
let batchesRefused = 0;
let olderGateway: TestGateway;
/** Behind `/array`, batches answered as one JSON array, and the gateway that asks it so. */
let arrayBatches = 0;
let arrayGateway: TestGateway;

beforeAll(async () => {
  subgraph = await listenSubgraph(createSubgraphServer(people), {
    port: 0,
    internalSecret: TEST_INTERNAL_SECRET,
    context: async (identity) => {
      requests += 1;
      return {
        ...identity,
        people: new DataLoader(async (ids: readonly string[]) => {
          reads.push([...ids].sort());
          return ids.map((id) => (id === 'nobody' ? null : { id }));
        }),
      };
    },
  });
  supergraph = await composeTestSupergraph([{ name: 'people', url: subgraph.url, typeDefs }]);
  gateway = await startTestGateway({ people: subgraph.url }, { supergraphPath: supergraph.supergraphPath });
  unbatched = await startTestGateway({ people: subgraph.url }, { supergraphPath: supergraph.supergraphPath, env: { GATEWAY_BATCH_QUERY_FETCHES: 'off' } });
  oneAtATime = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (body.trimStart().startsWith('[') && req.url === '/array') {
      // As Apollo Server answers a batch when it takes them: a JSON array, once all are done.
      arrayBatches += 1;
      const headers = { 'content-type': 'application/json', [PRINCIPAL_HEADER]: String(req.headers[PRINCIPAL_HEADER]) };
      const answers = await Promise.all((JSON.parse(body) as unknown[]).map(async (operation) => (await fetch(subgraph.url, { method: 'POST', headers, body: JSON.stringify(operation) })).text()));
      res.writeHead(200, { 'content-type': 'application/json' }).end(`[${answers.join(',')}]`);
      return;
    }
    if (body.trimStart().startsWith('[')) {
      batchesRefused += 1;
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: 'Operation batching disabled.', extensions: { code: 'BAD_REQUEST' } }] }));
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name === 'content-type' || name.startsWith('x-crosscanal')) as Array<[string, string]>);
    const answer = await fetch(subgraph.url, { method: 'POST', headers, body });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
  });
  await new Promise<void>((resolve) => oneAtATime.listen(0, '127.0.0.1', resolve));
  const { port } = oneAtATime.address() as { port: number };
  olderGateway = await startTestGateway({ people: `http://127.0.0.1:${port}/` }, { supergraphPath: supergraph.supergraphPath });
  arrayGateway = await startTestGateway({ people: `http://127.0.0.1:${port}/array` }, { supergraphPath: supergraph.supergraphPath });
});

afterAll(async () => {
  await gateway?.stop();
  await unbatched?.stop();
  await olderGateway?.stop();
  await arrayGateway?.stop();
  await new Promise((resolve) => oneAtATime?.close(resolve));
  await subgraph?.stop();
  await supergraph?.remove();
});

beforeEach(() => {
  requests = 0;
  reads = [];
  finished = [];
});

type Answer = { data?: Record<string, unknown> | null; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>; extensions?: Record<string, unknown> };

/**
 * Posts `body` to the subgraph as the gateway would, with a grant. A batch's answer comes a
 * line per operation as each is answered (its index, a space, its answer): `answer` puts them
 * back in the batch's order, and `order` says in which they came.
 */
async function toSubgraph(body: unknown, headers?: Record<string, string>): Promise<{ status: number; contentType: string; answer: unknown; order: number[] }> {
  const response = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(headers ?? (await grantHeaders())) }, body: JSON.stringify(body) });
  const contentType = response.headers.get('content-type') ?? '';
  const text = await response.text();
  if (!contentType.startsWith(BATCH_ANSWER_TYPE)) return { status: response.status, contentType, answer: JSON.parse(text), order: [] };
  const lines = text.split('\n').filter((line) => line !== '');
  const parts = lines.map((line) => [Number(line.slice(0, line.indexOf(' '))), JSON.parse(line.slice(line.indexOf(' ') + 1))] as const);
  const answer: unknown[] = [];
  for (const [index, part] of parts) answer[index] = part;
  return { status: response.status, contentType, answer, order: parts.map(([index]) => index) };
}

const PERSON = 'query Person($id: ID!) { person(id: $id) { id name } }';

describe('a subgraph sent a batch of operations', () => {
  it('runs them with one context, their loaders reading once, and answers each in order', async () => {
    const { status, answer } = await toSubgraph([
      { query: PERSON, variables: { id: 'a' } },
      { query: PERSON, variables: { id: 'bad' } },
      { query: PERSON, variables: { id: 'nobody' } },
      { query: '{ motto }' },
    ]);
    expect(status).toBe(200);
    expect(requests).toBe(1);
    expect(reads).toEqual([['a', 'bad', 'nobody']]);
    const [a, bad, nobody, motto] = answer as Answer[];
    expect(a).toEqual({ data: { person: { id: 'a', name: 'person a' } } });
    expect(bad!.data).toEqual({ person: { id: 'bad', name: null } });
    expect(bad!.errors!.map((error) => error.path)).toEqual([['person', 'name']]);
    expect(nobody).toEqual({ data: { person: null } });
    expect(motto).toEqual({ data: { motto: 'one brand' } });
  });

  it('sends each answer as soon as it is done, the slowest last', async () => {
    const { contentType, answer, order } = await toSubgraph([
      { query: PERSON, variables: { id: 'slow-a' } },
      { query: PERSON, variables: { id: 'b' } },
      { query: PERSON, variables: { id: 'c' } },
    ]);
    expect(contentType).toContain(BATCH_ANSWER_TYPE);
    expect(order).toEqual([1, 2, 0]);
    expect((answer as Answer[]).map((a) => (a.data!.person as { id: string }).id)).toEqual(['slow-a', 'b', 'c']);
  });

  it('says what one operation served stale in its own answer only', async () => {
    const { answer } = await toSubgraph([
      { query: PERSON, variables: { id: 'old' } },
      { query: PERSON, variables: { id: 'new' } },
    ]);
    const [old, fresh] = answer as Answer[];
    expect(old!.extensions).toEqual({ stale: [{ source: 'people', kind: 'person', ageMs: 60_000 }] });
    expect(fresh!.extensions).toBeUndefined();
  });

  it('answers a bad operation with its own error, the others as usual', async () => {
    const { status, answer } = await toSubgraph([{ query: PERSON, variables: { id: 'a' } }, { query: '{ person(' }, { query: PERSON }, 42]);
    expect(status).toBe(200);
    const [a, unparsable, missing, notAnOperation] = answer as Answer[];
    expect(a!.data).toEqual({ person: { id: 'a', name: 'person a' } });
    expect(unparsable!.errors![0]!.extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(missing!.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(notAnOperation!.errors![0]!.extensions!.code).toBe('BAD_REQUEST');
  });

  it('refuses a mutation within a batch, running the reads beside it', async () => {
    const { answer } = await toSubgraph([{ query: PERSON, variables: { id: 'a' } }, { query: 'mutation { rename(id: "a") { id } }' }]);
    const [read, write] = answer as Answer[];
    expect(read!.data).toEqual({ person: { id: 'a', name: 'person a' } });
    expect(write!.data).toBeUndefined();
    expect(write!.errors).toEqual([expect.objectContaining({ message: 'a batch holds reads only: send a mutation on its own', extensions: expect.objectContaining({ code: 'BAD_REQUEST' }) })]);
  });

  it(`refuses an empty batch and one of more than ${MAX_BATCH_OPERATIONS} operations before running any`, async () => {
    const empty = await toSubgraph([]);
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.answer)).toContain('BAD_REQUEST');
    const huge = await toSubgraph(Array.from({ length: MAX_BATCH_OPERATIONS + 1 }, (_, i) => ({ query: PERSON, variables: { id: `p${i}` } })));
    expect(huge.status).toBe(400);
    expect(JSON.stringify(huge.answer)).toContain(`1 to ${MAX_BATCH_OPERATIONS} operations, got ${MAX_BATCH_OPERATIONS + 1}`);
    expect(reads).toEqual([]);
  });

  it('answers a batch without the gateway\'s grant as it answers one operation without it', async () => {
    const { answer } = await toSubgraph([{ query: PERSON, variables: { id: 'a' } }, { query: '{ __typename }' }], {});
    const [refused, open] = answer as Answer[];
    expect(refused!.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(open).toEqual({ data: { __typename: 'Query' } });
    expect(reads).toEqual([]);
  });
});

/**
 * Posts the operations to the gateway at once: every request is written to its own open
 * connection in one turn, so that the gateway reads them all in the same turn of its loop (as
 * it does under load, on connections kept alive). The connections are opened first, and the
 * gateway given the time to take them: it takes a new connection per turn.
 */
async function atOnce(
  target: TestGateway,
  bodies: Array<{ query: string; variables?: Record<string, unknown> }>,
  headers: Record<string, string> = {},
  /** A client that closes its connection `afterMs` after sending: its answer is undefined. */
  leave?: { leaving: number; afterMs: number },
  /** Filled with when each answer had arrived (performance.now()). */
  arrivals: number[] = [],
): Promise<Array<Answer | undefined>> {
  const url = new URL(target.url);
  const sockets = await Promise.all(
    bodies.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const answers = sockets.map(
    (socket, i) =>
      new Promise<Answer | undefined>((resolve, reject) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.once('error', reject);
        socket.once('close', () => resolve(undefined));
        socket.once('end', () => {
          arrivals[i] = performance.now();
          const text = Buffer.concat(chunks).toString('utf8');
          const [head, ...rest] = text.split('\r\n\r\n');
          const body = rest.join('\r\n\r\n');
          // The answer may come chunked: its JSON is between the chunk sizes.
          const json = /transfer-encoding: chunked/i.test(head!) ? body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '').replace(/\r\n[0-9a-f]+\r\n/gi, '') : body;
          resolve(JSON.parse(json) as Answer);
        });
      }),
  );
  sockets.forEach((socket, i) => {
    const body = JSON.stringify(bodies[i]);
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`POST / HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n${extra}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  if (leave) setTimeout(() => sockets[leave.leaving]!.destroy(), leave.afterMs);
  return Promise.all(answers);
}

const person = (id: string) => ({ query: 'query Person($id: ID!) { person(id: $id) { id name } }', variables: { id } });

/** What the gateway's metrics counted of shared work, of `kind`, to the people subgraph. */
async function sharedCount(kind: string): Promise<number> {
  const metric = await registry.getSingleMetric('crosscanal_gateway_shared_total')!.get();
  return metric.values.filter((v) => v.labels.kind === kind && v.labels.subgraph === 'people').reduce((sum, v) => sum + v.value, 0);
}

describe('reads of one operation for requests served at once, through the gateway', () => {
  it('reach the subgraph as one batch, one context, each request answered with its own data and errors', async () => {
    const [batchesBefore, batchedBefore] = [await sharedCount('batch'), await sharedCount('batched')];
    const answers = await atOnce(gateway, [person('a'), person('bad'), person('nobody'), person('b')]);
    expect([(await sharedCount('batch')) - batchesBefore, (await sharedCount('batched')) - batchedBefore]).toEqual([1, 4]);
    expect(answers[0]).toEqual({ data: { person: { id: 'a', name: 'person a' } } });
    expect(answers[1]!.data).toEqual({ person: { id: 'bad', name: null } });
    expect(answers[1]!.errors!.map((error) => error.path)).toEqual([['person', 'name']]);
    expect(answers[2]).toEqual({ data: { person: null } });
    expect(answers[3]).toEqual({ data: { person: { id: 'b', name: 'person b' } } });
    expect(requests).toBe(1);
    expect(reads).toEqual([['a', 'b', 'bad', 'nobody']]);
  });

  it('ask an identical read once, each request answered', async () => {
    const answers = await atOnce(gateway, [person('a'), person('a'), person('c')]);
    expect(answers.map((answer) => answer!.data)).toEqual([{ person: { id: 'a', name: 'person a' } }, { person: { id: 'a', name: 'person a' } }, { person: { id: 'c', name: 'person c' } }]);
    expect(requests).toBe(1);
    expect(reads).toEqual([['a', 'c']]);
  });

  it('stay apart for different principals', async () => {
    const carol = `Bearer ${await gateway.tokens.sign({ role: 'service', actor: 'carol' })}`;
    const dave = `Bearer ${await gateway.tokens.sign({ role: 'service', actor: 'dave' })}`;
    // Each principal's requests at once: a token's verification may end in another turn.
    const [forCarol, forDave] = await Promise.all([atOnce(gateway, [person('a'), person('b')], { authorization: carol }), atOnce(gateway, [person('c')], { authorization: dave })]);
    expect([...forCarol, ...forDave].map((answer) => (answer!.data!.person as { id: string }).id)).toEqual(['a', 'b', 'c']);
    expect(reads.flat().sort()).toEqual(['a', 'b', 'c']);
    expect(reads.every((batch) => batch.every((id) => id === 'c') || batch.every((id) => id !== 'c'))).toBe(true);
  });

  it('say what was served stale in the answer of the request it was read for only', async () => {
    const [old, fresh] = await atOnce(gateway, [person('old'), person('new')]);
    expect(requests).toBe(1);
    expect(old!.extensions).toMatchObject({ stale: [{ source: 'people', kind: 'person' }] });
    expect(fresh!.extensions?.stale).toBeUndefined();
  });

  it('go on for the request still waiting when another leaves', async () => {
    const [gone, answer] = await atOnce(gateway, [person('slow-x'), person('slow-y')], {}, { leaving: 0, afterMs: 100 });
    expect(gone).toBeUndefined();
    expect(answer).toEqual({ data: { person: { id: 'slow-y', name: 'person slow-y' } } });
    expect(requests).toBe(1);
    expect(finished.sort()).toEqual(['slow-x', 'slow-y']);
  });

  it('go one per request with GATEWAY_BATCH_QUERY_FETCHES=off, with the same answers', async () => {
    const batched = await atOnce(gateway, [person('a'), person('bad'), person('b')]);
    requests = 0;
    reads = [];
    const apart = await atOnce(unbatched, [person('a'), person('bad'), person('b')]);
    expect(requests).toBe(3);
    expect(reads.sort()).toEqual([['a'], ['b'], ['bad']]);
    expect(apart).toEqual(batched);
  });

  it('go one at a time to a subgraph that refuses batches, from its first refusal on', async () => {
    const first = await atOnce(olderGateway, [person('a'), person('bad')]);
    expect(first[0]).toEqual({ data: { person: { id: 'a', name: 'person a' } } });
    expect(first[1]!.errors!.map((error) => error.path)).toEqual([['person', 'name']]);
    expect(batchesRefused).toBe(1);
    expect(requests).toBe(2);
    const again = await atOnce(olderGateway, [person('c'), person('d')]);
    expect(again.map((answer) => answer!.data)).toEqual([{ person: { id: 'c', name: 'person c' } }, { person: { id: 'd', name: 'person d' } }]);
    expect(batchesRefused).toBe(1);
    expect(requests).toBe(4);
  });

  it('take a batch answered as one JSON array, as Apollo Server answers one', async () => {
    const answers = await atOnce(arrayGateway, [person('a'), person('bad'), person('b')]);
    expect(arrayBatches).toBe(1);
    expect(answers[0]).toEqual({ data: { person: { id: 'a', name: 'person a' } } });
    expect(answers[1]!.errors!.map((error) => error.path)).toEqual([['person', 'name']]);
    expect(answers[2]).toEqual({ data: { person: { id: 'b', name: 'person b' } } });
  });

  it('answer each request as soon as its own read is done, not at the batch\'s slowest', async () => {
    const arrivals: number[] = [];
    const [slow, quick] = await atOnce(gateway, [person('slow-s'), person('q')], {}, undefined, arrivals);
    expect(requests).toBe(1);
    expect(slow).toEqual({ data: { person: { id: 'slow-s', name: 'person slow-s' } } });
    expect(quick).toEqual({ data: { person: { id: 'q', name: 'person q' } } });
    // The slow read takes 300 ms; the quick one is answered long before it.
    expect(arrivals[0]! - arrivals[1]!).toBeGreaterThan(150);
  });
});
