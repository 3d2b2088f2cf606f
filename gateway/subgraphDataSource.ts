import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, Kind, parse, type FieldNode, type GraphQLFormattedError, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { countShared, observeSubgraphFetch } from '../subgraphs/shared/metrics.js';
import { ANONYMOUS, PRINCIPAL_HEADER, signGrant, type Principal } from '../subgraphs/shared/principal.js';
import { currentRequestScope, RequestAborted, runInRequestScope, type RequestScope } from '../subgraphs/shared/requestScope.js';
import { noteStaleFromSubgraph } from '../subgraphs/shared/staleness.js';
import { injectTraceContext, requestTracer } from '../subgraphs/shared/tracing.js';

type GatewayGraphQLRequest = GraphQLDataSourceProcessOptions['request'];
type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** What the gateway keeps of a request for its subgraph fetches. */
export interface FetchContext {
  principal: Principal;
  requestId: string;
  deadline: number;
  /** The principal token for this request's fetches, signed on the first fetch. */
  grant?: string;
  /** Who the request acts for, as a key for sharing fetches: equal for the same principal. */
  principalKey?: string;
}

/** What a subgraph answered, before it is parsed: every request sharing the exchange parses its own copy. */
interface SubgraphAnswer {
  status: number;
  statusText: string;
  contentType: string;
  cacheControl: string | undefined;
  text: string;
}

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  key: KeyObject;
  /** How long one exchange with the subgraph may take. */
  timeoutMs: number;
  /** Share identical fetches in flight (queries of queries, same principal); on unless measuring. */
  dedupe?: boolean;
  /** Send a request's entity fetches of one turn that ask this subgraph the same as one; on unless measuring. */
  batchEntities?: boolean;
  /**
   * Send the other reads of one turn that ask this subgraph the same operation for the same
   * principal (with other variables) as one exchange, a batch of operations, which the
   * subgraph runs with one context; on unless measuring. A subgraph that refuses a batch is
   * asked each operation apart from then on.
   */
  batchQueries?: boolean;
}

/**
 * A fetch sent on a pooled connection that the subgraph had closed: nothing came back, and the
 * subgraph read nothing of it. A keep-alive connection is closed by the server after its idle
 * timeout, and a request the pool sends on it in that instant fails so (Node's agent drops an
 * idle connection a second before the server's announced timeout, which a busy event loop can
 * overrun).
 */
class StaleConnection extends Error {
  override name = 'StaleConnection';
}

const CONNECTION_CLOSED = new Set(['ECONNRESET', 'EPIPE']);

/**
 * A subgraph's answer to a batch of operations, one line per operation as each is answered
 * (subgraphs/shared/subgraphServer.ts): its index, a space, its answer's JSON.
 */
const BATCH_ANSWER_TYPE = 'application/x-crosscanal-batch';

/** Takes one operation's answer of a batch, as soon as its line has arrived. */
type OnPart = (index: number, answer: SubgraphAnswer) => void;

/**
 * The answer to a fetch, bounded by `signal`, on a keep-alive connection of `agent` (`false`: a
 * connection of its own). A batch's answer given line by line goes to `onPart` as it arrives
 * (the answer's own text is then empty).
 */
function post(url: URL, agent: http.Agent | false, headers: Record<string, string>, body: string, signal: AbortSignal, onPart?: OnPart): Promise<SubgraphAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', agent, signal, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (response) => {
        answered = true;
        const head = {
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          contentType: response.headers['content-type'] ?? '',
          cacheControl: response.headers['cache-control'],
        };
        const chunks: Buffer[] = [];
        if (onPart && head.contentType.startsWith(BATCH_ANSWER_TYPE)) {
          // Each line is handed on as soon as it is whole; a line cut between chunks waits for its end.
          let pending = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            const lines = (pending + chunk).split('\n');
            pending = lines.pop()!;
            for (const line of lines) {
              const space = line.indexOf(' ');
              const index = Number(line.slice(0, space));
              if (space > 0 && Number.isInteger(index)) onPart(index, { ...head, status: 200, statusText: 'OK', contentType: 'application/json', text: line.slice(space + 1) });
            }
          });
        } else {
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
        }
        response.on('error', reject);
        response.on('end', () => resolve({ ...head, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      const stale = request.reusedSocket && !answered && !signal.aborted && (CONNECTION_CLOSED.has(error.code ?? '') || error.message === 'socket hang up');
      reject(stale ? new StaleConnection(`the pooled connection was closed: ${error.message}`, { cause: error }) : error);
    });
    request.end(body);
  });
}

