import type { KeyObject } from 'node:crypto';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { ANONYMOUS, PRINCIPAL_HEADER, signGrant, type Principal } from '../subgraphs/shared/principal.js';
import { currentRequestScope, RequestAborted } from '../subgraphs/shared/requestScope.js';

/** What the gateway keeps of a request for its subgraph fetches. */
export interface FetchContext {
  principal: Principal;
  requestId: string;
  deadline: number;
  /** The principal token for this request's fetches, signed once on the first fetch. */
  grant?: Promise<string>;
}

/**
 * A fetch bounded by the request: it stops at the subgraph timeout, at the request's deadline
 * or when the client goes away, whichever comes first (the request scope carries the last two).
 */
function boundedFetch(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const scope = currentRequestScope();
    const left = scope ? Math.max(1, Math.min(timeoutMs, scope.deadline - Date.now())) : timeoutMs;
    const timeout = AbortSignal.timeout(left);
    return fetch(input, { ...init, signal: scope ? AbortSignal.any([scope.signal, timeout]) : timeout });
  };
}

/**
 * The gateway's link to one subgraph: each fetch carries the request's principal, signed with
 * the secret shared with the subgraphs (a client's own `x-crosscanal-*` headers are never passed
 * on), and a failed fetch becomes an error that names the subgraph and why.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<FetchContext> {
  constructor(
    readonly name: string,
    url: string,
    private readonly key: KeyObject,
    timeoutMs: number,
  ) {
    super({ url, fetcher: boundedFetch(timeoutMs) as never });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<FetchContext>): Promise<void> {
    const fetchContext = context as Partial<FetchContext>;
    // Requests the gateway makes of its own (none today: the supergraph is static) act as nobody.
    fetchContext.grant ??= signGrant(this.key, {
      principal: fetchContext.principal ?? ANONYMOUS,
      requestId: fetchContext.requestId ?? '',
      deadline: fetchContext.deadline ?? Date.now() + 30_000,
    });
    request.http?.headers.set(PRINCIPAL_HEADER, await fetchContext.grant);
  }

  override didEncounterError(error: Error): never {
    if (error instanceof GraphQLError) throw error;
    const scope = currentRequestScope();
    // The fetch's timer is the deadline's when the deadline comes first: whichever of the two
    // timers fired, the request ran out of time.
    if (scope && (scope.signal.aborted || Date.now() >= scope.deadline - 2)) {
      const gone = scope.signal.reason instanceof RequestAborted && scope.signal.reason.reason === 'gone';
      throw new GraphQLError(`${this.name}: not finished, ${gone ? 'the client went away' : "the request's deadline passed"}`, {
        extensions: { code: 'DEADLINE_EXCEEDED', subgraph: this.name },
      });
    }
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      throw new GraphQLError(`${this.name}: the subgraph did not answer in time`, { extensions: { code: 'SUBGRAPH_TIMEOUT', subgraph: this.name } });
    }
    throw new GraphQLError(`${this.name}: the subgraph cannot be reached`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: this.name }, originalError: error });
  }
}
