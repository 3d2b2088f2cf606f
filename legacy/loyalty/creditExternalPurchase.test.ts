import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoyaltyData, PointsMovement } from '../generator/model.js';
import { FIXTURE_NOW, loyaltyFixture } from './fixture.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, soapClient, type SoapReply } from './testClient.js';
import { conformanceProblems, readWsdlSchema, type WsdlSchema } from './wsdlConformance.js';

const fixture = loyaltyFixture();
/** The id the service must give its first new movement: one above the highest in the fixture. */
const NEXT_ID = fixture.movements.reduce((max, m) => Math.max(max, m.id), 0) + 1;
const byTime = (a: PointsMovement, b: PointsMovement) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id;
const movementXml = (m: PointsMovement) => ({ id: String(m.id), memberId: m.member_id, at: m.at, points: String(m.points), reason: m.reason, reference: m.reference });

let clock = FIXTURE_NOW;
let server: RunningLoyalty;
let soap: ReturnType<typeof soapClient>;
let schema: WsdlSchema;

async function start(data: LoyaltyData = loyaltyFixture(), journalDir?: string) {
  server = await startLoyalty({ data, now: () => new Date(clock), journalDir });
  soap = soapClient(server.endpoint);
  schema = readWsdlSchema(await (await fetch(server.wsdlUrl)).text());
}
beforeEach(async () => {
  clock = FIXTURE_NOW;
  await start();
});
afterEach(() => server.stop());

/** A web order of Lucas Bernard (SILVER, 330 points), as an e-commerce site would send it. */
const purchase = (patch: Record<string, string> = {}): Record<string, string> => ({
  transactionId: 'WEB-2026-000123',
  memberId: 'M00100002',
  channel: 'WEB',
  reference: 'W1009876',
  amount: '59.90',
  currency: 'EUR',
  occurredAt: '2026-03-13T18:25:00+01:00',
  ...patch,
});
const credit = (fields: Record<string, string>) =>
  soap.call(
    'CreditExternalPurchase',
    Object.entries(fields)
      .map(([name, value]) => arg(name, value))
      .join(''),
  );
const movementsOf = async (memberId: string) => ((await soap.call('GetPointsMovements', arg('memberId', memberId))).body.movement ?? []) as Record<string, string>[];
const memberOf = async (memberId: string) => (await soap.call('GetMember', arg('memberId', memberId))).body.member;

/** Asserts a 200 whose Body conforms to the served WSDL, and returns the response element. */
function ok(reply: SoapReply) {
  expect(reply.fault).toBeUndefined();
  expect(reply.status).toBe(200);
  expect(conformanceProblems(schema, reply.text)).toEqual([]);
  return reply.body;
}

/** Every member's balance and movements, to show that a refused call changed nothing. */
async function snapshot() {
  const ids = fixture.members.map((m) => m.member_id);
  const members = (await soap.call('GetMembers', ids.map((id) => arg('memberId', id)).join(''))).body.member;
  const movements = (await soap.call('GetPointsMovements', ids.map((id) => arg('memberId', id)).join(''))).body.movement;
  return { members, movements };
}

