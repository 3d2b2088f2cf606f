import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoyaltyData } from '../generator/model.js';
import { FIXTURE_NOW, loyaltyFixture } from './fixture.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, soapClient, type SoapReply } from './testClient.js';
import { conformanceProblems, readWsdlSchema, type WsdlSchema } from './wsdlConformance.js';

const ERASED_AT = '2026-03-14T10:05:00.000Z';

let clock = FIXTURE_NOW;
let data: LoyaltyData;
let server: RunningLoyalty;
let soap: ReturnType<typeof soapClient>;
let schema: WsdlSchema;

async function start(journalDir?: string) {
  data = loyaltyFixture();
  server = await startLoyalty({ data, now: () => new Date(clock), journalDir });
  soap = soapClient(server.endpoint);
  schema = readWsdlSchema(await (await fetch(server.wsdlUrl)).text());
}
beforeEach(async () => {
  clock = ERASED_AT;
  await start();
});
afterEach(() => server.stop());

const eraseMember = (memberId: string, requestId: string) => soap.call('EraseMember', arg('memberId', memberId) + arg('requestId', requestId));
const memberOf = async (memberId: string) => (await soap.call('GetMember', arg('memberId', memberId))).body.member;
const ids = (members: { memberId: string }[] | undefined) => (members ?? []).map((m) => m.memberId);

/** Asserts a 200 whose Body conforms to the served WSDL, and returns the response element. */
function ok(reply: SoapReply) {
  expect(reply.fault).toBeUndefined();
  expect(reply.status).toBe(200);
  expect(conformanceProblems(schema, reply.text)).toEqual([]);
  return reply.body;
}

