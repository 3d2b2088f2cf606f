import { entitiesQuery, extraCardNumber, extraMemberId, startHarness, type Harness } from './testHarness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());
beforeEach(async () => {
  await h.cache.clear();
  h.resetCalls();
});

const ids = Array.from({ length: 150 }, (_, i) => extraMemberId(i));

describe('batching: N entities cost one legacy call per 100 ids', () => {
  test('150 memberships by memberId: two GetMembers calls; the same request again is served by the cache', async () => {
    const query = entitiesQuery('... on LoyaltyMembership { memberId pointsBalance }');
    const representations = ids.map((memberId) => ({ __typename: 'LoyaltyMembership', memberId }));
    const first = await h.query(query, { representations });
    expect(first.errors).toBeUndefined();
    expect(first.data._entities.map((m: { pointsBalance: number }) => m.pointsBalance)).toEqual(ids.map((_, i) => i));
    expect(h.calls()).toMatchObject({ total: 2, byOperation: { GetMembers: 2 }, itemsByOperation: { GetMembers: 150 } });

    h.resetCalls();
    const second = await h.query(query, { representations });
    expect(second).toEqual(first);
    expect(h.calls().total).toBe(0);
  });

  test('points movements and consents of 150 members: two calls each, then none while they are fresh', async () => {
    const query = entitiesQuery('... on LoyaltyMembership { memberId pointsMovements(first: 5) { points } consents { channel status } }');
    const representations = ids.map((memberId) => ({ __typename: 'LoyaltyMembership', memberId }));
    const first = await h.query(query, { representations });
    expect(first.errors).toBeUndefined();
    expect(first.data._entities[149]).toEqual({
      __typename: 'LoyaltyMembership',
      memberId: ids[149],
      pointsMovements: [{ points: 149 }],
      consents: [{ channel: 'EMAIL', status: 'SUBSCRIBED' }],
    });
    expect(h.calls().byOperation).toEqual({ GetMembers: 2, GetPointsMovements: 2, GetConsents: 2 });
    expect(h.calls().itemsByOperation).toEqual({ GetMembers: 150, GetPointsMovements: 150, GetConsents: 150 });

    h.resetCalls();
    await h.query(query, { representations });
    // Members, movements and consents from the cache (consents stay fresh 30 s).
    expect(h.calls().byOperation).toEqual({});
  });

  test('150 customers with one LOYALTY identity each: two GetMembers calls for all of them', async () => {
    const representations = ids.map((localId, i) => ({
      __typename: 'Customer',
      id: `C${i}`,
      identities: [{ system: 'LOYALTY', localId, franchise: null }],
    }));
    const { data, errors } = await h.query(entitiesQuery('... on Customer { id loyalty { memberId cardNumber } }'), { representations });
    expect(errors).toBeUndefined();
    expect(data._entities[42]).toEqual({ __typename: 'Customer', id: 'C42', loyalty: { memberId: ids[42], cardNumber: extraCardNumber(42) } });
    expect(h.calls().byOperation).toEqual({ GetMembers: 2 });
  });

  test('cards have no batch operation: one FindMemberByCard per distinct number, none when cached', async () => {
    const numbers = Array.from({ length: 20 }, (_, i) => extraCardNumber(i));
    const representations = [...numbers, ...numbers].map((cardNumber) => ({ __typename: 'LoyaltyMembership', cardNumber }));
    const query = entitiesQuery('... on LoyaltyMembership { memberId cardNumber }');
    const first = await h.query(query, { representations });
    expect(first.data._entities).toHaveLength(40);
    expect(first.data._entities[25]).toEqual({ __typename: 'LoyaltyMembership', memberId: ids[5], cardNumber: numbers[5] });
    // Each holder came back with its card: no GetMembers.
    expect(h.calls().byOperation).toEqual({ FindMemberByCard: 20 });

    h.resetCalls();
    expect(await h.query(query, { representations })).toEqual(first);
    expect(h.calls().total).toBe(0);
  });

  test('offers have no batch operation: one GetOffers per distinct member', async () => {
    const representations = ['M00100001', 'M00100002', 'M00100001'].map((memberId) => ({ __typename: 'LoyaltyMembership', memberId }));
    const { data } = await h.query(entitiesQuery('... on LoyaltyMembership { offers { id } }'), { representations });
    expect(data._entities[1].offers.map((o: { id: string }) => o.id)).toEqual(['loyalty:OF-P-M00100002', 'loyalty:OF-SILVER15', 'loyalty:OF-WELCOME']);
    expect(h.calls().byOperation).toEqual({ GetMembers: 1, GetOffers: 2 });
  });
});
