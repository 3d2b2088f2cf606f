import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { countShared } from '../subgraphs/shared/metrics.js';
import type { Principal } from '../subgraphs/shared/principal.js';
import { currentRequestScope, noteStale, type StaleRead } from '../subgraphs/shared/requestScope.js';
import { answerKey } from './responseCache.js';
import { writesSeen } from './subgraphDataSource.js';

/** What coalescing needs of the gateway's context. */
export interface CoalesceContext {
  principal: Principal;
}

/** The header that says an answer was another request's, asked the same at the same time. */
export const COALESCED_HEADER = 'x-crosscanal-coalesced';

/** An answer to share: its data and errors as sent, and what was served stale for it. */
interface Shared {
  data: Record<string, unknown> | null | undefined;
  errors: ReadonlyArray<GraphQLFormattedError> | undefined;
  stale: StaleRead[];
}

/** A request whose answer others wait for. */
interface Lead {
  key: string;
  /** Writes seen through the gateway when it started: a query that comes after a later write does not wait for it. */
  generation: number;
  settle(shared: Shared | undefined): void;
  /** Stops listening for the end of the request's own scope. */
  release(): void;
}

/** Errors that belong to the request that met them, not to the answer: another waiting for it answers on its own. */
const OWN_ERRORS = new Set(['DEADLINE_EXCEEDED']);

/**
 * Identical queries in flight at once share one execution: a query that arrives while the
 * same principal's same operation with the same variables is being answered waits for that
 * answer instead of planning and fetching it again, and is sent the same data and errors (and
 * the same notice of what was served stale). Nothing is kept once the first answer is sent:
 * this is not a cache, and an answer is never shared with a request that arrived after it was
 * finished, nor with another principal. It runs after the token, the rate, the operation's
 * limits and the access policy, so a shared answer is refused exactly as a fresh one would be.
 * A query asked after a write through the gateway has been answered never waits for an answer
 * begun before it (a client reads its own writes).
 *
 * A request whose client leaves, or whose deadline passes, while it waits stops waiting; when
 * the request being waited for ends that way itself (its client gone, its deadline passed, or
 * an unexpected failure), those waiting answer on their own.
 */
export function useCoalescedRequests<TContext extends CoalesceContext>(): ApolloServerPlugin<TContext> {
  const leading = new Map<string, { generation: number; answer: Promise<Shared | undefined> }>();
  const leads = new WeakMap<GraphQLRequestContext<TContext>, Lead>();
  const finish = (requestContext: GraphQLRequestContext<TContext>, shared: Shared | undefined) => {
    const lead = leads.get(requestContext);
    if (!lead) return;
    leads.delete(requestContext);
    if (leading.get(lead.key)?.generation === lead.generation) leading.delete(lead.key);
    lead.release();
    lead.settle(shared);
  };
  return {
    async unexpectedErrorProcessingRequest({ requestContext }) {
      finish(requestContext, undefined);
    },
    async requestDidStart() {
      return {
        async responseForOperation(requestContext) {
          const { operation, request, queryHash, contextValue } = requestContext;
          if (operation.operation !== 'query' || !queryHash) return null;
          const key = answerKey(contextValue.principal, queryHash, request.operationName, request.variables);
          const running = leading.get(key);
          const generation = writesSeen();
          if (!running || running.generation !== generation) {
            let settle!: (shared: Shared | undefined) => void;
            leading.set(key, { generation, answer: new Promise((resolve) => (settle = resolve)) });
            // Its client gone or its deadline passed, those waiting answer on their own at once.
            const signal = currentRequestScope()?.signal;
            const ended = () => finish(requestContext, undefined);
            signal?.addEventListener('abort', ended, { once: true });
            leads.set(requestContext, { key, generation, settle, release: () => signal?.removeEventListener('abort', ended) });
            return null;
          }
          const shared = await waitFor(running.answer);
          if (!shared) return null;
          countShared('coalesced');
          for (const read of shared.stale) noteStale(read);
          return {
            body: { kind: 'single', singleResult: { data: shared.data, ...(shared.errors ? { errors: shared.errors } : {}) } },
            http: { status: undefined, headers: new HeaderMap([[COALESCED_HEADER, 'yes']]) },
          };
        },
        async willSendResponse(requestContext) {
          if (!leads.has(requestContext)) return;
          const { response } = requestContext;
          if (response.body.kind !== 'single') return finish(requestContext, undefined);
          const { data, errors } = response.body.singleResult;
          const own = errors?.some((error) => OWN_ERRORS.has(String(error.extensions?.code)));
          finish(requestContext, own ? undefined : { data, errors, stale: [...(currentRequestScope()?.stale ?? [])] });
        },
      };
    },
  };
}

/** The shared answer, or undefined as soon as this request's own client leaves or its deadline passes. */
function waitFor(running: Promise<Shared | undefined>): Promise<Shared | undefined> {
  const signal = currentRequestScope()?.signal;
  if (!signal) return running;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const stop = () => resolve(undefined);
    signal.addEventListener('abort', stop, { once: true });
    void running.then((shared) => {
      signal.removeEventListener('abort', stop);
      resolve(shared);
    });
  });
}
