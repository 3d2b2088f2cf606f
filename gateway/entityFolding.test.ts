import { parse } from 'graphql';
import { TEST_INTERNAL_SECRET } from '../test/support/grant.js';
import { composeTestSupergraph, startTestGateway, TEST_SUBGRAPH_LINKS, type TestGateway } from '../test/support/gateway.js';
import { createSubgraphServer, listenSubgraph, type ListeningSubgraph, type RequestIdentity, type SubgraphModule } from '../subgraphs/shared/subgraphServer.js';

// Receipt lines in one subgraph, the items they name in another: a plan asks the second for
// an item once per line naming it, and the gateway sends each item once.
const linesDefs = parse(/* GraphQL */ `
  ${TEST_SUBGRAPH_LINKS}
  type Query {
    lines(items: [ID!]!): [Line!]! @access(roles: ["public"])
  }
  type Line @access(roles: ["public"]) {
    n: Int!
    item: Item!
  }
  type Item @key(fields: "id", resolvable: false) @access(roles: ["public"]) {
    id: ID!
  }
`);

const itemsDefs = parse(/* GraphQL */ `
  ${TEST_SUBGRAPH_LINKS}
  type Item @key(fields: "id") @access(roles: ["public"]) {
    id: ID!
    name: String
    tags: [String!]!
  }
`);

let asked: string[] = [];
/** While set, the lines subgraph holds its answers until `count` requests wait, then gives them all at once. */
let gate: { count: number; waiting: Array<() => void> } | undefined;
/** HTTP requests the items subgraph received. */
let itemRequests = 0;

const lines: SubgraphModule<RequestIdentity> = {
  name: 'lines',
  typeDefs: linesDefs,
  resolvers: {
    Query: {
      lines: async (_: unknown, { items }: { items: string[] }) => {
        const held = gate;
        if (held) {
          await new Promise<void>((resolve) => {
            held.waiting.push(resolve);
            if (held.waiting.length === held.count) for (const release of held.waiting.splice(0)) release();
          });
        }
        return items.map((id, n) => ({ n, item: { id } }));
      },
    },
  },
};

const items: SubgraphModule<RequestIdentity> = {
  name: 'items',
  typeDefs: itemsDefs,
  resolvers: {
    Item: {
      __resolveReference: async ({ id }: { id: string }) => {
        asked.push(id);
        if (id === 'slow') await new Promise((resolve) => setTimeout(resolve, 300));
        return { id };
      },
      name: ({ id }: { id: string }) => {
        if (id === 'bad') throw new Error('this item cannot be read');
        return `item ${id}`;
      },
      tags: ({ id }: { id: string }) => [id, 'tag'],
    },
  },
};

let linesSubgraph: ListeningSubgraph;
let itemsSubgraph: ListeningSubgraph;
let supergraph: Awaited<ReturnType<typeof composeTestSupergraph>>;
let gateway: TestGateway;
let unbatched: TestGateway;

beforeAll(async () => {
  const options = { port: 0, internalSecret: TEST_INTERNAL_SECRET, context: async (identity: RequestIdentity) => identity };
  linesSubgraph = await listenSubgraph(createSubgraphServer(lines), options);
  const counted = {
    ...options,
    context: async (identity: RequestIdentity) => {
      itemRequests += 1;
      return identity;
    },
  };
  itemsSubgraph = await listenSubgraph(createSubgraphServer(items), counted);
  supergraph = await composeTestSupergraph([
    { name: 'lines', url: linesSubgraph.url, typeDefs: linesDefs },
    { name: 'items', url: itemsSubgraph.url, typeDefs: itemsDefs },
  ]);
  gateway = await startTestGateway({ lines: linesSubgraph.url, items: itemsSubgraph.url }, { supergraphPath: supergraph.supergraphPath });
  unbatched = await startTestGateway({ lines: linesSubgraph.url, items: itemsSubgraph.url }, { supergraphPath: supergraph.supergraphPath, env: { GATEWAY_BATCH_ENTITY_FETCHES: 'off' } });
});

afterAll(async () => {
  await gateway?.stop();
  await unbatched?.stop();
  await linesSubgraph?.stop();
  await itemsSubgraph?.stop();
  await supergraph?.remove();
});

beforeEach(() => {
  asked = [];
  itemRequests = 0;
  gate = undefined;
});

