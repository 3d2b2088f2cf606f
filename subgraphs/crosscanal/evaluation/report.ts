import { parseArgs } from 'node:util';
import { generateEstate, SCALES, type ScaleName } from '../../../legacy/generator/generate.js';
import { createReaders } from '../dataSources.js';
import { createIdentitySync } from '../identitySync.js';
import { CrosswalkStore } from '../store/crosswalkStore.js';
import { formatSummary, progressReporter } from '../syncReport.js';
import { formatScore, measureAccuracy } from './accuracy.js';
import { startStandIns } from './standIns.js';

const USAGE = `Usage: tsx subgraphs/crosscanal/evaluation/report.ts [--scale tiny|demo|bench] [--seed TEXT]

Generates an estate, serves it from the stand-ins, builds the crosswalk from them through
their protocols (in memory), and scores the result against the generator's ground truth:
pairwise precision and recall, beside the exact-email baseline and the ceiling of what the
records' values can support.`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: 'demo' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!(values.scale! in SCALES)) {
    process.stderr.write(`--scale must be one of ${Object.keys(SCALES).join(', ')}, got ${JSON.stringify(values.scale)}\n`);
    return 2;
  }
  const generated = generateEstate({ scale: values.scale as ScaleName, seed: values.seed });
  const estate = await startStandIns(generated.estate);
  const store = await CrosswalkStore.open();
  const readers = createReaders(estate.sources);
  const progress = progressReporter();
  try {
    const summary = await createIdentitySync({ store, readers, onProgress: progress.onProgress }).full();
    progress.stop();
    const accuracy = await measureAccuracy(store, generated);
    process.stdout.write(
      [
        formatSummary(summary),
        '',
        `${generated.scale} estate, seed ${JSON.stringify(generated.seed)}: ${accuracy.crosswalk.records} records of ${generated.truth.persons.length} people`,
        `  crosswalk      ${formatScore(accuracy.crosswalk)}`,
        `  exact email    ${formatScore(accuracy.exactEmail)}`,
        `  value ceiling  ${formatScore(accuracy.ceiling)}`,
        `  crosswalk, of the pairs the values support: recall ${(accuracy.linkable.recall * 100).toFixed(2)} % (${accuracy.linkable.correctPairs} of ${accuracy.linkable.truePairs})`,
        `  people sharing a phone (the family landline): ${accuracy.sharedPhonePairs} pairs, ${accuracy.sharedPhoneMerged} merged`,
        '',
      ].join('\n'),
    );
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
