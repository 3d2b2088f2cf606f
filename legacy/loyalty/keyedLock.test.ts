import { KeyedLock } from './keyedLock.js';

/** A promise and the function that settles it, to hold a task open for as long as a test wants. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('KeyedLock', () => {
  test('runs the tasks of one key one at a time, in the order asked', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const first = gate();
    const a = lock.run('T1', async () => {
      events.push('a starts');
      await first.opened;
      events.push('a ends');
      return 'a';
    });
    const b = lock.run('T1', () => {
      events.push('b runs');
      return 'b';
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['a starts']);
    first.open();
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(events).toEqual(['a starts', 'a ends', 'b runs']);
  });

  test('runs the tasks of different keys side by side', async () => {
    const lock = new KeyedLock();
    const held = gate();
    const slow = lock.run('T1', () => held.opened);
    expect(await lock.run('T2', () => 'not kept waiting')).toBe('not kept waiting');
    held.open();
    await slow;
  });

  test('a failed task rejects its own call only, and the key is let go once idle', async () => {
    const lock = new KeyedLock();
    const failed = lock.run('T1', () => {
      throw new Error('refused');
    });
    const next = lock.run('T1', () => 'next');
    await expect(failed).rejects.toThrow('refused');
    expect(await next).toBe('next');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lock.size).toBe(0);
  });
});
