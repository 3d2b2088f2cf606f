import { withCheckDigit } from '../../utilities/gtin.js';
import { loyaltyFixture } from './fixture.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, envelope, LOYALTY_NS, soapClient, SOAP_NS } from './testClient.js';

let server: RunningLoyalty;
let soap: ReturnType<typeof soapClient>;

beforeAll(async () => {
  server = await startLoyalty({ data: loyaltyFixture() });
  soap = soapClient(server.endpoint);
});
afterAll(() => server.stop());

const xmlHeaders = (action = `"${LOYALTY_NS}/GetMember"`) => ({ 'content-type': 'text/xml; charset=utf-8', soapaction: action });
const getMember = (id = 'M00100001') => `<loy:GetMember>${arg('memberId', id)}</loy:GetMember>`;

describe('SOAP faults for a broken message', () => {
  test.each([
    ['an unclosed element', envelope('<loy:GetMember><loy:memberId>M00100001</loy:GetMember>'), 'MALFORMED_XML', /not well-formed XML: .*line \d+/],
    ['text that is not XML', 'GetMember M00100001', 'MALFORMED_XML', /not well-formed XML/],
    ['two root elements', `${envelope(getMember())}<extra/>`, 'MALFORMED_XML', /one root element, found 2/],
    ['an undeclared prefix', envelope('<ns9:GetMember/>'), 'MALFORMED_XML', /prefix "ns9" of "ns9:GetMember" is not declared/],
    ['a document type declaration', `<!DOCTYPE x [<!ENTITY a "b">]>${envelope(getMember())}`, 'DTD_NOT_ALLOWED', /document type declaration/],
    ['a root that is not an Envelope', `<loy:GetMember xmlns:loy="${LOYALTY_NS}"><loy:memberId>M1</loy:memberId></loy:GetMember>`, 'INVALID_ENVELOPE', /got <GetMember>/],
    ['an empty Body', envelope(''), 'INVALID_ENVELOPE', /exactly one operation element, got 0/],
    ['two operations in one Body', envelope(getMember() + getMember()), 'INVALID_ENVELOPE', /exactly one operation element, got 2/],
  ])('%s is a soap:Client fault %s', async (_case, text, code, message) => {
    const reply = await soap.post(text, xmlHeaders());
    expect(reply.status).toBe(500);
    expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code } });
    expect(reply.fault!.faultstring).toMatch(message);
  });

  test('a SOAP 1.2 envelope is a VersionMismatch fault', async () => {
    const text = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>${getMember()}</env:Body></env:Envelope>`;
    const reply = await soap.post(text.replace('<loy:GetMember>', `<loy:GetMember xmlns:loy="${LOYALTY_NS}">`), xmlHeaders());
    expect(reply.fault).toMatchObject({ faultcode: 'soap:VersionMismatch', detail: { code: 'VERSION_MISMATCH' } });
    expect(reply.fault!.faultstring).toMatch(/SOAP 1.2/);
  });

  test('a header entry marked mustUnderstand is a MustUnderstand fault without detail (SOAP 1.1 §4.4)', async () => {
    const text = envelope(getMember()).replace(
      '<soapenv:Header/>',
      `<soapenv:Header><wsse:Security xmlns:wsse="urn:example:security" soapenv:mustUnderstand="1"/></soapenv:Header>`,
    );
    const reply = await soap.post(text, xmlHeaders());
    expect(reply.status).toBe(500);
    expect(reply.fault).toEqual({ faultcode: 'soap:MustUnderstand', faultstring: expect.stringMatching(/<Security>.*mustUnderstand/) });
    const optional = await soap.post(text.replace(' soapenv:mustUnderstand="1"', ''), xmlHeaders());
    expect(optional.status).toBe(200);
  });
});

describe('SOAP faults for a wrong operation or SOAPAction', () => {
  test('an unknown operation is a Client fault naming it', async () => {
    const reply = await soap.call('GetMemberz', arg('memberId', 'M00100001'), { action: '' });
    expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code: 'UNKNOWN_OPERATION', field: 'operation', value: 'GetMemberz' } });
    expect(reply.fault!.faultstring).toMatch(/no operation <GetMemberz>; operations: GetMember, GetMembers/);
  });

  test('a known operation name outside the service namespace is unknown', async () => {
    const text = envelope(`<GetMember xmlns="urn:crosscanal:loyalty:v2"><memberId>M00100001</memberId></GetMember>`);
    const reply = await soap.post(text, xmlHeaders());
    expect(reply.fault?.detail?.code).toBe('UNKNOWN_OPERATION');
    expect(reply.fault!.faultstring).toMatch(/in namespace urn:crosscanal:loyalty:v2 \(expected urn:crosscanal:loyalty:v3\)/);
  });

  test('a SOAPAction naming no operation is unknown', async () => {
    const reply = await soap.call('GetMember', arg('memberId', 'M00100001'), { action: `"${LOYALTY_NS}/DeleteMember"` });
    expect(reply.fault?.detail).toEqual({ code: 'UNKNOWN_OPERATION', field: 'SOAPAction', value: `"${LOYALTY_NS}/DeleteMember"` });
  });

  test('a SOAPAction that disagrees with the Body element is a Client fault', async () => {
    const reply = await soap.call('GetMember', arg('memberId', 'M00100001'), { action: `"${LOYALTY_NS}/GetOffers"` });
    expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code: 'SOAP_ACTION_MISMATCH', field: 'SOAPAction' } });
    expect(reply.fault!.faultstring).toMatch(/does not match the Body element <GetMember>/);
  });

  test('a missing SOAPAction header is a Client fault', async () => {
    const reply = await soap.call('GetMember', arg('memberId', 'M00100001'), { action: null });
    expect(reply.fault?.detail).toEqual({ code: 'MISSING_SOAP_ACTION', field: 'SOAPAction' });
  });

  test.each([`"${LOYALTY_NS}/GetMember"`, `${LOYALTY_NS}/GetMember`, '"GetMember"', 'GetMember', '""', ''])(
    'SOAPAction %s is accepted',
    async (action) => {
      const reply = await soap.call('GetMember', arg('memberId', 'M00100001'), { action });
      expect(reply.status).toBe(200);
      expect(reply.body.member.memberId).toBe('M00100001');
    },
  );
});

describe('SOAP faults for a missing or invalid argument', () => {
  test.each([
    ['GetMember', '', 'MISSING_ARGUMENT', 'memberId', undefined, /GetMember: memberId is required/],
    ['GetMember', arg('memberId', '   '), 'MISSING_ARGUMENT', 'memberId', '', /must not be empty/],
    ['GetMember', arg('memberID', 'M00100001'), 'INVALID_ARGUMENT', 'memberID', undefined, /GetMember has no argument <memberID> in namespace .*; expected memberId/],
    ['GetMember', arg('memberId', 'M00100001') + arg('memberId', 'M00100002'), 'INVALID_ARGUMENT', 'memberId', undefined, /may occur once, got 2/],
    ['GetMembers', '', 'MISSING_ARGUMENT', 'memberId', undefined, /GetMembers needs 1 to 100 memberId elements, got 0/],
    ['FindMembersByPhone', arg('phone', 'n/a'), 'INVALID_ARGUMENT', 'phone', 'n/a', /phone must contain digits, got "n\/a"/],
    ['ListChangedMembers', arg('since', 'yesterday'), 'INVALID_ARGUMENT', 'since', 'yesterday', /since must be an xs:dateTime .*got "yesterday"/],
    ['ListChangedMembers', arg('since', '2026-01-01T00:00:00Z') + arg('pageSize', '501'), 'INVALID_ARGUMENT', 'pageSize', '501', /pageSize must be an integer from 1 to 500, got "501"/],
    ['ListChangedMembers', arg('since', '2026-01-01T00:00:00Z') + arg('page', '0'), 'INVALID_ARGUMENT', 'page', '0', /page must be an integer from 1/],
    ['ListChangedMembers', arg('pageSize', '10') + arg('since', '2026-01-01T00:00:00Z'), 'INVALID_ARGUMENT', 'since', undefined, /since is out of order/],
    [
      'GetPointsMovements',
      arg('memberId', 'M00100001') + arg('from', '2026-03-01T00:00:00Z') + arg('to', '2026-01-01T00:00:00Z'),
      'INVALID_ARGUMENT', 'from', '2026-03-01T00:00:00.000Z', /from \(2026-03-01T00:00:00.000Z\) must not be after to/,
    ],
  ])('%s with %s is a Client fault %s', async (operation, args, code, field, value, message) => {
    const reply = await soap.call(operation, args);
    expect(reply.status).toBe(500);
    expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code, field, ...(value === undefined ? {} : { value }) } });
    expect(reply.fault!.faultstring).toMatch(message);
  });

  test('a card number with a bad check digit is INVALID_CARD_NUMBER, naming the value', async () => {
    const good = withCheckDigit('290010004228');
    const bad = `${good.slice(0, -1)}${(Number(good.slice(-1)) + 1) % 10}`;
    const reply = await soap.call('FindMemberByCard', arg('cardNumber', bad));
    expect(reply.status).toBe(500);
    expect(reply.fault).toEqual({
      faultcode: 'soap:Client',
      faultstring: `FindMemberByCard: cardNumber "${bad}" has a bad check digit (${bad.slice(-1)}, expected ${good.slice(-1)})`,
      detail: { code: 'INVALID_CARD_NUMBER', field: 'cardNumber', value: bad },
    });
    expect((await soap.call('FindMemberByCard', arg('cardNumber', good))).status).toBe(200);
  });

  test.each(['4006381333931', '29001000422', '29 0010 0042 28 4'])('%s is not a loyalty card number', async (cardNumber) => {
    const reply = await soap.call('FindMemberByCard', arg('cardNumber', cardNumber));
    expect(reply.fault?.detail).toEqual({ code: 'INVALID_CARD_NUMBER', field: 'cardNumber', value: cardNumber });
    expect(reply.fault!.faultstring).toMatch(/must be 13 digits starting with 29/);
  });

  test(`more than 100 memberId elements is BATCH_LIMIT_EXCEEDED; 100 is served`, async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => arg('memberId', `M${String(100_001 + i).padStart(8, '0')}`)).join('');
    for (const operation of ['GetMembers', 'GetCards', 'GetPointsMovements', 'GetConsents']) {
      const reply = await soap.call(operation, ids(101));
      expect(reply.fault).toEqual({
        faultcode: 'soap:Client',
        faultstring: `${operation} accepts at most 100 memberId elements per call, got 101`,
        detail: { code: 'BATCH_LIMIT_EXCEEDED', field: 'memberId', value: '101' },
      });
      expect((await soap.call(operation, ids(100))).status).toBe(200);
    }
  });
});

describe('reading requests the way SOAP stacks write them', () => {
  test('accepts unqualified arguments, any prefixes, character references and CDATA', async () => {
    const text = `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="${SOAP_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <s:Body>
    <FindMembersByEmail xmlns="${LOYALTY_NS}">
      <email xmlns=""><![CDATA[ Camille.Martin]]>&#64;gmail.com</email>
    </FindMembersByEmail>
  </s:Body>
</s:Envelope>`;
    const reply = await soap.post(text, xmlHeaders(`"${LOYALTY_NS}/FindMembersByEmail"`));
    expect(reply.status).toBe(200);
    expect(reply.body.member.map((m: { memberId: string }) => m.memberId)).toEqual(['M00100001']);
  });

  test('treats an xsi:nil optional argument as absent', async () => {
    const args = `${arg('memberId', 'M00100001')}<loy:from xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>`;
    const reply = await soap.call('GetPointsMovements', args);
    expect(reply.status).toBe(200);
    expect(reply.body.movement).toHaveLength(loyaltyFixture().movements.filter((m) => m.member_id === 'M00100001').length);
  });
});

describe('HTTP errors', () => {
  test('GET without ?wsdl and other methods are 405, allowing POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(server.endpoint, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.text()).toMatch(new RegExp(`${method} /LoyaltyService is not allowed.*\\?wsdl`));
    }
  });

  test.each([
    ['application/json', /got "application\/json"/],
    ['application/soap+xml; charset=utf-8', /SOAP 1.2/],
    ['text/xml; charset=iso-8859-1', /charset must be utf-8, got "text\/xml; charset=iso-8859-1"/],
  ])('Content-Type %s is 415', async (contentType, message) => {
    const res = await fetch(server.endpoint, { method: 'POST', headers: { 'content-type': contentType, soapaction: 'GetMember' }, body: envelope(getMember()) });
    expect(res.status).toBe(415);
    expect(await res.text()).toMatch(message);
  });

  test('text/xml without a charset is read as UTF-8', async () => {
    const reply = await soap.call('GetMember', arg('memberId', 'M00100006'), { contentType: 'text/xml' });
    expect(reply.body.member.firstName).toBe('Zoé');
  });

  test('another path is 404, naming the endpoint', async () => {
    const res = await fetch(`${server.url}/loyaltyservice`, { method: 'POST', headers: xmlHeaders(), body: envelope(getMember()) });
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/the loyalty service is \/LoyaltyService/);
  });
});