describe('CreditExternalPurchase', () => {
  test('credits a PURCHASE movement of one point per whole euro, shown by GetPointsMovements, GetMember and ListChangedMembers', async () => {
    clock = '2026-03-14T10:05:00.000Z';
    const reply = await credit(purchase());
    const expected = {
      id: String(NEXT_ID),
      memberId: 'M00100002',
      at: '2026-03-13T17:25:00.000Z',
      points: '59',
      reason: 'PURCHASE',
      reference: 'W1009876',
      transactionId: 'WEB-2026-000123',
      channel: 'WEB',
    };
    expect(ok(reply)).toEqual({ movement: expected, duplicate: 'false' });
    expect(reply.text).toContain('<reference>W1009876</reference><transactionId>WEB-2026-000123</transactionId><channel>WEB</channel></movement><duplicate>false</duplicate>');

    const lucas = fixture.movements.filter((m) => m.member_id === 'M00100002').sort(byTime);
    expect(await movementsOf('M00100002')).toEqual([...lucas.map(movementXml), expected]);
    const member = await memberOf('M00100002');
    expect(member).toMatchObject({ pointsBalance: String(330 + 59), updatedAt: clock, tier: 'SILVER' });
    const changed = (await soap.call('ListChangedMembers', arg('since', '2026-03-14T10:00:00Z'))).body.member.map((m: { memberId: string }) => m.memberId);
    expect(changed).toContain('M00100002');
  });

  test('keeps the balance the sum of the movements, and the movements in date order, for a purchase older than the last movement', async () => {
    const reply = await credit(purchase({ memberId: 'M00100001', occurredAt: '2025-12-01T15:00:00Z', amount: '250' }));
    expect(ok(reply).movement).toMatchObject({ at: '2025-12-01T15:00:00.000Z', points: '250' });
    const movements = await movementsOf('M00100001');
    expect(movements.map((m) => m.at)).toEqual([...movements.map((m) => m.at)].sort());
    expect(movements.map((m) => m.id)).toContain(String(NEXT_ID));
    expect(movements.reduce((sum, m) => sum + Number(m.points), 0)).toBe(Number((await memberOf('M00100001')).pointsBalance));
  });

  test('leaves the transactionId and channel elements out of every other movement', async () => {
    await credit(purchase());
    const reply = await soap.call('GetPointsMovements', arg('memberId', 'M00100001') + arg('memberId', 'M00100002'));
    expect(ok(reply).movement.filter((m: Record<string, string>) => 'transactionId' in m || 'channel' in m)).toHaveLength(1);
    expect(reply.text.match(/<transactionId>/g)).toHaveLength(1);
  });

  test.each([
    ['59.90', 59],
    ['100', 100],
    ['100.00', 100],
    ['0.99', 0],
    ['0.01', 0],
    ['+0012.5', 12],
    ['7.', 7],
    ['.50', 0],
    ['999999.99', 999_999],
  ])('an amount of %s EUR earns %i points', async (amount, points) => {
    const body = ok(await credit(purchase({ amount })));
    expect(body.movement.points).toBe(String(points));
    expect((await memberOf('M00100002')).pointsBalance).toBe(String(330 + points));
  });

  test('a GOLD member earns at the same rate: no tier multiplier, no POINTS_MULTIPLIER offer', async () => {
    const offers = (await soap.call('GetOffers', arg('memberId', 'M00100001'))).body.offer.map((o: { offerId: string }) => o.offerId);
    expect(offers).toContain('OF-GOLD2X');
    const body = ok(await credit(purchase({ memberId: 'M00100001', amount: '120.00', channel: 'APP' })));
    expect(body.movement).toMatchObject({ points: '120', channel: 'APP' });
    expect((await memberOf('M00100001')).pointsBalance).toBe(String(909 + 120));
  });

  test('a member whose cards are all LOST or REPLACED, or who has none, still earns', async () => {
    await server.stop();
    const data = loyaltyFixture();
    for (const card of data.cards.filter((c) => c.member_id === 'M00100004')) card.status = 'LOST';
    await start(data);
    const cards = (await soap.call('GetCards', arg('memberId', 'M00100004') + arg('memberId', 'M00100007'))).body.card;
    expect(cards.map((c: { status: string }) => c.status)).toEqual(['LOST', 'LOST']);

    expect(ok(await credit(purchase({ transactionId: 'T-4', memberId: 'M00100004', amount: '10' }))).movement.points).toBe('10');
    expect(ok(await credit(purchase({ transactionId: 'T-7', memberId: 'M00100007', amount: '20', channel: 'STORE' }))).movement.points).toBe('20');
    expect((await memberOf('M00100004')).pointsBalance).toBe('110');
    expect((await memberOf('M00100007')).pointsBalance).toBe('120');
  });

  test('accepts a transactionId of 64 characters and a reference of 40, and a time without zone as UTC', async () => {
    const transactionId = `T${'x'.repeat(62)}é`;
    const reference = 'R'.repeat(40);
    const body = ok(await credit(purchase({ transactionId, reference, occurredAt: '2026-03-13T09:00:00' })));
    expect(body.movement).toMatchObject({ transactionId, reference, at: '2026-03-13T09:00:00.000Z' });
  });
});

