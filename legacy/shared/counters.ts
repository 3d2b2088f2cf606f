/** What a stand-in has served since start or the last reset. */
export interface CallCounts {
  total: number;
  /** Calls per operation (an endpoint, a SOAP operation, a kind of SQL statement). */
  byOperation: Record<string, number>;
  /** Items asked for per operation, for batch operations: shows whether calls were batched. */
  itemsByOperation: Record<string, number>;
  /** Calls that were failed or dropped on purpose by fault injection. */
  faulted: number;
}

/** Counts the calls a stand-in serves, so that tests and benchmarks can measure N+1. */
export class CallCounter {
  private counts: CallCounts = emptyCounts();

  /** Records one call to `operation` that asked for `items` records (1 unless batched). */
  record(operation: string, items = 1): void {
    this.counts.total += 1;
    this.counts.byOperation[operation] = (this.counts.byOperation[operation] ?? 0) + 1;
    this.counts.itemsByOperation[operation] = (this.counts.itemsByOperation[operation] ?? 0) + items;
  }

  recordFault(): void {
    this.counts.faulted += 1;
  }

  snapshot(): CallCounts {
    return structuredClone(this.counts);
  }

  reset(): void {
    this.counts = emptyCounts();
  }
}

function emptyCounts(): CallCounts {
  return { total: 0, byOperation: {}, itemsByOperation: {}, faulted: 0 };
}
