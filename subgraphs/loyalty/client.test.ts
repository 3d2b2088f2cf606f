import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { loyaltyFixture } from '../../legacy/loyalty/fixture.js';
import { startLoyalty, type RunningLoyalty } from '../../legacy/loyalty/server.js';
import { LegacySource } from '../shared/source.js';
import { LoyaltyClient, LOYALTY_NS, requestEnvelope } from './client.js';
import { toConsent, toMembership } from './mappers.js';
import { extraMemberId, subgraphFixture } from './testHarness.js';

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const source = () => new LegacySource('loyalty', { retryBaseMs: 1, retries: 2, timeoutMs: 10_000, breaker: { failureThreshold: 100 } });

describe('request envelopes', () => {
  test('are SOAP 1.1, document/literal wrapped in the service namespace, text escaped, repeated arguments in order', () => {
    const xml = requestEnvelope('GetMembers', [['memberId', ['M1', 'a&b<c>"\'']], ['from', '2026-01-01T00:00:00Z']]);
    expect(xml).toContain(`<soap:Envelope xmlns:soap="${SOAP}">`);
    expect(xml).toContain(`<GetMembers xmlns="${LOYALTY_NS}"><memberId>M1</memberId><memberId>a&amp;b&lt;c&gt;`);
    const parsed = new XMLParser({ removeNSPrefix: true, parseTagValue: false }).parse(xml);
    expect(parsed.Envelope.Body.GetMembers).toEqual({ memberId: ['M1', 'a&b<c>"\''], from: '2026-01-01T00:00:00Z' });
  });

  test('refuse characters XML cannot carry instead of sending a broken message', () => {
    expect(() => requestEnvelope('FindMembersByEmail', [['email', 'a\u0000@b.fr']])).toThrow(/email holds characters XML cannot carry/);
  });
});

