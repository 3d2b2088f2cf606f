import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';

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
  cache.on('error', onError ?? ((error: unknown) => process.emitWarning(`cache ${namespace}: ${(error as Error)?.message ?? error}`)));
  return cache;
}
