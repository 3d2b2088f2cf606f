import { parseArgs } from 'node:util';
import { generateEstate, SCALES, type ScaleName, type ScaleSpec } from '../../../legacy/generator/generate.js';
import { createReaders } from '../dataSources.js';
import { createIdentitySync } from '../identitySync.js';
import { CrosswalkStore } from '../store/crosswalkStore.js';
import { formatSummary, progressReporter } from '../syncReport.js';
import { formatAccuracy, formatMisses, measureAccuracy, missedPairs } from './accuracy.js';
import { startStandIns } from './standIns.js';

const USAGE = `Usage: tsx subgraphs/crosscanal/evaluation/report.ts [--scale tiny|demo|bench] [--people N] [--seed TEXT] [--misses N]

Generates an estate, serves it from the stand-ins, builds the crosswalk from them through
their protocols (in memory), and scores the result against the generator's ground truth:
pairwise precision and recall beside the exact-email baseline, the evidence each true pair
carries, the ceilings that evidence allows, and a trial of merging on name and postcode.

  --scale    the generator's scale (default demo)
  --people   a custom scale of N people (products and visits as at demo)
  --seed     the generator's seed (default crosscanal)
  --misses   print N missed true pairs of each kind of evidence, with their records`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'demo' },
      people: { type: 'string' },
      seed: { type: 'string' },
      misses: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!(values.scale! in SCALES)) {
    process.stderr.write(`--scale must be one of ${Object.keys(SCALES).join(', ')}, got ${JSON.stringify(values.scale)}\n`);
    return 2;
  }
  const people = values.people === undefined ? null : Number(values.people);
  if (people !== null && !(Number.isInteger(people) && people > 0)) {
    process.stderr.write(`--people must be a whole number above 0, got ${JSON.stringify(values.people)}\n`);
    return 2;
  }
  const misses = values.misses === undefined ? 0 : Number(values.misses);
  if (!(Number.isInteger(misses) && misses >= 0)) {
    process.stderr.write(`--misses must be a whole number, got ${JSON.stringify(values.misses)}\n`);
    return 2;
  }
  const scale: ScaleName | ScaleSpec =
    people === null ? (values.scale as ScaleName) : { people, products: Math.max(120, Math.round(people / 4)), visitsPerShopper: SCALES.demo.visitsPerShopper };
  const generated = generateEstate({ scale, seed: values.seed });
  const estate = await startStandIns(generated.estate);
  const store = await CrosswalkStore.open();
  const readers = createReaders(estate.sources);
  const progress = progressReporter();
  try {
    const summary = await createIdentitySync({ store, readers, onProgress: progress.onProgress }).full();
    progress.stop();
    const accuracy = await measureAccuracy(store, generated);
    const label = people === null ? generated.scale : `${people}-people`;
    process.stdout.write(
      [
        formatSummary(summary),
        '',
        `${label} estate, seed ${JSON.stringify(generated.seed)}: ${accuracy.crosswalk.records} records of ${generated.truth.persons.length} people`,
        ...formatAccuracy(accuracy),
        '',
      ].join('\n'),
    );
    if (misses > 0) process.stdout.write(`${formatMisses(await missedPairs(store, generated, misses))}\n`);
    return 0;
  } finally {
    progress.stop();
    await Promise.allSettled(readers.map((r) => r.close()));
    await store.close();
    await estate.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`accuracy report: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
