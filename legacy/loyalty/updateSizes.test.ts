import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEstate } from '../generator/generate.js';
import type { LoyaltyData } from '../generator/model.js';
import { FIXTURE_NOW, loyaltyFixture } from './fixture.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, soapClient, type SoapReply } from './testClient.js';
import { conformanceProblems, readWsdlSchema, type WsdlSchema } from './wsdlConformance.js';

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
  clock = FIXTURE_NOW;
  await start();
});
afterEach(() => server.stop());

/** Sends UpdateSizes with the elements in the order given; `null` sends an empty element. */
const updateSizes = (memberId: string, sizes: Record<string, string | null>, updatedBy = 'STORE:NRD01') =>
  soap.call(
    'UpdateSizes',
    arg('memberId', memberId) +
      Object.entries(sizes)
        .map(([name, value]) => (value === null ? `<loy:${name}/>` : arg(name, value)))
        .join('') +
      arg('updatedBy', updatedBy),
  );
const memberOf = async (memberId: string) => (await soap.call('GetMember', arg('memberId', memberId))).body.member;
const changedSince = async (since: string) =>
  ((await soap.call('ListChangedMembers', arg('since', since))).body.member ?? []).map((m: { memberId: string }) => m.memberId);

/** Asserts a 200 whose Body conforms to the served WSDL, and returns the response element. */
function ok(reply: SoapReply) {
  expect(reply.fault).toBeUndefined();
  expect(reply.status).toBe(200);
  expect(conformanceProblems(schema, reply.text)).toEqual([]);
  return reply.body;
}

describe('UpdateSizes', () => {
  test('replaces the sizes given, leaves the others, bumps updatedAt and answers the member; GetMember and ListChangedMembers show it', async () => {
    clock = '2026-03-14T10:05:00.000Z';
    expect(await changedSince('2026-03-14T10:00:00Z')).not.toContain('M00100001');
    // Camille Martin: shoe 38, top M, bottom 38.
    const reply = await updateSizes('M00100001', { shoe: '38.5', bottom: '40' });
    const member = ok(reply).member;
    expect(member).toMatchObject({ memberId: 'M00100001', updatedAt: clock, sizes: { shoe: '38.5', top: 'M', bottom: '40' } });
    expect(reply.text).toContain('<sizes><shoe>38.5</shoe><top>M</top><bottom>40</bottom></sizes>');
    expect(await memberOf('M00100001')).toEqual(member);
    expect(await changedSince('2026-03-14T10:00:00Z')).toEqual(['M00100001']);
  });

  test('clears a size sent empty or nil, and answers a size nobody holds as nil', async () => {
    const reply = await soap.call(
      'UpdateSizes',
      arg('memberId', 'M00100001') + '<loy:shoe/><loy:top xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>' + arg('updatedBy', 'CALLCENTER'),
    );
    expect(ok(reply).member.sizes).toEqual({ shoe: null, top: null, bottom: '38' });
    expect(reply.text).toContain('<sizes><shoe xsi:nil="true"/><top xsi:nil="true"/><bottom>38</bottom></sizes>');
    expect(ok(await updateSizes('M00100001', { bottom: null })).member.sizes).toEqual({ shoe: null, top: null, bottom: null });
  });

  test('sets the sizes of a member who had none', async () => {
    // M00100005 has nothing but a name.
    const reply = await updateSizes('M00100005', { shoe: '44', top: 'XXL', bottom: '46' }, 'WEB');
    expect(ok(reply).member.sizes).toEqual({ shoe: '44', top: 'XXL', bottom: '46' });
  });

  test('accepts every size the estate generator gives members', async () => {
    const generated = generateEstate({ scale: 'tiny' }).estate.loyalty.members;
    for (const field of ['shoe', 'top', 'bottom'] as const) {
      const values = [...new Set(generated.flatMap((member) => member.sizes[field] ?? []))];
      expect(values.length).toBeGreaterThan(3);
      for (const value of values) {
        const reply = await updateSizes('M00100003', { [field]: value });
        expect(ok(reply).member.sizes[field]).toBe(value);
      }
    }
  });

  test.each([
    ['shoe', ['16', '16.5', '35', '42', '42.5', '49.5', '50']],
    ['top', ['XS', 'S', 'M', 'L', 'XL', 'XXL', 'XXXL', '30', '38', '41', '66']],
    ['bottom', ['XS', 'XXXL', '30', '36', '44', '66']],
  ])('takes every %s size of its range, bounds included', async (field, values) => {
    for (const value of values) expect(ok(await updateSizes('M00100002', { [field]: value })).member.sizes[field]).toBe(value);
  });

  test.each([
    ['shoe', '15.5'],
    ['shoe', '50.5'],
    ['shoe', '51'],
    ['shoe', '42,5'],
    ['shoe', '42.0'],
    ['shoe', '42.25'],
    ['shoe', '042'],
    ['shoe', 'M'],
    ['top', 'm'],
    ['top', 'XXXXL'],
    ['top', '2XL'],
    ['top', '29'],
    ['top', '67'],
    ['top', '40.5'],
    ['bottom', 'W32'],
  ])('refuses %s %j with a Client fault INVALID_SIZE naming the element and the value, and changes nothing', async (field, value) => {
    const before = await memberOf('M00100001');
    clock = '2026-03-14T11:00:00.000Z';
    const reply = await updateSizes('M00100001', { shoe: '39', [field]: value });
    expect(reply.status).toBe(500);
    expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code: 'INVALID_SIZE', field, value } });
    expect(reply.fault!.faultstring).toContain(`UpdateSizes: ${field} must be `);
    expect(conformanceProblems(schema, reply.text)).toEqual([]);
    expect(await memberOf('M00100001')).toEqual(before);
  });

  test('refuses a call that gives no size, or no updatedBy, as MISSING_ARGUMENT', async () => {
    const none = await soap.call('UpdateSizes', arg('memberId', 'M00100001') + arg('updatedBy', 'WEB'));
    expect(none.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code: 'MISSING_ARGUMENT', field: 'shoe' } });
    expect(none.fault!.faultstring).toBe('UpdateSizes needs at least one of shoe, top, bottom (empty to clear a size)');
    const anonymous = await soap.call('UpdateSizes', arg('memberId', 'M00100001') + arg('shoe', '40'));
    expect(anonymous.fault).toMatchObject({ detail: { code: 'MISSING_ARGUMENT', field: 'updatedBy' } });
    expect((await memberOf('M00100001')).sizes.shoe).toBe('38');
  });

  test.each(['STORE', 'store:NRD01', 'KIOSK', ''])('refuses updatedBy %j as an argument fault', async (updatedBy) => {
    const reply = await updateSizes('M00100001', { shoe: '40' }, updatedBy);
    expect(reply.fault?.detail).toMatchObject({ code: updatedBy === '' ? 'MISSING_ARGUMENT' : 'INVALID_ARGUMENT', field: 'updatedBy' });
    expect((await memberOf('M00100001')).sizes.shoe).toBe('38');
  });

  test('refuses sizes out of the sequence order, as for every operation', async () => {
    const reply = await soap.call('UpdateSizes', arg('memberId', 'M00100001') + arg('top', 'L') + arg('shoe', '40') + arg('updatedBy', 'WEB'));
    expect(reply.fault?.detail).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'shoe' });
  });

  test('faults with MEMBER_NOT_FOUND for an unknown member', async () => {
    const reply = await updateSizes('M00999999', { shoe: '40' });
    expect(reply.fault?.detail).toEqual({ code: 'MEMBER_NOT_FOUND', field: 'memberId', value: 'M00999999' });
  });

  test('is idempotent: a repeat, or sizes already stored, change nothing, not even updatedAt', async () => {
    clock = '2026-03-14T10:05:00.000Z';
    const first = ok(await updateSizes('M00100002', { shoe: '44', top: 'XL' })).member;
    clock = '2026-03-14T10:06:00.000Z';
    expect(ok(await updateSizes('M00100002', { shoe: '44', top: 'XL' })).member).toEqual(first);
    expect(ok(await updateSizes('M00100002', { top: 'XL' }, 'CALLCENTER')).member).toEqual(first);
    expect(await memberOf('M00100002')).toEqual(first);
    expect(first.updatedAt).toBe('2026-03-14T10:05:00.000Z');
  });

  test('never changes the data the service was started with', async () => {
    await updateSizes('M00100001', { shoe: '45', top: null });
    expect(data).toEqual(loyaltyFixture());
  });
});

