import { entitiesQuery, startHarness, type Harness } from './testHarness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());
beforeEach(async () => {
  // Every test reads the system afresh: no record cached by an earlier test.
  await h.cache.clear();
  h.resetCalls();
});

const MEMBER = /* GraphQL */ `
  memberId cardNumber active tier pointsBalance firstName lastName email emailKey phone mobile birthDate postcode homeStoreCode
  enrolledAt updatedAt sizeProfile { shoeSize topSize bottomSize } cards { number status issuedAt }
`;

describe('_service', () => {
  test('serves the federated SDL with both keys of LoyaltyMembership and the Customer contribution', async () => {
    const { data } = await h.query('{ _service { sdl } }');
    const sdl: string = data._service.sdl;
    expect(sdl).toMatch(/type LoyaltyMembership\s+@key\(fields: "memberId"\)\s+@key\(fields: "cardNumber"\)/);
    expect(sdl).toMatch(/type LoyaltyCard\s+@key\(fields: "number"\)/);
    expect(sdl).toMatch(/loyalty: LoyaltyMembership @requires\(fields: "identities \{ system localId franchise \}"\)/);
  });
});

describe('loyaltyMember', () => {
  test('normalises the stored member: trimmed email and its key, E.164 phone, ISO instants, active card', async () => {
    const { data, errors } = await h.query(`{ loyaltyMember(memberId: "M00100001") { ${MEMBER} } }`);
    expect(errors).toBeUndefined();
    expect(data.loyaltyMember).toEqual({
      memberId: 'M00100001',
      cardNumber: '2900100042284',
      active: true,
      tier: 'GOLD',
      pointsBalance: 909,
      firstName: 'Camille',
      lastName: 'Martin',
      email: 'Camille.Martin@Gmail.com',
      emailKey: 'camille.martin@gmail.com',
      phone: '+33612345678',
      // Keyed another way from the phone: the same number all the same.
      mobile: '+33612345678',
      birthDate: '1988-05-12',
      postcode: '59000',
      homeStoreCode: 'NRD01',
      enrolledAt: '2019-02-11T09:15:00.000Z',
      updatedAt: '2026-02-01T08:00:00.000Z',
      sizeProfile: { shoeSize: '38', topSize: 'M', bottomSize: '38' },
      cards: [
        { number: '2900100042116', status: 'REPLACED', issuedAt: '2019-02-11T09:15:00.000Z' },
        { number: '2900100042284', status: 'ACTIVE', issuedAt: '2023-06-02T10:11:12.000Z' },
      ],
    });
    expect(h.calls().byOperation).toEqual({ GetMembers: 1 });
  });

  test('reads every national phone format as E.164', async () => {
    const { data } = await h.query(`{
      a: loyaltyMember(memberId: "M00100002") { phone }
      b: loyaltyMember(memberId: "M00100003") { phone }
      c: loyaltyMember(memberId: "M00100004") { phone }
    }`);
    expect(data).toEqual({ a: { phone: '+33781223344' }, b: { phone: '+33320123456' }, c: { phone: '+33320123456' } });
    // Three root fields, one batched call.
    expect(h.calls()).toMatchObject({ byOperation: { GetMembers: 1 }, itemsByOperation: { GetMembers: 3 } });
  });

  test('reads the mobile apart from the phone: a family on one landline, each on their own mobile; a mobile alone', async () => {
    const { data } = await h.query(`{
      lea: loyaltyMember(memberId: "M00100003") { phone mobile }
      hugo: loyaltyMember(memberId: "M00100004") { phone mobile }
      lucas: loyaltyMember(memberId: "M00100002") { phone mobile }
      paul: loyaltyMember(memberId: "M00100007") { phone mobile }
    }`);
    expect(data).toEqual({
      lea: { phone: '+33320123456', mobile: '+33671452390' },
      hugo: { phone: '+33320123456', mobile: '+33768124533' },
      lucas: { phone: '+33781223344', mobile: null },
      paul: { phone: null, mobile: '+33698765433' },
    });
  });

  test('sends nil values as null, a member with no size as a null profile', async () => {
    const { data } = await h.query(`{ loyaltyMember(memberId: "M00100005") { ${MEMBER} } }`);
    expect(data.loyaltyMember).toMatchObject({ email: null, emailKey: null, phone: null, mobile: null, birthDate: null, postcode: null, sizeProfile: null, cardNumber: '2900100042666' });
  });

  test('turns what cannot be read into null, never the raw text, and reads zone-less instants as UTC', async () => {
    const { data } = await h.query(`{ loyaltyMember(memberId: "M00100008") { ${MEMBER} } }`);
    expect(data.loyaltyMember).toMatchObject({
      firstName: 'Inès',
      email: null,
      emailKey: null,
      phone: null,
      mobile: null,
      birthDate: null,
      postcode: null,
      enrolledAt: '2024-05-01T08:30:00.000Z',
      updatedAt: '2026-01-05T10:00:00.000Z',
      sizeProfile: { shoeSize: '40', topSize: null, bottomSize: null },
      cardNumber: null,
      active: false,
      cards: [],
    });
  });

  test('leaves out a card whose number fails the GS1 check digit', async () => {
    const { data } = await h.query('{ loyaltyMember(memberId: "M00100002") { cardNumber cards { number status } } }');
    expect(data.loyaltyMember).toEqual({ cardNumber: '2900100042352', cards: [{ number: '2900100042352', status: 'ACTIVE' }] });
  });

  test('resolves an unknown member to null without an error', async () => {
    const answer = await h.query('{ loyaltyMember(memberId: "M00999999") { memberId } }');
    expect(answer).toEqual({ data: { loyaltyMember: null } });
  });

  test('refuses a blank member id as BAD_USER_INPUT, showing the value', async () => {
    const { data, errors } = await h.query('{ loyaltyMember(memberId: "  ") { memberId } }');
    expect(data.loyaltyMember).toBeNull();
    expect(errors![0]).toMatchObject({ message: 'memberId must be a loyalty member id such as "M00100001", got "  "', extensions: { code: 'BAD_USER_INPUT' } });
    expect(h.calls().total).toBe(0);
  });
});

