/**
 * Records ordered by (updated_at, natural order), the order a sync client pages through
 * with `updated_since`: the records changed since an instant are one binary search away.
 */
export class Timeline<T> {
  /** Kept side by side, so that a binary search reads plain numbers. */
  private readonly records: T[];
  private readonly times: number[];

  constructor(
    records: readonly T[],
    private readonly updatedAt: (record: T) => string,
    private readonly natural: (a: T, b: T) => number,
    /** Names a record in an error message. */
    private readonly describe: (record: T) => string,
  ) {
    const entries = records.map((record) => ({ record, time: this.parse(record) }));
    entries.sort((a, b) => a.time - b.time || natural(a.record, b.record));
    this.records = entries.map((entry) => entry.record);
    this.times = entries.map((entry) => entry.time);
  }

  /** Epoch milliseconds of the record's `updated_at`. */
  updatedMs(record: T): number {
    return this.parse(record);
  }

  compare(a: T, b: T): number {
    return this.updatedMs(a) - this.updatedMs(b) || this.natural(a, b);
  }

  /** Every record updated at or after `since`, oldest first. */
  since(since: number): T[] {
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.times[middle]! < since) low = middle + 1;
      else high = middle;
    }
    return this.records.slice(low);
  }

  /**
   * Puts a record whose `updated_at` has just changed back in its place; `replacing`, when the
   * record is a changed copy, is the one it takes the place of.
   */
  touch(record: T, replacing: T = record): void {
    const index = this.records.indexOf(replacing);
    if (index >= 0) {
      this.records.splice(index, 1);
      this.times.splice(index, 1);
    }
    const time = this.parse(record);
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.records[middle]!, record) < 0) low = middle + 1;
      else high = middle;
    }
    this.records.splice(low, 0, record);
    this.times.splice(low, 0, time);
  }

  private parse(record: T): number {
    const value = this.updatedAt(record);
    const millis = Date.parse(value);
    if (Number.isNaN(millis)) throw new Error(`${this.describe(record)} has updated_at ${JSON.stringify(value)}, not an ISO 8601 instant`);
    return millis;
  }
}
