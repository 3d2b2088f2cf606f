import { get } from 'node:http';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { loyaltyFixture } from './fixture.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, LOYALTY_NS, soapClient } from './testClient.js';
import { conformanceProblems, readWsdlSchema } from './wsdlConformance.js';

const OPERATIONS = [
  'GetMember',
  'GetMembers',
  'FindMemberByCard',
  'FindMembersByEmail',
  'FindMembersByPhone',
  'ListChangedMembers',
  'GetCards',
  'GetPointsMovements',
  'GetConsents',
  'UpdateConsent',
  'GetOffers',
  'CreditExternalPurchase',
  'UpdateSizes',
  'EraseMember',
];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['wsdl:message', 'wsdl:operation', 'xs:element', 'xs:complexType', 'xs:simpleType'].includes(name),
});
type Node = Record<string, any>;

let server: RunningLoyalty;
let text: string;
let definitions: Node;

beforeAll(async () => {
  server = await startLoyalty({ data: loyaltyFixture() });
  const res = await fetch(`${server.endpoint}?wsdl`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
  text = await res.text();
  definitions = parser.parse(text)['wsdl:definitions'];
});
afterAll(() => server.stop());

describe('GET /LoyaltyService?wsdl', () => {
  test('is a well-formed WSDL 1.1 document in the service namespace', () => {
    expect(XMLValidator.validate(text)).toBe(true);
    expect(definitions['xmlns:wsdl']).toBe('http://schemas.xmlsoap.org/wsdl/');
    expect(definitions.targetNamespace).toBe(LOYALTY_NS);
    expect(definitions['wsdl:types']['xs:schema']).toMatchObject({ targetNamespace: LOYALTY_NS, elementFormDefault: 'qualified' });
  });

  test('lists every operation in the portType and in a SOAP 1.1 document/literal binding', () => {
    const portType = definitions['wsdl:portType'];
    expect(portType['wsdl:operation'].map((o: Node) => o.name)).toEqual(OPERATIONS);

    const binding = definitions['wsdl:binding'];
    expect(binding.type).toBe(`tns:${portType.name}`);
    expect(binding['soap:binding']).toEqual({ transport: 'http://schemas.xmlsoap.org/soap/http', style: 'document' });
    for (const operation of binding['wsdl:operation'] as Node[]) {
      expect(operation['soap:operation'].soapAction).toBe(`${LOYALTY_NS}/${operation.name}`);
      expect(operation['wsdl:input']['soap:body'].use).toBe('literal');
      expect(operation['wsdl:output']['soap:body'].use).toBe('literal');
      expect(operation['wsdl:fault']['soap:fault']).toEqual({ name: 'LoyaltyFault', use: 'literal' });
    }
    expect(binding['wsdl:operation'].map((o: Node) => o.name)).toEqual(OPERATIONS);
  });

  test('declares each operation\'s messages with request and response elements of the schema', () => {
    const messages = new Map<string, string>(definitions['wsdl:message'].map((m: Node) => [`tns:${m.name}`, m['wsdl:part'].element]));
    const elements = new Set(readWsdlSchema(text).elements.keys());
    for (const operation of definitions['wsdl:portType']['wsdl:operation'] as Node[]) {
      expect(messages.get(operation['wsdl:input'].message)).toBe(`tns:${operation.name}`);
      expect(messages.get(operation['wsdl:output'].message)).toBe(`tns:${operation.name}Response`);
      expect(messages.get(operation['wsdl:fault'].message)).toBe('tns:LoyaltyFault');
      expect(elements).toContain(operation.name);
      expect(elements).toContain(`${operation.name}Response`);
      expect(typeof operation['wsdl:documentation']).toBe('string');
    }
  });

  test('every type it references is defined, and missing member values are declared nillable', () => {
    const schema = readWsdlSchema(text);
    const builtIn = ['xs:string', 'xs:int', 'xs:long', 'xs:decimal', 'xs:boolean', 'xs:date', 'xs:dateTime'];
    const referenced = [...schema.elements.values(), ...[...schema.complexTypes.values()].flat()].flatMap((e) => [
      e.type,
      ...(e.sequence ?? []).map((s) => s.type),
    ]);
    for (const type of referenced.filter((t) => t !== undefined)) {
      expect(builtIn.includes(type!) || schema.complexTypes.has(type!) || schema.simpleTypes.has(type!)).toBe(true);
    }
    const member = new Map(schema.complexTypes.get('tns:Member')!.map((e) => [e.name, e]));
    for (const name of ['email', 'phone', 'mobile', 'birthDate', 'postcode', 'homeStoreCode']) {
      expect(member.get(name)).toMatchObject({ nillable: true, min: 1 });
    }
    expect(member.get('memberId')).toMatchObject({ nillable: false, min: 1 });
    const getMembers = schema.elements.get('GetMembers')!.sequence!;
    expect(getMembers).toEqual([expect.objectContaining({ name: 'memberId', min: 1, max: 100 })]);
  });

  test('declares the member\'s mobile right after the phone: a nillable string, documented like the phone', () => {
    const member = definitions['wsdl:types']['xs:schema']['xs:complexType'].find((t: Node) => t.name === 'Member');
    const elements: Node[] = member['xs:sequence']['xs:element'];
    const names = elements.map((e) => e.name);
    expect(names.slice(names.indexOf('phone'), names.indexOf('phone') + 2)).toEqual(['phone', 'mobile']);
    const [phone, mobile] = ['phone', 'mobile'].map((name) => elements.find((e) => e.name === name)!);
    expect(mobile).toMatchObject({ minOccurs: '1', maxOccurs: '1', nillable: 'true', type: 'xs:string' });
    expect(mobile!['xs:annotation']['xs:documentation']).toMatch(/texted to.*may repeat phone.*National format as keyed: "06 12 34 56 78", "0612345678" or "06\.12\.34\.56\.78"/);
    expect(phone!['xs:annotation']['xs:documentation']).toMatch(/National format as keyed: "06 12 34 56 78", "0612345678" or "06\.12\.34\.56\.78"/);
  });

  test('declares the offer\'s marketing flag last, an optional xs:boolean after productRefs', () => {
    const offer = readWsdlSchema(text).complexTypes.get('tns:Offer')!;
    expect(offer.map((e) => e.name).slice(-2)).toEqual(['productRefs', 'marketing']);
    expect(offer.at(-1)).toMatchObject({ name: 'marketing', type: 'xs:boolean', min: 0, max: 1, nillable: false });
    const declared = definitions['wsdl:types']['xs:schema']['xs:complexType'].find((t: Node) => t.name === 'Offer');
    const marketing = declared['xs:sequence']['xs:element'].find((e: Node) => e.name === 'marketing');
    expect(marketing['xs:annotation']['xs:documentation']).toMatch(/marketing message.*only for members who accept marketing/);
  });

  test('declares UpdateSizes: the member, each size optional and nillable, then who recorded them; the size types accept empty to clear', () => {
    const schema = readWsdlSchema(text);
    expect(schema.elements.get('UpdateSizes')!.sequence).toEqual([
      expect.objectContaining({ name: 'memberId', type: 'xs:string', min: 1, max: 1, nillable: false }),
      expect.objectContaining({ name: 'shoe', type: 'tns:ShoeSize', min: 0, max: 1, nillable: true }),
      expect.objectContaining({ name: 'top', type: 'tns:ClothingSize', min: 0, max: 1, nillable: true }),
      expect.objectContaining({ name: 'bottom', type: 'tns:ClothingSize', min: 0, max: 1, nillable: true }),
      expect.objectContaining({ name: 'updatedBy', type: 'tns:ChangeSource', min: 1, max: 1 }),
    ]);
    expect(schema.elements.get('UpdateSizesResponse')!.sequence).toEqual([expect.objectContaining({ name: 'member', type: 'tns:Member', min: 1, max: 1 })]);
    const shoe = schema.simpleTypes.get('tns:ShoeSize')!.pattern!;
    const clothing = schema.simpleTypes.get('tns:ClothingSize')!.pattern!;
    for (const value of ['', '16', '16.5', '42', '49.5', '50']) expect(shoe.test(value)).toBe(true);
    for (const value of ['15.5', '50.5', '42.0', '42,5', 'M']) expect(shoe.test(value)).toBe(false);
    for (const value of ['', 'XS', 'M', 'XXXL', '30', '41', '66']) expect(clothing.test(value)).toBe(true);
    for (const value of ['m', 'XXXXL', '29', '67', '40.5']) expect(clothing.test(value)).toBe(false);
    expect(schema.simpleTypes.get('tns:ChangeSource')!.pattern!.test('STORE:NRD01')).toBe(true);
    const operation = definitions['wsdl:portType']['wsdl:operation'].find((o: Node) => o.name === 'UpdateSizes');
    expect(operation['wsdl:documentation']).toMatch(/empty, or xsi:nil, clears it.*INVALID_SIZE.*Idempotent: a call that changes nothing/);
  });

  test('declares EraseMember: the member and the caller\'s request id (1 to 64 characters), answered with when and whether it was a repeat', () => {
    const schema = readWsdlSchema(text);
    expect(schema.elements.get('EraseMember')!.sequence).toEqual([
      expect.objectContaining({ name: 'memberId', type: 'xs:string', min: 1, max: 1, nillable: false }),
      expect.objectContaining({ name: 'requestId', type: 'tns:RequestId', min: 1, max: 1, nillable: false }),
    ]);
    expect(schema.elements.get('EraseMemberResponse')!.sequence).toEqual([
      expect.objectContaining({ name: 'erasedAt', type: 'xs:dateTime', min: 1, max: 1 }),
      expect.objectContaining({ name: 'duplicate', type: 'xs:boolean', min: 1, max: 1 }),
    ]);
    const declared = definitions['wsdl:types']['xs:schema']['xs:simpleType'].find((t: Node) => t.name === 'RequestId');
    expect(declared['xs:restriction']).toMatchObject({ base: 'xs:string', 'xs:minLength': { value: '1' }, 'xs:maxLength': { value: '64' } });
    const operation = definitions['wsdl:portType']['wsdl:operation'].find((o: Node) => o.name === 'EraseMember');
    expect(operation['wsdl:documentation']).toMatch(/points movements.*stay.*LOST.*OPT_OUT on every channel.*Idempotent by requestId.*REQUEST_CONFLICT.*MEMBER_NOT_FOUND/);
  });

  test('gives the address the client reached the service at', async () => {
    const port = definitions['wsdl:service']['wsdl:port'];
    expect(port.binding).toBe(`tns:${definitions['wsdl:portType'].name}`);
    expect(port['soap:address'].location).toBe(server.endpoint);

    const viaProxy = await new Promise<string>((resolve, reject) => {
      get(`${server.endpoint}?WSDL`, { headers: { host: 'loyalty.intranet.example:8080' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    expect(parser.parse(viaProxy)['wsdl:definitions']['wsdl:service']['wsdl:port']['soap:address'].location).toBe(
      'http://loyalty.intranet.example:8080/LoyaltyService',
    );
  });

  test('documents the national-format phone quirk and the batch behaviour', () => {
    const find = definitions['wsdl:portType']['wsdl:operation'].find((o: Node) => o.name === 'FindMembersByPhone');
    expect(find['wsdl:documentation']).toMatch(/phone or mobile.*\+33612345678.*matches no member.*returned once/);
    const batch = definitions['wsdl:portType']['wsdl:operation'].find((o: Node) => o.name === 'GetMembers');
    expect(batch['wsdl:documentation']).toMatch(/known ones only/);
  });

  test('the schema checker the tests rely on catches responses that break it', async () => {
    const schema = readWsdlSchema(text);
    const reply = await soapClient(server.endpoint).call('GetMember', arg('memberId', 'M00100002'));
    expect(conformanceProblems(schema, reply.text)).toEqual([]);
    const broken = [
      [reply.text.replace(/<tier>\w+<\/tier>/, ''), /member\[0\]\/tier occurs 0 times, the schema allows 1 to 1/],
      [reply.text.replace('<mobile xsi:nil="true"/>', ''), /member\[0\]\/mobile occurs 0 times, the schema allows 1 to 1/],
      [reply.text.replace('<tier>SILVER</tier>', '<tier>PLATINUM</tier>'), /tier\[0\] = "PLATINUM" is not one of BRONZE, SILVER, GOLD/],
      [reply.text.replace(/<firstName>\w+<\/firstName>/, '<firstName xsi:nil="true"/>'), /firstName\[0\] is nil but not nillable/],
      [reply.text.replace(/(<firstName>\w+<\/firstName>)(<lastName>\w+<\/lastName>)/, '$2$1'), /not expected at this position|occurs 0 times/],
      [reply.text.replace(/<pointsBalance>\d+</, '<pointsBalance>many<'), /pointsBalance\[0\] = "many" is not a valid xs:int/],
      [reply.text.replace('<cardNumber>29', '<cardNumber>40'), /cardNumber\[0\] = "40\d+" does not match/],
      [reply.text.replace('GetMemberResponse', 'GetMemberReply').replace('/GetMemberResponse', '/GetMemberReply'), /<GetMemberReply> is not a global element/],
    ] as const;
    for (const [xml, problem] of broken) {
      expect(xml).not.toBe(reply.text);
      expect(conformanceProblems(schema, xml).join('\n')).toMatch(problem);
    }
  });
});
