import type { WireMember, WireOffer } from './client.js';
import { instant, isCurrent, isLoyaltyCardNumber, legacyConsentStatus, toConsent, toMembership, toPromotion } from './mappers.js';

const member = (patch: Partial<WireMember> = {}): WireMember => ({
  memberId: 'M1',
  firstName: ' Ana ',
  lastName: 'Lima',
  email: null,
  phone: null,
  mobile: null,
  birthDate: null,
  postcode: null,
  tier: 'SILVER',
  pointsBalance: 10,
  homeStoreCode: null,
  enrolledAt: '2020-01-01T00:00:00Z',
  updatedAt: '2020-01-01T00:00:00Z',
  sizes: { shoe: null, top: null, bottom: null },
  cards: [],
  ...patch,
});

const offer = (patch: Partial<WireOffer> = {}): WireOffer => ({
  offerId: 'O-4',
  title: ' Remise ',
  description: 'd',
  kind: 'PERCENT',
  value: '15',
  validFrom: '2026-03-01T00:00:00Z',
  validTo: '2026-04-01T00:00:00+02:00',
  minTier: 'BRONZE',
  memberId: null,
  productRefs: [],
  marketing: false,
  ...patch,
});

describe('instant', () => {
  test.each([
    ['2026-03-14T10:22:00Z', '2026-03-14T10:22:00.000Z'],
    ['2026-03-14T12:22:00.5+02:00', '2026-03-14T10:22:00.500Z'],
    ['2026-03-14T10:22:00', '2026-03-14T10:22:00.000Z'],
    [' 2026-03-14T10:22:00Z ', '2026-03-14T10:22:00.000Z'],
    ['2026-02-30T10:22:00Z', null],
    ['14/03/2026', null],
    [null, null],
  ])('%s is %s', (text, expected) => {
    expect(instant(text)).toBe(expected);
  });
});

describe('isLoyaltyCardNumber', () => {
  test.each([
    ['2900100042284', true],
    ['2900100042285', false],
    ['4006381333931', false],
    ['290010004228', false],
    ['2900100042284 ', false],
  ])('%s: %s', (number, valid) => {
    expect(isLoyaltyCardNumber(number)).toBe(valid);
  });
});

describe('toMembership', () => {
  test('the card number is the most recently issued ACTIVE card; invalid numbers are no card at all', () => {
    const membership = toMembership(
      member({
        cards: [
          { cardNumber: '2900100042116', memberId: 'M1', status: 'ACTIVE', issuedAt: '2019-01-01T00:00:00Z' },
          { cardNumber: '2900100042284', memberId: 'M1', status: 'ACTIVE', issuedAt: '2023-01-01T00:00:00Z' },
          { cardNumber: '2900100042292', memberId: 'M1', status: 'ACTIVE', issuedAt: '2024-01-01T00:00:00Z' },
          { cardNumber: '2900100042352', memberId: 'M1', status: 'LOST', issuedAt: '2025-01-01T00:00:00Z' },
        ],
      }),
    );
    expect(membership.cardNumber).toBe('2900100042284');
    expect(membership.active).toBe(true);
    expect(membership.cards.map((card) => card.number)).toEqual(['2900100042116', '2900100042284', '2900100042352']);
  });

  test('a member with only lost cards is not active and has no card number', () => {
    const membership = toMembership(member({ cards: [{ cardNumber: '2900100042352', memberId: 'M1', status: 'LOST', issuedAt: '2025-01-01T00:00:00Z' }] }));
    expect(membership).toMatchObject({ cardNumber: null, active: false, firstName: 'Ana' });
  });

  test('email for display and for matching, phone in E.164 from any stored form', () => {
    expect(toMembership(member({ email: '  Ana.Lima@Example.COM', phone: '06.12.34.56.78' }))).toMatchObject({
      email: 'Ana.Lima@Example.COM',
      emailKey: 'ana.lima@example.com',
      phone: '+33612345678',
    });
    expect(toMembership(member({ email: 'ana at example', phone: '12 34' }))).toMatchObject({ email: null, emailKey: null, phone: null });
  });

  test('mobile in E.164 from any stored form, on its own or repeating the phone; null when unreadable or nil', () => {
    expect(toMembership(member({ phone: '03.20.12.34.56', mobile: '06 71 45 23 90' }))).toMatchObject({ phone: '+33320123456', mobile: '+33671452390' });
    expect(toMembership(member({ phone: '06 12 34 56 78', mobile: '0612345678' }))).toMatchObject({ phone: '+33612345678', mobile: '+33612345678' });
    expect(toMembership(member({ phone: null, mobile: '06.98.76.54.33' }))).toMatchObject({ phone: null, mobile: '+33698765433' });
    expect(toMembership(member({ phone: '07.81.22.33.44', mobile: '06 12 34 56' }))).toMatchObject({ phone: '+33781223344', mobile: null });
    expect(toMembership(member()).mobile).toBeNull();
  });
});

