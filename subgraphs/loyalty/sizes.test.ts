import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '../shared/principal.js';
import { audit } from './audit.js';
import { readSizesInput } from './sizes.js';
import { FIXTURE_NOW, startHarness, type GraphQLAnswer, type Harness } from './testHarness.js';

describe('readSizesInput', () => {
  test.each([
    [{ shoeSize: '42' }, { shoe: '42' }],
    [{ shoeSize: ' 42.5 ' }, { shoe: '42.5' }],
    [{ shoeSize: '42,5' }, { shoe: '42.5' }],
    [{ shoeSize: '42.0' }, { shoe: '42' }],
    [{ shoeSize: '16' }, { shoe: '16' }],
    [{ shoeSize: '50' }, { shoe: '50' }],
    [{ topSize: 'm' }, { top: 'M' }],
    [{ topSize: ' xxl ' }, { top: 'XXL' }],
    [{ topSize: '2xl', bottomSize: '3XL' }, { top: 'XXL', bottom: 'XXXL' }],
    [{ topSize: '30', bottomSize: '66' }, { top: '30', bottom: '66' }],
    [{ bottomSize: '38' }, { bottom: '38' }],
    [{ shoeSize: null, topSize: '', bottomSize: '  ' }, { shoe: null, top: null, bottom: null }],
    [{ shoeSize: undefined, topSize: 'S' }, { top: 'S' }],
  ])('reads %j as %j', (input, expected) => {
    expect(readSizesInput(input)).toEqual(expected);
  });

  test.each([
    [{ shoeSize: '15.5' }, 'sizes.shoeSize', 'an EU shoe size from 16 to 50, whole or half, such as "42" or "42.5"'],
    [{ shoeSize: '50.5' }, 'sizes.shoeSize', 'an EU shoe size from 16 to 50'],
    [{ shoeSize: '42.3' }, 'sizes.shoeSize', 'whole or half'],
    [{ shoeSize: '9' }, 'sizes.shoeSize', 'an EU shoe size'],
    [{ shoeSize: 'M' }, 'sizes.shoeSize', 'an EU shoe size'],
    [{ shoeSize: '8 UK' }, 'sizes.shoeSize', 'an EU shoe size'],
    [{ topSize: 'XXXXL' }, 'sizes.topSize', 'one of XS, S, M, L, XL, XXL, XXXL or a whole EU size from 30 to 66, such as "M" or "40"'],
    [{ topSize: '29' }, 'sizes.topSize', 'a whole EU size from 30 to 66'],
    [{ topSize: '40.5' }, 'sizes.topSize', 'a whole EU size'],
    [{ topSize: 'medium' }, 'sizes.topSize', 'one of XS'],
    [{ shoeSize: '42', bottomSize: 'W32' }, 'sizes.bottomSize', 'one of XS'],
  ])('refuses %j as BAD_USER_INPUT naming %s and showing the value', (input, argument, expected) => {
    const value = Object.values(input).at(-1);
    expect(() => readSizesInput(input)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(new RegExp(`^${argument}( must be .*${escape(expected)}.*, or null to clear it; got ${escape(JSON.stringify(value))})$`)),
        extensions: { code: 'BAD_USER_INPUT', argument },
      }),
    );
  });

  test('refuses an input that gives no size: it would change nothing', () => {
    expect(() => readSizesInput({})).toThrow(
      expect.objectContaining({ message: 'sizes must give at least one of shoeSize, topSize, bottomSize (null clears one); got none', extensions: { code: 'BAD_USER_INPUT', argument: 'sizes' } }),
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const RECORD = /* GraphQL */ `
  mutation ($memberId: ID!, $sizes: LoyaltySizesInput!, $source: String) {
    recordLoyaltySizes(memberId: $memberId, sizes: $sizes, source: $source) {
      memberId
      updatedAt
      sizeProfile { shoeSize topSize bottomSize }
    }
  }
`;

const ASSOCIATE: Principal = { role: 'associate', actor: 'seller-42', store: 'NRD01', franchise: 'NRD' };
const SERVICE: Principal = { role: 'service', actor: 'agent-7' };
const ADMIN: Principal = { role: 'admin', actor: 'ops-1' };

describe('recordLoyaltySizes', () => {
  let h: Harness;
  let dir: string;
  let clock: string;
  let lines: unknown[][];

  beforeEach(async () => {
    // The mutation changes the stand-in's records: a fresh one per test, journaling, on a clock the test moves.
    dir = await mkdtemp(join(tmpdir(), 'loyalty-subgraph-sizes-'));
    clock = FIXTURE_NOW;
    h = await startHarness({}, undefined, { journalDir: dir, now: () => new Date(clock) });
    lines = [];
    jest.spyOn(audit, 'info').mockImplementation((...args: unknown[]) => void lines.push(args));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const record = (variables: Record<string, unknown>, principal: Principal = ASSOCIATE) => h.query(RECORD, variables, principal);
  const journal = async () =>
    (await readFile(join(dir, 'writes.jsonl'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
  const stored = async (memberId: string) => (await h.query(`{ loyaltyMember(memberId: "${memberId}") { updatedAt sizeProfile { shoeSize topSize bottomSize } } }`)).data.loyaltyMember;

  test("an associate records sizes at their store's till, in their name: one audit line, one UpdateSizes, the member as the programme answered it", async () => {
    clock = '2026-03-14T10:30:00.000Z';
    // Lucas Bernard: shoe 43, top L, no bottom size.
    const { data, errors } = await record({ memberId: 'M00100002', sizes: { shoeSize: '43,5', bottomSize: 'm' } });
    expect(errors).toBeUndefined();
    expect(data.recordLoyaltySizes).toEqual({ memberId: 'M00100002', updatedAt: clock, sizeProfile: { shoeSize: '43.5', topSize: 'L', bottomSize: 'M' } });
    // The programme answers the member: nothing is read again.
    expect(h.calls().byOperation).toEqual({ UpdateSizes: 1 });
    expect(lines).toEqual([
      [
        { rid: 'test', write: 'recordLoyaltySizes', actor: 'seller-42', role: 'associate', memberId: 'M00100002', sizes: { shoe: '43.5', bottom: 'M' }, source: 'STORE:NRD01' },
        'sizes change',
      ],
    ]);
    expect(await journal()).toEqual([
      { kind: 'UpdateSizes', member_id: 'M00100002', sizes: { shoe: '43.5', top: 'L', bottom: 'M' }, updated_by: 'STORE:NRD01', at: clock },
    ]);
  });

  test('customer service records them from the phone, CALLCENTER; an admin says where they were given', async () => {
    await record({ memberId: 'M00100003', sizes: { topSize: 'S' }, source: 'callcenter' }, SERVICE);
    const refused = await record({ memberId: 'M00100003', sizes: { topSize: 'M' } }, ADMIN);
    expect(refused.errors![0]).toMatchObject({ message: 'source: say where the sizes were given (WEB, APP, CALLCENTER or STORE:<store code>)', extensions: { code: 'BAD_USER_INPUT', argument: 'source' } });
    await record({ memberId: 'M00100003', sizes: { topSize: 'M' }, source: 'app' }, ADMIN);
    expect((await journal()).map((entry) => [entry.sizes.top, entry.updated_by])).toEqual([
      ['S', 'CALLCENTER'],
      ['M', 'APP'],
    ]);
  });

  test('clears a size given null or blank; a member left with none has no size profile', async () => {
    // Camille Martin: 38, M, 38.
    const some = await record({ memberId: 'M00100001', sizes: { shoeSize: null, topSize: ' ' } });
    expect(some.data.recordLoyaltySizes.sizeProfile).toEqual({ shoeSize: null, topSize: null, bottomSize: '38' });
    const none = await record({ memberId: 'M00100001', sizes: { bottomSize: null } });
    expect(none.data.recordLoyaltySizes.sizeProfile).toBeNull();
  });

  test('is safe to retry: the same request twice leaves the same state and the same updatedAt, with one audit line per attempt', async () => {
    clock = '2026-03-14T10:30:00.000Z';
    const variables = { memberId: 'M00100002', sizes: { shoeSize: '44', topSize: 'XL' } };
    const first = await record(variables);
    clock = '2026-03-14T10:31:00.000Z';
    const second = await record(variables);
    expect(second).toEqual(first);
    expect(first.data.recordLoyaltySizes.updatedAt).toBe('2026-03-14T10:30:00.000Z');
    expect(await journal()).toHaveLength(1);
    expect(lines).toHaveLength(2);
    expect(h.calls().byOperation).toEqual({ UpdateSizes: 2 });
  });

  test('the next requests read the new sizes, by member id and by card, not a cached copy', async () => {
    const byCard = '{ loyaltyMemberByCard(cardNumber: "2900100042352") { sizeProfile { shoeSize } } }';
    expect(await stored('M00100002')).toMatchObject({ sizeProfile: { shoeSize: '43' } });
    expect((await h.query(byCard)).data.loyaltyMemberByCard.sizeProfile.shoeSize).toBe('43');
    await record({ memberId: 'M00100002', sizes: { shoeSize: '42' } });
    expect(await stored('M00100002')).toMatchObject({ sizeProfile: { shoeSize: '42' } });
    expect((await h.query(byCard)).data.loyaltyMemberByCard.sizeProfile.shoeSize).toBe('42');
  });

  test.each([
    [{ shoeSize: '51' }, 'sizes.shoeSize'],
    [{ topSize: 'XXXXL' }, 'sizes.topSize'],
    [{ shoeSize: '42', bottomSize: '12' }, 'sizes.bottomSize'],
    [{}, 'sizes'],
  ])('refuses %j as BAD_USER_INPUT naming %s, before any call or audit line', async (sizes, argument) => {
    const before = await stored('M00100002');
    h.resetCalls();
    const { data, errors } = await record({ memberId: 'M00100002', sizes });
    expect(data.recordLoyaltySizes).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(h.calls().total).toBe(0);
    expect(lines).toEqual([]);
    expect(await stored('M00100002')).toEqual(before);
  });

  test('refuses a malformed member id as BAD_USER_INPUT, before any call', async () => {
    const { errors } = await record({ memberId: 'M 001', sizes: { shoeSize: '42' } });
    expect(errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'memberId' } });
    expect(h.calls().total).toBe(0);
  });

  test('refuses an associate who says the sizes were given elsewhere', async () => {
    const { data, errors } = await record({ memberId: 'M00100002', sizes: { shoeSize: '42' }, source: 'STORE:SUD01' });
    expect(data.recordLoyaltySizes).toBeNull();
    expect(errors![0]).toMatchObject({ message: 'an associate records sizes given STORE:NRD01, not STORE:SUD01', extensions: { code: 'FORBIDDEN' } });
    expect(h.calls().total).toBe(0);
    expect(lines).toEqual([]);
  });

  test.each<[string, Principal | undefined, string]>([
    ['a customer', { role: 'customer', actor: 'c-1', customerId: 'C1' }, 'FORBIDDEN'],
    ['a partner', { role: 'partner', actor: 'nrd-erp', franchise: 'NRD' }, 'FORBIDDEN'],
    ['marketing', { role: 'marketing', actor: 'm-1' }, 'FORBIDDEN'],
    ['a steward', { role: 'steward', actor: 's-1' }, 'FORBIDDEN'],
    ['an anonymous caller', { role: 'anonymous', actor: null }, 'UNAUTHENTICATED'],
  ])('refuses %s (%j) with %s, writing nothing', async (_, principal, code) => {
    const answer: GraphQLAnswer = await record({ memberId: 'M00100002', sizes: { shoeSize: '42' } }, principal);
    expect(answer.data?.recordLoyaltySizes ?? null).toBeNull();
    expect(answer.errors![0]!.extensions!.code).toBe(code);
    expect(answer.errors![0]!.message).toMatch(/^Mutation\.recordLoyaltySizes needs one of the roles associate, service/);
    expect(h.calls().total).toBe(0);
    expect(lines).toEqual([]);
    expect(await journal()).toEqual([]);
  });

  test('answers null for an unknown member', async () => {
    expect(await record({ memberId: 'M00999999', sizes: { shoeSize: '42' } })).toEqual({ data: { recordLoyaltySizes: null } });
  });

  test('is retried when the programme fails, being idempotent, and then answers SOURCE_UNAVAILABLE', async () => {
    h.legacy.faults.set({ errorRate: 1 });
    const { data, errors } = await record({ memberId: 'M00100002', sizes: { shoeSize: '42' } });
    expect(data.recordLoyaltySizes).toBeNull();
    expect(errors![0]).toMatchObject({ extensions: { code: 'SOURCE_UNAVAILABLE', source: 'loyalty' } });
    expect(errors![0]!.message).toMatch(/^loyalty: UpdateSizes: SOAP fault soap:Server SERVER_ERROR/);
    expect(h.calls().faulted).toBeGreaterThan(1);
  });
});
