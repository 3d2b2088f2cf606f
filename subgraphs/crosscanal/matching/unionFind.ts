/** Disjoint sets over string ids, with path halving and union by size. */
export class UnionFind {
  private readonly parent = new Map<string, string>();
  private readonly size = new Map<string, number>();

  add(id: string): void {
    if (!this.parent.has(id)) {
      this.parent.set(id, id);
      this.size.set(id, 1);
    }
  }

  find(id: string): string {
    let node = id;
    for (;;) {
      const up = this.parent.get(node);
      if (up === undefined) throw new Error(`UnionFind: unknown id ${JSON.stringify(id)}`);
      if (up === node) return node;
      const grand = this.parent.get(up)!;
      this.parent.set(node, grand);
      node = grand;
    }
  }

  union(a: string, b: string): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size.get(ra)! < this.size.get(rb)!) [ra, rb] = [rb, ra];
    this.parent.set(rb, ra);
    this.size.set(ra, this.size.get(ra)! + this.size.get(rb)!);
  }
}