describe('toConsent and legacyConsentStatus', () => {
  test.each([
    ['OPT_IN', 'SUBSCRIBED'],
    ['OPT_OUT', 'UNSUBSCRIBED'],
    ['PENDING', 'PENDING'],
  ] as const)('%s is %s, both ways', (legacy, graph) => {
    const consent = toConsent({ memberId: 'M1', channel: 'POST', purpose: 'MARKETING', status: legacy, capturedAt: '2026-01-01T01:00:00+01:00', source: 'STORE:NRD01' });
    expect(consent).toEqual({ channel: 'POST', status: graph, capturedAt: '2026-01-01T00:00:00.000Z', source: 'STORE:NRD01', system: 'LOYALTY' });
    expect(legacyConsentStatus(graph)).toBe(legacy);
  });
});

describe('toPromotion', () => {
  test('a percentage in hundredths off the basket, for members of its tier and above, on the web and in stores', () => {
    expect(toPromotion(offer({ value: '12.5', minTier: 'SILVER' }))).toEqual({
      id: 'loyalty:O-4',
      system: 'LOYALTY',
      title: 'Remise',
      kind: 'PERCENT_OFF',
      percentOff: 1250,
      amountOff: null,
      fixedPrice: null,
      buyQuantity: null,
      payQuantity: null,
      pointsMultiplier: null,
      channels: ['WEB', 'STORE'],
      stage: 'CART',
      priority: 100,
      stackable: true,
      scope: {
        allProducts: true,
        catalogueRefs: [],
        webSkus: [],
        gtins: [],
        categories: [],
        franchise: null,
        storeCodes: [],
        tiers: ['SILVER', 'GOLD'],
        memberId: null,
      },
      conditions: { couponCode: null, minimumBasket: null, firstOrderOnly: false, membersOnly: true, marketingOnly: false },
      startsAt: '2026-03-01T00:00:00.000Z',
      endsAt: '2026-03-31T22:00:00.000Z',
    });
  });

  test('an amount in euro cents; a points multiplier in hundredths, at the POINTS stage', () => {
    expect(toPromotion(offer({ kind: 'AMOUNT', value: '10.00' }))).toMatchObject({ kind: 'AMOUNT_OFF', amountOff: { amount: 1000, currency: 'EUR' }, percentOff: null, stage: 'CART' });
    expect(toPromotion(offer({ kind: 'POINTS_MULTIPLIER', value: '2' }))).toMatchObject({ kind: 'POINTS_MULTIPLIER', pointsMultiplier: 200, stage: 'POINTS' });
    expect(toPromotion(offer({ kind: 'POINTS_MULTIPLIER', value: '1.5' }))).toMatchObject({ pointsMultiplier: 150 });
  });

  test('a personal offer on some products, sent as marketing, for gold members only', () => {
    const promotion = toPromotion(offer({ memberId: ' M00100001 ', productRefs: ['702.611.50', '815.240.07'], minTier: 'GOLD', marketing: true }))!;
    expect(promotion.scope).toMatchObject({ allProducts: false, catalogueRefs: ['702.611.50', '815.240.07'], tiers: ['GOLD'], memberId: 'M00100001' });
    expect(promotion.conditions).toMatchObject({ membersOnly: true, marketingOnly: true });
    expect(toPromotion(offer({ minTier: 'BRONZE' }))!.scope.tiers).toEqual(['BRONZE', 'SILVER', 'GOLD']);
  });

  test('a kind the programme added since is OTHER, its value unread: shown, never applied', () => {
    expect(toPromotion(offer({ kind: 'FREE_GIFT', value: 'a scarf' }))).toMatchObject({
      id: 'loyalty:O-4',
      kind: 'OTHER',
      percentOff: null,
      amountOff: null,
      pointsMultiplier: null,
      stage: 'CART',
    });
  });

  test.each(['dix', '1.005', ''])('an unreadable value %j is no promotion rather than a wrong one', (value) => {
    expect(toPromotion(offer({ value }))).toBeNull();
    expect(toPromotion(offer({ kind: 'AMOUNT', value }))).toBeNull();
  });

  test('is current from its start, inclusive, to its end, exclusive', () => {
    const promotion = toPromotion(offer())!;
    expect(isCurrent(promotion, new Date('2026-02-28T23:59:59.999Z'))).toBe(false);
    expect(isCurrent(promotion, new Date('2026-03-01T00:00:00.000Z'))).toBe(true);
    expect(isCurrent(promotion, new Date('2026-03-31T22:00:00.000Z'))).toBe(false);
  });
});
