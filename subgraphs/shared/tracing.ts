import type { IncomingHttpHeaders } from 'node:http';
import {
  context,
  diag,
  DiagLogLevel,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { ReadableSpan, Sampler, Span as SdkSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { loggerFor, scrubPersonalData } from './logger.js';

/**
 * OpenTelemetry traces, from the gateway through each subgraph to each legacy call, sent by
 * OTLP/HTTP when the standard variables say where (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT`). Unconfigured, nothing is registered: `@apollo/gateway`'s
 * spans go to the API's no-op tracer, the SDK is not even loaded, and every server here sees
 * `requestTracer()` undefined when it is built, so its requests pay one check of a constant.
 *
 * Start it once per process, before the servers (they look at it when they are built), and
 * stop it after them: `drainOnSignals` does, so the last spans go out before the exit.
 */

/** The id of the request in the logs (`rid`), on every span of ours. */
export const ATTR_REQUEST_ID = 'crosscanal.request.id';
/** The principal's role (`service`, `customer`…, `anonymous`); never who. */
export const ATTR_ROLE = 'crosscanal.principal.role';
/** The client application a token names (`client_id`). */
export const ATTR_CLIENT = 'crosscanal.client';
export const ATTR_SUBGRAPH = 'crosscanal.subgraph';
export const ATTR_LEGACY_SYSTEM = 'crosscanal.legacy.system';
/** A legacy call as the metrics name it: templated, never an id nor a value (`GET /orders/:id`, `FindMemberByCard`). */
export const ATTR_LEGACY_OPERATION = 'crosscanal.legacy.operation';
/** As `crosscanal_legacy_call_duration_seconds` counts it: ok, unavailable, rate_limited, given_up… */
export const ATTR_LEGACY_OUTCOME = 'crosscanal.legacy.outcome';
/** Attempts made, retries included (0: refused by the breaker or the bulkhead before any). */
export const ATTR_LEGACY_ATTEMPTS = 'crosscanal.legacy.attempts';
/** Every distinct `extensions.code` of the errors answered (or the refusal's). */
export const ATTR_ERROR_CODES = 'crosscanal.error.codes';
/** The kind of record a cache lookup asked for (`member`, `order`…), as the cache metrics name it. */
export const ATTR_CACHE_KIND = 'crosscanal.cache.kind';
/** Keys asked of the cache in one lookup, and how many of them it held (fresh or not). */
export const ATTR_CACHE_KEYS = 'crosscanal.cache.keys';
export const ATTR_CACHE_FOUND = 'crosscanal.cache.found';
// OpenTelemetry's semantic conventions (HTTP and database stable; GraphQL incubating, so copied here).
export const ATTR_DB_SYSTEM = 'db.system.name';
export const ATTR_DB_NAMESPACE = 'db.namespace';
export const ATTR_DB_OPERATION = 'db.operation.name';
export const ATTR_DB_COLLECTION = 'db.collection.name';
export const ATTR_DB_QUERY_SUMMARY = 'db.query.summary';
export const ATTR_HTTP_METHOD = 'http.request.method';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_HTTP_STATUS = 'http.response.status_code';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_OPERATION_NAME = 'graphql.operation.name';
export const ATTR_OPERATION_TYPE = 'graphql.operation.type';

/** Where spans go and how many are kept, from the standard variables. */
export interface TracingConfig {
  /** The OTLP/HTTP traces endpoint (`…/v1/traces`); spans are sent as JSON. */
  url: string;
  serviceName: string;
  sampler: SamplerSetting;
}

/** `OTEL_TRACES_SAMPLER` and its `OTEL_TRACES_SAMPLER_ARG`. */
export interface SamplerSetting {
  name: 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';
  /** The share of new traces kept, for the ratio samplers. */
  ratio: number;
}

export class TracingConfigError extends Error {
  override name = 'TracingConfigError';
}

const SAMPLERS: ReadonlyArray<SamplerSetting['name']> = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

function samplerFromEnv(env: NodeJS.ProcessEnv): SamplerSetting {
  const name = (env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on') as SamplerSetting['name'];
  if (!SAMPLERS.includes(name)) throw new TracingConfigError(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}, got ${JSON.stringify(env.OTEL_TRACES_SAMPLER)}`);
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (!name.endsWith('traceidratio') || !arg) return { name, ratio: 1 };
  const ratio = Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new TracingConfigError(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got ${JSON.stringify(env.OTEL_TRACES_SAMPLER_ARG)}`);
  return { name, ratio };
}

function httpUrl(env: NodeJS.ProcessEnv, name: string): URL | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed;
  } catch {
    // Said below, with the variable's name.
  }
  throw new TracingConfigError(`${name} must be an http(s) URL (an OTLP/HTTP endpoint, port 4318 on a collector), got ${JSON.stringify(env[name])}`);
}

