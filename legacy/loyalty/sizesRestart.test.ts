import { jest } from '@jest/globals';
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
let members: string[];
let clock = '2026-11-02T10:00:00.000Z';
/** What the service acknowledged, as it answered: member id → the member it returned. */
const acknowledged = new Map<string, { sizes: Record<string, string | null>; updatedAt: string }>();

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'loyalty-sizes-restart-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  journalPath = join(estateDir, 'loyalty', 'writes.jsonl');
  members = (await readLoyalty(estateDir)).members.slice(0, 4).map((member) => member.member_id);
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

const start = async () => startLoyalty({ data: await readLoyalty(estateDir), journalDir: join(estateDir, 'loyalty'), now: () => new Date(clock) });

/** Sends an UpdateSizes (`null`: an empty element, which clears) and remembers what was acknowledged. */
async function updateSizes(endpoint: string, memberId: string, sizes: Record<string, string | null>, updatedBy = 'STORE:NRD01') {
  const elements = Object.entries(sizes).map(([name, value]) => (value === null ? `<loy:${name}/>` : arg(name, value)));
  const reply = await soapClient(endpoint).call('UpdateSizes', arg('memberId', memberId) + elements.join('') + arg('updatedBy', updatedBy));
  expect(reply.status).toBe(200);
  const { sizes: stored, updatedAt } = reply.body.member;
  acknowledged.set(memberId, { sizes: stored, updatedAt });
  return reply.body.member;
}

/** Reads every acknowledged change back through the protocol; a repeat of it changes nothing. */
async function expectEveryChange(endpoint: string) {
  const soap = soapClient(endpoint);
  for (const [memberId, { sizes, updatedAt }] of acknowledged) {
    const member = (await soap.call('GetMember', arg('memberId', memberId))).body.member;
    expect({ sizes: member.sizes, updatedAt: member.updatedAt }).toEqual({ sizes, updatedAt });
  }
  const changed = (await soap.call('ListChangedMembers', arg('since', '2026-11-02T00:00:00Z'))).body.member ?? [];
  const byUpdate = [...acknowledged].sort(([a, x], [b, y]) => Date.parse(x.updatedAt) - Date.parse(y.updatedAt) || (a < b ? -1 : 1));
  expect(changed.map((member: { memberId: string }) => member.memberId)).toEqual(byUpdate.map(([memberId]) => memberId));
}

const lineCount = async () => (await readFile(journalPath, 'utf8')).split('\n').filter((line) => line !== '').length;

describe('the loyalty service keeps the sizes it acknowledged across restarts on one folder', () => {
  test('an UpdateSizes is in the journal before its answer, and is read back after a stop and a new start', async () => {
    let loyalty: RunningLoyalty = await start();
    try {
      expect(loyalty.journal.replayed).toBe(0);
      const first = await updateSizes(loyalty.endpoint, members[0]!, { shoe: '42.5', top: 'XXL', bottom: null }, 'STORE:NRD02');
      // Answered, so already on disk, with every size the member now has.
      expect(JSON.parse(await readFile(journalPath, 'utf8'))).toEqual({
        kind: 'UpdateSizes',
        member_id: members[0],
        sizes: { shoe: '42.5', top: 'XXL', bottom: null },
        updated_by: 'STORE:NRD02',
        at: clock,
      });
      expect(first.sizes).toEqual({ shoe: '42.5', top: 'XXL', bottom: null });
      clock = '2026-11-02T10:01:00.000Z';
      await updateSizes(loyalty.endpoint, members[1]!, { top: '48' }, 'CALLCENTER');
      // A refused call is not kept.
      const refused = await soapClient(loyalty.endpoint).call('UpdateSizes', arg('memberId', members[2]!) + arg('shoe', '60') + arg('updatedBy', 'WEB'));
      expect(refused.fault?.detail).toEqual({ code: 'INVALID_SIZE', field: 'shoe', value: '60' });
      await loyalty.stop();

      clock = '2026-11-02T10:30:00.000Z';
      loyalty = await start();
      expect(loyalty.journal.replayed).toBe(2);
      await expectEveryChange(loyalty.endpoint);
      // A retry after the restart finds the sizes in place: no write, the same updatedAt.
      await updateSizes(loyalty.endpoint, members[0]!, { shoe: '42.5', bottom: null });
      expect(await lineCount()).toBe(2);
      await expectEveryChange(loyalty.endpoint);
    } finally {
      await loyalty.stop();
    }
  }, slow);

  test('a change acknowledged just before the process is killed survives', async () => {
    // No SIGTERM handler, no stop(): what was acknowledged must already be on disk.
    await writeThenKill(estateDir, 2, async (endpoint) => {
      // Runs on the real clock: the change feed orders it after the others.
      await updateSizes(endpoint, members[2]!, { shoe: '37', top: 'S' }, 'APP');
      await updateSizes(endpoint, members[0]!, { top: null });
    });
    clock = '2026-11-02T10:40:00.000Z';
    const loyalty = await start();
    try {
      expect(loyalty.journal.replayed).toBe(4);
      await expectEveryChange(loyalty.endpoint);
      expect(acknowledged.get(members[0]!)!.sizes).toEqual({ shoe: '42.5', top: null, bottom: null });
    } finally {
      await loyalty.stop();
    }
  }, slow);

  test('a torn last line (a crash mid-write) is skipped with a warning; the service starts with every acknowledged change', async () => {
    await appendFile(journalPath, `{"kind":"UpdateSizes","member_id":"${members[3]}","sizes":{"shoe":"4`);
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
      expect(warnings).toEqual([[expect.stringContaining(`${journalPath}:5: skipped a torn last line`), 'JournalWarning']]);
      expect(loyalty.journal.replayed).toBe(4);
      await expectEveryChange(loyalty.endpoint);
      clock = '2026-11-02T12:00:00.000Z';
      await updateSizes(loyalty.endpoint, members[3]!, { shoe: '45', bottom: 'XL' }, 'STORE:SUD01');
      await loyalty.stop();

      loyalty = await start();
      expect(loyalty.journal.replayed).toBe(5);
      await expectEveryChange(loyalty.endpoint);
    } finally {
      await loyalty.stop();
    }
  }, slow);
});