describe('LoyaltyClient against the stand-in', () => {
  let legacy: RunningLoyalty;
  let client: LoyaltyClient;
  beforeAll(async () => {
    legacy = await startLoyalty({ data: subgraphFixture(250), port: 0 });
    client = new LoyaltyClient(legacy.endpoint, source());
  });
  afterAll(() => legacy.stop());
  beforeEach(() => legacy.counter.reset());

  test('getMembers splits 250 ids into calls of at most 100, asks each id once, keeps the values as stored', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => extraMemberId(i));
    const { records: members, unreadable } = await client.getMembers([...ids, 'M00100001', ids[0]!, 'M00999999']);
    expect(members).toHaveLength(251);
    expect(unreadable).toEqual([]);
    expect(legacy.counter.snapshot()).toMatchObject({ byOperation: { GetMembers: 3 }, itemsByOperation: { GetMembers: 252 } });
    const camille = members.find((m) => m.memberId === 'M00100001')!;
    expect(camille).toMatchObject({ email: ' Camille.Martin@Gmail.com ', phone: '06 12 34 56 78', mobile: '0612345678', pointsBalance: 909, tier: 'GOLD' });
    expect(camille.cards.map((c) => c.status)).toEqual(['REPLACED', 'ACTIVE']);
    expect(await client.getMembers([])).toEqual({ records: [], unreadable: [] });
    expect(legacy.counter.snapshot().total).toBe(3);
  });

  test('reads nil as null and escaped text as text', async () => {
    const [theo, zoe] = (await client.getMembers(['M00100005', 'M00100006'])).records;
    expect(theo).toMatchObject({ email: null, phone: null, mobile: null, sizes: { shoe: null, top: null, bottom: null } });
    expect(zoe!.lastName).toBe("D'Almeida & Fils");
  });

  test('reads the mobile as stored, each number nil on its own', async () => {
    const [lucas, hugo, paul] = (await client.getMembers(['M00100002', 'M00100004', 'M00100007'])).records;
    expect(lucas).toMatchObject({ phone: '07.81.22.33.44', mobile: null });
    expect(hugo).toMatchObject({ phone: '0320123456', mobile: '0768124533' });
    expect(paul).toMatchObject({ phone: null, mobile: '06.98.76.54.33' });
  });

  test('findMembersByPhone finds by mobile too, a member once when both numbers are the same', async () => {
    expect((await client.findMembersByPhone('0698765433')).map((m) => m.memberId)).toEqual(['M00100007']);
    expect((await client.findMembersByPhone('0612345678')).map((m) => m.memberId)).toEqual(['M00100001']);
    expect((await client.findMembersByPhone('0320123456')).map((m) => m.memberId)).toEqual(['M00100003', 'M00100004']);
  });

  test('maps the faults that mean "not found" to null, and a card number the service refuses to no card', async () => {
    expect(await client.getOffers('M00999999')).toBeNull();
    expect(await client.updateConsent({ memberId: 'M00999999', channel: 'SMS', status: 'OPT_IN', source: 'WEB', capturedAt: '2026-03-14T10:00:00Z' })).toBeNull();
    expect(await client.findMemberByCard('2900100042285')).toEqual({ card: null, member: null });
    expect(await client.findMemberByCard('2900100042802')).toMatchObject({ card: { memberId: 'M00099871', status: 'ACTIVE' }, member: null });
  });

  test('updateSizes sends the sizes given (empty to clear), leaves the others out, and answers the member as stored', async () => {
    const member = await client.updateSizes({ memberId: 'M00100001', sizes: { shoe: '39.5', top: null }, updatedBy: 'STORE:NRD01' });
    expect(member).toMatchObject({ memberId: 'M00100001', sizes: { shoe: '39.5', top: null, bottom: '38' } });
    expect(member!.cards.map((c) => c.status)).toEqual(['REPLACED', 'ACTIVE']);
    expect(await client.updateSizes({ memberId: 'M00999999', sizes: { shoe: '40' }, updatedBy: 'WEB' })).toBeNull();
    await expect(client.updateSizes({ memberId: 'M00100001', sizes: { shoe: '39,5' }, updatedBy: 'WEB' })).rejects.toMatchObject({
      message: 'loyalty: UpdateSizes: SOAP fault soap:Client INVALID_SIZE (shoe)',
      extensions: { code: 'SOURCE_BAD_REQUEST', source: 'loyalty' },
    });
    expect(legacy.counter.snapshot().byOperation).toEqual({ UpdateSizes: 3 });
  });

  test('maps any other soap:Client fault to SOURCE_BAD_REQUEST, without retrying', async () => {
    await expect(client.findMembersByPhone('n/a')).rejects.toMatchObject({
      message: 'loyalty: FindMembersByPhone: SOAP fault soap:Client INVALID_ARGUMENT (phone)',
      extensions: { code: 'SOURCE_BAD_REQUEST', source: 'loyalty' },
    });
    expect(legacy.counter.snapshot().byOperation).toEqual({ FindMembersByPhone: 1 });
  });

  test('maps soap:Server faults to SOURCE_UNAVAILABLE, retried', async () => {
    legacy.faults.set({ errorRate: 1 });
    try {
      await expect(client.getConsents(['M00100001'])).rejects.toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE' } });
      expect(legacy.counter.snapshot().faulted).toBe(3);
    } finally {
      legacy.faults.reset();
    }
  });
});

