// Writes test/suite-times.json, the seconds each suite took in a full run, which orders a fresh
// clone's suites (test/support/sequencer.js): the longest first.
//   npm run jest -- --json --outputFile=/tmp/run.json && npm run suite-times -- /tmp/run.json
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npm run suite-times -- <jest --json output of a full run>\n');
  process.exit(2);
}
const run = JSON.parse(readFileSync(file, 'utf8'));
if (!Array.isArray(run.testResults) || run.testResults.length === 0) {
  process.stderr.write(`${file}: no suites in it (is it the output of jest --json?)\n`);
  process.exit(1);
}
const seconds = Object.fromEntries(
  run.testResults
    .map((suite) => [relative(ROOT, suite.name).split('\\').join('/'), Math.round((suite.endTime - suite.startTime) / 100) / 10])
    .sort(([a], [b]) => (a < b ? -1 : 1)),
);
const out = fileURLToPath(new URL('../test/suite-times.json', import.meta.url));
writeFileSync(out, `${JSON.stringify({ measured: new Date(run.startTime).toISOString().slice(0, 10), seconds }, null, 1)}\n`);
process.stdout.write(`${Object.keys(seconds).length} suites written to ${relative(ROOT, out)}\n`);
