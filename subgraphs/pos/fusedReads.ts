import type { PosClient, StatementBuilder } from './client.js';
import type { Row } from './layout.js';
import type { FranchiseEntry } from './records.js';

/**
 * How many times the reads wait for the microtask queue to empty before they are sent. A
 * loader's batch reaches the tills after a few steps of its own (the held directory, the
 * cache, a loader feeding another), each a turn of the queue; the reads of one request's
 * fields are asked in the same turns, so that a few turns gather them without waiting on any
 * input or output.
 */
const TURNS = 4;

interface Waiting {
  operation: string;
  build: StatementBuilder;
  resolve(rows: Row[]): void;
  reject(error: unknown): void;
}

/**
 * A request's reads of a franchise's items gathered into one statement per franchise: a
 * product page asks each franchise for the stock near a postcode and for the prices and
 * promotions, two loaders, and the tills answer both in one statement (`PosClient.fusedRows`)
 * where two were sent. Reads asked within {@link TURNS} turns of the microtask queue of each
 * other go together; a read alone goes as its own statement; nothing waits on a timer. A
 * fused statement fails or succeeds for all its reads.
 */
export class FusedReads {
  private waiting = new Map<string, { franchise: FranchiseEntry; reads: Waiting[] }>();

  constructor(private readonly client: PosClient) {}

  /** The rows of `build`'s statement in `franchise`: alone, as the database answers them; fused, as JSON. */
  read(operation: string, franchise: FranchiseEntry, build: StatementBuilder): Promise<Row[]> {
    return new Promise<Row[]>((resolve, reject) => {
      if (this.waiting.size === 0) this.after(TURNS);
      let batch = this.waiting.get(franchise.code);
      if (!batch) this.waiting.set(franchise.code, (batch = { franchise, reads: [] }));
      batch.reads.push({ operation, build, resolve, reject });
    });
  }

  /** Sends the reads once the microtask queue has emptied `turns` times. */
  private after(turns: number): void {
    void Promise.resolve().then(() => process.nextTick(() => (turns > 1 ? this.after(turns - 1) : this.send())));
  }

  private send(): void {
    const batches = [...this.waiting.values()];
    this.waiting = new Map();
    for (const { franchise, reads } of batches) {
      if (reads.length === 1) {
        const [read] = reads as [Waiting];
        this.client.franchiseRows(read.operation, franchise, read.build).then(read.resolve, read.reject);
        continue;
      }
      this.client.fusedRows(franchise, reads).then(
        (parts) => reads.forEach((read, i) => read.resolve(parts[i]!)),
        (error: unknown) => reads.forEach((read) => read.reject(error)),
      );
    }
  }
}
