/**
 * Disjoint sets over the integers 0..size-1 in typed arrays (8 bytes a record), with path
 * halving and union by size: how the full link build finds which records must be resolved
 * together without holding the records themselves.
 */
export class IntUnionFind {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;

  constructor(readonly count: number) {
    this.parent = new Int32Array(count);
    this.size = new Int32Array(count).fill(1);
    for (let i = 0; i < count; i++) this.parent[i] = i;
  }

  find(x: number): number {
    const parent = this.parent;
    if (!(x >= 0 && x < this.count)) throw new RangeError(`IntUnionFind: ${x} is not in 0..${this.count - 1}`);
    while (parent[x] !== x) {
      const grand = parent[parent[x]!]!;
      parent[x] = grand;
      x = grand;
    }
    return x;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] = this.size[ra]! + this.size[rb]!;
  }
}

/** The components cut into batches: each batch holds whole components, in record order. */
export interface ComponentBatches {
  /** Record numbers, component after component (each component's in ascending order). */
  members: Int32Array;
  /** Batch `i` is `members.subarray(starts[i], starts[i + 1])`; `starts` ends with `members.length`. */
  starts: number[];
  components: number;
  /** Records in the largest component: a batch never holds fewer than it. */
  largestComponent: number;
}

/**
 * Cuts the sets into batches of whole components, about `batchRecords` records each (a
 * component larger than that is a batch of its own). Components come in the order of their
 * smallest record number, so the batches are the same whatever order the unions came in.
 */
export function componentBatches(sets: IntUnionFind, batchRecords: number): ComponentBatches {
  const count = sets.count;
  const label = new Int32Array(count).fill(-1);
  const componentOf = new Int32Array(count);
  let components = 0;
  for (let n = 0; n < count; n++) {
    const root = sets.find(n);
    if (label[root] === -1) label[root] = components++;
    componentOf[n] = label[root]!;
  }
  // Counting sort by component: each component's records stay in ascending order.
  const offset = new Int32Array(components + 1);
  for (let n = 0; n < count; n++) offset[componentOf[n]! + 1] = offset[componentOf[n]! + 1]! + 1;
  let largestComponent = 0;
  for (let c = 0; c < components; c++) {
    largestComponent = Math.max(largestComponent, offset[c + 1]!);
    offset[c + 1] = offset[c + 1]! + offset[c]!;
  }
  const starts = [0];
  for (let c = 1; c < components; c++) {
    if (offset[c]! - starts.at(-1)! >= batchRecords) starts.push(offset[c]!);
  }
  const members = new Int32Array(count);
  const next = offset.slice(0, components);
  for (let n = 0; n < count; n++) {
    const c = componentOf[n]!;
    members[next[c]!] = n;
    next[c] = next[c]! + 1;
  }
  if (count > 0) starts.push(count);
  return { members, starts, components, largestComponent };
}