describe('CreditExternalPurchase is idempotent by transactionId', () => {
  test('a repeat of the same purchase returns the first movement with duplicate true and credits nothing', async () => {
    clock = '2026-03-14T10:05:00.000Z';
    const first = ok(await credit(purchase()));
    const before = await snapshot();

    clock = '2026-03-14T11:00:00.000Z';
    // The same amount written another way, from another channel, at another time: still the same purchase.
    const again = ok(await credit(purchase({ amount: '59.9', channel: 'APP', occurredAt: '2026-03-14T10:59:00Z' })));
    expect(again).toEqual({ movement: first.movement, duplicate: 'true' });
    expect(await snapshot()).toEqual(before);
    expect((await memberOf('M00100002')).updatedAt).toBe('2026-03-14T10:05:00.000Z');
  });

  test.each([
    [{ memberId: 'M00100004' }, 'memberId', 'M00100004'],
    [{ memberId: 'M00999999' }, 'memberId', 'M00999999'],
    [{ reference: 'W1009877' }, 'reference', 'W1009877'],
    [{ amount: '59.91' }, 'amount', '59.91'],
    [{ amount: '5990' }, 'amount', '5990.00'],
    [{ currency: 'USD' }, 'currency', 'USD'],
    [{ amount: '60', reference: 'W1' }, 'reference', 'W1'],
  ])('the same transactionId with %o is a Client fault TRANSACTION_CONFLICT naming %s, and credits nothing', async (patch, field, value) => {
    const first = ok(await credit(purchase()));
    const before = await snapshot();
    const reply = await credit(purchase(patch));
    expect(reply.status).toBe(500);
    expect(conformanceProblems(schema, reply.text)).toEqual([]);
    expect(reply.fault).toEqual({
      faultcode: 'soap:Client',
      faultstring: expect.stringContaining(`transactionId "WEB-2026-000123" was already credited for another purchase (movement ${first.movement.id})`),
      detail: { code: 'TRANSACTION_CONFLICT', field, value },
    });
    for (const name of Object.keys(patch)) expect(reply.fault!.faultstring).toContain(`${name} "`);
    expect(await snapshot()).toEqual(before);
  });

  // On a journal file: each write then waits for its fsync, which is when calls could interleave.
  describe('on a journal file', () => {
    let journalDir: string;
    beforeEach(async () => {
      journalDir = await mkdtemp(join(tmpdir(), 'loyalty-credit-'));
      await server.stop();
      await start(loyaltyFixture(), journalDir);
    });
    afterEach(async () => {
      await server.stop();
      await rm(journalDir, { recursive: true, force: true });
    });

    test('two concurrent calls with one transactionId credit once', async () => {
      const replies = await Promise.all(Array.from({ length: 8 }, () => credit(purchase())));
      const bodies = replies.map(ok);
      expect(bodies.filter((b) => b.duplicate === 'false')).toHaveLength(1);
      expect(new Set(bodies.map((b) => JSON.stringify(b.movement))).size).toBe(1);
      expect((await memberOf('M00100002')).pointsBalance).toBe(String(330 + 59));
      expect((await movementsOf('M00100002')).filter((m) => m.reason === 'PURCHASE')).toHaveLength(2);
    });

    test('concurrent calls with different transactionIds each credit, with consecutive new ids', async () => {
      const replies = await Promise.all(['A', 'B', 'C', 'D'].map((id, i) => credit(purchase({ transactionId: `T-${id}`, reference: `W${i}`, amount: '10.00' }))));
      const ids = replies.map((reply) => Number(ok(reply).movement.id)).sort((a, b) => a - b);
      expect(ids).toEqual([NEXT_ID, NEXT_ID + 1, NEXT_ID + 2, NEXT_ID + 3]);
      expect((await memberOf('M00100002')).pointsBalance).toBe(String(330 + 40));
    });
  });

  test('a call refused for an unknown member does not use up its transactionId', async () => {
    const refused = await credit(purchase({ memberId: 'M00999999' }));
    expect(refused.status).toBe(500);
    expect(refused.fault).toEqual({
      faultcode: 'soap:Client',
      faultstring: 'CreditExternalPurchase: no member with memberId "M00999999"',
      detail: { code: 'MEMBER_NOT_FOUND', field: 'memberId', value: 'M00999999' },
    });
    expect(ok(await credit(purchase())).duplicate).toBe('false');
  });
});

