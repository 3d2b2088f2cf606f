import { FIXTURE_NOW, startHarness, type Harness } from './testHarness.js';

let h: Harness;

beforeEach(async () => {
  // The mutation changes the stand-in's records: a fresh one per test.
  h = await startHarness({ now: () => new Date('2026-03-14T10:30:00.000Z') });
});
afterEach(() => h.stop());

const UPDATE = /* GraphQL */ `
  mutation ($memberId: ID!, $channel: ContactChannel!, $status: ConsentStatus!, $source: String!) {
    updateLoyaltyConsent(memberId: $memberId, channel: $channel, status: $status, source: $source) {
      memberId
      updatedAt
      consents { channel status capturedAt source system }
    }
  }
`;

describe('updateLoyaltyConsent', () => {
  test('records the consent, captured now, and answers with the member read again (not from the cache)', async () => {
    const before = await h.query('{ loyaltyMember(memberId: "M00100002") { updatedAt } }');
    expect(before.data.loyaltyMember.updatedAt).toBe('2026-02-01T08:00:00.000Z');
    h.resetCalls();

    const { data, errors } = await h.query(UPDATE, { memberId: 'M00100002', channel: 'SMS', status: 'SUBSCRIBED', source: 'store:nrd02' });
    expect(errors).toBeUndefined();
    expect(data.updateLoyaltyConsent).toEqual({
      memberId: 'M00100002',
      // The stand-in stamps the change with its own clock.
      updatedAt: FIXTURE_NOW,
      consents: [
        { channel: 'EMAIL', status: 'SUBSCRIBED', capturedAt: '2022-03-10T13:00:00.000Z', source: 'CALLCENTER', system: 'LOYALTY' },
        { channel: 'SMS', status: 'SUBSCRIBED', capturedAt: '2026-03-14T10:30:00.000Z', source: 'STORE:NRD02', system: 'LOYALTY' },
        { channel: 'POST', status: 'UNSUBSCRIBED', capturedAt: '2021-09-04T15:42:10.000Z', source: 'STORE:NRD02', system: 'LOYALTY' },
      ],
    });
    expect(h.calls().byOperation).toEqual({ UpdateConsent: 1, GetMembers: 1, GetConsents: 1 });

    // The next request sees the new member too.
    h.resetCalls();
    const after = await h.query('{ loyaltyMember(memberId: "M00100002") { updatedAt } }');
    expect(after.data.loyaltyMember.updatedAt).toBe(FIXTURE_NOW);
    expect(h.calls().total).toBe(0);
  });

  test('forgets the card lookups that carry a copy of the member', async () => {
    const byCard = '{ loyaltyMemberByCard(cardNumber: "2900100042352") { updatedAt } }';
    expect((await h.query(byCard)).data.loyaltyMemberByCard.updatedAt).toBe('2026-02-01T08:00:00.000Z');
    await h.query(UPDATE, { memberId: 'M00100002', channel: 'POST', status: 'SUBSCRIBED', source: 'WEB' });
    expect((await h.query(byCard)).data.loyaltyMemberByCard.updatedAt).toBe(FIXTURE_NOW);
  });

  test('answers null for an unknown member', async () => {
    const answer = await h.query(UPDATE, { memberId: 'M00999999', channel: 'EMAIL', status: 'UNSUBSCRIBED', source: 'WEB' });
    expect(answer).toEqual({ data: { updateLoyaltyConsent: null } });
  });

  test('refuses a source the programme does not know as BAD_USER_INPUT, storing nothing', async () => {
    const { data, errors } = await h.query(UPDATE, { memberId: 'M00100002', channel: 'EMAIL', status: 'UNSUBSCRIBED', source: 'kiosk' });
    expect(data.updateLoyaltyConsent).toBeNull();
    expect(errors![0]).toMatchObject({
      message: 'source must be WEB, APP, CALLCENTER or STORE:<store code>, got "kiosk"',
      extensions: { code: 'BAD_USER_INPUT', argument: 'source' },
    });
    expect(h.calls().total).toBe(0);
  });

  test('is never retried: a failed update reaches the system once and answers SOURCE_UNAVAILABLE', async () => {
    h.legacy.faults.set({ errorRate: 1 });
    const { data, errors } = await h.query(UPDATE, { memberId: 'M00100002', channel: 'EMAIL', status: 'UNSUBSCRIBED', source: 'APP' });
    expect(data.updateLoyaltyConsent).toBeNull();
    expect(errors![0]).toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE', source: 'loyalty' } });
    expect(errors![0]!.message).toMatch(/^loyalty: UpdateConsent: SOAP fault soap:Server SERVER_ERROR/);
    expect(h.calls().faulted).toBe(1);
  });
});