describe('LoyaltyMembership fields from other operations', () => {
  test('pointsMovements: the most recent first, at most `first`', async () => {
    const { data } = await h.query('{ loyaltyMember(memberId: "M00100001") { pointsMovements(first: 3) { id at points reason reference } } }');
    expect(data.loyaltyMember.pointsMovements).toEqual([
      { id: '91550', at: '2026-03-01T00:00:00.000Z', points: -30, reason: 'EXPIRY', reference: null },
      { id: '90112', at: '2026-01-16T09:00:00.000Z', points: -500, reason: 'REDEMPTION', reference: null },
      { id: '90007', at: '2026-01-15T20:13:00.000Z', points: 89, reason: 'PURCHASE', reference: 'W1004231' },
    ]);
  });

  test('pointsMovements refuses `first` out of range as BAD_USER_INPUT', async () => {
    const { errors } = await h.query('{ loyaltyMember(memberId: "M00100001") { memberId pointsMovements(first: 0) { id } } }');
    expect(errors![0]).toMatchObject({ message: 'first must be from 1 to 100, got 0', extensions: { code: 'BAD_USER_INPUT' } });
  });

  test('consents: the decision in force per channel, in the shared vocabulary', async () => {
    const { data } = await h.query('{ loyaltyMember(memberId: "M00100001") { consents { channel status capturedAt source system } } }');
    expect(data.loyaltyMember.consents).toEqual([
      { channel: 'EMAIL', status: 'UNSUBSCRIBED', capturedAt: '2025-06-30T21:14:00.000Z', source: 'WEB', system: 'LOYALTY' },
      // The paper form filed late is older than the app's decision, which stays in force.
      { channel: 'SMS', status: 'PENDING', capturedAt: '2024-04-02T08:00:00.000Z', source: 'APP', system: 'LOYALTY' },
    ]);
  });

  test('offers: member-only offers valid now as Promotions, percentages, amounts and multipliers typed, a marketing offer marked, the deprecated fields still served', async () => {
    const { data } = await h.query(`{ loyaltyMember(memberId: "M00100001") { offers {
      id system title kind percentOff amountOff { amount currency } pointsMultiplier channels stage priority stackable
      scope { allProducts catalogueRefs tiers memberId } conditions { couponCode membersOnly marketingOnly }
      startsAt endsAt value currency code } } }`);
    const offer = (fields: Record<string, unknown>) => ({
      system: 'LOYALTY',
      percentOff: null,
      amountOff: null,
      pointsMultiplier: null,
      channels: ['WEB', 'STORE'],
      stage: 'CART',
      priority: 100,
      stackable: true,
      conditions: { couponCode: null, membersOnly: true, marketingOnly: false },
      currency: null,
      code: null,
      ...fields,
    });
    const everyProduct = (tiers: string[], memberId: string | null = null) => ({ allProducts: true, catalogueRefs: [], tiers, memberId });
    expect(data.loyaltyMember.offers).toEqual([
      offer({ id: 'loyalty:OF-GOLD2X', title: 'Points doublés', kind: 'POINTS_MULTIPLIER', pointsMultiplier: 200, stage: 'POINTS', scope: everyProduct(['GOLD']), startsAt: '2026-03-10T00:00:00.000Z', endsAt: '2026-03-20T00:00:00.000Z', value: 200 }),
      offer({ id: 'loyalty:OF-P-M00100001', title: 'Offre anniversaire', kind: 'AMOUNT_OFF', amountOff: { amount: 1500, currency: 'EUR' }, conditions: { couponCode: null, membersOnly: true, marketingOnly: true }, scope: everyProduct(['BRONZE', 'SILVER', 'GOLD'], 'M00100001'), startsAt: '2026-03-01T00:00:00.000Z', endsAt: '2026-04-14T00:00:00.000Z', value: 1500, currency: 'EUR' }),
      offer({ id: 'loyalty:OF-SILVER15', title: 'Avantage Argent', kind: 'PERCENT_OFF', percentOff: 1500, scope: { allProducts: false, catalogueRefs: ['702.611.50', '115.204.33'], tiers: ['SILVER', 'GOLD'], memberId: null }, startsAt: '2026-03-01T00:00:00.000Z', endsAt: '2026-04-01T00:00:00.000Z', value: 1500 }),
      offer({ id: 'loyalty:OF-WELCOME', title: 'Bienvenue', kind: 'AMOUNT_OFF', amountOff: { amount: 1000, currency: 'EUR' }, scope: everyProduct(['BRONZE', 'SILVER', 'GOLD']), startsAt: '2025-01-01T00:00:00.000Z', endsAt: '2027-01-01T00:00:00.000Z', value: 1000, currency: 'EUR' }),
    ]);
    const bronze = await h.query('{ loyaltyMember(memberId: "M00100003") { offers { id } } }');
    expect(bronze.data.loyaltyMember.offers).toEqual([{ id: 'loyalty:OF-WELCOME' }]);
  });
});

