import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sequencer from '@jest/test-sequencer';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Seconds each suite took in a full run of the suite (test/suite-times.json, from `npm run suite-times`). */
const RECORDED = JSON.parse(readFileSync(new URL('../suite-times.json', import.meta.url), 'utf8')).seconds;
/** A suite the record does not name: a quick one, most likely. */
const UNRECORDED_MS = 1000;

/**
 * Jest's order (the failed first, then the longest first), where a suite's length is what this
 * checkout last measured, else what the record says: a fresh clone (CI) has measured nothing,
 * and Jest would order it by file size, which runs the short files that take long (a benchmark's
 * smoke, PGlite's start-ups) last, one worker busy with them while the other waits.
 */
export default class RecordedTimesSequencer extends (Sequencer.default ?? Sequencer) {
  time(test) {
    const measured = super.time(test);
    if (measured !== undefined) return measured;
    const seconds = RECORDED[relative(ROOT, test.path).split('\\').join('/')];
    return seconds === undefined ? UNRECORDED_MS : seconds * 1000;
  }
}
