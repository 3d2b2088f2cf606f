import type { KeyObject } from 'node:crypto';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, Kind, parse, type FieldNode, type GraphQLFormattedError, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { observeSubgraphFetch } from '../subgraphs/shared/metrics.js';
import { ANONYMOUS, PRINCIPAL_HEADER, signGrant, type Principal } from '../subgraphs/shared/principal.js';
import { currentRequestScope, RequestAborted } from '../subgraphs/shared/requestScope.js';
import { noteStaleFromSubgraph } from '../subgraphs/shared/staleness.js';

type GatewayGraphQLRequest = GraphQLDataSourceProcessOptions['request'];
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

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

/** Metrics' word for how a fetch failed, from its code. */
const OUTCOMES: Readonly<Record<string, string>> = { DEADLINE_EXCEEDED: 'deadline', SUBGRAPH_TIMEOUT: 'timeout', SUBGRAPH_UNAVAILABLE: 'unavailable' };

/**
 * The gateway's link to one subgraph. Each fetch carries the request's principal, signed with
 * the secret shared with the subgraphs (a client's own `x-crosscanal-*` headers are never passed
 * on). A fetch that fails — the subgraph dead, hung, past the deadline, or answering something
 * that is not GraphQL — becomes an answer in which every field the fetch was for is null with
 * a coded error naming the subgraph, so that the planner puts the error where the data would
 * have been and the rest of the answer arrives.
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

  override async process(options: GraphQLDataSourceProcessOptions<FetchContext>): Promise<GatewayGraphQLResponse> {
    const started = performance.now();
    try {
      const response = await super.process(options);
      observeSubgraphFetch(this.name, response.errors?.length ? 'errors' : 'ok', (performance.now() - started) / 1000);
      noteStaleFromSubgraph(response.extensions);
      return response;
    } catch (error) {
      const failure = this.coded(error);
      observeSubgraphFetch(this.name, OUTCOMES[String(failure.extensions.code)] ?? 'error', (performance.now() - started) / 1000);
      return this.onEveryField(options.request, failure);
    }
  }

  override didEncounterError(error: Error): never {
    throw this.coded(error);
  }

  /** A failed fetch as a coded error that names the subgraph. */
  private coded(error: unknown): GraphQLError {
    const named = { source: this.name, subgraph: this.name };
    if (error instanceof GraphQLError) {
      // A non-2xx answer (Apollo's errorFromResponse) keeps its code; the subgraph is named.
      return new GraphQLError(error.message, { extensions: { ...error.extensions, ...named, code: error.extensions.code ?? 'SUBGRAPH_UNAVAILABLE' }, originalError: error });
    }
    const scope = currentRequestScope();
    // The fetch's timer is the deadline's when the deadline comes first: whichever of the two
    // timers fired, the request ran out of time.
    if (scope && (scope.signal.aborted || Date.now() >= scope.deadline - 2)) {
      const gone = scope.signal.reason instanceof RequestAborted && scope.signal.reason.reason === 'gone';
      return new GraphQLError(`${this.name}: not finished, ${gone ? 'the client went away' : "the request's deadline passed"}`, { extensions: { code: 'DEADLINE_EXCEEDED', ...named } });
    }
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new GraphQLError(`${this.name}: the subgraph did not answer in time`, { extensions: { code: 'SUBGRAPH_TIMEOUT', ...named } });
    }
    return new GraphQLError(`${this.name}: the subgraph cannot be reached`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE', ...named }, originalError: error as Error });
  }

  /**
   * The answer a failed fetch stands for: its root fields null, or for an entity fetch each
   * entity's fields null, each with the error at its path, which the planner maps onto the
   * client's operation as it does any subgraph error (`customer.loyalty`, not `customer`).
   */
  private onEveryField(request: GatewayGraphQLRequest, failure: GraphQLError): GatewayGraphQLResponse {
    const error = (path: Array<string | number>): GraphQLFormattedError => ({ message: failure.message, path, extensions: failure.extensions });
    const operation = rootOperation(request.query);
    const roots = operation?.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD) ?? [];
    const entities = roots.length === 1 && roots[0]!.name.value === '_entities' ? roots[0]! : undefined;
    if (entities) {
      const representations = Array.isArray(request.variables?.representations) ? (request.variables.representations as Array<{ __typename?: unknown }>) : [];
      const errors = representations.flatMap((representation, i) =>
        fieldsFor(entities.selectionSet, representation.__typename).map((field) => error(['_entities', i, field])),
      );
      return { data: { _entities: representations.map(() => null) }, errors: errors.length > 0 ? errors : [error(['_entities'])] };
    }
    const names = roots.map((field) => field.alias?.value ?? field.name.value);
    return names.length > 0 ? { data: null, errors: names.map((name) => error([name])) } : { errors: [error([])] };
  }
}

/** The response names an entity fetch asks of a representation of `typename` (its inline fragments on that type). */
function fieldsFor(selectionSet: SelectionSetNode | undefined, typename: unknown): string[] {
  const names = new Set<string>();
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD && selection.name.value !== '__typename') names.add(selection.alias?.value ?? selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT && (!selection.typeCondition || selection.typeCondition.name.value === typename)) {
      for (const name of fieldsFor(selection.selectionSet, typename)) names.add(name);
    }
  }
  return [...names];
}

function rootOperation(query: string | undefined): OperationDefinitionNode | undefined {
  if (!query) return undefined;
  try {
    return parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  } catch {
    return undefined;
  }
}
