import { jest } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, open, readdir, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from './journal.js';

interface SetWrite {
  kind: 'set';
  key: string;
  value: number;
}
interface RemoveWrite {
  kind: 'remove';
  key: string;
}

/** A tiny keyed store and its appliers, with a log of what was applied, in order. */
function keyStore() {
  const values = new Map<string, number>();
  const applied: string[] = [];
  const appliers = {
    set: (entry: SetWrite): number => {
      values.set(entry.key, entry.value);
      applied.push(`set ${entry.key}=${entry.value}`);
      return values.size;
    },
    remove: (entry: RemoveWrite): boolean => {
      if (!values.has(entry.key)) throw new Error(`no key ${entry.key}`);
      values.delete(entry.key);
      applied.push(`remove ${entry.key}`);
      return true;
    },
  };
  return { values, applied, appliers };
}

const line = (entry: object) => `${JSON.stringify(entry)}\n`;

let dir: string;
let warnings: string[];
let opened: Array<Journal<ReturnType<typeof keyStore>['appliers']>>;

const openOn = async (store = keyStore(), folder: string | null = dir) => {
  const journal = await Journal.open({ dir: folder ?? undefined, system: 'test', appliers: store.appliers, warn: (message) => warnings.push(message) });
  opened.push(journal);
  return { journal, store };
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-'));
  warnings = [];
  opened = [];
});
afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(opened.map((journal) => journal.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('Journal', () => {
  test('without a folder, applies each write in memory and writes no file', async () => {
    const { journal, store } = await openOn(keyStore(), null);
    expect(journal.path).toBeUndefined();
    expect(await journal.record({ kind: 'set', key: 'a', value: 1 })).toBe(1);
    expect(store.applied).toEqual(['set a=1']);
    await journal.close();
    expect(await readdir(dir)).toEqual([]);
  });

  test('appends one JSON line per write, fsynced before it is applied and acknowledged', async () => {
    const events: string[] = [];
    const store = keyStore();
    store.appliers.set = ((apply) => (entry: SetWrite) => {
      events.push(`apply ${entry.key}`);
      return apply(entry);
    })(store.appliers.set);
    const { journal } = await openOn(store);
    expect(journal.path).toBe(join(dir, 'writes.jsonl'));
    const handle = Object.getPrototypeOf(await openProbe()) as FileHandle;
    const sync = handle.sync;
    jest.spyOn(handle, 'sync').mockImplementation(async function (this: FileHandle) {
      await sync.call(this);
      // What the disk holds when the fsync returns.
      events.push(`sync ${readFileSync(join(dir, 'writes.jsonl'), 'utf8').split('\n').length - 1} lines`);
    });

    await journal.record({ kind: 'set', key: 'a', value: 1 }).then(() => events.push('ack a'));
    await journal.record({ kind: 'set', key: 'b', value: 2 }).then(() => events.push('ack b'));

    expect(events).toEqual(['sync 1 lines', 'apply a', 'ack a', 'sync 2 lines', 'apply b', 'ack b']);
    expect(await readFile(journal.path!, 'utf8')).toBe(line({ kind: 'set', key: 'a', value: 1 }) + line({ kind: 'set', key: 'b', value: 2 }));
  });

  test('a new journal file is made durable with its folder', async () => {
    const handle = Object.getPrototypeOf(await openProbe()) as FileHandle;
    const spy = jest.spyOn(handle, 'sync');
    await openOn();
    // The folder's fsync, so that the new file's name survives a crash too.
    expect(spy).toHaveBeenCalledTimes(1);
  });

  test('replays every entry, in order, when opened again on the folder, and appends after them', async () => {
    const first = await openOn();
    await first.journal.record({ kind: 'set', key: 'a', value: 1 });
    await first.journal.record({ kind: 'set', key: 'b', value: 2 });
    await first.journal.record({ kind: 'remove', key: 'a' });
    await first.journal.record({ kind: 'set', key: 'a', value: 3 });
    await first.journal.close();

    const second = await openOn();
    expect(second.journal.replayed).toBe(4);
    expect(second.store.applied).toEqual(['set a=1', 'set b=2', 'remove a', 'set a=3']);
    expect([...second.store.values]).toEqual([
      ['b', 2],
      ['a', 3],
    ]);
    await second.journal.record({ kind: 'set', key: 'c', value: 4 });
    await second.journal.close();

    const third = await openOn();
    expect(third.journal.replayed).toBe(5);
    expect(third.store.values.get('c')).toBe(4);
    expect(warnings).toEqual([]);
  });

  test('keeps writes asked for at once in the order they were asked for, one line each', async () => {
    const { journal, store } = await openOn();
    const sizes = await Promise.all(Array.from({ length: 25 }, (_, i) => journal.record({ kind: 'set', key: `k${i}`, value: i })));
    expect(sizes).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const lines = (await readFile(journal.path!, 'utf8')).trimEnd().split('\n');
    expect(lines.map((text) => JSON.parse(text).key)).toEqual(Array.from({ length: 25 }, (_, i) => `k${i}`));
    expect(store.applied).toEqual(Array.from({ length: 25 }, (_, i) => `set k${i}=${i}`));
  });

  test.each([
    ['cut before its newline', '{"kind":"set","key":"z","val'],
    ['whole but for its newline', '{"kind":"set","key":"z","value":9}'],
    ['zeros left by the file system', '\0\0\0\0\0\0\0\0'],
    ['terminated but not JSON', '{"kind":"set","key":\n'],
  ])('skips a torn last line (%s) with a warning, cuts it off, and appends after the good lines', async (_, torn) => {
    const good = line({ kind: 'set', key: 'a', value: 1 }) + line({ kind: 'set', key: 'b', value: 2 });
    await writeFile(join(dir, 'writes.jsonl'), good + torn);

    const { journal, store } = await openOn();
    expect(journal.replayed).toBe(2);
    expect(store.applied).toEqual(['set a=1', 'set b=2']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${join(dir, 'writes.jsonl')}:3: skipped a torn last line`);
    expect(await readFile(journal.path!, 'utf8')).toBe(good);

    await journal.record({ kind: 'set', key: 'c', value: 3 });
    await journal.close();
    expect(await readFile(journal.path!, 'utf8')).toBe(good + line({ kind: 'set', key: 'c', value: 3 }));
    const again = await openOn();
    expect(again.store.applied).toEqual(['set a=1', 'set b=2', 'set c=3']);
    expect(warnings).toHaveLength(1);
  });

  test('a torn first line leaves an empty journal, not a failed start', async () => {
    await writeFile(join(dir, 'writes.jsonl'), '{"kind":"se');
    const { journal } = await openOn();
    expect(journal.replayed).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(await readFile(journal.path!, 'utf8')).toBe('');
  });

  test('a bad line with entries after it is damage, not a crash: the start fails, naming the line', async () => {
    const path = join(dir, 'writes.jsonl');
    await writeFile(path, line({ kind: 'set', key: 'a', value: 1 }) + 'not json\n' + line({ kind: 'set', key: 'b', value: 2 }));
    await expect(openOn()).rejects.toThrow(`${path}:2 is not a journal entry ("not json"), yet entries follow it: the test journal is damaged`);
    // Nothing was cut, and the lock was released.
    expect(await readFile(path, 'utf8')).toContain('not json');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test('an unknown entry kind is refused with a clear error, at start and when recorded', async () => {
    const path = join(dir, 'writes.jsonl');
    await writeFile(path, line({ kind: 'set', key: 'a', value: 1 }) + line({ kind: 'rename', key: 'a', to: 'b' }));
    await expect(openOn()).rejects.toThrow(
      `${path}:2: unknown journal entry kind "rename"; the test stand-in knows "set", "remove" (a journal written by another version?)`,
    );
    expect(await readFile(path, 'utf8')).toContain('rename');

    await rm(path);
    const { journal, store } = await openOn();
    // A caller outside the type system (JSON from elsewhere) is refused the same way.
    const stray = { kind: 'rename', key: 'a' } as unknown as SetWrite;
    await expect(journal.record(stray)).rejects.toThrow('record: unknown journal entry kind "rename"');
    expect(store.applied).toEqual([]);
    expect(await readFile(path, 'utf8')).toBe('');
  });

  test('an entry that no longer fits the records stops the start, naming the line', async () => {
    const path = join(dir, 'writes.jsonl');
    await writeFile(path, line({ kind: 'remove', key: 'ghost' }));
    await expect(openOn()).rejects.toThrow(`${path}:1: the test stand-in could not replay this remove write: no key ghost`);
  });

  test('a failed append is refused, not applied, and taken back from the file', async () => {
    const { journal, store } = await openOn();
    await journal.record({ kind: 'set', key: 'a', value: 1 });
    const handle = Object.getPrototypeOf(await openProbe()) as FileHandle;
    const append = handle.appendFile;
    jest.spyOn(handle, 'appendFile').mockImplementationOnce(async function (this: FileHandle, data) {
      // Half the line reaches the disk, then the disk is full.
      await append.call(this, (data as Buffer).subarray(0, 10));
      throw new Error('ENOSPC: no space left on device');
    });
    await expect(journal.record({ kind: 'set', key: 'b', value: 2 })).rejects.toThrow(
      `the test stand-in could not record a write in ${journal.path}: ENOSPC: no space left on device`,
    );
    expect(store.applied).toEqual(['set a=1']);
    expect(await readFile(journal.path!, 'utf8')).toBe(line({ kind: 'set', key: 'a', value: 1 }));

    await journal.record({ kind: 'set', key: 'c', value: 3 });
    await journal.close();
    const again = await openOn();
    expect(again.store.applied).toEqual(['set a=1', 'set c=3']);
    expect(warnings).toEqual([]);
  });

  test('is locked to one holder, released by close; a write after close is refused', async () => {
    const { journal } = await openOn();
    await expect(openOn()).rejects.toThrow(`${join(dir, 'writes.jsonl')} is in use by process ${process.pid}`);
    await journal.close();
    await expect(journal.record({ kind: 'set', key: 'a', value: 1 })).rejects.toThrow('the test journal is closed: a write arrived after stop');
    const next = await openOn();
    expect(next.journal.replayed).toBe(0);
  });

  test('close waits for the writes under way', async () => {
    const { journal } = await openOn();
    const writes = [1, 2, 3].map((value) => journal.record({ kind: 'set', key: `k${value}`, value }));
    await journal.close();
    await expect(Promise.all(writes)).resolves.toEqual([1, 2, 3]);
    expect((await readFile(journal.path!, 'utf8')).split('\n')).toHaveLength(4);
  });

  test('creates a missing folder, and leaves the generated files beside the journal alone', async () => {
    const nested = join(dir, 'estate', 'loyalty');
    const { journal } = await openOn(keyStore(), nested);
    await appendFile(join(nested, 'members.jsonl'), '{}\n');
    await journal.record({ kind: 'set', key: 'a', value: 1 });
    await journal.close();
    expect((await readdir(nested)).sort()).toEqual(['members.jsonl', 'writes.jsonl']);
  });
});

/** An open file handle, to reach FileHandle's prototype; closed at once. */
async function openProbe(): Promise<FileHandle> {
  const probe = await open(join(dir, 'probe'), 'w');
  await probe.close();
  return probe;
}
