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
/** What the service acknowledged, as it answered: transaction id → the request sent and the movement credited. */
const acknowledged = new Map<string, { fields: Record<string, string>; movement: Record<string, string> }>();

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'loyalty-credit-restart-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  journalDir = join(estateDir, 'loyalty');
  journalPath = join(journalDir, 'writes.jsonl');
  data = await readLoyalty(estateDir);
  members = data.members.slice(0, 3).map((member) => member.member_id);
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

const start = async () => startLoyalty({ data: await readLoyalty(estateDir), journalDir, now: () => new Date(clock) });
const baseBalance = (memberId: string) => data.members.find((member) => member.member_id === memberId)!.points_balance;

const purchase = (transactionId: string, memberId: string, amount: string): Record<string, string> => ({
  transactionId,
  memberId,
  channel: 'APP',
  reference: `W${transactionId.replace(/\D/g, '')}`,
  amount,
  currency: 'EUR',
  occurredAt: '2026-11-01T16:30:00Z',
});
const call = (endpoint: string, fields: Record<string, string>) =>
  soapClient(endpoint).call(
    'CreditExternalPurchase',
    Object.entries(fields)
      .map(([name, value]) => arg(name, value))
      .join(''),
  );

/** Credits a purchase and remembers what was acknowledged. */
async function credit(endpoint: string, fields: Record<string, string>) {
  const reply = await call(endpoint, fields);
  expect(reply.status).toBe(200);
  expect(reply.body.duplicate).toBe('false');
  acknowledged.set(fields.transactionId!, { fields, movement: reply.body.movement });
  return reply.body.movement as Record<string, string>;
}

/** Reads every acknowledged credit back through the protocol, and finds each transaction id used. */
async function expectEveryCredit(endpoint: string) {
  const soap = soapClient(endpoint);
  for (const memberId of members) {
    const credited = [...acknowledged.values()].filter(({ fields }) => fields.memberId === memberId);
    const movements = (await soap.call('GetPointsMovements', arg('memberId', memberId))).body.movement as Record<string, string>[];
    for (const { movement } of credited) expect(movements).toContainEqual(movement);
    const points = credited.reduce((sum, { movement }) => sum + Number(movement.points), 0);
    expect((await soap.call('GetMember', arg('memberId', memberId))).body.member.pointsBalance).toBe(String(baseBalance(memberId) + points));
  }
  for (const { fields, movement } of acknowledged.values()) {
    const again = await call(endpoint, fields);
    expect(again.body).toEqual({ movement, duplicate: 'true' });
    const conflict = await call(endpoint, { ...fields, amount: '1.00' });
    expect(conflict.fault?.detail).toEqual({ code: 'TRANSACTION_CONFLICT', field: 'amount', value: '1.00' });
  }
}

describe('the loyalty service keeps its credits and their transaction ids across restarts on one folder', () => {
  test('a credit is in the journal before its answer, and is read back, still idempotent, after a stop and a new start', async () => {
    let loyalty: RunningLoyalty = await start();
    try {
      expect(loyalty.journal).toEqual({ path: journalPath, replayed: 0 });
      const nextId = data.movements.reduce((max, m) => Math.max(max, m.id), 0) + 1;
      const first = await credit(loyalty.endpoint, purchase('TX-1', members[0]!, '42.50'));
      expect(first).toMatchObject({ id: String(nextId), points: '42', transactionId: 'TX-1', channel: 'APP' });
      // Answered, so already on disk.
      const lines = (await readFile(journalPath, 'utf8')).trimEnd().split('\n');
      expect(lines.map((text) => JSON.parse(text))).toEqual([
        {
          kind: 'CreditExternalPurchase',
          movement: {
            id: nextId,
            member_id: members[0],
            at: '2026-11-01T16:30:00.000Z',
            points: 42,
            reason: 'PURCHASE',
            reference: 'W1',
            transaction_id: 'TX-1',
            channel: 'APP',
          },
          amount: '42.50',
          currency: 'EUR',
          at: clock,
        },
      ]);
      // A repeat and a refused call are not kept.
      expect((await call(loyalty.endpoint, purchase('TX-1', members[0]!, '42.5'))).body.duplicate).toBe('true');
      expect((await call(loyalty.endpoint, purchase('TX-1', members[1]!, '42.50'))).fault?.detail?.code).toBe('TRANSACTION_CONFLICT');
      expect((await call(loyalty.endpoint, purchase('TX-9', 'M09999999', '42.50'))).fault?.detail?.code).toBe('MEMBER_NOT_FOUND');
      clock = '2026-11-02T10:01:00.000Z';
      await credit(loyalty.endpoint, purchase('TX-2', members[1]!, '15'));
      expect((await readFile(journalPath, 'utf8')).trimEnd().split('\n')).toHaveLength(2);
      await loyalty.stop();

      loyalty = await start();
      expect(loyalty.journal).toEqual({ path: journalPath, replayed: 2 });
      await expectEveryCredit(loyalty.endpoint);
      expect((await soapClient(loyalty.endpoint).call('GetMember', arg('memberId', members[1]!))).body.member.updatedAt).toBe(clock);
      // New ids go on from the replayed ones.
      const third = await credit(loyalty.endpoint, purchase('TX-3', members[0]!, '8.00'));
      expect(Number(third.id)).toBe(nextId + 2);
    } finally {
      await loyalty.stop();
    }
  }, slow);

  test('a credit acknowledged just before the process is killed survives, and a retry after the restart credits nothing', async () => {
    // No SIGTERM handler, no stop(): what was acknowledged must already be on disk.
    await writeThenKill(estateDir, 3, async (endpoint) => {
      await credit(endpoint, purchase('TX-4', members[2]!, '99.99'));
    });
    const loyalty = await start();
    try {
      expect(loyalty.journal.replayed).toBe(4);
      await expectEveryCredit(loyalty.endpoint);
    } finally {
      await loyalty.stop();
    }
  }, slow);

  test('a journal that credits one transaction id twice stops the start, naming the line', async () => {
    const lines = (await readFile(journalPath, 'utf8')).trimEnd().split('\n');
    const again = JSON.parse(lines[0]!) as { movement: { id: number } };
    again.movement.id += 1000;
    await appendFile(journalPath, `${JSON.stringify(again)}\n`);
    await expect(start()).rejects.toThrow(`${journalPath}:5: the loyalty stand-in could not replay this CreditExternalPurchase write: transaction "TX-1" is already credited`);
  }, slow);
});
