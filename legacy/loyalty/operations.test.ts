import type { ConsentRecord, LoyaltyCard, LoyaltyMember, MemberOffer, PointsMovement } from '../generator/model.js';
import { withCheckDigit } from '../../utilities/gtin.js';
import { FIXTURE_NOW, loyaltyFixture } from './fixture.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, soapClient, type SoapReply } from './testClient.js';
import { conformanceProblems, readWsdlSchema, type WsdlSchema } from './wsdlConformance.js';

const fixture = loyaltyFixture();
const member = (id: string) => fixture.members.find((m) => m.member_id === id)!;
const byTime = (a: string, b: string) => Date.parse(a) - Date.parse(b);
const cardsOf = (id: string) => fixture.cards.filter((c) => c.member_id === id).sort((a, b) => byTime(a.issued_at, b.issued_at));

// The wire shapes the WSDL promises, derived from the stored records: values as stored, nil as null, all text.
const cardXml = (c: LoyaltyCard) => ({ cardNumber: c.card_number, memberId: c.member_id, status: c.status, issuedAt: c.issued_at });
const memberXml = (m: LoyaltyMember) => {
  const cards = cardsOf(m.member_id);
  return {
    memberId: m.member_id,
    firstName: m.first_name,
    lastName: m.last_name,
    email: m.email,
    phone: m.phone,
    mobile: m.mobile,
    birthDate: m.birth_date,
    postcode: m.postcode,
    tier: m.tier,
    pointsBalance: String(m.points_balance),
    homeStoreCode: m.home_store_code,
    enrolledAt: m.enrolled_at,
    updatedAt: m.updated_at,
    sizes: { ...m.sizes },
    cards: cards.length === 0 ? '' : { card: cards.map(cardXml) },
  };
};
const movementXml = (m: PointsMovement) => ({
  id: String(m.id),
  memberId: m.member_id,
  at: m.at,
  points: String(m.points),
  reason: m.reason,
  reference: m.reference,
});
const consentXml = (c: ConsentRecord) => ({
  memberId: c.member_id,
  channel: c.channel,
  purpose: c.purpose,
  status: c.status,
  capturedAt: c.captured_at,
  source: c.source,
});
const offerXml = (o: MemberOffer) => ({
  offerId: o.offer_id,
  title: o.title,
  description: o.description,
  kind: o.kind,
  value: o.value,
  validFrom: o.valid_from,
  validTo: o.valid_to,
  minTier: o.min_tier,
  memberId: o.member_id,
  productRefs: o.product_refs.length === 0 ? '' : { productRef: o.product_refs },
  marketing: String(o.marketing),
});
const ids = (list: { memberId: string }[] | undefined) => (list ?? []).map((m) => m.memberId);

let server: RunningLoyalty;
let soap: ReturnType<typeof soapClient>;
let schema: WsdlSchema;
let clock = FIXTURE_NOW;

beforeAll(async () => {
  server = await startLoyalty({ data: loyaltyFixture(), now: () => new Date(clock) });
  soap = soapClient(server.endpoint);
  schema = readWsdlSchema(await (await fetch(server.wsdlUrl)).text());
});
afterAll(() => server.stop());

/** Asserts a 200 whose Body conforms to the served WSDL, and returns the response element. */
function ok(reply: SoapReply, operation: string) {
  expect(reply.fault).toBeUndefined();
  expect(reply.status).toBe(200);
  expect(conformanceProblems(schema, reply.text)).toEqual([]);
  expect(reply.text).toMatch(new RegExp(`<soap:Body><${operation}Response xmlns="urn:crosscanal:loyalty:v3"/?>`));
  return reply.body;
}

