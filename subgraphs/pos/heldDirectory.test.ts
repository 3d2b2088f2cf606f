import type { PosClient } from './client.js';
import { HeldDirectory } from './heldDirectory.js';

/**
 * The held directory against a client double that answers the directory statement from a
 * list the test changes (a store opening), counting the reads and failing when told to.
 */
function directoryClient() {
  const stores = [{ store_code: 'NRD01', franchise_code: 'NRD', name: 'Lille', city: 'Lille', postcode: '59000', country: 'FR', click_and_collect: true, latitude: 50.6, longitude: 3.1 }];
  const state = { reads: 0, failing: false, onRead: [] as Array<() => void> };
  const client = {
    async directory() {
      state.reads += 1;
      for (const resolve of state.onRead.splice(0)) resolve();
      await Promise.resolve();
      if (state.failing) throw Object.assign(new Error('pos: directory: injected fault'), { extensions: { code: 'SOURCE_UNAVAILABLE', source: 'pos' } });
      return { franchises: [{ code: 'NRD', name: 'Nord', schema_name: 'franchise_nrd', layout: 'nrd_cents' }], stores: stores.map((s) => ({ ...s })) };
    },
  } as unknown as PosClient;
  const open = (code: string) => stores.push({ ...stores[0]!, store_code: code, name: code });
  /** Resolves at the next read. */
  const nextRead = () => new Promise<void>((resolve) => state.onRead.push(resolve));
  return { client, state, open, nextRead };
}

const held: HeldDirectory[] = [];
afterEach(() => {
  for (const directory of held.splice(0)) directory.stop();
});
const hold = (...args: ConstructorParameters<typeof HeldDirectory>) => {
  const directory = new HeldDirectory(...args);
  held.push(directory);
  return directory;
};

test('read once at start; requests use the copy held without reading', async () => {
  const { client, state } = directoryClient();
  const directory = hold(client);
  await directory.start();
  expect(state.reads).toBe(1);
  for (let i = 0; i < 5; i++) expect((await directory.current()).store('NRD01')?.name).toBe('Lille');
  expect(state.reads).toBe(1);
});

test('a miss reads again at once, one read for the requests missing together, and answers from the new copy', async () => {
  const { client, state, open } = directoryClient();
  const directory = hold(client, { missRefreshMs: 0 });
  await directory.start();
  open('NRD07');
  const misses = (d: { store(code: string): unknown }) => d.store('NRD07') === undefined;
  const [a, b] = await Promise.all([directory.knowing(misses), directory.knowing(misses)]);
  expect(a.directory.store('NRD07')?.name).toBe('NRD07');
  expect(b.directory.store('NRD07')?.name).toBe('NRD07');
  expect(a.failure).toBeNull();
  expect(state.reads).toBe(2);
  // Known now: no read.
  await directory.knowing(misses);
  expect(state.reads).toBe(2);
});

test('a miss within missRefreshMs of the last read does not read again: made-up codes cost one read per period at most', async () => {
  const { client, state } = directoryClient();
  const directory = hold(client, { missRefreshMs: 60_000 });
  await directory.start();
  const { directory: copy, failure } = await directory.knowing((d) => d.store('NOPE') === undefined);
  expect(copy.store('NOPE')).toBeUndefined();
  expect(failure).toBeNull();
  expect(state.reads).toBe(1);
});

test('a re-read on a miss that fails: its coded error for what was missed, and the copy held stays in use', async () => {
  const { client, state } = directoryClient();
  const directory = hold(client, { missRefreshMs: 0 });
  await directory.start();
  state.failing = true;
  const { directory: copy, failure } = await directory.knowing((d) => d.store('NRD08') === undefined);
  expect(failure?.message).toBe('pos: directory: injected fault');
  expect(copy.store('NRD01')?.name).toBe('Lille');
  expect((await directory.current()).store('NRD01')?.name).toBe('Lille');
});

test('read again in the background every refreshMs; a failed read keeps the copy held', async () => {
  const { client, state, open, nextRead } = directoryClient();
  const directory = hold(client, { refreshMs: 5 });
  await directory.start();
  open('NRD07');
  await nextRead();
  await nextRead();
  expect((await directory.current()).store('NRD07')?.name).toBe('NRD07');
  state.failing = true;
  await nextRead();
  await nextRead();
  expect((await directory.current()).store('NRD07')?.name).toBe('NRD07');
});

test('the database down at start: start does not throw, and the first request reads it', async () => {
  const { client, state } = directoryClient();
  state.failing = true;
  const directory = hold(client);
  await expect(directory.start()).resolves.toBeUndefined();
  await expect(directory.current()).rejects.toThrow('injected fault');
  state.failing = false;
  expect((await directory.current()).store('NRD01')?.name).toBe('Lille');
  const reads = state.reads;
  await directory.current();
  expect(state.reads).toBe(reads);
});
