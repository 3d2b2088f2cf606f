import { generateEstate } from '../../../legacy/generator/generate.js';
import { createReaders } from '../dataSources.js';
import { createIdentitySync } from '../identitySync.js';
import { CrosswalkStore } from '../store/crosswalkStore.js';
import { formatAccuracy, measureAccuracy, type Accuracy } from './accuracy.js';
import { startStandIns } from './standIns.js';

/**
 * The crosswalk built from a demo estate through the stand-ins' protocols, scored against the
 * generator's ground truth (read here, never by the resolver). The bench-scale figures are
 * recorded in bench/RESULTS.md.
 */
let accuracy: Accuracy;

beforeAll(async () => {
  const generated = generateEstate({ scale: 'demo' });
  const estate = await startStandIns(generated.estate);
  const store = await CrosswalkStore.open();
  const readers = createReaders(estate.sources);
  try {
    await createIdentitySync({ store, readers }).full();
    accuracy = await measureAccuracy(store, generated);
    process.stdout.write(`demo estate, against the ground truth:\n${formatAccuracy(accuracy).join('\n')}\n`);
  } finally {
    await Promise.allSettled(readers.map((r) => r.close()));
    await store.close();
    await estate.stop();
  }
}, 120_000);

test('pairwise precision >= 99.9 % and recall >= 98 % of every true pair, far above the exact-email baseline', () => {
  expect(accuracy.crosswalk.truePairs).toBeGreaterThan(1000);
  expect(accuracy.crosswalk.precision).toBeGreaterThanOrEqual(0.999);
  expect(accuracy.crosswalk.recall).toBeGreaterThanOrEqual(0.98);
  expect(accuracy.exactEmail.precision).toBe(1);
  expect(accuracy.exactEmail.recall).toBeLessThan(0.5);
});

test('the family landline is there, and merges nobody', () => {
  expect(accuracy.sharedLandlinePairs).toBeGreaterThan(50);
  expect(accuracy.sharedLandlineMerged).toBe(0);
  expect(accuracy.sharedEmailMerged).toBe(0);
});

test('every pair a shared email or mobile supports directly is found; what is missed carries weaker evidence or none', () => {
  for (const kind of ['EMAIL', 'MOBILE']) {
    const row = accuracy.evidence.find((r) => r.kind === kind)!;
    expect(row.pairs).toBeGreaterThan(0);
    expect(row.found).toBe(row.pairs);
  }
  const weakOrNone = accuracy.evidence.filter((row) => !['EMAIL', 'MOBILE'].includes(row.kind));
  const missed = accuracy.crosswalk.truePairs - accuracy.crosswalk.correctPairs;
  expect(missed).toBe(weakOrNone.reduce((n, row) => n + row.pairs - row.found, 0));
});