/**
 * Reads the standard variables: undefined when traces are not to be sent — no endpoint,
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * is the traces URL itself; `OTEL_EXPORTER_OTLP_ENDPOINT` a base to which `v1/traces` is added.
 * `OTEL_SERVICE_NAME` overrides `serviceName`. What cannot be honoured fails the start, naming
 * the variable (gRPC: the exporter here speaks OTLP/HTTP).
 */
export function tracingConfigFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return undefined;
  if (exporter && exporter !== 'otlp') throw new TracingConfigError(`OTEL_TRACES_EXPORTER must be otlp or none, got ${JSON.stringify(env.OTEL_TRACES_EXPORTER)}`);
  const traces = httpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = httpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!traces && !base) return undefined;
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = env[name]?.trim().toLowerCase();
    // A collector's OTLP/HTTP port takes JSON as well as protobuf; gRPC is another port and protocol.
    if (protocol && protocol !== 'http/json' && protocol !== 'http/protobuf') {
      throw new TracingConfigError(`${name} must be http/json or http/protobuf (traces are sent by OTLP/HTTP, as JSON), got ${JSON.stringify(env[name])}`);
    }
  }
  const url = traces ? traces.href : new URL('v1/traces', base!.href.endsWith('/') ? base!.href : `${base!.href}/`).href;
  return { url, serviceName: env.OTEL_SERVICE_NAME?.trim() || serviceName, sampler: samplerFromEnv(env) };
}