describe('loyaltyMemberByCard', () => {
  test('finds the holder of an active card', async () => {
    const { data } = await h.query('{ loyaltyMemberByCard(cardNumber: "2900100042284") { memberId cardNumber } }');
    expect(data.loyaltyMemberByCard).toEqual({ memberId: 'M00100001', cardNumber: '2900100042284' });
    expect(h.calls().byOperation).toEqual({ FindMemberByCard: 1 });
  });

  test('finds the holder of a replaced or lost card, showing their active card', async () => {
    const { data } = await h.query(`{
      replaced: loyaltyMemberByCard(cardNumber: "2900100042116") { memberId cardNumber }
      lost: loyaltyMemberByCard(cardNumber: "2900100042420") { memberId cardNumber }
    }`);
    expect(data).toEqual({
      replaced: { memberId: 'M00100001', cardNumber: '2900100042284' },
      lost: { memberId: 'M00100004', cardNumber: '2900100042598' },
    });
  });

  test('accepts the number as printed, in groups', async () => {
    const { data } = await h.query('{ loyaltyMemberByCard(cardNumber: " 2900 1000 4228 4 ") { memberId } }');
    expect(data.loyaltyMemberByCard).toEqual({ memberId: 'M00100001' });
  });

  test('resolves to null for a number nobody holds and for a card whose member is gone', async () => {
    const answer = await h.query(`{
      nobody: loyaltyMemberByCard(cardNumber: "2900100099998") { memberId }
      orphan: loyaltyMemberByCard(cardNumber: "2900100042802") { memberId }
    }`);
    expect(answer).toEqual({ data: { nobody: null, orphan: null } });
  });

  test.each([
    ['2900100042285', 'cardNumber "2900100042285" has a bad check digit (5, expected 4)'],
    ['4006381333931', 'cardNumber must be a loyalty card number, 13 digits starting with 29, got "4006381333931"'],
    ['29001000422', 'cardNumber must be a loyalty card number, 13 digits starting with 29, got "29001000422"'],
  ])('refuses %s as BAD_USER_INPUT without calling the system', async (cardNumber, message) => {
    const { errors } = await h.query('query ($n: String!) { loyaltyMemberByCard(cardNumber: $n) { memberId } }', { n: cardNumber });
    expect(errors![0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
    expect(h.calls().total).toBe(0);
  });
});

describe('loyaltyMembersByEmail and loyaltyMembersByPhone', () => {
  test('finds every member sharing an email, whatever its case and spaces', async () => {
    const { data } = await h.query('{ loyaltyMembersByEmail(email: "  FAMILLE.Petit@FREE.fr ") { memberId email emailKey } }');
    expect(data.loyaltyMembersByEmail).toEqual([
      { memberId: 'M00100003', email: 'Famille.Petit@free.fr', emailKey: 'famille.petit@free.fr' },
      { memberId: 'M00100004', email: 'famille.petit@free.fr', emailKey: 'famille.petit@free.fr' },
    ]);
  });

  test('refuses what is not an email as BAD_USER_INPUT', async () => {
    const { errors } = await h.query('{ loyaltyMembersByEmail(email: "famille petit") { memberId } }');
    expect(errors![0]).toMatchObject({ message: 'email must be an address such as name@example.com, got "famille petit"', extensions: { code: 'BAD_USER_INPUT' } });
  });

  test.each(['+33 3 20 12 34 56', '0033320123456', '03.20.12.34.56', '+33 (0)3 20 12 34 56'])(
    'finds the members sharing a landline from %s, asking the system in national format',
    async (phone) => {
      const { data } = await h.query('query ($p: String!) { loyaltyMembersByPhone(phone: $p) { memberId phone } }', { p: phone });
      // The system finds nobody from an international number: finding them proves the national form was sent.
      expect(data.loyaltyMembersByPhone).toEqual([
        { memberId: 'M00100003', phone: '+33320123456' },
        { memberId: 'M00100004', phone: '+33320123456' },
      ]);
      expect(h.calls().byOperation).toEqual({ FindMembersByPhone: 1 });
    },
  );

  test.each(['+33 6 98 76 54 33', '06.98.76.54.33', '0033698765433'])('finds a member by the mobile they gave alone, from %s', async (phone) => {
    const { data } = await h.query('query ($p: String!) { loyaltyMembersByPhone(phone: $p) { memberId phone mobile } }', { p: phone });
    expect(data.loyaltyMembersByPhone).toEqual([{ memberId: 'M00100007', phone: null, mobile: '+33698765433' }]);
    expect(h.calls().byOperation).toEqual({ FindMembersByPhone: 1 });
  });

  test('finds one member of a family by their own mobile, and a member whose mobile repeats the phone once', async () => {
    const { data } = await h.query(`{
      hugo: loyaltyMembersByPhone(phone: "+33 7 68 12 45 33") { memberId phone mobile }
      camille: loyaltyMembersByPhone(phone: "+33612345678") { memberId phone mobile }
    }`);
    expect(data).toEqual({
      hugo: [{ memberId: 'M00100004', phone: '+33320123456', mobile: '+33768124533' }],
      camille: [{ memberId: 'M00100001', phone: '+33612345678', mobile: '+33612345678' }],
    });
  });

  test('answers a foreign number with no member, without calling the system', async () => {
    const { data } = await h.query('{ loyaltyMembersByPhone(phone: "+32 470 12 34 56") { memberId } }');
    expect(data.loyaltyMembersByPhone).toEqual([]);
    expect(h.calls().total).toBe(0);
  });

  test('refuses what is not a phone number as BAD_USER_INPUT', async () => {
    const { errors } = await h.query('{ loyaltyMembersByPhone(phone: "n/a") { memberId } }');
    expect(errors![0]).toMatchObject({ message: expect.stringContaining('got "n/a"'), extensions: { code: 'BAD_USER_INPUT' } });
  });

  test('a member found by a search is not fetched again in the same request', async () => {
    const { data } = await h.query('{ loyaltyMembersByEmail(email: "lucas.bernard@orange.fr") { memberId cards { membership { memberId tier } } } }');
    expect(data.loyaltyMembersByEmail).toEqual([{ memberId: 'M00100002', cards: [{ membership: { memberId: 'M00100002', tier: 'SILVER' } }] }]);
    expect(h.calls().byOperation).toEqual({ FindMembersByEmail: 1 });
  });
});

describe('_entities', () => {
  test('resolves LoyaltyMembership by memberId and by cardNumber, unknown keys to null, in one mixed batch', async () => {
    const { data, errors } = await h.query(entitiesQuery('... on LoyaltyMembership { memberId cardNumber tier phone mobile }'), {
      representations: [
        { __typename: 'LoyaltyMembership', memberId: 'M00100002' },
        { __typename: 'LoyaltyMembership', cardNumber: '2900100042420' },
        { __typename: 'LoyaltyMembership', memberId: 'M00999999' },
        { __typename: 'LoyaltyMembership', cardNumber: '2900100099998' },
        { __typename: 'LoyaltyMembership', cardNumber: '2900100042285' },
        { __typename: 'LoyaltyMembership', memberId: 'M00100001' },
        // Never sent: the service would refuse the whole batch for it.
        { __typename: 'LoyaltyMembership', memberId: '' },
        { __typename: 'LoyaltyMembership', memberId: 'M0010\u00000001' },
      ],
    });
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([
      { __typename: 'LoyaltyMembership', memberId: 'M00100002', cardNumber: '2900100042352', tier: 'SILVER', phone: '+33781223344', mobile: null },
      { __typename: 'LoyaltyMembership', memberId: 'M00100004', cardNumber: '2900100042598', tier: 'BRONZE', phone: '+33320123456', mobile: '+33768124533' },
      null,
      null,
      null,
      { __typename: 'LoyaltyMembership', memberId: 'M00100001', cardNumber: '2900100042284', tier: 'GOLD', phone: '+33612345678', mobile: '+33612345678' },
      null,
      null,
    ]);
    // Two known ids (and the card's holder primed from its lookup) in one GetMembers; one lookup per valid card.
    expect(h.calls().byOperation).toEqual({ GetMembers: 1, FindMemberByCard: 2 });
    expect(h.calls().itemsByOperation.GetMembers).toBe(3);
  });

  test('resolves LoyaltyCard by number with its status and holder; an orphan card has no membership', async () => {
    const { data } = await h.query(entitiesQuery('... on LoyaltyCard { number status issuedAt membership { memberId } }'), {
      representations: [
        { __typename: 'LoyaltyCard', number: '2900100042420' },
        { __typename: 'LoyaltyCard', number: '2900100042802' },
        { __typename: 'LoyaltyCard', number: '2900100099998' },
        { __typename: 'LoyaltyCard', number: 'not-a-card' },
        { __typename: 'LoyaltyCard', number: '2900100042420' },
      ],
    });
    expect(data._entities).toEqual([
      { __typename: 'LoyaltyCard', number: '2900100042420', status: 'LOST', issuedAt: '2023-01-07T10:20:00.000Z', membership: { memberId: 'M00100004' } },
      { __typename: 'LoyaltyCard', number: '2900100042802', status: 'ACTIVE', issuedAt: '2018-03-03T12:00:00.000Z', membership: null },
      null,
      null,
      { __typename: 'LoyaltyCard', number: '2900100042420', status: 'LOST', issuedAt: '2023-01-07T10:20:00.000Z', membership: { memberId: 'M00100004' } },
    ]);
    // The duplicate is asked once, the invalid number never; the holder came with the lookup; the orphan's member id is asked for once.
    expect(h.calls().byOperation).toEqual({ FindMemberByCard: 3, GetMembers: 1 });
    expect(h.calls().itemsByOperation.GetMembers).toBe(1);
  });
});

describe('Customer', () => {
  const identities = (...ids: string[]) => ids.map((localId) => ({ system: 'LOYALTY', localId, franchise: null }));

  test('resolves memberships from LOYALTY identities only, most recently updated first; loyalty is the newest active one', async () => {
    const { data, errors } = await h.query(entitiesQuery('... on Customer { id loyaltyMemberships { memberId updatedAt } loyalty { memberId } }'), {
      representations: [
        {
          __typename: 'Customer',
          id: 'C1',
          identities: [
            ...identities('M00100003', 'M00100004', 'M00999999', ' '),
            { system: 'ECOMMERCE', localId: 'M00100001', franchise: null },
            { system: 'POS', localId: 'card:2900100042284', franchise: 'NRD' },
          ],
        },
        // M00100007 holds no card and M00100008 no valid one: neither is active.
        { __typename: 'Customer', id: 'C2', identities: identities('M00100007', 'M00100008') },
        { __typename: 'Customer', id: 'C3', identities: [{ system: 'ECOMMERCE', localId: '42', franchise: null }] },
      ],
    });
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([
      {
        __typename: 'Customer',
        id: 'C1',
        loyaltyMemberships: [
          { memberId: 'M00100004', updatedAt: '2026-03-02T09:00:00.000Z' },
          { memberId: 'M00100003', updatedAt: '2025-12-24T17:30:45.120Z' },
        ],
        loyalty: { memberId: 'M00100004' },
      },
      {
        __typename: 'Customer',
        id: 'C2',
        loyaltyMemberships: [
          { memberId: 'M00100008', updatedAt: '2026-01-05T10:00:00.000Z' },
          { memberId: 'M00100007', updatedAt: '2025-10-02T14:00:00.000Z' },
        ],
        loyalty: null,
      },
      { __typename: 'Customer', id: 'C3', loyaltyMemberships: [], loyalty: null },
    ]);
    // Every customer's members in one call, each id once.
    expect(h.calls().byOperation).toEqual({ GetMembers: 1 });
    expect(h.calls().itemsByOperation.GetMembers).toBe(5);
  });
});
