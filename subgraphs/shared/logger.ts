import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

/**
 * One structured logger for every process (JSON lines, pino). Personal data never reaches
 * it: every string it writes goes through {@link scrubPersonalData} first, so an error message
 * that echoes an email, a phone or a card number is logged without it. `LOG_LEVEL` sets the
 * level (default `info`; `silent` under jest unless LOG_LEVEL is set).
 */

/**
 * What an address's local part may hold (letters of any script, digits, `.` and the RFC 5322
 * symbols but `/`: `o'brien@…`, `x%y=z!{a}@…`), then a domain of labels: a module path such as
 * `node_modules/@apollo/gateway/dist/index.js` is no address.
 */
const EMAIL = /[\p{L}\p{N}!#$%&'*+=?^_`{|}~.-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
/**
 * E.164 (`+33612345678`), international with the trunk 0 in brackets (`+33 (0)6 12 34 56 78`),
 * `0033…`, and national French (`06 12 34 56 78`, `06.12.34.56.78`).
 */
const PHONE = /(?:\+|00)\d[\d .()-]{6,20}\d|\b0\d(?:[ .-]?\d{2}){4}\b/g;
/**
 * Nine digits or more, alone or in groups parted by single spaces: card numbers (printed
 * `2 975940 737737` under the bar code), phones keyed without separators, EANs. Dates keep
 * their dashes and times their colons, so neither is taken for one.
 */
const LONG_NUMBER = /\d(?: ?\d){8,}/g;

/** The text with emails, phone numbers and long digit runs (card numbers) replaced by placeholders. */
export function scrubPersonalData(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]').replace(LONG_NUMBER, '[number]');
}

function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubPersonalData(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: scrubPersonalData(value.message), stack: value.stack && scrubPersonalData(value.stack) };
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubValue(item, depth + 1)]));
}

function defaultLevel(env: NodeJS.ProcessEnv): string {
  if (env.LOG_LEVEL) return env.LOG_LEVEL;
  return env.JEST_WORKER_ID ? 'silent' : 'info';
}

/**
 * Standard output, written asynchronously: lines logged while a write is under way go out
 * together in the next one, not as a system call each, and what is left is written
 * synchronously when the process exits (pino's exit hook). `LOG_SYNC=on` writes each line at
 * once.
 */
const destination = pino.destination({ dest: 1, sync: process.env.LOG_SYNC === 'on' });

/**
 * The trace and span a line was written in (`trace_id`, `span_id`, as OpenTelemetry names
 * them in logs), when tracing is on and a span is current: a line leads to its trace, and a
 * trace to its lines. With tracing off no span is ever current, and nothing is added. Added
 * after the scrubber has run (the hook below scrubs the arguments), so that a hex id's run of
 * nine decimal digits is not taken for a card number.
 */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

const root: Logger = pino({
  level: defaultLevel(process.env),
  base: { pid: process.pid },
  mixin: traceFields,
  // Every argument of every call is scrubbed here, before pino reads it (an Error's message
  // included, which pino would otherwise take as the line's message); the merged object needs
  // no second pass through `formatters.log`.
  hooks: {
    logMethod(args, method) {
      method.apply(this, args.map((arg) => scrubValue(arg)) as Parameters<typeof method>);
    },
  },
}, destination);

/** A logger for one component (`gateway`, `subgraph-pos`, …). */
export function loggerFor(component: string): Logger {
  return root.child({ component });
}
