import type { LoyaltyData } from '../generator/model.js';
import { FIXTURE_NOW, loyaltyFixture } from './fixture.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, soapClient } from './testClient.js';

let clock = FIXTURE_NOW;
let data: LoyaltyData;
let server: RunningLoyalty;
let soap: ReturnType<typeof soapClient>;

beforeEach(async () => {
  clock = FIXTURE_NOW;
  data = loyaltyFixture();
  server = await startLoyalty({ data, now: () => new Date(clock) });
  soap = soapClient(server.endpoint);
});
afterEach(() => server.stop());

const update = (fields: Record<string, string>) =>
  soap.call(
    'UpdateConsent',
    Object.entries(fields)
      .map(([name, value]) => arg(name, value))
      .join(''),
  );
const consents = async (memberId: string) => (await soap.call('GetConsents', arg('memberId', memberId))).body.consent as Record<string, string>[];
const memberOf = async (memberId: string) => (await soap.call('GetMember', arg('memberId', memberId))).body.member;
const changedSince = async (since: string) =>
  ((await soap.call('ListChangedMembers', arg('since', since))).body.member ?? []).map((m: { memberId: string }) => m.memberId);

describe('UpdateConsent', () => {
  test('stores the record, GetConsents shows it in force and ListChangedMembers picks the member up', async () => {
    clock = '2026-03-14T10:05:00.000Z';
    const before = await changedSince('2026-03-14T10:00:00Z');
    expect(before).not.toContain('M00100002');

    const reply = await update({
      memberId: 'M00100002',
      channel: 'SMS',
      status: 'OPT_IN',
      source: 'STORE:NRD02',
      capturedAt: '2026-03-14T11:04:30+01:00',
    });
    expect(reply.status).toBe(200);
    const stored = { memberId: 'M00100002', channel: 'SMS', purpose: 'MARKETING', status: 'OPT_IN', capturedAt: '2026-03-14T10:04:30.000Z', source: 'STORE:NRD02' };
    expect(reply.body).toEqual({ consent: stored });

    expect(await consents('M00100002')).toContainEqual(stored);
    expect((await memberOf('M00100002')).updatedAt).toBe(clock);
    const after = await changedSince('2026-03-14T10:00:00Z');
    expect(after).toEqual([...before, 'M00100002']);
  });

  test('the most recently captured decision stays in force when an older one is filed later', async () => {
    const current = (await consents('M00100001')).find((c) => c.channel === 'EMAIL')!;
    const reply = await update({ memberId: 'M00100001', channel: 'EMAIL', purpose: 'MARKETING', status: 'OPT_IN', source: 'CALLCENTER', capturedAt: '2024-01-01T00:00:00Z' });
    expect(reply.body.consent).toMatchObject({ status: 'OPT_IN', capturedAt: '2024-01-01T00:00:00.000Z' });
    expect((await consents('M00100001')).find((c) => c.channel === 'EMAIL')).toEqual(current);
    expect((await memberOf('M00100001')).updatedAt).toBe(FIXTURE_NOW);

    await update({ memberId: 'M00100001', channel: 'EMAIL', status: 'OPT_IN', source: 'APP', capturedAt: FIXTURE_NOW });
    expect((await consents('M00100001')).find((c) => c.channel === 'EMAIL')).toMatchObject({ status: 'OPT_IN', source: 'APP' });
  });

  test('moves a member to the end of the change order on every update', async () => {
    const since = '2000-01-01T00:00:00Z';
    const order = await changedSince(since);
    for (const [i, memberId] of ['M00100005', 'M00100003'].entries()) {
      clock = `2026-03-14T10:0${i + 1}:00.000Z`;
      await update({ memberId, channel: 'POST', status: 'OPT_OUT', source: 'WEB', capturedAt: clock });
    }
    expect(await changedSince(since)).toEqual([...order.filter((id: string) => id !== 'M00100005' && id !== 'M00100003'), 'M00100005', 'M00100003']);
  });

  test.each([
    [{ channel: 'WHATSAPP' }, 'channel', /channel must be one of EMAIL, SMS, PHONE, POST, got "WHATSAPP"/],
    [{ status: 'opt_in' }, 'status', /status must be one of OPT_IN, OPT_OUT, PENDING, got "opt_in"/],
    [{ source: 'STORE' }, 'source', /source must be WEB, APP, CALLCENTER or STORE:<store code>, got "STORE"/],
    [{ purpose: 'PROFILING' }, 'purpose', /purpose must be one of MARKETING, got "PROFILING"/],
    [{ capturedAt: '14/03/2026' }, 'capturedAt', /capturedAt must be an xs:dateTime/],
  ])('refuses %o with a Client fault naming the field, and stores nothing', async (patch, field, message) => {
    const before = await consents('M00100001');
    const fields = { memberId: 'M00100001', channel: 'EMAIL', purpose: 'MARKETING', status: 'OPT_IN', source: 'WEB', capturedAt: FIXTURE_NOW, ...patch };
    const reply = await update(fields);
    expect(reply.status).toBe(500);
    expect(reply.fault).toMatchObject({ faultcode: 'soap:Client', detail: { code: 'INVALID_ARGUMENT', field, value: Object.values(patch)[0] } });
    expect(reply.fault!.faultstring).toMatch(message);
    expect(await consents('M00100001')).toEqual(before);
    expect((await memberOf('M00100001')).updatedAt).toBe(data.members[0]!.updated_at);
  });

  test('faults with MEMBER_NOT_FOUND for an unknown member', async () => {
    const reply = await update({ memberId: 'M00999999', channel: 'EMAIL', status: 'OPT_IN', source: 'WEB', capturedAt: FIXTURE_NOW });
    expect(reply.fault?.detail).toEqual({ code: 'MEMBER_NOT_FOUND', field: 'memberId', value: 'M00999999' });
  });

  test('never changes the data the service was started with', async () => {
    clock = '2026-03-15T08:00:00.000Z';
    await update({ memberId: 'M00100001', channel: 'SMS', status: 'OPT_OUT', source: 'APP', capturedAt: clock });
    expect((await memberOf('M00100001')).updatedAt).toBe(clock);
    expect(data).toEqual(loyaltyFixture());
  });
});
