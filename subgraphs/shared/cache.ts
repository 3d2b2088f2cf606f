import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { loggerFor } from './logger.js';

const log = loggerFor('cache');

/** Which store each cache made here is on, for traces. */
const stores = new WeakMap<Keyv, 'redis' | 'memory'>();

/** `redis` for a cache on Redis made by {@link createCache}; `memory` otherwise. */
export function cacheStore(cache: Keyv): 'redis' | 'memory' {
  return stores.get(cache) ?? 'memory';
}

/**
 * The cross-request cache of one subgraph: Redis when `redisUrl` is given (replicas then
 * share it), in-process memory otherwise. Namespaced so that subgraphs sharing a Redis do
 * not read each other's keys. Cache errors are reported through `onError` and never fail a
 * request (the source treats them as misses).
 */
export function createCache(namespace: string, { redisUrl, onError }: { redisUrl?: string; onError?: (error: unknown) => void } = {}): Keyv {
  const cache = redisUrl
    ? new Keyv({ store: new KeyvRedis(redisUrl, { throwOnConnectError: false }), namespace, useKeyPrefix: false })
    : new Keyv({ namespace });
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