/**
 * One exchange with a subgraph, which every request asking the same of it while it runs
 * shares. It stops at the subgraph timeout (or the first request's deadline, which the grant
 * it carries names), or when the last request waiting for it has gone; a request that ends
 * before the answer stops waiting at once.
 */
class Flight {
  private waiting = 0;
  private readonly controller = new AbortController();
  readonly answer: Promise<SubgraphAnswer>;

  constructor(exchange: (signal: AbortSignal) => Promise<SubgraphAnswer>, timeoutMs: number) {
    const timer = setTimeout(() => this.controller.abort(new DOMException('the subgraph did not answer in time', 'TimeoutError')), timeoutMs);
    timer.unref();
    this.answer = exchange(this.controller.signal).then(
      (answer) => {
        clearTimeout(timer);
        return answer;
      },
      (error: unknown) => {
        clearTimeout(timer);
        // The stopped exchange's own error says only "aborted": the reason says why.
        throw this.controller.signal.aborted ? this.controller.signal.reason : error;
      },
    );
  }

  /** The answer for one request, whose end (`signal`) stops its wait, and the exchange if no one else waits. */
  join(signal: AbortSignal | undefined): Promise<SubgraphAnswer> {
    if (!signal) {
      this.waiting += 1;
      return this.answer;
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    this.waiting += 1;
    return new Promise((resolve, reject) => {
      const leave = () => {
        this.waiting -= 1;
        if (this.waiting === 0) this.controller.abort(signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', leave, { once: true });
      this.answer.then(
        (answer) => {
          signal.removeEventListener('abort', leave);
          resolve(answer);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', leave);
          reject(error);
        },
      );
    });
  }
}

/** A `Cache-Control` answer as Apollo Server's cache hint: `max-age`, `private`, `public`. */
function cacheHint(header: string | undefined): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  for (const directive of (header ?? '').split(',')) {
    const [name, value] = directive.trim().toLowerCase().split('=');
    if (name === 'max-age' && value && /^\d+$/.test(value)) hint.maxAge = Number(value);
    if (name === 'private') hint.scope = 'PRIVATE';
    if (name === 'public') hint.scope = 'PUBLIC';
  }
  return hint;
}

/**
 * A deep copy of a value parsed from JSON (objects, arrays, strings, numbers, booleans, null):
 * what a subgraph's answer holds. Several times quicker than `structuredClone`, which handles
 * every kind of value and crosses into the serializer to do it.
 */
export function copyOfJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOfJson);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyOfJson((value as Record<string, unknown>)[key]);
    // JSON.parse makes `__proto__` an own key; assigned, it would set the copy's prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy;
}

/**
 * An entity fetch's representations with each entity asked once: a plan asks for an entity
 * once per place it appears (a product on 300 receipt lines), and `@apollo/gateway` sends
 * them all. `expand` turns the answer for the distinct ones back into one per place asked, in
 * order, each place with its own copy, and an error at an entity at each place it stands for.
 * Undefined when there is nothing to fold.
 */
function distinctRepresentations(variables: Record<string, unknown> | undefined): { variables: Record<string, unknown>; expand(response: GatewayGraphQLResponse): GatewayGraphQLResponse } | undefined {
  const representations = variables?.representations;
  if (!Array.isArray(representations) || representations.length < 2) return undefined;
  const indexOf = new Map<string, number>();
  const distinct: unknown[] = [];
  const slot = representations.map((representation) => {
    const key = JSON.stringify(representation);
    let index = indexOf.get(key);
    if (index === undefined) {
      index = distinct.length;
      indexOf.set(key, index);
      distinct.push(representation);
    }
    return index;
  });
  if (distinct.length === representations.length) return undefined;
  return {
    variables: { ...variables, representations: distinct },
    expand(response) {
      const received = (response.data as { _entities?: unknown } | null | undefined)?._entities;
      if (!Array.isArray(received) || received.length !== distinct.length) return response;
      const given = new Set<number>();
      const entities = slot.map((index) => {
        if (!given.has(index)) {
          given.add(index);
          return received[index];
        }
        // Every place gets its own object: the planner merges later fetches into each.
        return received[index] === null || received[index] === undefined ? received[index] : copyOfJson(received[index]);
      });
      const errors = response.errors?.flatMap((error) => {
        const [root, index, ...rest] = error.path ?? [];
        if (root !== '_entities' || typeof index !== 'number') return [error];
        return slot.flatMap((s, i) => (s === index ? [{ ...error, path: ['_entities', i, ...rest] }] : []));
      });
      return { ...response, data: { ...response.data, _entities: entities }, ...(errors ? { errors } : {}) };
    },
  };
}

