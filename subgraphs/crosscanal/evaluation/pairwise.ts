/**
 * Pairwise precision and recall of a customer resolution against a ground truth: the
 * measure record-linkage work reports. Used by tests and the accuracy report only; the
 * resolver never sees a ground truth.
 *
 * A pair is two records of the same customer. Precision: of the pairs the resolution puts
 * together, the share that truly are one person. Recall: of the true pairs, the share the
 * resolution found. Only records the truth knows are counted.
 */

export interface PairwiseScore {
  /** Records counted: known to both the truth and the resolution. */
  records: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
  /** 1 when nothing was predicted. */
  precision: number;
  /** 1 when there was nothing to find. */
  recall: number;
}

/**
 * Scores `predicted` (record → cluster) against `truth` (record → person). Records missing
 * from either side are left out.
 */
export function pairwiseScore(truth: ReadonlyMap<string, string>, predicted: ReadonlyMap<string, string>): PairwiseScore {
  const byPerson = new Map<string, number>();
  const byCluster = new Map<string, number>();
  const byBoth = new Map<string, number>();
  let records = 0;
  for (const [record, person] of truth) {
    const cluster = predicted.get(record);
    if (cluster === undefined) continue;
    records += 1;
    increment(byPerson, person);
    increment(byCluster, cluster);
    increment(byBoth, `${person}\n${cluster}`);
  }
  const truePairs = sumPairs(byPerson);
  const predictedPairs = sumPairs(byCluster);
  const correctPairs = sumPairs(byBoth);
  return {
    records,
    truePairs,
    predictedPairs,
    correctPairs,
    precision: predictedPairs === 0 ? 1 : correctPairs / predictedPairs,
    recall: truePairs === 0 ? 1 : correctPairs / truePairs,
  };
}

/**
 * The naive baseline: records whose emails are the same string, exactly as the systems keep
 * them, are one customer; every other record stands alone.
 */
export function exactEmailClusters(records: Iterable<{ record: string; email: string | null }>): Map<string, string> {
  const clusters = new Map<string, string>();
  for (const { record, email } of records) clusters.set(record, email === null ? `record:${record}` : `email:${email}`);
  return clusters;
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sumPairs(counts: Map<string, number>): number {
  let pairs = 0;
  for (const n of counts.values()) pairs += (n * (n - 1)) / 2;
  return pairs;
}
