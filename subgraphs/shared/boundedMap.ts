/** How much of a budget an entry takes, and the budget, for a cache whose entries differ in size. */
export interface WeightBound<K, V> {
  /** The entry's weight: bytes of what it holds, or an estimate of them. */
  weigh(key: K, value: V): number;
  /** The weight kept at most; an entry heavier than this alone is not kept. */
  maxWeight: number;
}

/**
 * A Map that forgets its oldest entries past `max` (a rewritten entry counts as new): the
 * gateway's and the subgraphs' in-process caches. With a weight bound it also forgets them past `maxWeight`, so
 * that a cache of entries of very different sizes (parsed documents) is bounded by what it
 * holds, not only by how many.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  private weights?: Map<K, number>;
  private totalWeight = 0;

  constructor(
    private readonly max: number,
    private readonly bound?: WeightBound<K, V>,
  ) {
    super();
    if (bound) this.weights = new Map();
  }

  /** The weight held, 0 without a weight bound. */
  get weight(): number {
    return this.totalWeight;
  }

  override set(key: K, value: V): this {
    if (this.has(key)) this.delete(key);
    if (this.bound && this.weights) {
      const weight = this.bound.weigh(key, value);
      if (weight > this.bound.maxWeight) return this;
      this.weights.set(key, weight);
      this.totalWeight += weight;
    }
    super.set(key, value);
    while (this.size > this.max || (this.bound && this.totalWeight > this.bound.maxWeight)) this.delete(this.keys().next().value as K);
    return this;
  }

  /** Makes `key`'s entry the newest, as if written again, without weighing it again. */
  touch(key: K): void {
    if (!super.has(key)) return;
    const value = super.get(key) as V;
    super.delete(key);
    super.set(key, value);
  }

  override delete(key: K): boolean {
    const weight = this.weights?.get(key);
    if (weight !== undefined) {
      this.weights!.delete(key);
      this.totalWeight -= weight;
    }
    return super.delete(key);
  }

  override clear(): void {
    this.weights?.clear();
    this.totalWeight = 0;
    super.clear();
  }
}
