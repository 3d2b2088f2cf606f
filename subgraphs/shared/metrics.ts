import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { droppedLogLines } from './logger.js';

/**
 * The process's Prometheus metrics (prom-client), served at `/metrics` by the gateway and by
 * every subgraph. One registry per process: `npm start` runs everything in one process, so its
 * labels say which server, subgraph or source a sample belongs to.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'crosscanal_' });

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Operation names come from clients: the first {@link MAX_OPERATIONS} seen are labels, the rest `other`. */
const MAX_OPERATIONS = 200;
const operations = new Set<string>();

/** A bounded label for a client's operation name (`anonymous` without one). */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  const label = name.slice(0, 64);
  if (operations.has(label)) return label;
  if (operations.size >= MAX_OPERATIONS) return 'other';
  operations.add(label);
  return label;
}

const requests = new Counter({
  name: 'crosscanal_requests_total',
  help: 'GraphQL requests served, by server (gateway or a subgraph), operation and outcome (an HTTP status, or a refusal code).',
  labelNames: ['server', 'operation', 'outcome'] as const,
  registers: [registry],
});

const requestSeconds = new Histogram({
  name: 'crosscanal_request_duration_seconds',
  help: 'Time to answer a GraphQL request, by server and operation.',
  labelNames: ['server', 'operation'] as const,
  buckets: SECONDS,
  registers: [registry],
});

const errors = new Counter({
  name: 'crosscanal_graphql_errors_total',
  help: 'Errors in GraphQL answers, by server and extensions.code.',
  labelNames: ['server', 'code'] as const,
  registers: [registry],
});

const fetchSeconds = new Histogram({
  name: 'crosscanal_subgraph_fetch_duration_seconds',
  help: "The gateway's fetches to each subgraph, by outcome (ok, error, deadline, unavailable).",
  labelNames: ['subgraph', 'outcome'] as const,
  buckets: SECONDS,
  registers: [registry],
});

const legacySeconds = new Histogram({
  name: 'crosscanal_legacy_call_duration_seconds',
  help: 'Calls to a legacy system, by source, operation and outcome (ok, unavailable, rate_limited, bad_response, bad_request, given_up, short_circuit), retries included.',
  labelNames: ['source', 'operation', 'outcome'] as const,
  buckets: SECONDS,
  registers: [registry],
});

new Counter({
  name: 'crosscanal_log_lines_dropped_total',
  help: 'Log lines dropped because standard output was not read fast enough (LOG_BUFFER_MAX_BYTES).',
  registers: [registry],
  collect() {
    this.reset();
    this.inc(droppedLogLines().lines);
  },
});

const cacheLookups = new Counter({
  name: 'crosscanal_cache_lookups_total',
  help: 'Cross-request cache lookups of legacy records, by source, kind of record and result (fresh, stale served after a failure, miss).',
  labelNames: ['source', 'kind', 'result'] as const,
  registers: [registry],
});

/** Each source's breaker, read when the metrics are scraped: an open breaker half-opens with time, not on a call. */
const breakers = new Map<string, () => 'closed' | 'halfOpen' | 'open'>();

const breakerState = new Gauge({
  name: 'crosscanal_breaker_state',
  help: "A legacy source's circuit breaker: 0 closed, 1 half-open, 2 open.",
  labelNames: ['source'] as const,
  registers: [registry],
  collect() {
    for (const [source, read] of breakers) setBreakerState(source, read());
  },
});

/** Reports `source`'s breaker at every scrape; a later source of the same name replaces an earlier one. */
export function watchBreaker(source: string, read: () => 'closed' | 'halfOpen' | 'open'): void {
  breakers.set(source, read);
}

let documentStore: (() => { bytes: number; documents: number }) | undefined;

const documentBytes = new Gauge({
  name: 'crosscanal_gateway_document_cache_bytes',
  help: 'What the parsed and validated operations the gateway keeps weigh, with what it keeps beside them (GATEWAY_DOCUMENT_CACHE_MAX_BYTES bounds it).',
  registers: [registry],
  collect() {
    if (documentStore) documentBytes.set(documentStore().bytes);
  },
});

const documentCount = new Gauge({
  name: 'crosscanal_gateway_document_cache_documents',
  help: 'Parsed and validated operations the gateway keeps.',
  registers: [registry],
  collect() {
    if (documentStore) documentCount.set(documentStore().documents);
  },
});

/** Reports the gateway's document store at every scrape; a later gateway in the process replaces an earlier one. */
export function watchDocumentStore(read: () => { bytes: number; documents: number }): void {
  documentStore = read;
}

export type LegacyOutcome = 'ok' | 'unavailable' | 'rate_limited' | 'bad_response' | 'bad_request' | 'given_up' | 'short_circuit';

export function observeRequest(server: string, operation: string | null | undefined, outcome: string, seconds: number): void {
  const label = operationLabel(operation);
  requests.inc({ server, operation: label, outcome });
  requestSeconds.observe({ server, operation: label }, seconds);
}

export function countErrors(server: string, codes: readonly string[]): void {
  for (const code of codes) errors.inc({ server, code });
}

const shared = new Counter({
  name: 'crosscanal_gateway_shared_total',
  help: "Work the gateway did once for several requests, by kind: 'coalesced' (a query answered with an identical one's answer, in flight at once), 'batched' (a read sent to a subgraph within a batch of operations), 'batch' (batches of operations sent).",
  labelNames: ['kind', 'subgraph'] as const,
  registers: [registry],
});

/** Counts work shared across requests: a coalesced request (no subgraph), or reads sent as one batch to `subgraph`. */
export function countShared(kind: 'coalesced' | 'batched' | 'batch', subgraph = '', count = 1): void {
  shared.inc({ kind, subgraph }, count);
}

export function observeSubgraphFetch(subgraph: string, outcome: string, seconds: number): void {
  fetchSeconds.observe({ subgraph, outcome }, seconds);
}

export function observeLegacyCall(source: string, operation: string, outcome: LegacyOutcome, seconds: number): void {
  legacySeconds.observe({ source, operation, outcome }, seconds);
}

export function countCacheLookups(source: string, kind: string, result: 'fresh' | 'stale' | 'miss', count = 1): void {
  if (count > 0) cacheLookups.inc({ source, kind, result }, count);
}

export function setBreakerState(source: string, state: 'closed' | 'halfOpen' | 'open'): void {
  breakerState.set({ source }, state === 'closed' ? 0 : state === 'halfOpen' ? 1 : 2);
}
