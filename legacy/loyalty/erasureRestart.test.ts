import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLoyalty, writeEstate } from '../generator/files.js';
import { generateEstate } from '../generator/generate.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, soapClient, writeThenKill } from './testClient.js';

// Each step starts the service on the folder the previous one left; they run in order.
const slow = 60_000;

let estateDir: string;
let journalPath: string;
/** Members with a card, a consent and a points movement: what an erasure changes and keeps. */
let members: string[];
let clock = '2026-11-03T09:00:00.000Z';
/** What the service served of each erased member once erased, and the receipt it answered. */
const erased = new Map<string, { requestId: string; erasedAt: string; state: unknown }>();

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'loyalty-erasure-restart-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  journalPath = join(estateDir, 'loyalty', 'writes.jsonl');
  const { members: all, cards, consents, movements } = await readLoyalty(estateDir);
  const carded = new Set(cards.filter((c) => c.status === 'ACTIVE').map((c) => c.member_id));
  const consented = new Set(consents.map((c) => c.member_id));
  const moved = new Set(movements.map((m) => m.member_id));
  members = all.filter((m) => carded.has(m.member_id) && consented.has(m.member_id) && moved.has(m.member_id) && m.email !== null).slice(0, 3).map((m) => m.member_id);
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

const start = async () => startLoyalty({ data: await readLoyalty(estateDir), journalDir: join(estateDir, 'loyalty'), now: () => new Date(clock) });
const lineCount = async () => (await readFile(journalPath, 'utf8')).split('\n').filter((line) => line !== '').length;

/** Everything the service serves about a member. */
async function served(endpoint: string, memberId: string) {
  const soap = soapClient(endpoint);
  const read = async (operation: string) => (await soap.call(operation, arg('memberId', memberId))).body;
  return { member: (await read('GetMember')).member, movements: (await read('GetPointsMovements')).movement, consents: (await read('GetConsents')).consent };
}

async function erase(endpoint: string, memberId: string, requestId: string) {
  const reply = await soapClient(endpoint).call('EraseMember', arg('memberId', memberId) + arg('requestId', requestId));
  expect(reply.fault).toBeUndefined();
  return reply.body as { erasedAt: string; duplicate: string };
}

/** Every erasure reads back as it was answered; a repeat of it answers the same erasedAt. */
async function expectErased(endpoint: string) {
  for (const [memberId, { requestId, erasedAt, state }] of erased) {
    expect(await served(endpoint, memberId)).toEqual(state);
    expect(await erase(endpoint, memberId, requestId)).toEqual({ erasedAt, duplicate: 'true' });
  }
  const changed = (await soapClient(endpoint).call('ListChangedMembers', arg('since', '2026-11-03T00:00:00Z'))).body.member ?? [];
  expect(changed.map((m: { memberId: string }) => m.memberId)).toEqual([...erased.keys()]);
}

describe('the loyalty service keeps its erasures across restarts on one folder', () => {
  test('an EraseMember is in the journal before its answer, and is served the same after a stop and a new start', async () => {
    let loyalty: RunningLoyalty = await start();
    try {
      const before = await served(loyalty.endpoint, members[0]!);
      const answer = await erase(loyalty.endpoint, members[0]!, 'gdpr-0001-loyalty');
      expect(answer).toEqual({ erasedAt: clock, duplicate: 'false' });
      expect(JSON.parse(await readFile(journalPath, 'utf8'))).toEqual({ kind: 'EraseMember', member_id: members[0], request_id: 'gdpr-0001-loyalty', at: clock });
      const state = await served(loyalty.endpoint, members[0]!);
      expect(state.member).toMatchObject({ firstName: '', email: null, phone: null, updatedAt: clock });
      expect(state.movements).toEqual(before.movements);
      erased.set(members[0]!, { requestId: 'gdpr-0001-loyalty', erasedAt: answer.erasedAt, state });
      await loyalty.stop();

      clock = '2026-11-03T09:30:00.000Z';
      loyalty = await start();
      expect(loyalty.journal.replayed).toBe(1);
      await expectErased(loyalty.endpoint);
      // The repeats after the restart were answered from the replayed erasure, and not written.
      expect(await lineCount()).toBe(1);
      const conflict = await soapClient(loyalty.endpoint).call('EraseMember', arg('memberId', members[1]!) + arg('requestId', 'gdpr-0001-loyalty'));
      expect(conflict.fault?.detail).toMatchObject({ code: 'REQUEST_CONFLICT' });
    } finally {
      await loyalty.stop();
    }
  }, slow);

  test('an erasure acknowledged just before the process is killed survives', async () => {
    await writeThenKill(estateDir, 1, async (endpoint) => {
      // Runs on the real clock: the change feed orders it after the first.
      const answer = await erase(endpoint, members[1]!, 'gdpr-0002-loyalty');
      erased.set(members[1]!, { requestId: 'gdpr-0002-loyalty', erasedAt: answer.erasedAt, state: await served(endpoint, members[1]!) });
    });
    const loyalty = await start();
    try {
      expect(loyalty.journal.replayed).toBe(2);
      await expectErased(loyalty.endpoint);
    } finally {
      await loyalty.stop();
    }
  }, slow);

  test('a journal that erases one member twice is damaged: the start stops, naming the line', async () => {
    await appendFile(journalPath, `${JSON.stringify({ kind: 'EraseMember', member_id: members[0], request_id: 'gdpr-0003-loyalty', at: '2026-11-04T00:00:00.000Z' })}\n`);
    await expect(start()).rejects.toThrow(`${journalPath}:3: the loyalty stand-in could not replay this EraseMember write: member ${members[0]} was already erased`);
  }, slow);
});