describe('GetMember', () => {
  test('returns the member as stored, with every card oldest first', async () => {
    const body = ok(await soap.call('GetMember', arg('memberId', 'M00100001')), 'GetMember');
    expect(body.member).toEqual(memberXml(member('M00100001')));
    expect(body.member.email).toBe(' Camille.Martin@Gmail.com ');
    expect(body.member.cards.card.map((c: { status: string }) => c.status)).toEqual(['REPLACED', 'ACTIVE']);
  });

  test('sends unknown values as xsi:nil="true", never omitting them', async () => {
    const reply = await soap.call('GetMember', arg('memberId', 'M00100005'));
    expect(ok(reply, 'GetMember').member).toEqual(memberXml(member('M00100005')));
    for (const name of ['email', 'phone', 'mobile', 'birthDate', 'postcode', 'homeStoreCode', 'shoe', 'top', 'bottom']) {
      expect(reply.text).toContain(`<${name} xsi:nil="true"/>`);
    }
  });

  test('sends the mobile right after the phone, as keyed, each nil on its own', async () => {
    const both = await soap.call('GetMember', arg('memberId', 'M00100001'));
    expect(both.text).toContain('<phone>06 12 34 56 78</phone><mobile>0612345678</mobile><birthDate>');
    const phoneOnly = await soap.call('GetMember', arg('memberId', 'M00100002'));
    expect(phoneOnly.text).toContain('<phone>07.81.22.33.44</phone><mobile xsi:nil="true"/>');
    expect(ok(phoneOnly, 'GetMember').member).toMatchObject({ phone: '07.81.22.33.44', mobile: null });
    const mobileOnly = await soap.call('GetMember', arg('memberId', 'M00100007'));
    expect(mobileOnly.text).toContain('<phone xsi:nil="true"/><mobile>06.98.76.54.33</mobile>');
    expect(ok(mobileOnly, 'GetMember').member).toMatchObject({ phone: null, mobile: '06.98.76.54.33' });
  });

  test('escapes text and returns a member without cards with an empty list', async () => {
    const quoted = await soap.call('GetMember', arg('memberId', 'M00100006'));
    expect(quoted.text).toContain('<lastName>D&apos;Almeida &amp; Fils</lastName>');
    expect(ok(quoted, 'GetMember').member.lastName).toBe("D'Almeida & Fils");
    const cardless = ok(await soap.call('GetMember', arg('memberId', 'M00100007')), 'GetMember');
    expect(cardless.member).toEqual(memberXml(member('M00100007')));
  });

  test('faults with MEMBER_NOT_FOUND for an unknown id', async () => {
    const reply = await soap.call('GetMember', arg('memberId', 'M00999999'));
    expect(reply.status).toBe(500);
    expect(reply.fault).toEqual({
      faultcode: 'soap:Client',
      faultstring: 'GetMember: no member with memberId "M00999999"',
      detail: { code: 'MEMBER_NOT_FOUND', field: 'memberId', value: 'M00999999' },
    });
    expect(conformanceProblems(schema, reply.text)).toEqual([]);
  });
});

describe('GetMembers', () => {
  test('returns the known members in the order asked, each once, skipping unknown ids', async () => {
    const asked = ['M00100004', 'M00999999', 'M00100001', 'M00100004'];
    const body = ok(await soap.call('GetMembers', asked.map((id) => arg('memberId', id)).join('')), 'GetMembers');
    expect(body.member).toEqual(['M00100004', 'M00100001'].map((id) => memberXml(member(id))));
  });

  test('returns an empty response when no id is known', async () => {
    const body = ok(await soap.call('GetMembers', arg('memberId', 'M00000000')), 'GetMembers');
    expect(body.member).toBeUndefined();
  });
});

describe('FindMemberByCard', () => {
  test.each(fixture.cards.filter((c) => c.member_id.startsWith('M001')).map((c) => [c.status, c.card_number] as const))(
    'finds the holder of a %s card and reports the card status (%s)',
    async (_status, cardNumber) => {
      const card = fixture.cards.find((c) => c.card_number === cardNumber)!;
      const body = ok(await soap.call('FindMemberByCard', arg('cardNumber', cardNumber)), 'FindMemberByCard');
      expect(body).toEqual({ card: cardXml(card), member: memberXml(member(card.member_id)) });
    },
  );

  test('returns the card alone when its member no longer exists', async () => {
    const orphan = fixture.cards.find((c) => !fixture.members.some((m) => m.member_id === c.member_id))!;
    const body = ok(await soap.call('FindMemberByCard', arg('cardNumber', orphan.card_number)), 'FindMemberByCard');
    expect(body).toEqual({ card: cardXml(orphan) });
  });

  test('returns neither card nor member for a well-formed number nobody holds', async () => {
    const reply = await soap.call('FindMemberByCard', arg('cardNumber', withCheckDigit('290099999999')));
    ok(reply, 'FindMemberByCard');
    expect(reply.text).toContain('<FindMemberByCardResponse xmlns="urn:crosscanal:loyalty:v3"/>');
  });
});