export interface StartTracingOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` says otherwise: `crosscanal-gateway`, `crosscanal-subgraph-pos`… */
  serviceName: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Tests: every span goes to this exporter as it ends (no batching), whatever the environment
   * says of endpoints; the sampler is still the environment's.
   */
  exporter?: SpanExporter;
}

let started = false;
let running: { tracer: Tracer; stop(): Promise<void> } | undefined;
let stopped: Promise<void> | undefined;

/** This process's tracer, when tracing was started; undefined otherwise. Servers read it once, when they are built. */
export function requestTracer(): Tracer | undefined {
  return running?.tracer;
}

/**
 * Every string attribute of a span through the log scrubber before it is exported: ours
 * carry no personal data by construction, but a client names its operation as it likes and
 * `@apollo/gateway` records that name on its own spans. The request id is left as it is, as
 * in the logs: the gateway keeps only a caller's id the scrubber would not change, and a
 * random one may hold a run of digits.
 */
class ScrubbingProcessor implements SpanProcessor {
  onStart(): void {}
  onEnding(span: SdkSpan): void {
    for (const [key, value] of Object.entries(span.attributes)) {
      if (typeof value === 'string' && key !== ATTR_REQUEST_ID) {
        const scrubbed = scrubPersonalData(value);
        if (scrubbed !== value) span.setAttribute(key, scrubbed);
      }
    }
  }
  onEnd(_span: ReadableSpan): void {}
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

function sampler(setting: SamplerSetting, sdk: typeof import('@opentelemetry/sdk-trace-node')): Sampler {
  const ratio = () => new sdk.TraceIdRatioBasedSampler(setting.ratio);
  switch (setting.name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: ratio() });
    case 'parentbased_always_on':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
  }
}

/** The most a stopping process waits for its last spans to be sent: a collector that does not answer must not hold the exit. */
const FLUSH_ON_STOP_MS = 5000;

/**
 * Registers a tracer provider (batched OTLP/HTTP export, the W3C trace-context propagator,
 * the AsyncLocalStorage context manager) when the environment asks for traces, or `exporter`
 * is given; otherwise registers nothing and loads nothing. True when tracing is on. Once per
 * process: `@apollo/gateway` keeps the tracer it first got.
 */
export async function startTracing({ serviceName, env = process.env, exporter }: StartTracingOptions): Promise<boolean> {
  if (started) throw new Error('tracing is already started in this process: start it once, before the servers');
  started = true;
  const config: Omit<TracingConfig, 'url'> & { url?: string } | undefined = exporter
    ? { serviceName: env.OTEL_SERVICE_NAME?.trim() || serviceName, sampler: samplerFromEnv(env) }
    : tracingConfigFromEnv(serviceName, env);
  if (!config) return false;
  const [sdk, { OTLPTraceExporter }, { defaultResource, resourceFromAttributes }, { W3CTraceContextPropagator }, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const log = loggerFor('tracing');
  // The SDK reports what it could not send (a collector down, spans dropped) through its diagnostic logger.
  diag.setLogger(
    {
      error: (message, ...args) => log.error({ detail: args.map(String) }, message),
      warn: (message, ...args) => log.warn({ detail: args.map(String) }, message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  const provider = new sdk.NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName })),
    sampler: sampler(config.sampler, sdk),
    spanProcessors: [
      new ScrubbingProcessor(),
      exporter ? new sdk.SimpleSpanProcessor(exporter) : new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: config.url! })),
    ],
  });
  // The trace context alone crosses a process: a caller's baggage is not taken.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  running = {
    tracer: provider.getTracer('crosscanal'),
    stop: async () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ ms: FLUSH_ON_STOP_MS }, 'the last spans were not all sent in time');
          resolve();
        }, FLUSH_ON_STOP_MS);
        timer.unref();
      });
      await Promise.race([provider.shutdown().catch((error: unknown) => log.warn({ err: error }, 'the tracer provider did not stop cleanly')), late]);
      clearTimeout(timer);
      trace.disable();
      propagation.disable();
      context.disable();
      diag.disable();
    },
  };
  // The endpoint without any credentials its URL may carry.
  const endpoint = config.url && Object.assign(new URL(config.url), { username: '', password: '' }).href;
  log.info({ service: config.serviceName, endpoint, sampler: config.sampler.name }, 'tracing');
  return true;
}

/** Sends the spans still queued and unregisters everything; nothing to do when tracing is off. */
export function stopTracing(): Promise<void> {
  if (!running) return Promise.resolve();
  stopped ??= running.stop();
  return stopped;
}

/** Adds the current trace context (`traceparent`) to the headers of an outgoing request. */
export function injectTraceContext(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers);
}

export interface ServerSpanOptions {
  /**
   * Whether the caller's `traceparent` is believed. Believed, the span continues the caller's
   * trace (and its sampling decision); otherwise it starts a trace of its own, which
   * `linkCaller` links to the caller's, never under it.
   */
  trustCaller: boolean;
  linkCaller?: boolean;
  attributes?: Attributes;
}

/** A server span for a request whose headers are `headers`. */
export function startServerSpan(tracer: Tracer, name: string, headers: IncomingHttpHeaders, { trustCaller, linkCaller = false, attributes }: ServerSpanOptions): Span {
  if (!trustCaller && !linkCaller) return tracer.startSpan(name, { kind: SpanKind.SERVER, root: true, attributes }, ROOT_CONTEXT);
  const incoming = propagation.extract(ROOT_CONTEXT, headers);
  if (trustCaller) return tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, incoming);
  const caller = trace.getSpanContext(incoming);
  const links = caller && isSpanContextValid(caller) ? [{ context: caller }] : [];
  return tracer.startSpan(name, { kind: SpanKind.SERVER, root: true, attributes, links }, ROOT_CONTEXT);
}

/** Runs `work` with `span` as the current span: the spans started within it are its children. */
export function withSpan<T>(span: Span, work: () => T): T {
  return context.with(trace.setSpan(ROOT_CONTEXT, span), work);
}

/** What a server knows of a request once it has answered. */
export interface ServerSpanEnd {
  status?: number;
  requestId?: string;
  role?: string;
  client?: string;
  operationName?: string;
  operationType?: string;
  /** Codes of the errors answered (after masking: what the caller saw), or of the refusal. */
  codes: readonly string[];
}

/** Names the request's principal, operation and errors on `span`, and ends it: status ERROR when an error was answered. */
export function endServerSpan(span: Span, end: ServerSpanEnd): void {
  const attributes: Attributes = {};
  if (end.status !== undefined) attributes[ATTR_HTTP_STATUS] = end.status;
  if (end.requestId) attributes[ATTR_REQUEST_ID] = end.requestId;
  if (end.role) attributes[ATTR_ROLE] = end.role;
  if (end.client) attributes[ATTR_CLIENT] = end.client;
  if (end.operationName) attributes[ATTR_OPERATION_NAME] = end.operationName;
  if (end.operationType) attributes[ATTR_OPERATION_TYPE] = end.operationType;
  span.setAttributes(attributes);
  failed(span, [...new Set(end.codes)], end.status !== undefined && end.status >= 500);
  span.end();
}

function failed(span: Span, codes: string[], serverError: boolean): void {
  if (codes.length > 0) {
    span.setAttributes({ [ATTR_ERROR_TYPE]: codes[0]!, [ATTR_ERROR_CODES]: codes });
    span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(' ') });
  } else if (serverError) {
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/**
 * A client span for one call to a legacy system, child of the current span; none outside a
 * recorded request (a sync, or a request the sampler left out): a sync's thousand pages are no
 * trace of anyone's.
 */
export function startLegacySpan(tracer: Tracer, system: string, operation: string, requestId: string | undefined): Span | undefined {
  const parent = context.active();
  if (!trace.getSpan(parent)?.isRecording()) return undefined;
  const attributes: Attributes = { [ATTR_LEGACY_SYSTEM]: system, [ATTR_LEGACY_OPERATION]: operation };
  if (requestId) attributes[ATTR_REQUEST_ID] = requestId;
  return tracer.startSpan(`${system} ${operation}`, { kind: SpanKind.CLIENT, attributes }, parent);
}

/** Ends a legacy call's span with its outcome, and its error's code when it failed. */
export function endLegacySpan(span: Span, outcome: string, attempts: number, code?: string): void {
  span.setAttributes({ [ATTR_LEGACY_OUTCOME]: outcome, [ATTR_LEGACY_ATTEMPTS]: attempts });
  if (code) failed(span, [code], false);
  span.end();
}

/**
 * A client span for one call to a store of ours (the crosswalk's PostgreSQL, a cache), child
 * of the current span; none outside a recorded request, as for legacy calls.
 */
export function startStoreSpan(tracer: Tracer, name: string, attributes: Attributes, requestId?: string): Span | undefined {
  const parent = context.active();
  if (!trace.getSpan(parent)?.isRecording()) return undefined;
  return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: requestId ? { ...attributes, [ATTR_REQUEST_ID]: requestId } : attributes }, parent);
}

/** Runs `work` under a store span (when there is one), ending it with an error status when `work` throws. */
export async function inStoreSpan<T>(span: Span | undefined, work: () => Promise<T>, describe?: (value: T) => Attributes): Promise<T> {
  if (!span) return work();
  try {
    const value = await withSpan(span, work);
    if (describe) span.setAttributes(describe(value));
    return value;
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    failed(span, [typeof code === 'string' ? code : (error as Error)?.name ?? 'Error'], false);
    throw error;
  } finally {
    span.end();
  }
}

/** The first keyword of a statement and the table it names, for a span's name: `SELECT identity_links`, `INSERT audit_log`. */
export function describeStatement(text: string): { operation: string; collection?: string } {
  const trimmed = text.replace(/^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '');
  const operation = (/^[A-Za-z]+/.exec(trimmed)?.[0] ?? 'SQL').toUpperCase();
  const target = /\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+(?:ONLY\s+)?("?[A-Za-z_][\w$]*"?(?:\."?[A-Za-z_][\w$]*"?)?)/i.exec(trimmed)?.[1];
  return target ? { operation, collection: target.replaceAll('"', '') } : { operation };
}
