import { jest } from '@jest/globals';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLoyalty, writeEstate } from '../generator/files.js';
import { generateEstate } from '../generator/generate.js';
import type { LoyaltyData } from '../generator/model.js';
import { startLoyalty, type RunningLoyalty } from './server.js';
import { arg, soapClient, writeThenKill } from './testClient.js';

// Each step starts the service on the folder the previous one left; they run in order.
const slow = 60_000;

let estateDir: string;
let journalDir: string;
let journalPath: string;
let data: LoyaltyData;
let members: string[];
let clock = '2026-11-02T10:00:00.000Z';
/** What the service acknowledged, as it answered: member id → the consent it stored and the member's updatedAt. */
const acknowledged = new Map<string, { consent: Record<string, string>; updatedAt: string }>();

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'loyalty-restart-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  journalDir = join(estateDir, 'loyalty');
  journalPath = join(journalDir, 'writes.jsonl');
  data = await readLoyalty(estateDir);
  members = data.members.slice(0, 5).map((member) => member.member_id);
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

const start = async () => startLoyalty({ data: await readLoyalty(estateDir), journalDir, now: () => new Date(clock) });

const consentArgs = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([name, value]) => arg(name, value))
    .join('');

/** Sends an UpdateConsent and remembers what was acknowledged. */
async function updateConsent(endpoint: string, memberId: string, fields: { channel: string; status: string; source: string; capturedAt: string }) {
  const soap = soapClient(endpoint);
  const reply = await soap.call('UpdateConsent', consentArgs({ memberId, ...fields }));
  expect(reply.status).toBe(200);
  const member = (await soap.call('GetMember', arg('memberId', memberId))).body.member;
  acknowledged.set(memberId, { consent: reply.body.consent, updatedAt: member.updatedAt });
  return reply.body.consent as Record<string, string>;
}

/** Reads every acknowledged write back through the protocol. */
async function expectEveryWrite(endpoint: string) {
  const soap = soapClient(endpoint);
  for (const [memberId, { consent, updatedAt }] of acknowledged) {
    const inForce = (await soap.call('GetConsents', arg('memberId', memberId))).body.consent as Record<string, string>[];
    expect(inForce).toContainEqual(consent);
    expect((await soap.call('GetMember', arg('memberId', memberId))).body.member.updatedAt).toBe(updatedAt);
  }
  // The change feed has them last, by the updatedAt each write gave them (the killed process ran on the real clock).
  const changed = (await soap.call('ListChangedMembers', arg('since', '2026-11-02T00:00:00Z'))).body.member ?? [];
  const byUpdate = [...acknowledged].sort(([a, x], [b, y]) => Date.parse(x.updatedAt) - Date.parse(y.updatedAt) || (a < b ? -1 : 1));
  expect(changed.map((member: { memberId: string }) => member.memberId)).toEqual(byUpdate.map(([memberId]) => memberId));
}

describe('the loyalty service keeps what it acknowledged across restarts on one folder', () => {
  test('an UpdateConsent is in the journal before its answer, and is read back after a stop and a new start', async () => {
    let loyalty: RunningLoyalty = await start();
    try {
      expect(loyalty.journal).toEqual({ path: journalPath, replayed: 0 });
      clock = '2026-11-02T10:00:00.000Z';
      const first = await updateConsent(loyalty.endpoint, members[0]!, { channel: 'EMAIL', status: 'OPT_OUT', source: 'WEB', capturedAt: '2026-11-02T09:59:00Z' });
      // Answered, so already on disk.
      const lines = (await readFile(journalPath, 'utf8')).trimEnd().split('\n');
      expect(lines.map((text) => JSON.parse(text))).toEqual([
        {
          kind: 'UpdateConsent',
          record: { member_id: members[0], channel: 'EMAIL', purpose: 'MARKETING', status: 'OPT_OUT', captured_at: first.capturedAt, source: 'WEB' },
          at: clock,
        },
      ]);
      clock = '2026-11-02T10:01:00.000Z';
      await updateConsent(loyalty.endpoint, members[1]!, { channel: 'SMS', status: 'OPT_IN', source: 'STORE:NRD01', capturedAt: '2026-11-02T10:00:30+01:00' });
      // A refused write is not kept.
      const refused = await soapClient(loyalty.endpoint).call('UpdateConsent', consentArgs({ memberId: 'M09999999', channel: 'SMS', status: 'OPT_IN', source: 'WEB', capturedAt: clock }));
      expect(refused.fault?.detail?.code).toBe('MEMBER_NOT_FOUND');
      await loyalty.stop();

      loyalty = await start();
      expect(loyalty.journal).toEqual({ path: journalPath, replayed: 2 });
      await expectEveryWrite(loyalty.endpoint);
    } finally {
      await loyalty.stop();
    }
  }, slow);

  test('a write acknowledged just before the process is killed survives', async () => {
    // No SIGTERM handler, no stop(): what was acknowledged must already be on disk.
    await writeThenKill(estateDir, 2, async (endpoint) => {
      await updateConsent(endpoint, members[2]!, { channel: 'PHONE', status: 'OPT_OUT', source: 'CALLCENTER', capturedAt: '2026-11-02T11:00:00Z' });
    });
    const loyalty = await start();
    try {
      expect(loyalty.journal.replayed).toBe(3);
      await expectEveryWrite(loyalty.endpoint);
    } finally {
      await loyalty.stop();
    }
  }, slow);

  test('a torn last line (a crash mid-write) is skipped with a warning; the service starts with every acknowledged write', async () => {
    await appendFile(journalPath, `{"kind":"UpdateConsent","record":{"member_id":"${members[3]}","chan`);
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let loyalty: RunningLoyalty;
    let warnings: unknown[][];
    try {
      loyalty = await start();
    } finally {
      warnings = [...warn.mock.calls];
      warn.mockRestore();
    }
    try {
      expect(warnings).toEqual([[expect.stringContaining(`${journalPath}:4: skipped a torn last line`), 'JournalWarning']]);
      expect(loyalty.journal.replayed).toBe(3);
      await expectEveryWrite(loyalty.endpoint);
      clock = '2026-11-02T12:00:00.000Z';
      await updateConsent(loyalty.endpoint, members[4]!, { channel: 'POST', status: 'OPT_IN', source: 'APP', capturedAt: '2026-11-02T11:59:00Z' });
      await loyalty.stop();

      loyalty = await start();
      expect(loyalty.journal.replayed).toBe(4);
      await expectEveryWrite(loyalty.endpoint);
    } finally {
      await loyalty.stop();
    }
  }, slow);
});
