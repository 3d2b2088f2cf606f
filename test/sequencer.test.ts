import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import RecordedTimesSequencer, { type SequencedTest } from './support/sequencer.js';

/** The order of a fresh clone's suites: by the recorded times, the longest first. */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const recorded = (JSON.parse(readFileSync(new URL('./suite-times.json', import.meta.url), 'utf8')) as { seconds: Record<string, number> }).seconds;

/** A suite as Jest gives it to the sequencer, in a project without timings of its own (cache off). */
const suite = (path: string, size = 0): SequencedTest => ({
  path: `${ROOT}${path}`,
  context: { config: { cache: false, cacheDirectory: '/nowhere', id: 'fresh' }, hasteFS: { getSize: () => size } },
});

test('a fresh clone runs the recorded longest suites first, and a suite the record does not name among the quick ones', () => {
  const byTime = Object.entries(recorded).sort((a, b) => b[1] - a[1]);
  const [longest] = byTime[0]!;
  const [middle] = byTime[Math.floor(byTime.length / 4)]!;
  const [quick, quickSeconds] = byTime[byTime.length - 1]!;
  expect(quickSeconds).toBeLessThan(1);
  // File sizes that would order them the other way round.
  const order = new RecordedTimesSequencer().sort([suite(quick, 90_000), suite('new/unrecorded.test.ts', 80_000), suite(middle, 50_000), suite(longest, 10)]);
  expect(order.map((t) => t.path.slice(ROOT.length))).toEqual([longest, middle, 'new/unrecorded.test.ts', quick]);
});

test('the record names suites that exist (npm run suite-times writes it again)', () => {
  expect(Object.keys(recorded).filter((path) => !existsSync(`${ROOT}${path}`))).toEqual([]);
  expect(Object.keys(recorded).length).toBeGreaterThan(100);
});
