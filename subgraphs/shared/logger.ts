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
 *
 * Every run is bounded as RFC 5321 bounds it (a local part of 64 at most, labels of 63, a name
 * of 255): with an open `+` before the `@`, each start in a long run of word characters with
 * no `@` after it (a token, an encoded blob echoed in an error) read to the run's end before
 * failing, so a string of n such characters cost n² steps: 100 KB held the process for about a
 * minute. Bounded, it costs at most 64 steps a character; and a text without `@` is not
 * searched at all.
 */
const EMAIL = /[\p{L}\p{N}!#$%&'*+=?^_`{|}~.-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){0,126}\.\p{L}{2,63}/gu;
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
  const withoutEmails = text.includes('@') ? text.replace(EMAIL, '[email]') : text;
  return withoutEmails.replace(PHONE, '[phone]').replace(LONG_NUMBER, '[number]');
}

/**
 * The longest string a log line keeps, in UTF-16 code units: an error message can echo what a
 * client sent, up to the body limit; the line keeps its start and says how much was cut.
 */
const MAX_LOGGED_STRING = 16 * 1024;

/**
 * The text scrubbed, then cut to {@link MAX_LOGGED_STRING}. Scrubbed whole before the cut: cut
 * first, an address or a card number astride the cut would be left as a part no pattern
 * recognises, and written.
 */
function scrubString(text: string): string {
  const scrubbed = scrubPersonalData(text);
  if (scrubbed.length <= MAX_LOGGED_STRING) return scrubbed;
  return `${scrubbed.slice(0, MAX_LOGGED_STRING)}… [${scrubbed.length - MAX_LOGGED_STRING} more characters]`;
}

function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: scrubString(value.message), stack: value.stack && scrubString(value.stack) };
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubValue(item, depth + 1)]));
}

function defaultLevel(env: NodeJS.ProcessEnv): string {
  if (env.LOG_LEVEL) return env.LOG_LEVEL;
  return env.JEST_WORKER_ID ? 'silent' : 'info';
}

/** What the lines waiting for standard output may take, in bytes, by default: 16 MiB. */
const DEFAULT_LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/** `LOG_BUFFER_MAX_BYTES`: a whole number of bytes, at least 64 KiB. */
export function logBufferMaxBytes(env: NodeJS.ProcessEnv): number {
  const raw = env.LOG_BUFFER_MAX_BYTES?.trim();
  if (!raw) return DEFAULT_LOG_BUFFER_MAX_BYTES;
  const bytes = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(bytes >= 65_536)) {
    throw new Error(`LOG_BUFFER_MAX_BYTES expects a whole number of bytes of at least 65536, got ${JSON.stringify(raw)}`);
  }
  return bytes;
}

/**
 * Standard output, written asynchronously: lines logged while a write is under way go out
 * together in the next one, not as a system call each, and what is left is written
 * synchronously when the process exits (pino's exit hook). `LOG_SYNC=on` writes each line at
 * once.
 *
 * The lines waiting are bounded (`LOG_BUFFER_MAX_BYTES`, 16 MiB): a reader of standard output
 * that stalls (a log shipper down, a terminal paused) would otherwise have the process keep
 * every line in memory until it runs out. Past the bound a line is dropped, counted
 * (`crosscanal_log_lines_dropped_total`), and a warning says how many were lost once lines
 * flow again; the requests themselves are never held up by their logs.
 */
const destination = pino.destination({ dest: 1, sync: process.env.LOG_SYNC === 'on', maxLength: logBufferMaxBytes(process.env) });

const dropped = { lines: 0, bytes: 0, unreported: 0, reportDue: false };

/** Log lines dropped since the process started because standard output was not read fast enough. */
export function droppedLogLines(): { lines: number; bytes: number } {
  return { lines: dropped.lines, bytes: dropped.bytes };
}

destination.on('drop', (data: string | Buffer) => {
  dropped.lines += 1;
  dropped.unreported += 1;
  dropped.bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  if (dropped.reportDue) return;
  dropped.reportDue = true;
  // Said once the buffer has room again (a warning dropped in turn is counted, and said later).
  setTimeout(reportDropped, 1000).unref();
});

function reportDropped(): void {
  dropped.reportDue = false;
  const lines = dropped.unreported;
  dropped.unreported = 0;
  root.warn({ droppedLines: lines, droppedTotal: dropped.lines }, `${lines} log lines dropped: standard output was not read fast enough (LOG_BUFFER_MAX_BYTES)`);
}

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

/** What a request's line holds besides its id: strings, lists of strings and numbers; undefined fields are left out. */
export type RequestLineFields = Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** Scrubbed short strings, by their text: a request's line names the same operations, clients and codes again and again. */
const scrubbedNames = new Map<string, string>();

function scrubName(text: string): string {
  if (text.length > 256) return scrubString(text);
  let scrubbed = scrubbedNames.get(text);
  if (scrubbed === undefined) {
    if (scrubbedNames.size >= 2000) scrubbedNames.clear();
    scrubbed = scrubPersonalData(text);
    scrubbedNames.set(text, scrubbed);
  }
  return scrubbed;
}

function requestLineValue(value: string | number | readonly string[]): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string') return JSON.stringify(scrubName(value));
  return JSON.stringify(value.map(scrubName));
}

/**
 * The writer of the one line a server logs for each request, at info: the line pino writes for
 * `loggerFor(component).child({ rid }).info(fields, message)`, field for field and in the same
 * order (the time aside), to the same destination, strings scrubbed as the hook above scrubs
 * them. Built directly: pino's way costs a child logger for the id, the hook's copy of every
 * argument and its serializer, for every request; at some 15,000 requests a second, about a
 * tenth of the gateway's busy time on `{ __typename }`. The id is written as a binding is, not
 * scrubbed (see requestLogger.ts).
 */
export function requestLineWriter(component: string, message: string): (requestId: string | undefined, fields: RequestLineFields) => void {
  const logger = loggerFor(component);
  const bindings = `,"pid":${process.pid},"component":${JSON.stringify(component)}`;
  const end = `,"msg":${JSON.stringify(message)}}\n`;
  return (requestId, fields) => {
    if (!logger.isLevelEnabled('info')) return;
    let line = `{"level":30,"time":${Date.now()}${bindings}`;
    if (requestId) line += `,"rid":${JSON.stringify(requestId)}`;
    const trace = traceFields();
    if (trace.trace_id !== undefined) line += `,"trace_id":"${trace.trace_id}","span_id":"${trace.span_id}"`;
    for (const key in fields) {
      const value = fields[key];
      if (value !== undefined) line += `,${JSON.stringify(key)}:${requestLineValue(value)}`;
    }
    destination.write(line + end);
  };
}