interface Answer {
  data?: { lines: Array<{ n: number; item: { id: string; name: string | null; tags?: string[] } | null }> } | null;
  errors?: Array<{ message: string; path?: Array<string | number> }>;
}

async function query(ids: string[], fields = 'id name', { target = gateway, headers = {}, signal }: { target?: TestGateway; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Answer> {
  const response = await fetch(target.url, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: `query ($ids: [ID!]!) { lines(items: $ids) { n item { ${fields} } } }`, variables: { ids } }),
  });
  return (await response.json()) as Answer;
}

describe('an entity fetch naming the same entity at many places', () => {
  it('asks the owning subgraph for each entity once, and answers every place in order', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `p${i % 7}`);
    const answer = await query(ids, 'id name tags');
    expect(answer.errors).toBeUndefined();
    expect(asked.sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(answer.data!.lines).toHaveLength(300);
    answer.data!.lines.forEach((line, n) => expect(line).toEqual({ n, item: { id: ids[n], name: `item ${ids[n]}`, tags: [ids[n], 'tag'] } }));
  });

  it("puts an entity's error at every place it stands", async () => {
    const answer = await query(['a', 'bad', 'b', 'bad', 'a']);
    expect(asked.sort()).toEqual(['a', 'b', 'bad']);
    expect(answer.data!.lines.map((line) => line.item?.name ?? null)).toEqual(['item a', null, 'item b', null, 'item a']);
    expect(answer.errors!.map((error) => error.path)).toEqual([
      ['lines', 1, 'item', 'name'],
      ['lines', 3, 'item', 'name'],
    ]);
  });

  it('sends a fetch without repeats as it is', async () => {
    const answer = await query(['x', 'y', 'z']);
    expect(asked).toEqual(['x', 'y', 'z']);
    expect(answer.data!.lines.map((line) => line.item!.name)).toEqual(['item x', 'item y', 'item z']);
  });
});

describe('entity fetches of one plan step, one per alias', () => {
  type Aliased = { data?: Record<string, Array<{ n: number; item: { id: string; name?: string | null; tags?: string[] } | null }>> | null; errors?: Answer['errors'] };
  async function aliased(target: TestGateway, lists: Record<string, { ids: string[]; fields: string }>): Promise<Aliased> {
    const names = Object.keys(lists);
    const query = `query (${names.map((name) => `$${name}: [ID!]!`).join(', ')}) { ${names.map((name) => `${name}: lines(items: $${name}) { n item { ${lists[name]!.fields} } }`).join(' ')} }`;
    const variables = Object.fromEntries(names.map((name) => [name, lists[name]!.ids]));
    const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as Aliased;
  }

  it('go to the subgraph as one fetch, each alias answered with its own entities and errors', async () => {
    const answer = await aliased(gateway, {
      a: { ids: ['x', 'y'], fields: 'id name' },
      b: { ids: ['y', 'bad', 'z'], fields: 'id name' },
      c: { ids: ['x'], fields: 'id name' },
    });
    expect(itemRequests).toBe(1);
    expect(asked.sort()).toEqual(['bad', 'x', 'y', 'z']);
    expect(answer.data!.a!.map((line) => line.item?.name ?? null)).toEqual(['item x', 'item y']);
    expect(answer.data!.b!.map((line) => line.item?.name ?? null)).toEqual(['item y', null, 'item z']);
    expect(answer.data!.c!.map((line) => line.item?.name ?? null)).toEqual(['item x']);
    expect(answer.errors!.map((error) => error.path)).toEqual([['b', 1, 'item', 'name']]);
  });

  it('stay apart when they ask the subgraph different fields', async () => {
    const answer = await aliased(gateway, { a: { ids: ['x'], fields: 'name' }, b: { ids: ['x'], fields: 'tags' }, c: { ids: ['y'], fields: 'name' } });
    expect(answer.errors).toBeUndefined();
    expect(itemRequests).toBe(2);
    expect(answer.data).toEqual({ a: [{ n: 0, item: { name: 'item x' } }], b: [{ n: 0, item: { tags: ['x', 'tag'] } }], c: [{ n: 0, item: { name: 'item y' } }] });
  });

  it('go one per alias with GATEWAY_BATCH_ENTITY_FETCHES=off, with the same answer', async () => {
    const lists = { a: { ids: ['x', 'y'], fields: 'id name' }, b: { ids: ['y', 'bad'], fields: 'id name' }, c: { ids: ['z'], fields: 'id name' } };
    const batched = await aliased(gateway, lists);
    itemRequests = 0;
    const apart = await aliased(unbatched, lists);
    expect(itemRequests).toBe(3);
    expect(apart).toEqual(batched);
  });
});

