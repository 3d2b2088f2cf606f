import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest, readPos, writeEstate } from '../../../legacy/generator/files.js';
import { generateEstate } from '../../../legacy/generator/generate.js';
import type { PosData } from '../../../legacy/generator/model.js';
import { estateSeed } from '../../../legacy/pos/posFingerprint.js';
import { startPos, type RunningPos } from '../../../legacy/pos/server.js';
import { toE164 } from '../../../utilities/phone.js';
import { LegacySource } from '../../shared/source.js';
import { PosClient } from '../client.js';
import { HeldDirectory } from '../heldDirectory.js';
import { createLoaders } from '../loaders.js';
import { PosWriter } from './posWriter.js';

/**
 * An erasure in the tills is rows the POS database commits: a restart over the same PGlite
 * folder (the process and `startEstate` keep it in `<data folder>/pos-pglite`) must serve the
 * erased state, and loading the same estate again must not put the person back.
 */

// Opening PGlite on a folder takes seconds.
const slow = 120_000;

let estateDir: string;
let pgliteDir: string;
let seed: string;
let data: PosData;
/** The card scanned on the most receipts, and a phone keyed on receipts in two franchises. */
let card: string;
let phone: string;

beforeAll(async () => {
  estateDir = await mkdtemp(join(tmpdir(), 'pos-erase-restart-'));
  await writeEstate(estateDir, generateEstate({ scale: 'tiny' }));
  pgliteDir = join(estateDir, 'pos-pglite');
  seed = estateSeed(await readManifest(estateDir));
  data = await readPos(estateDir);
  const count = (values: string[]) => [...values.reduce((map, value) => map.set(value, (map.get(value) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1]);
  card = count(data.receipts.flatMap((r) => (r.card_number === null ? [] : [r.card_number])))[0]![0];
  const keyed = data.receipts.flatMap((r) => {
    const e164 = toE164(r.phone);
    return e164 === null ? [] : [e164];
  });
  phone = count(keyed)[0]![0];
});
afterAll(() => rm(estateDir, { recursive: true, force: true }));

const start = async () => startPos({ data: await readPos(estateDir), dataDir: pgliteDir, seed });

/** What the POS subgraph finds of the person, and what the erasure would still change. */
async function findings(pos: RunningPos) {
  const source = new LegacySource('pos');
  const client = new PosClient(source, { url: pos.url, timeoutMs: 5000 });
  try {
    const read = createLoaders(client, source, new HeldDirectory(client));
    const [byCard, byPhone] = await Promise.all([read.salesFor.load(`card:${card}`), read.salesFor.load(`phone:${phone}`)]);
    return { byCard: byCard.length, byPhone: byPhone.length };
  } finally {
    await client.close();
  }
}

async function erase(pos: RunningPos) {
  const writer = new PosWriter({ url: pos.url, source: new LegacySource('pos') });
  try {
    return await writer.eraseCustomer({ cardNumbers: [card], phones: [phone] });
  } finally {
    await writer.close();
  }
}

test('an erasure survives a stop and a start over the same PGlite folder, and a repeat after it finds nothing left', async () => {
  let pos = await start();
  try {
    const before = await findings(pos);
    expect(before.byCard).toBeGreaterThan(1);
    expect(before.byPhone).toBeGreaterThan(0);
    const erased = await erase(pos);
    expect(erased.reduce((sum, franchise) => sum + franchise.receipts, 0)).toBeGreaterThanOrEqual(before.byCard);
    expect(await findings(pos)).toEqual({ byCard: 0, byPhone: 0 });
    await pos.stop();

    pos = await start();
    // The same estate: nothing is loaded again, so the person does not come back.
    expect(pos.load).toMatchObject({ loaded: false });
    expect(await findings(pos)).toEqual({ byCard: 0, byPhone: 0 });
    expect((await erase(pos)).map(({ receipts, returns, quotes, clients }) => receipts + returns + quotes + clients)).toEqual([0, 0, 0]);
  } finally {
    await pos.stop();
  }
}, slow);