describe('LoyaltyClient.eraseMember against the stand-in', () => {
  const ERASED_AT = '2026-03-14T10:05:00.000Z';
  let legacy: RunningLoyalty;
  let client: LoyaltyClient;
  beforeEach(async () => {
    legacy = await startLoyalty({ data: loyaltyFixture(), port: 0, now: () => new Date(ERASED_AT) });
    client = new LoyaltyClient(legacy.endpoint, source());
  });
  afterEach(() => legacy.stop());

  test('answers the erasure; a repeat, or another request id for the member, answers its erasedAt as a duplicate; an unknown member is null', async () => {
    expect(await client.eraseMember('M00100004', 'gdpr-42-loyalty')).toEqual({ erasedAt: ERASED_AT, duplicate: false });
    expect(await client.eraseMember('M00100004', 'gdpr-42-loyalty')).toEqual({ erasedAt: ERASED_AT, duplicate: true });
    expect(await client.eraseMember('M00100004', 'gdpr-43-loyalty')).toEqual({ erasedAt: ERASED_AT, duplicate: true });
    expect(await client.eraseMember('M00999999', 'gdpr-44-loyalty')).toBeNull();
    expect(legacy.counter.snapshot().byOperation).toEqual({ EraseMember: 4 });
  });

  test('a request id that erased another member is a bad request, not retried', async () => {
    await client.eraseMember('M00100004', 'gdpr-45-loyalty');
    await expect(client.eraseMember('M00100003', 'gdpr-45-loyalty')).rejects.toMatchObject({
      message: 'loyalty: EraseMember: SOAP fault soap:Client REQUEST_CONFLICT (memberId)',
      extensions: { code: 'SOURCE_BAD_REQUEST', source: 'loyalty' },
    });
    expect(legacy.counter.snapshot().byOperation.EraseMember).toBe(2);
  });

  test('the erased member, cards and consents read and map as an anonymised, inactive membership, opted out everywhere', async () => {
    await client.eraseMember('M00100004', 'gdpr-46-loyalty');
    const { records, unreadable } = await client.getMembers(['M00100004']);
    expect(unreadable).toEqual([]);
    expect(records[0]).toMatchObject({ firstName: '', lastName: '', email: null, phone: null, mobile: null, birthDate: null, postcode: null, updatedAt: ERASED_AT });
    expect(toMembership(records[0]!)).toMatchObject({
      memberId: 'M00100004',
      active: false,
      cardNumber: null,
      firstName: '',
      email: null,
      emailKey: null,
      phone: null,
      mobile: null,
      sizeProfile: null,
      pointsBalance: 100,
    });
    expect(toMembership(records[0]!).cards.map((card) => card.status)).toEqual(['LOST', 'LOST']);
    const consents = await client.getConsents(['M00100004']);
    expect(consents.records.map(toConsent).map(({ channel, status }) => [channel, status])).toEqual([
      ['EMAIL', 'UNSUBSCRIBED'],
      ['SMS', 'UNSUBSCRIBED'],
      ['PHONE', 'UNSUBSCRIBED'],
      ['POST', 'UNSUBSCRIBED'],
    ]);
    expect(await client.findMembersByPhone('0768124533')).toEqual([]);
    expect((await client.getPointsMovements(['M00100004'])).records).toHaveLength(1);
  });

  test('a server fault is retried (the call is safe to repeat), then SOURCE_UNAVAILABLE', async () => {
    legacy.faults.set({ errorRate: 1 });
    try {
      await expect(client.eraseMember('M00100004', 'gdpr-47-loyalty')).rejects.toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE', source: 'loyalty' } });
      expect(legacy.counter.snapshot().faulted).toBe(3);
    } finally {
      legacy.faults.reset();
    }
    expect(await client.eraseMember('M00100004', 'gdpr-47-loyalty')).toEqual({ erasedAt: ERASED_AT, duplicate: false });
  });
});