describe('CreditExternalPurchase refuses a bad argument', () => {
  test.each([
    [{ channel: 'POS' }, 'channel', 'POS', /channel must be one of WEB, APP, STORE, got "POS"/],
    [{ amount: '0' }, 'amount', '0', /amount must be a decimal greater than 0 and at most 999999.99 with at most 2 decimals/],
    [{ amount: '0.00' }, 'amount', '0.00', /amount must be a decimal greater than 0/],
    [{ amount: '-5.00' }, 'amount', '-5.00', /amount must be a decimal greater than 0/],
    [{ amount: '10.999' }, 'amount', '10.999', /with at most 2 decimals/],
    [{ amount: '1e3' }, 'amount', '1e3', /amount must be a decimal/],
    [{ amount: '12,50' }, 'amount', '12,50', /amount must be a decimal/],
    [{ amount: '1000000' }, 'amount', '1000000', /at most 999999.99/],
    [{ currency: 'eur' }, 'currency', 'eur', /currency must be 3 upper-case letters \(ISO 4217\), got "eur"/],
    [{ currency: 'EURO' }, 'currency', 'EURO', /currency must be 3 upper-case letters/],
    [{ currency: 'USD' }, 'currency', 'USD', /currency must be EUR, the programme's currency, got "USD"/],
    [{ transactionId: 'T'.repeat(65) }, 'transactionId', 'T'.repeat(65), /transactionId must be 1 to 64 characters long \(got 65\)/],
    [{ reference: 'R'.repeat(41) }, 'reference', 'R'.repeat(41), /reference must be 1 to 40 characters long \(got 41\)/],
    [{ occurredAt: '13/03/2026' }, 'occurredAt', '13/03/2026', /occurredAt must be an xs:dateTime/],
  ])('%o is a Client fault INVALID_ARGUMENT naming the field, and credits nothing', async (patch, field, value, message) => {
    const before = await snapshot();
    const reply = await credit(purchase(patch));
    expect(reply.status).toBe(500);
    expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code: 'INVALID_ARGUMENT', field, value } });
    expect(reply.fault!.faultstring).toMatch(message);
    expect(await snapshot()).toEqual(before);
    // Nothing was kept under the transaction id either.
    expect(ok(await credit(purchase())).duplicate).toBe('false');
  });

  // A request may be up to 5 MiB. The amount's trailing zeros were trimmed with /0+$/, n² steps
  // on a long run of zeros that a later digit ends: over a minute of the stand-in's only thread
  // for 256 KiB, every other caller waiting. Trimmed by a loop, the call is answered at once.
  test.each([
    ['zeros ended by a digit, refused', `59.${'0'.repeat(256 * 1024)}1`, 500],
    ['zeros only, credited', `59.90${'0'.repeat(256 * 1024)}`, 200],
  ])('an amount of 256 KiB is decoded in linear time (%s)', async (_, amount, status) => {
    const started = performance.now();
    const reply = await credit(purchase({ amount }));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(reply.status).toBe(status);
    if (status === 500) expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code: 'INVALID_ARGUMENT', field: 'amount' } });
  });

  test.each(['transactionId', 'memberId', 'channel', 'reference', 'amount', 'currency', 'occurredAt'])('a missing %s is MISSING_ARGUMENT', async (field) => {
    const fields = purchase();
    delete fields[field];
    const reply = await credit(fields);
    expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code: 'MISSING_ARGUMENT', field } });
  });
});

