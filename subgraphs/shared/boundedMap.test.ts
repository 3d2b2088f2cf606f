import { jest } from '@jest/globals';
import { BoundedMap } from './boundedMap.js';

describe('BoundedMap', () => {
  it('forgets the oldest entries past its count, a rewritten entry counting as new', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect([...map.keys()]).toEqual(['a', 'c']);
  });

  it('with a weight bound, forgets the oldest entries past the weight it may hold', () => {
    const map = new BoundedMap<string, string>(100, { weigh: (_, text) => text.length, maxWeight: 10 });
    map.set('a', 'xxxx').set('b', 'xxxx');
    expect(map.weight).toBe(8);
    map.set('c', 'xxxxx');
    expect([...map.keys()]).toEqual(['b', 'c']);
    expect(map.weight).toBe(9);
    // Rewritten: its old weight goes, its new one counts.
    map.set('b', 'x');
    expect(map.weight).toBe(6);
    map.delete('c');
    expect(map.weight).toBe(1);
    map.clear();
    expect(map.weight).toBe(0);
  });

  it('does not keep an entry heavier than the whole bound, nor drop the others for it', () => {
    const map = new BoundedMap<string, string>(100, { weigh: (_, text) => text.length, maxWeight: 10 });
    map.set('a', 'xxxx').set('big', 'x'.repeat(11));
    expect([...map.keys()]).toEqual(['a']);
    expect(map.weight).toBe(4);
  });

  it('touch makes an entry the newest without weighing it again; an absent key is left absent', () => {
    const weigh = jest.fn((_: string, text: string) => text.length);
    const map = new BoundedMap<string, string>(100, { weigh, maxWeight: 10 });
    map.set('a', 'xxxx').set('b', 'xxxx');
    map.touch('a');
    map.touch('absent');
    expect(weigh).toHaveBeenCalledTimes(2);
    expect(map.has('absent')).toBe(false);
    map.set('c', 'xxxx');
    expect([...map.keys()]).toEqual(['a', 'c']);
    expect(map.weight).toBe(8);
  });
});