describe('LoyaltyClient against answers a SOAP client must survive', () => {
  let server: Server;
  let endpoint: string;
  let answer: (req: IncomingMessage, body: string) => { status: number; headers?: Record<string, string>; body: string };
  let requests: Array<{ headers: IncomingMessage['headers']; body: string }>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        requests.push({ headers: req.headers, body });
        const reply = answer(req, body);
        res.writeHead(reply.status, { 'content-type': 'text/xml; charset=utf-8', ...reply.headers });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/LoyaltyService`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = [];
  });

  const envelope = (body: string, prefix = 'soap') =>
    `<?xml version="1.0"?><${prefix}:Envelope xmlns:${prefix}="${SOAP}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><${prefix}:Body>${body}</${prefix}:Body></${prefix}:Envelope>`;
  const fault = (code: string, detail: string) =>
    envelope(`<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>x</faultstring><detail><LoyaltyFault xmlns="${LOYALTY_NS}"><code>${detail}</code></LoyaltyFault></detail></soap:Fault>`);
  const offer = (value: string) =>
    `<offer><offerId>O-1</offerId><title>T</title><description>D</description><kind>PERCENT</kind><value>${value}</value><validFrom>2026-01-01T00:00:00Z</validFrom><validTo>2027-01-01T00:00:00Z</validTo><minTier>BRONZE</minTier><memberId xsi:nil="true"/><productRefs/></offer>`;
  const client = () => new LoyaltyClient(endpoint, source());

  test('updateSizes writes each size given in sequence order, a cleared one as an empty element, and no element for a size left out', async () => {
    answer = () => ({ status: 200, body: fault('Client', 'MEMBER_NOT_FOUND') });
    expect(await client().updateSizes({ memberId: 'M1', sizes: { bottom: '40', shoe: null }, updatedBy: 'CALLCENTER' })).toBeNull();
    expect(requests[0]!.headers.soapaction).toBe(`"${LOYALTY_NS}/UpdateSizes"`);
    expect(requests[0]!.body).toContain(`<UpdateSizes xmlns="${LOYALTY_NS}"><memberId>M1</memberId><shoe></shoe><bottom>40</bottom><updatedBy>CALLCENTER</updatedBy></UpdateSizes>`);
  });

  test('eraseMember sends the member then the request id, and refuses an answer that breaks the schema', async () => {
    const erased = (erasedAt: string, duplicate: string) =>
      envelope(`<EraseMemberResponse xmlns="${LOYALTY_NS}"><erasedAt>${erasedAt}</erasedAt><duplicate>${duplicate}</duplicate></EraseMemberResponse>`);
    answer = () => ({ status: 200, body: erased('2026-03-14T10:05:00Z', 'false') });
    expect(await client().eraseMember('M1', 'req-1')).toEqual({ erasedAt: '2026-03-14T10:05:00Z', duplicate: false });
    expect(requests[0]!.headers.soapaction).toBe(`"${LOYALTY_NS}/EraseMember"`);
    expect(requests[0]!.body).toContain(`<EraseMember xmlns="${LOYALTY_NS}"><memberId>M1</memberId><requestId>req-1</requestId></EraseMember>`);

    answer = () => ({ status: 200, body: erased('2026-03-14T10:05:00Z', 'yes') });
    await expect(client().eraseMember('M1', 'req-1')).rejects.toMatchObject({
      message: expect.stringMatching(/EraseMemberResponse\.duplicate must be an xs:boolean, got "yes"/),
      extensions: { code: 'SOURCE_BAD_RESPONSE' },
    });
    answer = () => ({ status: 200, body: erased('yesterday', 'true') });
    await expect(client().eraseMember('M1', 'req-1')).rejects.toMatchObject({ extensions: { code: 'SOURCE_BAD_RESPONSE' } });
    answer = () => ({ status: 500, body: fault('Client', 'MEMBER_NOT_FOUND') });
    expect(await client().eraseMember('M1', 'req-1')).toBeNull();
  });

  test('sends a POST with the SOAPAction and Content-Type of SOAP 1.1', async () => {
    answer = () => ({ status: 200, body: envelope(`<GetOffersResponse xmlns="${LOYALTY_NS}"/>`) });
    expect(await client().getOffers('M1')).toEqual([]);
    expect(requests[0]!.headers).toMatchObject({ 'content-type': 'text/xml; charset=utf-8', soapaction: `"${LOYALTY_NS}/GetOffers"` });
  });

  test('reads a pretty-printed answer with other prefixes, CDATA and character references', async () => {
    answer = () => ({
      status: 200,
      body: envelope(
        `\n  <ns2:GetOffersResponse xmlns:ns2="${LOYALTY_NS}">\n    ${offer('15').replace('<title>T</title>', '<title><![CDATA[Été & <b>]]>&#x21;</title>')}\n    ${offer('2')}\n  </ns2:GetOffersResponse>\n`,
        'S',
      ),
    });
    const offers = await client().getOffers('M1');
    expect(offers).toHaveLength(2);
    expect(offers![0]).toMatchObject({ title: 'Été & <b>!', value: '15', memberId: null, productRefs: [] });
  });

  test('reads the optional marketing flag (absent: false), and keeps a kind added since for the mapper to show as OTHER', async () => {
    answer = () => ({
      status: 200,
      body: envelope(
        `<GetOffersResponse xmlns="${LOYALTY_NS}">${offer('15')}${offer('15').replace('<productRefs/>', '<productRefs/><marketing>true</marketing>')}${offer('3').replace('PERCENT', 'BOGOF').replace('<productRefs/>', '<productRefs/><marketing>0</marketing>')}</GetOffersResponse>`,
      ),
    });
    const offers = await client().getOffers('M1');
    expect(offers!.map(({ kind, marketing }) => ({ kind, marketing }))).toEqual([
      { kind: 'PERCENT', marketing: false },
      { kind: 'PERCENT', marketing: true },
      { kind: 'BOGOF', marketing: false },
    ]);
  });

  test.each([
    ['a 200 that is not XML', 200, 'Service Unavailable', 'SOURCE_BAD_RESPONSE', /not well-formed XML/],
    ['a 200 with another operation', 200, envelope(`<GetMembersResponse xmlns="${LOYALTY_NS}"/>`), 'SOURCE_BAD_RESPONSE', /expected <GetOffersResponse> in the SOAP Body, got <GetMembersResponse>/],
    ['a value outside the schema', 200, envelope(`<GetOffersResponse xmlns="${LOYALTY_NS}">${offer('15').replace('BRONZE', 'PLATINUM')}</GetOffersResponse>`), 'SOURCE_BAD_RESPONSE', /GetOffersResponse\.offer\[0\]\.minTier must be one of BRONZE, SILVER, GOLD, got "PLATINUM"/],
    ['a marketing flag that is no xs:boolean', 200, envelope(`<GetOffersResponse xmlns="${LOYALTY_NS}">${offer('15').replace('<productRefs/>', '<productRefs/><marketing>oui</marketing>')}</GetOffersResponse>`), 'SOURCE_BAD_RESPONSE', /GetOffersResponse\.offer\[0\]\.marketing must be an xs:boolean, got "oui"/],
    ['a document type declaration', 200, `<!DOCTYPE x [<!ENTITY a "b">]>${envelope('')}`, 'SOURCE_BAD_RESPONSE', /document type declaration/],
    ['a 500 that is not a SOAP fault', 500, '<html>Internal Server Error</html>', 'SOURCE_UNAVAILABLE', /HTTP 500/],
    ['a soap:Server fault', 500, fault('Server', 'SERVER_ERROR'), 'SOURCE_UNAVAILABLE', /SOAP fault soap:Server SERVER_ERROR/],
    ['a 404', 404, 'No service at /x', 'SOURCE_BAD_REQUEST', /HTTP 404 No service at \/x/],
    ['a fault code SOAP 1.1 does not have', 500, fault('Receiver', 'X'), 'SOURCE_BAD_RESPONSE', /not a SOAP 1.1 fault code/],
  ])('%s (HTTP %s) is %s', async (_case, status, body, code, message) => {
    answer = () => ({ status, body });
    const failure = client().getOffers('M1');
    await expect(failure).rejects.toMatchObject({ extensions: { code, source: 'loyalty' } });
    await expect(failure).rejects.toMatchObject({ message: expect.stringMatching(message) });
  });

  test('a record that breaks the schema fails its member alone; one without a readable member id fails the answer', async () => {
    const consent = (memberId: string, status: string) =>
      `<consent><memberId>${memberId}</memberId><channel>SMS</channel><purpose>MARKETING</purpose><status>${status}</status><capturedAt>2026-01-01T00:00:00Z</capturedAt><source>WEB</source></consent>`;
    answer = () => ({ status: 200, body: envelope(`<GetConsentsResponse xmlns="${LOYALTY_NS}">${consent('M1', 'OPT_IN')}${consent('M2', 'MAYBE')}</GetConsentsResponse>`) });
    const { records, unreadable } = await client().getConsents(['M1', 'M2']);
    expect(records.map((c) => c.memberId)).toEqual(['M1']);
    expect(unreadable).toEqual([
      { memberId: 'M2', failure: expect.objectContaining({ kind: 'badResponse', message: 'GetConsents: GetConsentsResponse.consent[1].status must be one of OPT_IN, OPT_OUT, PENDING, got "MAYBE"' }) },
    ]);

    answer = () => ({ status: 200, body: envelope(`<GetConsentsResponse xmlns="${LOYALTY_NS}">${consent('M1', 'OPT_IN').replace('<memberId>M1</memberId>', '')}</GetConsentsResponse>`) });
    await expect(client().getConsents(['M1'])).rejects.toMatchObject({
      message: 'loyalty: GetConsents: GetConsentsResponse.consent[0].memberId is missing',
      extensions: { code: 'SOURCE_BAD_RESPONSE' },
    });
  });

  test('reads a member without a mobile element, as the service sent members before it kept one, as no mobile', async () => {
    const member = (memberId: string, mobile: string) =>
      `<member><memberId>${memberId}</memberId><firstName>Léa</firstName><lastName>PETIT</lastName><email xsi:nil="true"/><phone>03.20.12.34.56</phone>${mobile}` +
      '<birthDate xsi:nil="true"/><postcode xsi:nil="true"/><tier>BRONZE</tier><pointsBalance>0</pointsBalance><homeStoreCode xsi:nil="true"/>' +
      '<enrolledAt>2022-12-17T11:03:00Z</enrolledAt><updatedAt>2022-12-17T11:03:00Z</updatedAt><sizes><shoe xsi:nil="true"/><top xsi:nil="true"/><bottom xsi:nil="true"/></sizes><cards/></member>';
    answer = () => ({
      status: 200,
      body: envelope(
        `<FindMembersByPhoneResponse xmlns="${LOYALTY_NS}">${member('M1', '')}${member('M2', '<mobile xsi:nil="true"/>')}${member('M3', '<mobile>06 71 45 23 90</mobile>')}</FindMembersByPhoneResponse>`,
      ),
    });
    const members = await client().findMembersByPhone('0320123456');
    expect(members.map(({ memberId, phone, mobile }) => ({ memberId, phone, mobile }))).toEqual([
      { memberId: 'M1', phone: '03.20.12.34.56', mobile: null },
      { memberId: 'M2', phone: '03.20.12.34.56', mobile: null },
      { memberId: 'M3', phone: '03.20.12.34.56', mobile: '06 71 45 23 90' },
    ]);
  });

  test('a 429 is SOURCE_RATE_LIMITED when the system asks for a longer wait than we keep callers waiting', async () => {
    answer = () => ({ status: 429, headers: { 'retry-after': '30' }, body: 'slow down' });
    await expect(client().getOffers('M1')).rejects.toMatchObject({ extensions: { code: 'SOURCE_RATE_LIMITED' } });
    expect(requests).toHaveLength(1);
  });

  test('reads a fault whatever prefix binds the envelope namespace', async () => {
    answer = () => ({ status: 500, body: fault('Client', 'MEMBER_NOT_FOUND').replace(/soap:/g, 's:').replace(/xmlns:soap=/, 'xmlns:s=') });
    expect(await client().getOffers('M1')).toBeNull();
  });
});

test('the fixture this suite extends is the stand-in’s own', () => {
  const base = loyaltyFixture();
  const extended = subgraphFixture(0);
  expect(extended.members.slice(0, base.members.length)).toEqual(base.members);
});
