import { componentBatches, IntUnionFind } from './components.js';

describe('IntUnionFind', () => {
  test('joins numbers into sets, whatever the order of the unions', () => {
    const sets = new IntUnionFind(6);
    sets.union(4, 1);
    sets.union(1, 3);
    sets.union(5, 5);
    expect(sets.find(3)).toBe(sets.find(4));
    expect(sets.find(0)).not.toBe(sets.find(1));
    expect(sets.find(5)).toBe(5);
    expect(() => sets.find(6)).toThrow('IntUnionFind: 6 is not in 0..5');
  });

  test('finds the same sets as relabelling every member at each union, over many random unions', () => {
    let seed = 7;
    const next = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    const count = 2_000;
    const sets = new IntUnionFind(count);
    // The slow and obvious way: a label per number, every holder of one label moved at each union.
    const label = Array.from({ length: count }, (_, i) => i);
    for (let i = 0; i < 1_500; i++) {
      const [a, b] = [next(count), next(count)];
      sets.union(a, b);
      const [from, to] = [label[b]!, label[a]!];
      for (let n = 0; n < count; n++) if (label[n] === from) label[n] = to;
    }
    for (let i = 0; i < 5_000; i++) {
      const [a, b] = [next(count), next(count)];
      expect(sets.find(a) === sets.find(b)).toBe(label[a] === label[b]);
    }
    expect(new Set(Array.from({ length: count }, (_, n) => sets.find(n))).size).toBe(new Set(label).size);
  });
});

describe('componentBatches', () => {
  test('cuts whole components into batches of about the size asked, in the order of their smallest number', () => {
    const sets = new IntUnionFind(10);
    // Components {0, 7, 9}, {1}, {2, 3}, {4, 5, 6, 8}.
    for (const [a, b] of [[9, 7], [7, 0], [3, 2], [8, 4], [4, 5], [6, 8]] as const) sets.union(a, b);
    const cut = componentBatches(sets, 3);
    expect(cut.components).toBe(4);
    expect(cut.largestComponent).toBe(4);
    const batches = cut.starts.slice(0, -1).map((start, i) => [...cut.members.subarray(start, cut.starts[i + 1])]);
    expect(batches).toEqual([[0, 7, 9], [1, 2, 3], [4, 5, 6, 8]]);
    // One batch for everything; a batch per component.
    expect(componentBatches(sets, 1_000).starts).toEqual([0, 10]);
    expect(componentBatches(sets, 1).starts).toEqual([0, 3, 4, 6, 10]);
  });

  test('an empty estate has no batch', () => {
    expect(componentBatches(new IntUnionFind(0), 10)).toMatchObject({ starts: [0], components: 0, largestComponent: 0 });
  });
});
