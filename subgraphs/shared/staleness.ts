import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { currentRequestScope, noteStale, type StaleRead } from './requestScope.js';

/**
 * Says in the answer when some of it was served from cache past its freshness because a
 * system failed: `extensions.stale` lists each source and kind of record with the age of the
 * oldest. A subgraph writes what its sources noted; the gateway gathers what its subgraphs
 * said ({@link noteStaleFromSubgraph}) and says it to the client the same way.
 */
export function useStaleNotice<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const stale = currentRequestScope()?.stale;
          if (!stale?.length || response.body.kind !== 'single') return;
          response.body.singleResult.extensions = { ...response.body.singleResult.extensions, stale: stale.map((read) => ({ ...read })) };
        },
      };
    },
  };
}

/** Takes a subgraph answer's `extensions.stale` into the current request's notes. */
export function noteStaleFromSubgraph(extensions: Record<string, unknown> | undefined): void {
  const stale = extensions?.stale;
  if (!Array.isArray(stale)) return;
  for (const read of stale as Partial<StaleRead>[]) {
    if (typeof read?.source === 'string' && typeof read.kind === 'string' && typeof read.ageMs === 'number') noteStale({ source: read.source, kind: read.kind, ageMs: read.ageMs });
  }
}