describe('FindMembersByEmail', () => {
  test('matches trimmed and case-insensitively, returning everyone who shares the address', async () => {
    const body = ok(await soap.call('FindMembersByEmail', arg('email', '  FAMILLE.PETIT@FREE.FR ')), 'FindMembersByEmail');
    const expected = fixture.members.filter((m) => m.email?.trim().toLowerCase() === 'famille.petit@free.fr');
    expect(expected.length).toBe(2);
    expect(body.member).toEqual(expected.map(memberXml));
  });

  test('finds a member whose stored email has stray spaces and capitals', async () => {
    const body = ok(await soap.call('FindMembersByEmail', arg('email', 'camille.martin@gmail.com')), 'FindMembersByEmail');
    expect(ids(body.member)).toEqual(['M00100001']);
  });

  test('returns no member for an unknown address', async () => {
    const body = ok(await soap.call('FindMembersByEmail', arg('email', 'nobody@example.org')), 'FindMembersByEmail');
    expect(body.member).toBeUndefined();
  });
});

describe('FindMembersByPhone (quirk: national format digits only, phone or mobile)', () => {
  const digits = (number: string | null) => number?.replace(/\D/g, '') ?? null;

  test.each(['06 12 34 56 78', '06.12.34.56.78', '0612345678', ' 06-12-34-56-78 '])('%s finds the member keyed as "06 12 34 56 78"', async (phone) => {
    const body = ok(await soap.call('FindMembersByPhone', arg('phone', phone)), 'FindMembersByPhone');
    expect(body.member).toEqual([memberXml(member('M00100001'))]);
  });

  test.each(['+33612345678', '+33 6 12 34 56 78', '0033612345678'])('the international form %s finds no member', async (phone) => {
    const body = ok(await soap.call('FindMembersByPhone', arg('phone', phone)), 'FindMembersByPhone');
    expect(body.member).toBeUndefined();
  });

  test('returns every member sharing a landline, whatever format each was keyed in', async () => {
    const body = ok(await soap.call('FindMembersByPhone', arg('phone', '03 20 12 34 56')), 'FindMembersByPhone');
    const expected = fixture.members.filter((m) => digits(m.phone) === '0320123456' || digits(m.mobile) === '0320123456');
    expect(new Set(expected.map((m) => m.phone)).size).toBe(2);
    expect(body.member).toEqual(expected.map(memberXml));
  });

  test.each(['06 98 76 54 33', '0698765433', '06.98.76.54.33'])('%s finds the member who gave it as mobile only', async (phone) => {
    const body = ok(await soap.call('FindMembersByPhone', arg('phone', phone)), 'FindMembersByPhone');
    expect(body.member).toEqual([memberXml(member('M00100007'))]);
    expect(body.member[0]).toMatchObject({ phone: null, mobile: '06.98.76.54.33' });
  });

  test('the international form of a mobile finds no member either', async () => {
    const body = ok(await soap.call('FindMembersByPhone', arg('phone', '+33698765433')), 'FindMembersByPhone');
    expect(body.member).toBeUndefined();
  });

  test('each member of a family sharing a landline is found alone by their own mobile', async () => {
    const family = fixture.members.filter((m) => digits(m.phone) === '0320123456');
    expect(new Set(family.map((m) => digits(m.mobile))).size).toBe(family.length);
    for (const relative of family) {
      const body = ok(await soap.call('FindMembersByPhone', arg('phone', relative.mobile!)), 'FindMembersByPhone');
      expect(body.member).toEqual([memberXml(relative)]);
    }
  });

  test('returns a member whose mobile repeats their phone once, by either', async () => {
    const camille = member('M00100001');
    expect(camille.mobile).not.toBe(camille.phone);
    expect(digits(camille.mobile)).toBe(digits(camille.phone));
    for (const phone of [camille.phone!, camille.mobile!]) {
      const body = ok(await soap.call('FindMembersByPhone', arg('phone', phone)), 'FindMembersByPhone');
      expect(body.member).toEqual([memberXml(camille)]);
    }
  });
});

