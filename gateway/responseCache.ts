import { createHash } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import Keyv from 'keyv';
import type { Principal } from '../subgraphs/shared/principal.js';
import { BoundedMap } from '../subgraphs/shared/boundedMap.js';
import { currentRequestScope } from '../subgraphs/shared/requestScope.js';

/** What the response cache needs of the gateway's context. */
export interface ResponseCacheContext {
  principal: Principal;
}

export interface ResponseCacheOptions {
  /** How long an answer is served again; also how stale an answer may be after a write the gateway did not see (a till, a sync). */
  ttlMs: number;
  /** Answers kept at most, the oldest forgotten first. */
  maxEntries: number;
  /**
   * What the kept answers may hold at most, in bytes (each counted as its serialised text, two
   * bytes a character, which V8 never exceeds), the oldest forgotten first: a few large answers
   * (a franchise's day of receipts) must not hold what 10,000 small ones would.
   */
  maxBytes: number;
}

/** The header that says an answer came from the response cache. */
export const CACHE_HEADER = 'x-crosscanal-cache';

/** Who a request acts for, whole: answers are only ever served again to the same principal. */
export function principalKey(principal: Principal): string {
  return JSON.stringify([principal.role, principal.actor, principal.franchise ?? null, principal.store ?? null, principal.customerId ?? null, principal.client ?? null]);
}

/** What makes two requests' answers the same: the same principal asking the same operation with the same variables. */
export function answerKey(principal: Principal, queryHash: string, operationName: string | undefined | null, variables: Record<string, unknown> | undefined): string {
  return createHash('sha256')
    .update(principalKey(principal))
    .update('\n')
    .update(queryHash)
    .update('\n')
    .update(operationName ?? '')
    .update('\n')
    .update(JSON.stringify(variables ?? {}))
    .digest('base64url');
}

/**
 * The gateway's response cache, off unless `GATEWAY_RESPONSE_CACHE=on`. A whole answer to a
 * query is kept for `ttlMs` and served again to the same principal asking the same operation
 * with the same variables — never to anyone else, so nothing one principal may read reaches
 * another. Only complete answers are kept: none with an error or a stale notice. It runs after
 * the token, the rate, the operation's limits and the access policy have been checked, so a
 * cached answer is refused exactly as a fresh one would be.
 *
 * Any write through the gateway forgets every kept answer (writes are rare beside reads, and
 * what a write touches is not worth guessing); a write the gateway does not see — a sale at a
 * till, a sync — shows after `ttlMs` at most. The store is this process's (keyv over a
 * bounded map): with several gateway processes each keeps its own, and a write through one
 * reaches the others' readers after `ttlMs` at most.
 */
export function useResponseCache<TContext extends ResponseCacheContext>(options: ResponseCacheOptions): ApolloServerPlugin<TContext> {
  const cache = new Keyv<{ data: Record<string, unknown> }>({
    store: new BoundedMap<string, unknown>(options.maxEntries, {
      weigh: (key, value) => 2 * (key.length + (typeof value === 'string' ? value.length : JSON.stringify(value).length)),
      maxWeight: options.maxBytes,
    }),
    namespace: 'responses',
    // Plain JSON: answers hold nothing else, and keyv's default (which revives buffers) was a tenth of a cached request's time.
    serialize: JSON.stringify,
    deserialize: JSON.parse,
  });
  /** Writes seen: an answer read before a write and finished after it is not kept. */
  let generation = 0;
  return {
    async requestDidStart() {
      let key: string | undefined;
      const readAt = generation;
      return {
        async responseForOperation({ operation, request, queryHash, contextValue }): Promise<GraphQLResponse | null> {
          if (operation.operation !== 'query' || !queryHash) return null;
          key = answerKey(contextValue.principal, queryHash, request.operationName, request.variables);
          const kept = await cache.get(key);
          if (!kept) return null;
          key = undefined;
          return { body: { kind: 'single', singleResult: { data: kept.data } }, http: { status: undefined, headers: new HeaderMap([[CACHE_HEADER, 'hit']]) } };
        },
        async willSendResponse({ operation, response }) {
          if (operation?.operation === 'mutation') {
            generation += 1;
            await cache.clear();
            return;
          }
          if (!key || readAt !== generation || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (!data || errors?.length || currentRequestScope()?.stale?.length) return;
          response.http.headers.set(CACHE_HEADER, 'miss');
          await cache.set(key, { data }, options.ttlMs);
        },
      };
    },
  };
}