describe('EraseMember', () => {
  test('anonymises the member and keeps tier, balance, home store and enrolment; GetMember conforms with the nils', async () => {
    const before = await memberOf('M00100004');
    expect(ok(await eraseMember('M00100004', 'erasure-0001'))).toEqual({ erasedAt: ERASED_AT, duplicate: 'false' });

    const reply = await soap.call('GetMember', arg('memberId', 'M00100004'));
    const member = ok(reply).member;
    expect(member).toEqual({
      ...before,
      firstName: '',
      lastName: '',
      email: null,
      phone: null,
      mobile: null,
      birthDate: null,
      postcode: null,
      sizes: { shoe: null, top: null, bottom: null },
      updatedAt: ERASED_AT,
      cards: { card: before.cards.card.map((card: { status: string }) => ({ ...card, status: 'LOST' })) },
    });
    expect(reply.text).toContain('<firstName/><lastName/><email xsi:nil="true"/><phone xsi:nil="true"/><mobile xsi:nil="true"/>');
    expect(data).toEqual(loyaltyFixture());
  });

  test('the searches no longer find the member; the family sharing the landline and the email still finds the others', async () => {
    ok(await eraseMember('M00100004', 'erasure-0002'));
    for (const phone of ['0320123456', '03 20 12 34 56', '0768124533']) {
      expect(ids((await soap.call('FindMembersByPhone', arg('phone', phone))).body.member)).toEqual(phone === '0768124533' ? [] : ['M00100003']);
    }
    expect(ids((await soap.call('FindMembersByEmail', arg('email', 'famille.petit@free.fr'))).body.member)).toEqual(['M00100003']);
  });

  test('keeps the cards and their numbers, ACTIVE ones marked LOST, the others as they were; a card still finds the anonymised member', async () => {
    ok(await eraseMember('M00100001', 'erasure-0003'));
    const cards = ok(await soap.call('GetCards', arg('memberId', 'M00100001'))).card;
    expect(cards.map((c: { cardNumber: string; status: string }) => [c.cardNumber, c.status])).toEqual([
      ['2900100042116', 'REPLACED'],
      ['2900100042284', 'LOST'],
    ]);
    const found = ok(await soap.call('FindMemberByCard', arg('cardNumber', '2900100042284')));
    expect(found.card.status).toBe('LOST');
    expect(found.member).toMatchObject({ memberId: 'M00100001', firstName: '', email: null });
    // Another member's card is untouched.
    expect(ok(await soap.call('GetCards', arg('memberId', 'M00100002'))).card[0].status).toBe('ACTIVE');
  });

  test('keeps every points movement; replaces the consents with an OPT_OUT on every channel, captured at the erasure', async () => {
    const movements = ok(await soap.call('GetPointsMovements', arg('memberId', 'M00100001'))).movement;
    ok(await eraseMember('M00100001', 'erasure-0004'));
    expect(ok(await soap.call('GetPointsMovements', arg('memberId', 'M00100001'))).movement).toEqual(movements);
    expect(ok(await soap.call('GetConsents', arg('memberId', 'M00100001'))).consent).toEqual(
      ['EMAIL', 'SMS', 'PHONE', 'POST'].map((channel) => ({ memberId: 'M00100001', channel, purpose: 'MARKETING', status: 'OPT_OUT', capturedAt: ERASED_AT, source: 'CALLCENTER' })),
    );
    // An opt-in captured before the erasure and delivered late does not come back into force.
    clock = '2026-03-14T10:10:00.000Z';
    ok(await soap.call('UpdateConsent', arg('memberId', 'M00100001') + arg('channel', 'SMS') + arg('status', 'OPT_IN') + arg('source', 'APP') + arg('capturedAt', '2026-03-14T09:00:00Z')));
    const sms = ok(await soap.call('GetConsents', arg('memberId', 'M00100001'))).consent.find((c: { channel: string }) => c.channel === 'SMS');
    expect(sms).toMatchObject({ status: 'OPT_OUT', capturedAt: ERASED_AT });
  });

  test('drops the member’s personalised offers; the offers for every member stay', async () => {
    const offers = async () => (ok(await soap.call('GetOffers', arg('memberId', 'M00100001'))).offer ?? []).map((o: { offerId: string }) => o.offerId);
    expect(await offers()).toContain('OF-P-M00100001');
    ok(await eraseMember('M00100001', 'erasure-0005'));
    const after = await offers();
    expect(after).not.toContain('OF-P-M00100001');
    expect(after.length).toBeGreaterThan(0);
  });

  test('moves the member to the end of ListChangedMembers', async () => {
    ok(await eraseMember('M00100002', 'erasure-0006'));
    expect(ids(ok(await soap.call('ListChangedMembers', arg('since', ERASED_AT))).member)).toEqual(['M00100002']);
  });

  test('is idempotent: a repeat of the request id, or another request for the same member, answers the first erasedAt, duplicate, changing nothing', async () => {
    ok(await eraseMember('M00100002', 'erasure-0007'));
    const erased = await memberOf('M00100002');
    clock = '2026-03-15T08:00:00.000Z';
    expect(ok(await eraseMember('M00100002', 'erasure-0007'))).toEqual({ erasedAt: ERASED_AT, duplicate: 'true' });
    expect(ok(await eraseMember('M00100002', 'another-caller-0001'))).toEqual({ erasedAt: ERASED_AT, duplicate: 'true' });
    expect(await memberOf('M00100002')).toEqual(erased);
  });

  test('the same erasure sent several times at once erases once', async () => {
    const replies = await Promise.all([eraseMember('M00100006', 'erasure-0008'), eraseMember('M00100006', 'erasure-0008'), eraseMember('M00100006', 'erasure-0009')]);
    expect(replies.map((reply) => ok(reply).duplicate).sort()).toEqual(['false', 'true', 'true']);
    expect(new Set(replies.map((reply) => reply.body.erasedAt))).toEqual(new Set([ERASED_AT]));
  });

  test('a request id that erased another member is a Client fault REQUEST_CONFLICT, and erases nothing', async () => {
    ok(await eraseMember('M00100002', 'erasure-0010'));
    const reply = await eraseMember('M00100003', 'erasure-0010');
    expect(reply.status).toBe(500);
    expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code: 'REQUEST_CONFLICT', field: 'memberId', value: 'M00100003' } });
    expect(reply.fault!.faultstring).toContain('already erased member M00100002');
    expect(conformanceProblems(schema, reply.text)).toEqual([]);
    expect((await memberOf('M00100003')).firstName).not.toBe('');
  });

  test('faults with MEMBER_NOT_FOUND for an unknown member, and refuses a request id that is empty or over 64 characters', async () => {
    expect((await eraseMember('M00999999', 'erasure-0011')).fault?.detail).toEqual({ code: 'MEMBER_NOT_FOUND', field: 'memberId', value: 'M00999999' });
    expect((await eraseMember('M00100002', '')).fault?.detail).toMatchObject({ code: 'MISSING_ARGUMENT', field: 'requestId' });
    expect((await eraseMember('M00100002', 'x'.repeat(65))).fault?.detail).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'requestId' });
    expect(ok(await eraseMember('M00100002', 'x'.repeat(64))).duplicate).toBe('false');
    // The unknown member's request id was not used up: it may erase someone now.
    expect(ok(await eraseMember('M00100003', 'erasure-0011')).duplicate).toBe('false');
  });
});

describe('EraseMember with a journal', () => {
  let dir: string;
  beforeEach(async () => {
    await server.stop();
    dir = await mkdtemp(join(tmpdir(), 'loyalty-erase-'));
    await start(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('records an erasure once, before its answer; a repeat and a refusal are not recorded', async () => {
    ok(await eraseMember('M00100001', 'erasure-0101'));
    expect((await readFile(join(dir, 'writes.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual([
      { kind: 'EraseMember', member_id: 'M00100001', request_id: 'erasure-0101', at: ERASED_AT },
    ]);
    ok(await eraseMember('M00100001', 'erasure-0101'));
    ok(await eraseMember('M00100001', 'erasure-0102'));
    await eraseMember('M00100002', 'erasure-0101');
    await eraseMember('M00999999', 'erasure-0103');
    expect((await readFile(join(dir, 'writes.jsonl'), 'utf8')).trimEnd().split('\n')).toHaveLength(1);
  });
});