describe('ListChangedMembers', () => {
  const changedSince = (since: string) =>
    fixture.members
      .filter((m) => Date.parse(m.updated_at) >= Date.parse(since))
      .sort((a, b) => byTime(a.updated_at, b.updated_at) || (a.member_id < b.member_id ? -1 : 1));

  test('pages through the members updated at or after since, by updatedAt then memberId', async () => {
    const since = '2026-01-10T12:00:00Z';
    const expected = changedSince(since);
    expect(expected.length).toBe(5);
    const pages = [];
    for (let page = 1; page <= 3; page++) {
      const body = ok(await soap.call('ListChangedMembers', arg('since', since) + arg('page', String(page)) + arg('pageSize', '2')), 'ListChangedMembers');
      expect(body).toMatchObject({ total: '5', page: String(page), pageSize: '2', hasMore: String(page < 3) });
      pages.push(...body.member);
    }
    expect(pages).toEqual(expected.map(memberXml));
    expect(ids(pages).slice(1, 3)).toEqual(['M00100001', 'M00100002']);
  });

  test('reads a since with an offset, defaults to page 1 of 100, and is empty past the last page', async () => {
    const all = ok(await soap.call('ListChangedMembers', arg('since', '2026-01-10T13:00:00+01:00')), 'ListChangedMembers');
    expect(all).toMatchObject({ total: '5', page: '1', pageSize: '100', hasMore: 'false' });
    expect(ids(all.member)).toEqual(changedSince('2026-01-10T12:00:00Z').map((m) => m.member_id));
    const past = ok(await soap.call('ListChangedMembers', arg('since', '2000-01-01T00:00:00Z') + arg('page', '9') + arg('pageSize', '5')), 'ListChangedMembers');
    expect(past).toEqual({ total: String(fixture.members.length), page: '9', pageSize: '5', hasMore: 'false' });
  });
});

describe('GetCards', () => {
  test('returns every card of the members asked, grouped in the order asked, oldest first', async () => {
    const asked = ['M00100004', 'M00100001', 'M00100007', 'M00999999'];
    const body = ok(await soap.call('GetCards', asked.map((id) => arg('memberId', id)).join('')), 'GetCards');
    expect(body.card).toEqual(asked.flatMap((id) => cardsOf(id).map(cardXml)));
    expect(body.card.map((c: { status: string }) => c.status)).toEqual(['LOST', 'ACTIVE', 'REPLACED', 'ACTIVE']);
  });
});

describe('GetPointsMovements', () => {
  const movementsOf = (id: string) => fixture.movements.filter((m) => m.member_id === id).sort((a, b) => byTime(a.at, b.at));

  test('returns each member\'s movements oldest first, members in the order asked', async () => {
    const body = ok(await soap.call('GetPointsMovements', arg('memberId', 'M00100002') + arg('memberId', 'M00100001')), 'GetPointsMovements');
    expect(body.movement).toEqual([...movementsOf('M00100002'), ...movementsOf('M00100001')].map(movementXml));
    const camille = body.movement.filter((m: { memberId: string }) => m.memberId === 'M00100001');
    expect(camille.reduce((sum: number, m: { points: string }) => sum + Number(m.points), 0)).toBe(member('M00100001').points_balance);
  });

  test('keeps from <= at < to', async () => {
    const from = '2026-01-15T20:13:00.000Z';
    const to = '2026-03-01T00:00:00.000Z';
    const body = ok(await soap.call('GetPointsMovements', arg('memberId', 'M00100001') + arg('from', from) + arg('to', to)), 'GetPointsMovements');
    const expected = movementsOf('M00100001').filter((m) => Date.parse(m.at) >= Date.parse(from) && Date.parse(m.at) < Date.parse(to));
    expect(expected.map((m) => m.at)).toEqual(['2026-01-15T20:13:00.000Z', '2026-01-16T09:00:00.000Z']);
    expect(body.movement).toEqual(expected.map(movementXml));
  });
});

