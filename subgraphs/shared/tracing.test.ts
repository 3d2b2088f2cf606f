import { context, propagation, trace } from '@opentelemetry/api';
import { describeStatement, requestTracer, startTracing, TracingConfigError, tracingConfigFromEnv } from './tracing.js';

describe('tracing configuration', () => {
  it('sends nothing unless an OTLP endpoint is named, and nothing when disabled', () => {
    expect(tracingConfigFromEnv('crosscanal-gateway', {})).toBeUndefined();
    expect(tracingConfigFromEnv('crosscanal-gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBeUndefined();
    expect(tracingConfigFromEnv('crosscanal-gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBeUndefined();
    expect(tracingConfigFromEnv('crosscanal-gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });

  it('adds v1/traces to the base endpoint, takes the traces endpoint as it is, and names the service', () => {
    expect(tracingConfigFromEnv('crosscanal-subgraph-pos', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toMatchObject({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'crosscanal-subgraph-pos',
      sampler: { name: 'parentbased_always_on', ratio: 1 },
    });
    expect(tracingConfigFromEnv('x', { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example/ingest/' })?.url).toBe('https://otel.example/ingest/v1/traces');
    expect(
      tracingConfigFromEnv('x', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom', OTEL_SERVICE_NAME: 'gw-eu-1', OTEL_SDK_DISABLED: 'false' }),
    ).toMatchObject({ url: 'http://traces:4318/custom', serviceName: 'gw-eu-1' });
    expect(
      tracingConfigFromEnv('x', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })
        ?.sampler,
    ).toEqual({ name: 'parentbased_traceidratio', ratio: 0.25 });
  });

  it('refuses what it cannot honour, naming the variable', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    const refused = (env: NodeJS.ProcessEnv, variable: string) => {
      expect(() => tracingConfigFromEnv('x', env)).toThrow(TracingConfigError);
      expect(() => tracingConfigFromEnv('x', env)).toThrow(variable);
    };
    refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    refused({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    refused({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL');
    refused({ ...endpoint, OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER');
    refused({ ...endpoint, OTEL_TRACES_SAMPLER: 'jaeger_remote' }, 'OTEL_TRACES_SAMPLER');
    refused({ ...endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, 'OTEL_TRACES_SAMPLER_ARG');
  });
});

describe('tracing not configured', () => {
  it('registers nothing: the global tracer stays the no-op one, no propagator, no context manager', async () => {
    expect(await startTracing({ serviceName: 'crosscanal-gateway', env: { OTEL_SERVICE_NAME: 'ignored' } })).toBe(false);
    expect(requestTracer()).toBeUndefined();
    // What @apollo/gateway gets: spans that record nothing and carry no trace id.
    const span = trace.getTracer('@apollo/gateway').startSpan('gateway.request');
    expect(span.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(span.spanContext())).toBe(false);
    span.end();
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    expect(headers).toEqual({});
    expect(propagation.fields()).toEqual([]);
    // No context manager: a span set as current is not current inside.
    context.with(trace.setSpan(context.active(), trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 })), () => {
      expect(trace.getActiveSpan()).toBeUndefined();
    });
  });
});

describe('describeStatement', () => {
  it.each([
    ['SELECT person_id FROM identity_links WHERE system = $1', { operation: 'SELECT', collection: 'identity_links' }],
    ['  -- by card\n  select * from "crosscanal"."people" p join links l on l.id = p.id', { operation: 'SELECT', collection: 'crosscanal.people' }],
    ['/* audit */ INSERT INTO audit_log (actor) VALUES ($1)', { operation: 'INSERT', collection: 'audit_log' }],
    ['UPDATE ONLY contact_choices SET channel = $2 WHERE person_id = $1', { operation: 'UPDATE', collection: 'contact_choices' }],
    ['WITH recent AS (SELECT 1) SELECT * FROM recent', { operation: 'WITH', collection: 'recent' }],
    ['BEGIN', { operation: 'BEGIN' }],
    ['', { operation: 'SQL' }],
  ])('names %j by its operation and table', (text, expected) => {
    expect(describeStatement(text)).toEqual(expected);
  });
});