describe('entity fetches of requests served at once', () => {
  // The lines subgraph answers the requests together, so that their entity fetches are asked
  // in the same turn of the gateway's event loop.
  const together = (count: number) => (gate = { count, waiting: [] });
  const bearer = async (target: TestGateway, actor: string) => ({ authorization: `Bearer ${await target.tokens.sign({ role: 'service', actor })}` });

  it('go to the subgraph as one fetch for the same principal, each request answered with its own entities and errors', async () => {
    together(3);
    const [a, b, c] = await Promise.all([query(['x', 'y']), query(['y', 'bad', 'z']), query(['x'])]);
    expect(itemRequests).toBe(1);
    expect(asked.sort()).toEqual(['bad', 'x', 'y', 'z']);
    expect(a!.errors).toBeUndefined();
    expect(a!.data!.lines.map((line) => line.item?.name ?? null)).toEqual(['item x', 'item y']);
    expect(b!.data!.lines.map((line) => line.item?.name ?? null)).toEqual(['item y', null, 'item z']);
    expect(b!.errors!.map((error) => error.path)).toEqual([['lines', 1, 'item', 'name']]);
    expect(c!.errors).toBeUndefined();
    expect(c!.data!.lines).toEqual([{ n: 0, item: { id: 'x', name: 'item x' } }]);
  });

  it('stay apart for different principals', async () => {
    const [carol, dave] = [await bearer(gateway, 'carol'), await bearer(gateway, 'dave')];
    together(3);
    const answers = await Promise.all([query(['x'], 'id name', { headers: carol }), query(['y'], 'id name', { headers: dave }), query(['z'], 'id name', { headers: carol })]);
    expect(itemRequests).toBe(2);
    expect(answers.map((answer) => answer.data!.lines[0]!.item!.name)).toEqual(['item x', 'item y', 'item z']);
  });

  it('stay apart past 500 representations in all, one request\'s fetches still going out together', async () => {
    const many = (prefix: string) => Array.from({ length: 300 }, (_, i) => `${prefix}${i}`);
    together(2);
    const [a, b] = await Promise.all([query(many('a')), query(many('b'))]);
    expect(itemRequests).toBe(2);
    expect(a!.data!.lines.map((line) => line.item!.name)).toEqual(many('item a'));
    expect(b!.data!.lines.map((line) => line.item!.name)).toEqual(many('item b'));
  });

  it('go one per request with GATEWAY_BATCH_ENTITY_FETCHES=off', async () => {
    together(2);
    const answers = await Promise.all([query(['x'], 'id name', { target: unbatched }), query(['y'], 'id name', { target: unbatched })]);
    expect(itemRequests).toBe(2);
    expect(answers.map((answer) => answer.data!.lines[0]!.item!.name)).toEqual(['item x', 'item y']);
  });

  it('go on for the request still waiting when the other leaves', async () => {
    together(2);
    const leaving = new AbortController();
    const left = query(['slow', 'x'], 'id name', { signal: leaving.signal }).catch((error: unknown) => error);
    const staying = query(['slow', 'y']);
    setTimeout(() => leaving.abort(), 100);
    const [gone, answer] = await Promise.all([left, staying]);
    expect((gone as Error).name).toBe('AbortError');
    expect(itemRequests).toBe(1);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.lines.map((line) => line.item!.name)).toEqual(['item slow', 'item y']);
  });
});

describe('the copy each place of a folded entity gets', () => {
  it('is equal to the answer, shares no object with it, and keeps a `__proto__` key as a key', async () => {
    const { copyOfJson } = await import('./subgraphDataSource.js');
    const answered = JSON.parse('{"id":"7","tags":["a",{"deep":[1,null,true]}],"price":{"amount":1299,"currency":"EUR"},"__proto__":{"polluted":true}}') as Record<string, any>;
    const copy = copyOfJson(answered) as Record<string, any>;
    expect(copy).toEqual(answered);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(answered));
    expect(copy.tags).not.toBe(answered.tags);
    expect(copy.tags[1]).not.toBe(answered.tags[1]);
    expect(copy.price).not.toBe(answered.price);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toContain('__proto__');
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