describe('GetConsents', () => {
  test('returns the consent in force per channel: the most recently captured wins, not the last filed', async () => {
    const body = ok(await soap.call('GetConsents', arg('memberId', 'M00100001') + arg('memberId', 'M00100002')), 'GetConsents');
    const current = (id: string, channel: string) =>
      fixture.consents
        .filter((c) => c.member_id === id && c.channel === channel)
        .reduce((a, b) => (Date.parse(b.captured_at) >= Date.parse(a.captured_at) ? b : a));
    expect(body.consent).toEqual(
      [current('M00100001', 'EMAIL'), current('M00100001', 'SMS'), current('M00100002', 'EMAIL'), current('M00100002', 'POST')].map(consentXml),
    );
    expect(body.consent.map((c: { status: string }) => c.status)).toEqual(['OPT_OUT', 'PENDING', 'OPT_IN', 'OPT_OUT']);
  });
});

describe('GetOffers', () => {
  const rank = { BRONZE: 0, SILVER: 1, GOLD: 2 };
  const visible = (m: LoyaltyMember, at: string) =>
    fixture.offers
      .filter((o) => rank[o.min_tier] <= rank[m.tier] && (o.member_id === null || o.member_id === m.member_id))
      .filter((o) => Date.parse(o.valid_from) <= Date.parse(at) && Date.parse(at) < Date.parse(o.valid_to))
      .sort((a, b) => (a.offer_id < b.offer_id ? -1 : 1));

  test.each(['M00100001', 'M00100002', 'M00100004'])('returns the offers %s can see now: tier, validity and personalisation', async (id) => {
    const body = ok(await soap.call('GetOffers', arg('memberId', id)), 'GetOffers');
    expect(body.offer).toEqual(visible(member(id), FIXTURE_NOW).map(offerXml));
  });

  test('a GOLD member sees GOLD, SILVER, BRONZE and their own offers, none expired, future or ending now', async () => {
    const body = ok(await soap.call('GetOffers', arg('memberId', 'M00100001')), 'GetOffers');
    expect(body.offer.map((o: { offerId: string }) => o.offerId)).toEqual(['OF-GOLD2X', 'OF-P-M00100001', 'OF-SILVER15', 'OF-WELCOME']);
    expect(body.offer.find((o: { offerId: string }) => o.offerId === 'OF-WELCOME').description).toBe(
      '10 € offerts dès 50 € d’achat <b>en magasin & en ligne</b>',
    );
  });

  test('says which offers are sent as marketing, in an element after productRefs', async () => {
    const reply = await soap.call('GetOffers', arg('memberId', 'M00100001'));
    const body = ok(reply, 'GetOffers');
    expect(body.offer.map((o: { offerId: string; marketing: string }) => [o.offerId, o.marketing])).toEqual([
      ['OF-GOLD2X', 'false'],
      ['OF-P-M00100001', 'true'],
      ['OF-SILVER15', 'false'],
      ['OF-WELCOME', 'false'],
    ]);
    expect(reply.text).toMatch(/<productRefs\/><marketing>true<\/marketing><\/offer>/);
    expect(conformanceProblems(schema, reply.text)).toEqual([]);
  });

  test('follows the injected clock', async () => {
    clock = '2026-03-13T12:00:00.000Z';
    try {
      const body = ok(await soap.call('GetOffers', arg('memberId', 'M00100004')), 'GetOffers');
      expect(body.offer).toEqual(visible(member('M00100004'), clock).map(offerXml));
      expect(body.offer.map((o: { offerId: string }) => o.offerId)).toContain('OF-FLASH');
    } finally {
      clock = FIXTURE_NOW;
    }
  });

  test('faults with MEMBER_NOT_FOUND for an unknown member', async () => {
    const reply = await soap.call('GetOffers', arg('memberId', 'M00999999'));
    expect(reply.fault?.detail).toEqual({ code: 'MEMBER_NOT_FOUND', field: 'memberId', value: 'M00999999' });
  });
});
