import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { BoundedMap } from './boundedMap.js';
import { loggerFor } from './logger.js';

const log = loggerFor('cache');

/** Which store each cache made here is on, for traces. */
const stores = new WeakMap<Keyv, 'redis' | 'memory'>();

/** `redis` for a cache on Redis made by {@link createCache}; `memory` otherwise. */
export function cacheStore(cache: Keyv): 'redis' | 'memory' {
  return stores.get(cache) ?? 'memory';
}

/** How much an in-process cache keeps at most: entries, and the size of their JSON (two bytes a character). */
export interface MemoryCacheBounds {
  maxEntries: number;
  maxBytes: number;
}

/** Each in-process cache's default bounds (`npm start` runs several in one process, each with its own): 100,000 entries, 64 MiB. */
export const MEMORY_CACHE_BOUNDS: MemoryCacheBounds = { maxEntries: 100_000, maxBytes: 64 * 1024 * 1024 };

/** The JSON size of each value the in-process store was given, for its weight bound. */
const sizes = new WeakMap<object, number>();

/** Freezes `value` and everything it holds (a JSON tree: objects, arrays and primitives). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * What the in-process store keeps of a value: its JSON read back, so that it holds exactly what
 * Redis would give back (dates as strings, no undefined fields) and nothing the caller still
 * holds, then frozen, so that every reader can be handed the same tree. A reader that changes
 * what it was given fails at once, in every test that runs on the in-process cache, rather
 * than changing what the next request reads.
 */
function keptCopy(data: unknown): object {
  const text = JSON.stringify(data);
  const copy = deepFreeze(JSON.parse(text) as object);
  sizes.set(copy, 2 * text.length);
  return copy;
}

/**
 * The in-process store: a map bounded by count and by the size of what it holds, forgetting
 * the oldest entries first (keyv forgets expired ones as it reads them), that answers a batch
 * of keys in one call.
 */
export class MemoryCacheStore extends BoundedMap<string, unknown> {
  constructor({ maxEntries, maxBytes }: MemoryCacheBounds = MEMORY_CACHE_BOUNDS) {
    super(maxEntries, { weigh: (key, value) => 2 * key.length + (typeof value === 'object' && value !== null ? (sizes.get(value) ?? 0) : 2 * String(value).length), maxWeight: maxBytes });
  }

  /** Whether it keeps what it is given; a store that does not is spared the copy (keptCopy) of each value. */
  get keeping(): boolean {
    return true;
  }

  getMany(keys: readonly string[]): unknown[] {
    return keys.map((key) => this.get(key));
  }

  deleteMany(keys: readonly string[]): boolean {
    let deleted = false;
    for (const key of keys) deleted = this.delete(key) || deleted;
    return deleted;
  }
}

/**
 * The cross-request cache of one subgraph: Redis when `redisUrl` is given (replicas then
 * share it), in-process memory otherwise (`store`, by default a {@link MemoryCacheStore} with
 * the default bounds). Namespaced so that subgraphs sharing a Redis do
 * not read each other's keys. Cache errors are reported through `onError` and never fail a
 * request (the source treats them as misses).
 *
 * In process, values are kept as frozen trees, not as text: a read hands the kept tree back
 * without parsing it (keyv's default serialiser, which also revives buffers, parsed every
 * value on every read: a sizeable share of a subgraph's time once its cache is warm).
 */
export function createCache(
  namespace: string,
  { redisUrl, onError, store }: { redisUrl?: string; onError?: (error: unknown) => void; store?: MemoryCacheStore } = {},
): Keyv {
  const memory = redisUrl ? undefined : (store ?? new MemoryCacheStore());
  const cache = memory
    ? new Keyv({ store: memory, namespace, serialize: ((data: unknown) => (memory.keeping ? keptCopy(data) : data)) as unknown as (data: unknown) => string, deserialize: undefined })
    : new Keyv({ store: new KeyvRedis(redisUrl!, { throwOnConnectError: false }), namespace, useKeyPrefix: false });
  stores.set(cache, redisUrl ? 'redis' : 'memory');
  cache.on('error', onError ?? ((error: unknown) => log.warn({ namespace, err: error }, 'cache error')));
  return cache;
}

/**
 * Closes a cache, waiting at most `ms`: a Redis that went away would otherwise hold a
 * stopping process until it came back.
 */
export async function closeCache(cache: Keyv | undefined, ms = 1000): Promise<void> {
  if (!cache) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([cache.disconnect().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