describe('UpdateSizes with a journal', () => {
  let dir: string;
  beforeEach(async () => {
    await server.stop();
    dir = await mkdtemp(join(tmpdir(), 'loyalty-sizes-'));
    await start(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const journal = async () =>
    (await readFile(join(dir, 'writes.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));

  test('records a change before answering, and nothing for a repeat or a refusal', async () => {
    clock = '2026-03-14T10:05:00.000Z';
    await updateSizes('M00100001', { shoe: '40', top: null }, 'STORE:NRD02');
    expect(await journal()).toEqual([
      { kind: 'UpdateSizes', member_id: 'M00100001', sizes: { shoe: '40', top: null, bottom: '38' }, updated_by: 'STORE:NRD02', at: clock },
    ]);
    await updateSizes('M00100001', { shoe: '40', top: null }, 'STORE:NRD02');
    await updateSizes('M00100001', { shoe: '40.25' });
    await updateSizes('M00999999', { shoe: '40' });
    expect(await journal()).toHaveLength(1);
  });

  test('calls for one member giving different sizes at once each keep theirs', async () => {
    // Journaled writes wait for an fsync: without one call after the other, each would store the sizes it read before the other's.
    const shoes = ['40', '41', '42', '43', '44'];
    const tops = ['S', 'M', 'L', 'XL', 'XXL'];
    const replies = await Promise.all(shoes.flatMap((shoe, i) => [updateSizes('M00100003', { shoe }), updateSizes('M00100003', { top: tops[i]! })]));
    for (const reply of replies) expect(reply.status).toBe(200);
    const sizes = (await memberOf('M00100003')).sizes;
    expect(shoes).toContain(sizes.shoe);
    expect(tops).toContain(sizes.top);
    // Each entry holds the sizes the one before it left, with its own change made.
    const entries = (await journal()).map((entry) => entry.sizes);
    expect(entries).toHaveLength(10);
    entries.slice(1).forEach((entry, i) => {
      const before = entries[i]!;
      const kept = [entry.shoe === before.shoe, entry.top === before.top];
      expect(kept).toContain(true);
    });
    expect(entries.at(-1)).toEqual(sizes);
  });
});