describe('CreditExternalPurchase like every other operation', () => {
  test('is counted under its name, and an injected error is a soap:Server fault that credits nothing', async () => {
    await fetch(`${server.url}/__admin/faults`, { method: 'PUT', body: JSON.stringify({ errorRate: 1 }) });
    const failed = await credit(purchase());
    expect(failed.fault).toMatchObject({ faultcode: 'soap:Server', detail: { code: 'SERVER_ERROR' } });
    await fetch(`${server.url}/__admin/faults`, { method: 'DELETE' });

    expect(ok(await credit(purchase())).duplicate).toBe('false');
    expect(ok(await credit(purchase())).duplicate).toBe('true');
    expect(await (await fetch(`${server.url}/__admin/calls`)).json()).toEqual({
      system: 'loyalty',
      total: 3,
      byOperation: { WSDL: 1, CreditExternalPurchase: 2 },
      itemsByOperation: { WSDL: 1, CreditExternalPurchase: 2 },
      faulted: 1,
    });
  });

  test('the WSDL documents the operation, its types and the optional movement elements', async () => {
    const wsdl = await (await fetch(server.wsdlUrl)).text();
    const served = readWsdlSchema(wsdl);
    expect(served.elements.get('CreditExternalPurchase')!.sequence!.map((e) => [e.name, e.type, e.min, e.max])).toEqual([
      ['transactionId', 'tns:TransactionId', 1, 1],
      ['memberId', 'xs:string', 1, 1],
      ['channel', 'tns:PurchaseChannel', 1, 1],
      ['reference', 'tns:PurchaseReference', 1, 1],
      ['amount', 'tns:Amount', 1, 1],
      ['currency', 'tns:CurrencyCode', 1, 1],
      ['occurredAt', 'xs:dateTime', 1, 1],
    ]);
    expect(served.elements.get('CreditExternalPurchaseResponse')!.sequence!.map((e) => [e.name, e.type, e.min, e.max])).toEqual([
      ['movement', 'tns:PointsMovement', 1, 1],
      ['duplicate', 'xs:boolean', 1, 1],
    ]);
    expect(served.complexTypes.get('tns:PointsMovement')!.slice(-3).map((e) => [e.name, e.type, e.min, e.max])).toEqual([
      ['reference', 'xs:string', 1, 1],
      ['transactionId', 'xs:string', 0, 1],
      ['channel', 'tns:PurchaseChannel', 0, 1],
    ]);
    expect(served.simpleTypes.get('tns:PurchaseChannel')).toMatchObject({ base: 'xs:string', enumeration: ['WEB', 'APP', 'STORE'] });
    expect(served.simpleTypes.get('tns:TransactionId')).toMatchObject({ base: 'xs:string', minLength: 1, maxLength: 64 });
    expect(served.simpleTypes.get('tns:PurchaseReference')).toMatchObject({ base: 'xs:string', minLength: 1, maxLength: 40 });
    expect(served.simpleTypes.get('tns:Amount')).toMatchObject({ base: 'xs:decimal', minExclusive: 0, max: 999999.99, fractionDigits: 2 });
    expect(served.simpleTypes.get('tns:CurrencyCode')!.pattern!.test('EUR')).toBe(true);
    expect(wsdl).toMatch(/<wsdl:operation name="CreditExternalPurchase">\s*<wsdl:documentation>[^<]*1 point per whole euro paid, rounded down[^<]*TRANSACTION_CONFLICT/);
  });

  test('never changes the data the service was started with', async () => {
    const data = loyaltyFixture();
    await server.stop();
    await start(data);
    ok(await credit(purchase()));
    expect(data).toEqual(loyaltyFixture());
  });
});
