import type { LoyaltySubgraphOptions } from './server.js';
import { entitiesQuery, startHarness, type Harness } from './testHarness.js';

/** The harness of the running test, stopped after it. */
let current: Harness | undefined;

async function start(options: Partial<LoyaltySubgraphOptions> = {}): Promise<Harness> {
  current = await startHarness({ ...options, source: { retries: 1, breaker: { failureThreshold: 100 }, ...options.source } });
  return current;
}
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

const TWO_MEMBERS = /* GraphQL */ `{
  cached: loyaltyMember(memberId: "M00100001") { memberId tier }
  fresh: loyaltyMember(memberId: "M00100002") { memberId tier }
}`;

function unavailable(errors: Array<{ message: string; path?: unknown; extensions?: Record<string, unknown> }> | undefined, path: unknown[]) {
  expect(errors).toHaveLength(1);
  expect(errors![0]).toMatchObject({ path, extensions: { code: 'SOURCE_UNAVAILABLE', source: 'loyalty' } });
  return errors![0]!.message;
}

describe('loyalty system faults', () => {
  test('server errors: SOURCE_UNAVAILABLE after a retry, with the cached member still answered', async () => {
    const h = await start();
    await h.query('{ loyaltyMember(memberId: "M00100001") { memberId } }');
    h.legacy.faults.set({ errorRate: 1 });
    h.resetCalls();

    const { data, errors } = await h.query(TWO_MEMBERS);
    expect(data).toEqual({ cached: { memberId: 'M00100001', tier: 'GOLD' }, fresh: null });
    expect(unavailable(errors, ['fresh'])).toBe('loyalty: GetMembers: SOAP fault soap:Server SERVER_ERROR');
    // One attempt and one retry, both failed by the injected fault.
    expect(h.calls().faulted).toBe(2);
  });

  test('system down: SOURCE_UNAVAILABLE, partial data for the rest', async () => {
    const h = await start();
    await h.query('{ loyaltyMember(memberId: "M00100001") { memberId } }');
    h.legacy.faults.set({ down: true });
    const { data, errors } = await h.query(TWO_MEMBERS);
    expect(data).toEqual({ cached: { memberId: 'M00100001', tier: 'GOLD' }, fresh: null });
    unavailable(errors, ['fresh']);
  });

  test('latency above the timeout: SOURCE_TIMEOUT naming the timeout', async () => {
    const h = await start({ timeoutMs: 250, source: { retries: 0 } });
    h.legacy.faults.set({ latencyMs: 800 });
    const { data, errors } = await h.query('{ loyaltyMembersByEmail(email: "lucas.bernard@orange.fr") { memberId } }');
    expect(data).toEqual({ loyaltyMembersByEmail: null });
    expect(errors).toHaveLength(1);
    expect(errors![0]).toMatchObject({ path: ['loyaltyMembersByEmail'], message: 'loyalty: FindMembersByEmail: no answer within 250 ms', extensions: { code: 'SOURCE_TIMEOUT', source: 'loyalty' } });
  });

  test('a failing field nulls that field only; the others of the batch arrive', async () => {
    const h = await start({ cacheKinds: { consent: { name: 'consent', ttlMs: 0 } }, source: { staleIfErrorMs: 0 } });
    await h.query('{ loyaltyMember(memberId: "M00100001") { consents { channel } } }');
    h.legacy.faults.set({ errorRate: 1 });
    const { data, errors } = await h.query(entitiesQuery('... on LoyaltyMembership { memberId consents { channel } }'), {
      representations: [{ __typename: 'LoyaltyMembership', memberId: 'M00100001' }],
    });
    // Nothing fresh nor allowed stale: the consents are null, the membership still arrives.
    expect(data._entities).toEqual([{ __typename: 'LoyaltyMembership', memberId: 'M00100001', consents: null }]);
    unavailable(errors, ['_entities', 0, 'consents']);

    const customer = await h.query(entitiesQuery('... on Customer { id loyalty { memberId } }'), {
      representations: [
        { __typename: 'Customer', id: 'C1', identities: [{ system: 'LOYALTY', localId: 'M00100001', franchise: null }] },
        { __typename: 'Customer', id: 'C2', identities: [{ system: 'LOYALTY', localId: 'M00100002', franchise: null }] },
      ],
    });
    expect(customer.data._entities).toEqual([
      { __typename: 'Customer', id: 'C1', loyalty: { memberId: 'M00100001' } },
      { __typename: 'Customer', id: 'C2', loyalty: null },
    ]);
    unavailable(customer.errors, ['_entities', 1, 'loyalty']);
  });

  test('a member past its TTL is served stale while the system fails', async () => {
    const h = await start({ cacheKinds: { member: { name: 'member', ttlMs: 0 } } });
    await h.query('{ loyaltyMember(memberId: "M00100001") { memberId } }');
    await new Promise((resolve) => setTimeout(resolve, 5));
    h.legacy.faults.set({ errorRate: 1 });
    h.resetCalls();
    const answer = await h.query('{ loyaltyMember(memberId: "M00100001") { memberId tier } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data.loyaltyMember).toEqual({ memberId: 'M00100001', tier: 'GOLD' });
    // The answer says which records were stale, and how old.
    const stale = (answer as { extensions?: { stale?: Array<{ source: string; kind: string; ageMs: number }> } }).extensions?.stale;
    expect(stale).toEqual([{ source: 'loyalty', kind: 'member', ageMs: expect.any(Number) }]);
    expect(stale![0]!.ageMs).toBeGreaterThanOrEqual(5);
    // It did try the system first.
    expect(h.calls().faulted).toBeGreaterThan(0);
  });

  test('a member record that breaks the service’s schema is SOURCE_BAD_RESPONSE for that member alone', async () => {
    const h = await start();
    const { data, errors } = await h.query(`{
      good: loyaltyMember(memberId: "M00100002") { memberId }
      broken: loyaltyMember(memberId: "M00100009") { memberId }
    }`);
    expect(data).toEqual({ good: { memberId: 'M00100002' }, broken: null });
    expect(errors).toEqual([
      expect.objectContaining({
        path: ['broken'],
        message: 'loyalty: GetMembers: GetMembersResponse.member[1].tier must be one of BRONZE, SILVER, GOLD, got "PLATINUM"',
        extensions: { code: 'SOURCE_BAD_RESPONSE', source: 'loyalty' },
      }),
    ]);
    // One call for both, and the broken record was not cached: asked again, it is fetched again.
    h.resetCalls();
    await h.query('{ loyaltyMember(memberId: "M00100009") { memberId } loyaltyMember2: loyaltyMember(memberId: "M00100002") { memberId } }');
    expect(h.calls()).toMatchObject({ byOperation: { GetMembers: 1 }, itemsByOperation: { GetMembers: 1 } });
  });

  test('the circuit opens after repeated failures and stops calling the system', async () => {
    const h = await start({ source: { retries: 0, breaker: { failureThreshold: 2, resetAfterMs: 60_000 } } });
    h.legacy.faults.set({ errorRate: 1 });
    for (const id of ['M00100003', 'M00100004']) await h.query(`{ loyaltyMember(memberId: "${id}") { memberId } }`);
    h.resetCalls();
    const { errors } = await h.query('{ loyaltyMember(memberId: "M00100005") { memberId } }');
    expect(unavailable(errors, ['loyaltyMember'])).toMatch(/circuit open/);
    expect(h.calls()).toMatchObject({ total: 0, faulted: 0 });
  });
});

test('a stale consent is shown, marked stale, but never opens a contact point to marketing', async () => {
  const h = await start({ cacheKinds: { consent: { name: 'consent', ttlMs: 0 } } });
  const marketing = { role: 'marketing' as const, actor: 'campaigns' };
  // Marketing reaches a member through its customer; the email opens with an EMAIL opt-in.
  const viaCustomer = entitiesQuery('... on Customer { loyaltyMemberships { memberId email } }');
  const representations = [{ __typename: 'Customer', id: 'C1', identities: [{ system: 'LOYALTY', localId: 'M00200001', franchise: null }] }];
  const member = '{ loyaltyMember(memberId: "M00200001") { consents { channel status } } }';
  const fresh = await h.query(member);
  expect(fresh.data.loyaltyMember.consents).toContainEqual({ channel: 'EMAIL', status: 'SUBSCRIBED' });
  const open = await h.query(viaCustomer, { representations }, { ...marketing, customerId: undefined });
  expect(open.errors).toBeUndefined();
  expect(open.data._entities[0].loyaltyMemberships[0].email).not.toBeNull();
  await new Promise((resolve) => setTimeout(resolve, 5));
  h.legacy.faults.set({ errorRate: 1 });
  const shown = await h.query(member);
  expect(shown.data.loyaltyMember.consents).toEqual(fresh.data.loyaltyMember.consents);
  expect((shown as { extensions?: { stale?: Array<{ kind: string }> } }).extensions?.stale).toEqual([expect.objectContaining({ source: 'loyalty', kind: 'consent' })]);
  // With no fresh consent, the email stays closed to marketing.
  const closed = await h.query(viaCustomer, { representations }, marketing);
  expect(closed.data._entities[0].loyaltyMemberships[0].email).toBeNull();
  expect(closed.errors!.map((e) => e.path)).toEqual([['_entities', 0, 'loyaltyMemberships', 0, 'email']]);
});