/** An entity fetch waiting for the others of its turn that ask a subgraph the same for the same principal. */
interface EntityMember {
  options: GraphQLDataSourceProcessOptions<FetchContext>;
  representations: unknown[];
  /** The scope of the request it is for: its deadline, and the signal that ends its wait. */
  scope: RequestScope | undefined;
  resolve(response: GatewayGraphQLResponse): void;
  reject(error: unknown): void;
}

/** Entity fetches to one subgraph with one selection for one principal, sent together at the end of the turn. */
interface EntityBatch {
  members: EntityMember[];
  /** Representations asked by its members in all. */
  size: number;
}

/**
 * Representations past which a batch takes no fetch of another request: one request's fetches
 * always go out together, but a subgraph is not sent one exchange of unbounded size because
 * many requests happened to ask it at once.
 */
export const SHARED_BATCH_REPRESENTATIONS = 500;

/** A subgraph operation without its name: the planner names each fetch of a plan apart. */
const unnamed = (query: string) => query.replace(/^\s*query\s+[_A-Za-z][_0-9A-Za-z]*/, 'query');

/** An entity fetch (its one root field `_entities`, its only variable the representations). */
function entityFetch(request: GatewayGraphQLRequest): boolean {
  const variables = request.variables;
  if (!variables || !Array.isArray(variables.representations) || Object.keys(variables).length !== 1) return false;
  return /^\s*query\b[^{]*\{\s*_entities\s*\(\s*representations\s*:/.test(request.query ?? '');
}

/**
 * The answer to fetches sent as one, cut back into each fetch's own: its run of entities, the
 * errors at them with their indexes made its own, and the errors at no entity for every one.
 */
function splitEntities(response: GatewayGraphQLResponse, sizes: number[]): GatewayGraphQLResponse[] {
  const received = (response.data as { _entities?: unknown } | null | undefined)?._entities;
  const total = sizes.reduce((a, b) => a + b, 0);
  if (!Array.isArray(received) || received.length !== total) {
    throw new Error(`Expected ${total} entities in the answer, received ${Array.isArray(received) ? received.length : 'none'}`);
  }
  const { errors: all, ...rest } = response;
  let start = 0;
  return sizes.map((size) => {
    const from = start;
    start += size;
    const errors = all?.flatMap((error) => {
      const [root, index, ...rest] = error.path ?? [];
      if (root !== '_entities' || typeof index !== 'number') return [error];
      return index >= from && index < from + size ? [{ ...error, path: ['_entities', index - from, ...rest] }] : [];
    });
    const part: GatewayGraphQLResponse = { ...rest, data: { ...response.data, _entities: received.slice(from, from + size) } };
    if (errors?.length) part.errors = errors;
    return part;
  });
}

/** One read waiting for the others of its turn that ask a subgraph the same operation for the same principal. */
interface QueryEntry {
  /** Its operation as JSON: `{ query, variables, operationName, extensions }`. */
  body: string;
  headers: Record<string, string>;
  deadline: number;
  /** Its flight's signal: it stops at the fetch's timeout, or when no request waits for it. */
  signal: AbortSignal;
  resolve(answer: SubgraphAnswer): void;
  reject(error: unknown): void;
}

/**
 * Operations past which a batch takes no read of another request: a batch runs in the
 * subgraph as one request, its loaders' reads as large as all of it, and a subgraph is not
 * sent one of unbounded size because many requests happened to ask it at once.
 */
export const SHARED_BATCH_OPERATIONS = 32;

/**
 * A batch's answer given as one JSON array of the operations' answers, in order (as Apollo
 * Server answers a batch; ours answer line by line, BATCH_ANSWER_TYPE), cut into each
 * operation's own. Undefined when it did not answer so.
 */
function splitBatch(answer: SubgraphAnswer, count: number): SubgraphAnswer[] | undefined {
  if (!answer.contentType.startsWith('application/json') && !answer.contentType.startsWith('application/graphql-response+json')) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(answer.text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts.length !== count || parts.some((part) => part === null || typeof part !== 'object' || Array.isArray(part))) return undefined;
  // Each operation's answer as the subgraph would have sent it alone. The batch's status is
  // shared by its operations (one operation's error may set it); each operation's errors are
  // in its own answer, with their codes.
  return parts.map((part) => ({ ...answer, status: 200, statusText: 'OK', text: JSON.stringify(part) }));
}

/**
 * Writes this gateway's subgraph fetches have had answered, in this process: a read in flight
 * is shared only with reads asked before the next write was answered, so that a client that
 * wrote reads its write (the coalesced queries of coalesce.ts follow the same count).
 */
let writesAnswered = 0;

/** How many writes this gateway's fetches have had answered so far. */
export function writesSeen(): number {
  return writesAnswered;
}

/** Metrics' word for how a fetch failed, from its code. */
const OUTCOMES: Readonly<Record<string, string>> = { DEADLINE_EXCEEDED: 'deadline', SUBGRAPH_TIMEOUT: 'timeout', SUBGRAPH_UNAVAILABLE: 'unavailable' };

/**
 * The gateway's link to one subgraph, on a pool of keep-alive connections. Each fetch carries
 * the request's principal, signed with the secret shared with the subgraphs (a client's own
 * `x-crosscanal-*` headers are never passed on). Identical reads in flight at once for the same
 * principal — the same query and variables to the same subgraph, within query operations — are
 * sent once and their answer shared. A fetch that fails — the subgraph dead, hung, past the
 * deadline, or answering something that is not GraphQL — becomes an answer in which every field
 * the fetch was for is null with a coded error naming the subgraph, so that the planner puts the
 * error where the data would have been and the rest of the answer arrives.
 */
export class SubgraphDataSource implements GraphQLDataSource<FetchContext> {
  readonly name: string;
  readonly url: string;
  private readonly target: URL;
  private readonly key: KeyObject;
  private readonly timeoutMs: number;
  private readonly dedupe: boolean;
  private readonly batchEntities: boolean;
  /** Off for good once the subgraph has refused a batch of operations. */
  private batchQueries: boolean;
  private readonly agent: http.Agent;
  private readonly inFlight = new Map<string, Flight>();
  /** Entity fetches of this turn waiting to go out together, by principal and selection. */
  private readonly entityBatches = new Map<string, EntityBatch>();
  /** Reads of this turn waiting to go out together, by principal and operation. */
  private readonly queryBatches = new Map<string, QueryEntry[]>();
  /** Tracing on when the source was built: each fetch carries the trace context of Apollo's fetch span. */
  private readonly traced = requestTracer() !== undefined;

  constructor(options: SubgraphDataSourceOptions) {
    this.name = options.name;
    this.url = options.url;
    this.target = new URL(options.url);
    this.key = options.key;
    this.timeoutMs = options.timeoutMs;
    this.dedupe = options.dedupe ?? true;
    this.batchEntities = options.batchEntities ?? true;
    this.batchQueries = options.batchQueries ?? true;
    const agentOptions = { keepAlive: true, scheduling: 'lifo' as const, maxFreeSockets: 256 };
    this.agent = this.target.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** Exchanges sent and not yet answered (shared ones once). */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Closes the pooled connections (the gateway stopping). */
  close(): void {
    this.agent.destroy();
  }

  async process(options: GraphQLDataSourceProcessOptions<FetchContext>): Promise<GatewayGraphQLResponse> {
    const started = performance.now();
    try {
      const response = await this.fetch(options);
      observeSubgraphFetch(this.name, response.errors?.length ? 'errors' : 'ok', (performance.now() - started) / 1000);
      noteStaleFromSubgraph(response.extensions);
      return response;
    } catch (error) {
      const failure = this.coded(error);
      observeSubgraphFetch(this.name, OUTCOMES[String(failure.extensions.code)] ?? 'error', (performance.now() - started) / 1000);
      return this.onEveryField(options.request, failure);
    }
  }

  private fetch(options: GraphQLDataSourceProcessOptions<FetchContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) return Promise.reject(new Error('no query to send'));
    if (!this.batchEntities || !this.shareable(options) || !entityFetch(request)) return this.send(request, options, [], !entityFetch(request));
    // A plan fetches the same entities once per path (each aliased receipt's products apart),
    // and requests served at once for the same principal ask a subgraph for entities of the
    // same kind in the same turn: the entity fetches of one turn that ask a subgraph the same
    // for the same principal go out as one. Nothing waits for it: the batch leaves at the end
    // of the turn in which its first fetch was asked.
    const context = options.context as Partial<FetchContext>;
    const scope = currentRequestScope();
    const representations = request.variables!.representations as unknown[];
    const key = `${this.principalKey(context)}\n${unnamed(request.query)}`;
    let batch = this.entityBatches.get(key);
    const joinable = batch && (batch.size + representations.length <= SHARED_BATCH_REPRESENTATIONS || batch.members.every((member) => member.options.context === options.context));
    if (!batch || !joinable) {
      const created: EntityBatch = { members: [], size: 0 };
      batch = created;
      this.entityBatches.set(key, created);
      setImmediate(() => {
        if (this.entityBatches.get(key) === created) this.entityBatches.delete(key);
        void this.flush(created);
      });
    }
    batch.size += representations.length;
    const members = batch.members;
    return new Promise((resolve, reject) => members.push({ options, representations, scope, resolve, reject }));
  }

  /** Who a request acts for, as a key: fetches are shared only between requests with equal keys. */
  private principalKey(context: Partial<FetchContext>): string {
    const principal = context.principal ?? ANONYMOUS;
    return (context.principalKey ??= JSON.stringify([principal.role, principal.actor, principal.franchise, principal.store, principal.customerId, principal.client]));
  }

  /**
   * Sends a batch's fetches as one (one alone as itself) and gives each its part of the answer.
   * The exchange carries the grant of the member whose deadline is the latest, and runs until
   * it is answered or every member's request has gone (each stops waiting at its own end).
   */
  private async flush({ members }: EntityBatch): Promise<void> {
    const [first] = members;
    if (!first) return;
    if (members.length === 1) {
      this.send(first.options.request, first.options, [], false).then(first.resolve, first.reject);
      return;
    }
    const carrier = members.reduce((latest, member) => ((member.scope?.deadline ?? Infinity) > (latest.scope?.deadline ?? Infinity) ? member : latest));
    const shared = new AbortController();
    let waiting = members.length;
    const waits = members.map((member) => {
      const signal = member.scope?.signal;
      let gone = false;
      const leave = () => {
        gone = true;
        member.reject(signal!.reason);
        waiting -= 1;
        if (waiting === 0) shared.abort(signal!.reason);
      };
      if (signal?.aborted) leave();
      else signal?.addEventListener('abort', leave, { once: true });
      return { gone: () => gone, done: () => signal?.removeEventListener('abort', leave) };
    });
    if (waiting === 0) return;
    const request = { ...carrier.options.request, variables: { representations: members.flatMap((member) => member.representations) } };
    const others = members.filter((member) => member !== carrier).map((member) => member.options);
    const scope: RequestScope | undefined = carrier.scope && { ...carrier.scope, signal: shared.signal };
    try {
      const send = () => this.send(request, carrier.options, others, false);
      const response = await (scope ? runInRequestScope(scope, send) : send());
      const parts = splitEntities(response, members.map((member) => member.representations.length));
      members.forEach((member, i) => {
        waits[i]!.done();
        if (!waits[i]!.gone()) member.resolve(parts[i]!);
      });
    } catch (error) {
      members.forEach((member, i) => {
        waits[i]!.done();
        if (!waits[i]!.gone()) member.reject(error);
      });
    }
  }

  /**
   * One exchange for `options` (and, sent with it as one, fetches of `others`, whose cache
   * policies its answer also bounds). A read of a query that is not an entity batch
   * (`batchable`) may go out in a batch of operations with the others of its turn.
   */
  private async send(request: GatewayGraphQLRequest, options: GraphQLDataSourceProcessOptions<FetchContext>, others: ReadonlyArray<GraphQLDataSourceProcessOptions<FetchContext>>, batchable: boolean): Promise<GatewayGraphQLResponse> {
    const context = options.context as Partial<FetchContext>;
    const principal = context.principal ?? ANONYMOUS;
    // Requests the gateway makes of its own (none today: the supergraph is static) act as nobody.
    context.grant ??= signGrant(this.key, { principal, requestId: context.requestId ?? '', deadline: context.deadline ?? Date.now() + 30_000 });
    const entities = distinctRepresentations(request.variables);
    const body = JSON.stringify({ query: request.query, variables: entities?.variables ?? request.variables, operationName: request.operationName, extensions: request.extensions });
    const scope = currentRequestScope();
    const timeoutMs = Math.max(1, Math.min(this.timeoutMs, (context.deadline ?? Infinity) - Date.now()));
    const headers: Record<string, string> = { 'content-type': 'application/json', [PRINCIPAL_HEADER]: context.grant! };
    // A shared exchange carries the first request's context; a batch, its first fetch's.
    if (this.traced) injectTraceContext(headers);
    // A read sent on a pooled connection the subgraph had just closed is sent again, once, on a
    // connection of its own (the pool's next idle one may be as stale). A write is not: the
    // error says the subgraph could not be reached, and the client's idempotency key makes its
    // own retry safe.
    const read = this.shareable(options);
    const deadline = context.deadline ?? Infinity;
    const batchKey = batchable && read && this.batchQueries ? `${this.principalKey(context)}\n${unnamed(request.query!)}` : undefined;
    const exchange = (signal: AbortSignal) =>
      batchKey !== undefined && this.batchQueries ? this.enqueue(batchKey, { body, headers, deadline, signal }) : this.post(headers, body, signal, read);
    let flight: Flight;
    if (this.dedupe && read) {
      const key = `${this.principalKey(context)}\n${writesAnswered}\n${body}`;
      const running = this.inFlight.get(key);
      if (running) {
        flight = running;
      } else {
        flight = new Flight(exchange, timeoutMs);
        this.inFlight.set(key, flight);
        const settled = () => {
          if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
        };
        flight.answer.then(settled, settled);
      }
    } else {
      flight = new Flight(exchange, timeoutMs);
    }
    let answer: SubgraphAnswer;
    try {
      answer = await flight.join(scope?.signal);
    } finally {
      // A write answered (or failed, perhaps half done): reads asked from now on share nothing begun before.
      if (!read) writesAnswered += 1;
    }
    const response = this.parsed(answer, options, others);
    return entities ? entities.expand(response) : response;
  }

  /** `body` posted on a pooled connection; a read that met a connection the subgraph had just closed goes again on one of its own. */
  private post(headers: Record<string, string>, body: string, signal: AbortSignal, read: boolean, onPart?: OnPart): Promise<SubgraphAnswer> {
    return post(this.target, this.agent, headers, body, signal, onPart).catch((error: unknown) => {
      if (!(error instanceof StaleConnection) || !read || signal.aborted) throw error;
      return post(this.target, false, headers, body, signal, onPart);
    });
  }

  /** A read's answer, sent with the others of its turn under `key` (same principal, same operation). */
  private enqueue(key: string, entry: Omit<QueryEntry, 'resolve' | 'reject'>): Promise<SubgraphAnswer> {
    let batch = this.queryBatches.get(key);
    if (!batch || batch.length >= SHARED_BATCH_OPERATIONS) {
      const created: QueryEntry[] = [];
      batch = created;
      this.queryBatches.set(key, created);
      setImmediate(() => {
        if (this.queryBatches.get(key) === created) this.queryBatches.delete(key);
        void this.flushQueries(created);
      });
    }
    const entries = batch;
    return new Promise((resolve, reject) => entries.push({ ...entry, resolve, reject }));
  }

  /**
   * Sends a turn's reads of one operation as one batch (one alone as itself), carrying the
   * grant and trace context of the one whose deadline is the latest; each gets its own answer.
   * The batch stops when every read in it has stopped (its timeout, or no request left waiting).
   */
  private async flushQueries(queued: QueryEntry[]): Promise<void> {
    const entries = queued.filter((entry) => {
      if (entry.signal.aborted) entry.reject(entry.signal.reason);
      return !entry.signal.aborted;
    });
    const [first] = entries;
    if (!first) return;
    if (entries.length === 1) {
      this.post(first.headers, first.body, first.signal, true).then(first.resolve, first.reject);
      return;
    }
    countShared('batch', this.name);
    countShared('batched', this.name, entries.length);
    const carrier = entries.reduce((latest, entry) => (entry.deadline > latest.deadline ? entry : latest));
    const shared = new AbortController();
    let running = entries.length;
    const stops = entries.map((entry) => {
      const stop = () => {
        entry.reject(entry.signal.reason);
        running -= 1;
        if (running === 0) shared.abort(entry.signal.reason);
      };
      entry.signal.addEventListener('abort', stop, { once: true });
      return stop;
    });
    // Each read is answered as soon as its line arrives: the batch's slowest holds no other back.
    const answered = new Set<number>();
    const onPart: OnPart = (index, part) => {
      const entry = entries[index];
      if (!entry || answered.has(index)) return;
      answered.add(index);
      entry.signal.removeEventListener('abort', stops[index]!);
      // Answered, it no longer keeps the batch going: the batch stops when all still waiting have.
      running -= 1;
      entry.resolve(part);
    };
    let answer: SubgraphAnswer;
    try {
      answer = await this.post(carrier.headers, `[${entries.map((entry) => entry.body).join(',')}]`, shared.signal, true, onPart);
    } catch (error) {
      for (const entry of entries) entry.reject(error);
      return;
    } finally {
      entries.forEach((entry, i) => entry.signal.removeEventListener('abort', stops[i]!));
    }
    if (answer.contentType.startsWith(BATCH_ANSWER_TYPE)) {
      const cut = new Error(`${this.name}: the answer to a batch ended without this operation's`);
      entries.forEach((entry, i) => answered.has(i) || entry.reject(cut));
      return;
    }
    const parts = splitBatch(answer, entries.length);
    if (parts) {
      entries.forEach((entry, i) => entry.resolve(parts[i]!));
    } else if (answer.status === 400 && this.batchQueries) {
      // A subgraph that does not take batches of operations refuses them as a bad request: it
      // is asked each operation apart, now and from now on.
      this.batchQueries = false;
      for (const entry of entries) this.post(entry.headers, entry.body, entry.signal, true).then(entry.resolve, entry.reject);
    } else {
      // Refused as a whole (its grant, most likely): every read is answered with the refusal.
      for (const entry of entries) entry.resolve(answer);
    }
  }

  /** A read within a read: a query sent for an incoming query (never a mutation, nor a read after one). */
  private shareable(options: GraphQLDataSourceProcessOptions<FetchContext>): boolean {
    if (!('incomingRequestContext' in options) || options.incomingRequestContext.operation?.operation !== 'query') return false;
    const query = options.request.query!.trimStart();
    return query.startsWith('{') || query.startsWith('query');
  }

  /** One request's own copy of an answer, or the error it stands for. */
  private parsed(answer: SubgraphAnswer, options: GraphQLDataSourceProcessOptions<FetchContext>, others: ReadonlyArray<GraphQLDataSourceProcessOptions<FetchContext>>): GatewayGraphQLResponse {
    const json = answer.contentType.startsWith('application/json') || answer.contentType.startsWith('application/graphql-response+json');
    const body: unknown = json ? JSON.parse(answer.text) : answer.text;
    if (answer.status < 200 || answer.status > 299) {
      const extensions: Record<string, unknown> = { response: { url: this.url, status: answer.status, statusText: answer.statusText, body } };
      if (answer.status === 401) extensions.code = 'UNAUTHENTICATED';
      if (answer.status === 403) extensions.code = 'FORBIDDEN';
      throw new GraphQLError(`${answer.status}: ${answer.statusText}`, { extensions });
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error(`Expected JSON response body, but received: ${String(body).slice(0, 200)}`);
    for (const each of [options, ...others]) {
      if (!('incomingRequestContext' in each)) continue;
      const policy = each.incomingRequestContext.overallCachePolicy;
      if (policy && 'restrict' in policy) policy.restrict(cacheHint(answer.cacheControl));
    }
    return body as GatewayGraphQLResponse;
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
