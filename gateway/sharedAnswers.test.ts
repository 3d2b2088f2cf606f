import { parse } from 'graphql';
import { TEST_INTERNAL_SECRET } from '../test/support/grant.js';
import { BoundedMap } from '../subgraphs/shared/boundedMap.js';
import { noteStale } from '../subgraphs/shared/requestScope.js';
import { composeTestSupergraph, startTestGateway, TEST_SUBGRAPH_LINKS, type TestGateway } from '../test/support/gateway.js';
import { createSubgraphServer, listenSubgraph, type ListeningSubgraph, type RequestIdentity, type SubgraphModule } from '../subgraphs/shared/subgraphServer.js';

// A slow subgraph that counts what it is asked, behind the gateway: identical reads in flight
// at once for the same principal reach it once; anything else (another principal, other
// arguments, a write, the sharing switched off) reaches it as often as it was asked.
const typeDefs = parse(/* GraphQL */ `
  ${TEST_SUBGRAPH_LINKS}
  type Query {
    slow(key: String!): Answer! @access(roles: ["public"])
    flaky: String @access(roles: ["public"])
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
        if (key === 'stale') noteStale({ source: 'slow', kind: 'answer', ageMs: 90_000 });
        await new Promise((resolve) => setTimeout(resolve, DELAY_MS));
        return { key, actor: principal.actor, call };
      },
      flaky: async () => {
        calls.push({ field: 'flaky', key: '', actor: null });
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new Error('not today');
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
/** Identical fetches shared, whole requests not coalesced: what the fetches' sharing does alone. */
let gateway: TestGateway;
let unshared: TestGateway;
/** The defaults: identical queries in flight coalesced as well. */
let coalescing: TestGateway;
let cached: TestGateway;
/** A response cache of 2 KiB: a handful of answers. */
let small: TestGateway;

beforeAll(async () => {
  subgraph = await listenSubgraph(createSubgraphServer(slow), { port: 0, internalSecret: TEST_INTERNAL_SECRET, context: async (identity) => identity });
  supergraph = await composeTestSupergraph([{ name: 'slow', url: subgraph.url, typeDefs }]);
  const { supergraphPath } = supergraph;
  gateway = await startTestGateway({ slow: subgraph.url }, { supergraphPath, env: { GATEWAY_COALESCE_REQUESTS: 'off' } });
  unshared = await startTestGateway({ slow: subgraph.url }, { supergraphPath, env: { GATEWAY_DEDUPE_FETCHES: 'off', GATEWAY_COALESCE_REQUESTS: 'off' } });
  coalescing = await startTestGateway({ slow: subgraph.url }, { supergraphPath });
  cached = await startTestGateway({ slow: subgraph.url }, { supergraphPath, env: { GATEWAY_RESPONSE_CACHE: 'on', GATEWAY_RESPONSE_CACHE_TTL_MS: '1500' } });
  small = await startTestGateway({ slow: subgraph.url }, { supergraphPath, env: { GATEWAY_RESPONSE_CACHE: 'on', GATEWAY_RESPONSE_CACHE_MAX_BYTES: '2048' } });
});

afterAll(async () => {
  await gateway?.stop();
  await unshared?.stop();
  await coalescing?.stop();
  await cached?.stop();
  await small?.stop();
  await subgraph?.stop();
  await supergraph?.remove();
});

beforeEach(() => {
  calls = [];
});

interface Answer {
  status: number;
  requestId: string | null;
  cache: string | null;
  coalesced: string | null;
  type: string | null;
  body: {
    data?: { slow?: { key: string; actor: string | null; call: number }; touch?: { call: number }; flaky?: string | null } | null;
    errors?: Array<{ message?: string; path?: string[]; extensions?: { code?: string } }>;
    extensions?: { stale?: unknown };
  };
}

async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', signal, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return {
    status: response.status,
    requestId: response.headers.get('x-request-id'),
    cache: response.headers.get('x-crosscanal-cache'),
    coalesced: response.headers.get('x-crosscanal-coalesced'),
    type: response.headers.get('content-type'),
    body: (await response.json()) as Answer['body'],
  };
}

const SLOW = 'query Slow($key: String!) { slow(key: $key) { key actor call } }';

/** A slow read; 50 ms into it a write, answered; then the same read again: both reads' answers. */
async function readAfterWrite(target: TestGateway, headers: Record<string, string>): Promise<{ before: Answer; after: Answer }> {
  const before = post(target.url, SLOW, { key: 'w' }, headers);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await post(target.url, TOUCH, { key: 'w' }, headers);
  const after = await post(target.url, SLOW, { key: 'w' }, headers);
  return { before: await before, after };
}

/**
 * Two identical slow reads 50 ms apart, the first of which leaves 50 ms after the second
 * arrived: the second's answer, once the first's client has seen its request aborted.
 */
async function secondWhenFirstLeaves(target: TestGateway, headers: Record<string, string>): Promise<Answer> {
  const leaving = new AbortController();
  const first = post(target.url, SLOW, { key: 'c' }, headers, leaving.signal).then(
    () => 'answered',
    (error: Error) => error.name,
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const second = post(target.url, SLOW, { key: 'c' }, headers);
  await new Promise((resolve) => setTimeout(resolve, 50));
  leaving.abort();
  expect(await first).toBe('AbortError');
  return second;
}
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

  it('are not shared with a read asked after a write was answered', async () => {
    const { before, after } = await readAfterWrite(gateway, await bearer('carol'));
    expect(before.body.data!.slow!.call).toBe(1);
    expect(after.body.data!.slow!.call).toBe(3);
  });

  it('go on for the requests still waiting when the first one leaves', async () => {
    const answer = await secondWhenFirstLeaves(gateway, await bearer('carol'));
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data!.slow).toEqual({ key: 'c', actor: 'carol', call: 1 });
    expect(calls).toHaveLength(1);
  });
});

describe('identical queries in flight at once (coalesced)', () => {
  const coalescingBearer = async (actor: string) => ({ authorization: `Bearer ${await coalescing.tokens.sign({ role: 'service', actor })}` });
  /** Posts `count` of the same query, each a little after the one before, so that the first is in flight when the others arrive. */
  async function staggered(count: number, query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<Answer[]> {
    const answers: Array<Promise<Answer>> = [];
    for (let i = 0; i < count; i++) {
      answers.push(post(coalescing.url, query, variables, headers));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Promise.all(answers);
  }

  it('share one execution for the same principal, each request answered under its own id, the followers marked', async () => {
    const answers = await staggered(4, SLOW, { key: 'a' }, await coalescingBearer('carol'));
    expect(calls).toEqual([{ field: 'slow', key: 'a', actor: 'carol' }]);
    for (const answer of answers) expect(answer.body).toEqual({ data: { slow: { key: 'a', actor: 'carol', call: 1 } } });
    expect(new Set(answers.map((a) => a.requestId)).size).toBe(4);
    expect(answers.map((a) => a.coalesced)).toEqual([null, 'yes', 'yes', 'yes']);
    const metrics = await (await fetch(new URL('/metrics', coalescing.url))).text();
    expect(metrics).toMatch(/^crosscanal_gateway_shared_total\{kind="coalesced",subgraph=""\} [3-9]\d*$/m);
  });

  it('are not shared between principals, nor between different variables, nor once the first is answered', async () => {
    const [carol, dave] = [await coalescingBearer('carol'), await coalescingBearer('dave')];
    const answers = await Promise.all([post(coalescing.url, SLOW, { key: 'a' }, carol), post(coalescing.url, SLOW, { key: 'a' }, dave), post(coalescing.url, SLOW, { key: 'b' }, carol)]);
    expect(answers.map((a) => [a.body.data!.slow!.actor, a.body.data!.slow!.key, a.coalesced])).toEqual([
      ['carol', 'a', null],
      ['dave', 'a', null],
      ['carol', 'b', null],
    ]);
    await post(coalescing.url, SLOW, { key: 'a' }, carol);
    expect(calls).toHaveLength(4);
  });

  it('share the errors and the notice of what was served stale', async () => {
    const headers = await coalescingBearer('carol');
    const failing = await staggered(3, '{ flaky }', {}, headers);
    expect(calls.filter((c) => c.field === 'flaky')).toHaveLength(1);
    for (const answer of failing) {
      expect(answer.body.data).toEqual({ flaky: null });
      expect(answer.body.errors?.map((error) => error.path)).toEqual([['flaky']]);
    }
    const stale = await staggered(2, SLOW, { key: 'stale' }, headers);
    expect(calls.filter((c) => c.key === 'stale')).toHaveLength(1);
    expect(stale.map((a) => a.coalesced)).toEqual([null, 'yes']);
    for (const answer of stale) expect(answer.body.extensions?.stale).toEqual([{ source: 'slow', kind: 'answer', ageMs: expect.any(Number) }]);
  });

  it('answer on their own when the request they wait for leaves', async () => {
    const answer = await secondWhenFirstLeaves(coalescing, await coalescingBearer('carol'));
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data!.slow).toMatchObject({ key: 'c', actor: 'carol' });
    expect(answer.coalesced).toBeNull();
  });

  it('never give a query asked after a write an answer begun before it', async () => {
    const { before, after } = await readAfterWrite(coalescing, await coalescingBearer('carol'));
    expect(before.body.data!.slow!.call).toBe(1);
    expect(after.coalesced).toBeNull();
    expect(after.body.data!.slow!.call).toBe(3);
    expect(calls.map((c) => c.field)).toEqual(['slow', 'touch', 'slow']);
  });

  it('are shared only with the same Accept header, which chooses the media type of the answer', async () => {
    const headers = await coalescingBearer('carol');
    const asked = (accept: string) => post(coalescing.url, SLOW, { key: 'm' }, { ...headers, accept });
    const answers: Array<Promise<Answer>> = [];
    for (const accept of ['application/json', 'application/graphql-response+json', 'application/json', 'application/graphql-response+json']) {
      answers.push(asked(accept));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [json, modern, jsonAgain, modernAgain] = await Promise.all(answers);
    // (The second's subgraph read joins the first's all the same: that sharing is the fetches'.)
    expect([json, modern, jsonAgain, modernAgain].map((a) => [a.type?.split(';')[0], a.coalesced])).toEqual([
      ['application/json', null],
      ['application/graphql-response+json', null],
      ['application/json', 'yes'],
      ['application/graphql-response+json', 'yes'],
    ]);
    expect(jsonAgain!.body).toEqual(json!.body);
  });

  it('are never coalesced when they write', async () => {
    const answers = await staggered(3, TOUCH, { key: 'a' }, await coalescingBearer('carol'));
    expect(calls.filter((c) => c.field === 'touch')).toHaveLength(3);
    expect(answers.map((a) => a.coalesced)).toEqual([null, null, null]);
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

describe('the response cache (GATEWAY_RESPONSE_CACHE=on)', () => {
  async function cachedBearer(actor: string, role: 'service' | 'steward' = 'service'): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await cached.tokens.sign({ role, actor })}` };
  }

  it('serves a query again to the same principal, with the same variables, until its time is up', async () => {
    const headers = await cachedBearer('erin');
    const first = await post(cached.url, SLOW, { key: 'k1' }, headers);
    const again = await post(cached.url, SLOW, { key: 'k1' }, headers);
    expect([first.cache, again.cache]).toEqual(['miss', 'hit']);
    expect(again.body).toEqual(first.body);
    expect(calls).toHaveLength(1);
    await post(cached.url, SLOW, { key: 'k2' }, headers);
    expect(calls).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const later = await post(cached.url, SLOW, { key: 'k1' }, headers);
    expect(later.cache).toBe('miss');
    expect(calls).toHaveLength(3);
  });

  it('forgets its oldest answers past GATEWAY_RESPONSE_CACHE_MAX_BYTES, however few they are', async () => {
    const headers = { authorization: `Bearer ${await small.tokens.sign({ role: 'service', actor: 'gina' })}` };
    for (let i = 0; i < 12; i++) expect((await post(small.url, SLOW, { key: `b${i}` }, headers)).cache).toBe('miss');
    // Far under the 10,000 answers of the count bound, the first are gone and the last kept.
    expect((await post(small.url, SLOW, { key: 'b11' }, headers)).cache).toBe('hit');
    expect((await post(small.url, SLOW, { key: 'b0' }, headers)).cache).toBe('miss');
    expect(calls.filter((c) => c.key === 'b0')).toHaveLength(2);
  });

  it('never serves one principal what another was answered', async () => {
    const answers = [];
    for (const [actor, role] of [['erin', 'service'], ['frank', 'service'], ['erin', 'steward']] as const) {
      answers.push(await post(cached.url, SLOW, { key: 'k3' }, await cachedBearer(actor, role)));
    }
    expect(answers.map((a) => a.cache)).toEqual(['miss', 'miss', 'miss']);
    expect(answers.map((a) => a.body.data!.slow!.actor)).toEqual(['erin', 'frank', 'erin']);
    expect(calls).toHaveLength(3);
  });

  it('forgets everything at a write through the gateway', async () => {
    const headers = await cachedBearer('erin');
    await post(cached.url, SLOW, { key: 'k4' }, headers);
    await post(cached.url, TOUCH, { key: 'k4' }, await cachedBearer('frank'));
    const after = await post(cached.url, SLOW, { key: 'k4' }, headers);
    expect(after.cache).toBe('miss');
    expect(calls.map((c) => c.field)).toEqual(['slow', 'touch', 'slow']);
  });

  it('keeps no answer with an error, nor a read that a write overtook', async () => {
    const headers = await cachedBearer('erin');
    const failed = await post(cached.url, '{ flaky }', {}, headers);
    expect(failed.body.errors).toHaveLength(1);
    await post(cached.url, '{ flaky }', {}, headers);
    expect(calls.filter((c) => c.field === 'flaky')).toHaveLength(2);
    const overtaken = post(cached.url, SLOW, { key: 'k5' }, headers);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await post(cached.url, TOUCH, { key: 'k5' }, headers);
    await overtaken;
    expect((await post(cached.url, SLOW, { key: 'k5' }, headers)).cache).toBe('miss');
  });
});

describe("the response cache's store", () => {
  it('forgets the oldest entries past its bound, a rewritten entry counting as new', () => {
    const store = new BoundedMap<string, number>(2);
    store.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect([...store.entries()]).toEqual([
      ['a', 3],
      ['c', 4],
    ]);
  });
});
