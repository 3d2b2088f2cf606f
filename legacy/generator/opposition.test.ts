import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toE164 } from '../../utilities/phone.js';
import { oppositionListPath, readEstate, readGroundTruth, writeEstate } from './files.js';
import { generateEstate, type Generated } from './generate.js';

/** The do-not-call list the generator writes with the estate (`opposition/bloctel.txt`) and its ground truth. */

/** Every distinct number the estate's systems hold for people, in E.164. */
function heldNumbers({ estate }: Generated): Set<string> {
  const { ecommerce, loyalty, pos } = estate;
  const keyed = [
    ...loyalty.members.flatMap((m) => [m.phone, m.mobile]),
    ...ecommerce.customers.map((c) => c.phone),
    ...pos.receipts.map((r) => r.phone),
    ...pos.clients.map((c) => c.phone),
  ];
  return new Set(keyed.map((p) => toE164(p)).filter((p): p is string => p !== null));
}

const numberLines = (g: Generated) => g.estate.opposition.bloctel.split('\n').slice(1, -1);

let demo: Generated;
beforeAll(() => {
  demo = generateEstate({ scale: 'demo', seed: 'opposition' });
});

test('is deterministic: the same seed gives the same list, another seed another', () => {
  const a = generateEstate({ scale: 'tiny', seed: 7 });
  const b = generateEstate({ scale: 'tiny', seed: 7 });
  const c = generateEstate({ scale: 'tiny', seed: 8 });
  expect(b.estate.opposition).toEqual(a.estate.opposition);
  expect(b.truth.opposition).toEqual(a.truth.opposition);
  expect(c.truth.opposition.phones).not.toEqual(a.truth.opposition.phones);
});

test('holds about 8 % of the numbers people gave, and 20 numbers of nobody', () => {
  for (const generated of [demo, generateEstate({ scale: 'tiny' })]) {
    const held = heldNumbers(generated);
    const { phones } = generated.truth.opposition;
    const customers = phones.filter((p) => held.has(p));
    expect(phones.length - customers.length).toBe(20);
    expect(customers.length).toBe(Math.round(held.size * 0.08));
    expect(customers.length).toBeGreaterThan(0);
  }
  // The list reaches every kind of number: mobiles and landlines, members', web accounts', tills'.
  const listed = new Set(demo.truth.opposition.phones);
  const { loyalty, ecommerce, pos } = demo.estate;
  expect(loyalty.members.some((m) => listed.has(toE164(m.mobile) ?? ''))).toBe(true);
  expect(ecommerce.customers.some((c) => listed.has(toE164(c.phone) ?? ''))).toBe(true);
  expect(pos.receipts.some((r) => listed.has(toE164(r.phone) ?? ''))).toBe(true);
  expect(demo.truth.opposition.phones.some((p) => /^\+33[1-5]/.test(p))).toBe(true);
});

test('is the text Bloctel returns, and its lines are exactly the ground truth', () => {
  const { bloctel } = demo.estate.opposition;
  expect(bloctel.startsWith('numero\n')).toBe(true);
  expect(bloctel.endsWith('\n')).toBe(true);
  const lines = numberLines(demo);
  expect(lines.map((line) => toE164(line))).toEqual(demo.truth.opposition.phones);
  expect(new Set(demo.truth.opposition.phones).size).toBe(demo.truth.opposition.phones.length);
  expect([...demo.truth.opposition.phones].sort()).toEqual(demo.truth.opposition.phones);
  // Mostly national, some spaced, some international.
  const shape = (line: string) => (/^0\d{9}$/.test(line) ? 'national' : /^0\d( \d\d){4}$/.test(line) ? 'spaced' : /^\+33\d{9}$/.test(line) ? 'international' : `other: ${line}`);
  const shapes = new Map<string, number>();
  for (const line of lines) shapes.set(shape(line), (shapes.get(shape(line)) ?? 0) + 1);
  expect([...shapes.keys()].sort()).toEqual(['international', 'national', 'spaced']);
  expect(shapes.get('national')!).toBeGreaterThan(lines.length / 2);
});

describe('on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosscanal-opposition-estate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('is written beside the estate, and a folder written before it reads as an empty list', async () => {
    const tiny = generateEstate({ scale: 'tiny', seed: 'opposition-files' });
    const out = join(dir, 'tiny');
    await writeEstate(out, tiny);
    expect(oppositionListPath(out)).toBe(join(out, 'opposition', 'bloctel.txt'));
    expect(await readFile(oppositionListPath(out), 'utf8')).toBe(tiny.estate.opposition.bloctel);
    expect(JSON.parse(await readFile(join(out, 'ground-truth', 'opposition.json'), 'utf8'))).toEqual(tiny.truth.opposition);
    expect((await readEstate(out)).opposition).toEqual(tiny.estate.opposition);
    expect((await readGroundTruth(out)).opposition).toEqual(tiny.truth.opposition);

    await rm(join(out, 'opposition'), { recursive: true });
    await rm(join(out, 'ground-truth', 'opposition.json'));
    const older = await readEstate(out);
    expect(older).toEqual({ ...tiny.estate, opposition: { bloctel: '' } });
    expect(await readGroundTruth(out)).toEqual({ ...tiny.truth, opposition: { phones: [] } });
  });
});
