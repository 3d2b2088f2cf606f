import { Agent, request } from 'node:http';
import { sendMessage } from './ipc.js';
import type { LoadRequest, LoadResult, SerialResult } from './load.js';

/**
 * The load generator, in a process of its own so that it never shares an event loop with what
 * it measures: autocannon for load (`connections` at once for `seconds`, each request with one
 * of the bodies at random), and a plain keep-alive loop for one request at a time (the bodies
 * in turn). An answer with GraphQL `errors` counts as a mismatch. Serves `load` and `serial`
 * requests until `stop`.
 */

/** Whether an answer carries GraphQL errors (the bodies are JSON; a cheap look before parsing). */
const hasErrors = (text: string): boolean => text.includes('"errors"') && Array.isArray((JSON.parse(text) as { errors?: unknown }).errors);

const pick = (bodies: string[]): string => bodies[Math.floor(Math.random() * bodies.length)]!;

interface Autocannon {
  (options: Record<string, unknown>): Promise<{
    requests: { average: number; total: number };
    latency: { p50: number; p99: number; average: number; max: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
  }>;
}

/** autocannon when bench/gateway's peers are installed; null otherwise. */
async function autocannon(): Promise<Autocannon | null> {
  const specifier = 'autocannon';
  try {
    const module = (await import(specifier)) as { default: Autocannon };
    return module.default;
  } catch {
    return null;
  }
}

/**
 * Without autocannon (the smoke test before `npm ci --prefix bench/gateway`): `connections`
 * keep-alive loops, one request at a time each, for `seconds`.
 */
async function builtinLoad(req: LoadRequest): Promise<LoadResult> {
  const url = new URL(req.url);
  const pool = new Agent({ keepAlive: true, maxSockets: req.connections });
  const times: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let mismatches = 0;
  const started = performance.now();
  const until = started + req.seconds * 1000;
  await Promise.all(
    Array.from({ length: req.connections }, async () => {
      while (performance.now() < until) {
        const at = performance.now();
        try {
          const { status, text } = await once(url, pick(req.bodies), req.headers, pool);
          times.push(performance.now() - at);
          if (status < 200 || status > 299) non2xx += 1;
          else if (hasErrors(text)) mismatches += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  pool.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { requestsPerSecond: times.length / ((performance.now() - started) / 1000), requests: times.length, p50Ms: at(0.5), p99Ms: at(0.99), non2xx, errors, mismatches };
}

async function load(run: Autocannon | null, req: LoadRequest): Promise<LoadResult> {
  if (!run) return builtinLoad(req);
  let mismatches = 0;
  const result = await run({
    url: req.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...req.headers },
    body: req.bodies[0],
    connections: req.connections,
    duration: req.seconds,
    requests: [
      {
        method: 'POST',
        ...(req.bodies.length > 1 ? { setupRequest: (request: Record<string, unknown>) => ({ ...request, body: pick(req.bodies) }) } : {}),
        onResponse: (status: number, body: string) => {
          if (status >= 200 && status <= 299 && hasErrors(body)) mismatches += 1;
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.total / Math.max(result.duration, 0.001),
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    mismatches,
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function once(url: URL, body: string, headers: Record<string, string>, via: Agent = agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: via, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function serial(req: LoadRequest): Promise<SerialResult> {
  const url = new URL(req.url);
  const times: number[] = [];
  let failures = 0;
  const until = performance.now() + req.seconds * 1000;
  while (performance.now() < until || times.length < 3) {
    const started = performance.now();
    const { status, text } = await once(url, req.bodies[times.length % req.bodies.length]!, req.headers);
    times.push(performance.now() - started);
    if (status !== 200 || hasErrors(text)) failures += 1;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { requests: times.length, p50Ms: at(0.5), p99Ms: at(0.99), failures };
}

/**
 * Every body once, `connections` at a time, unmeasured: the caches and the query plans hold
 * every identifier before the measure, whichever target came before (the subgraphs' cache
 * entries live 30 s to 10 min, less than a round).
 */
async function prime(req: LoadRequest): Promise<SerialResult> {
  const url = new URL(req.url);
  const pool = new Agent({ keepAlive: true, maxSockets: req.connections });
  let next = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: Math.min(req.connections, req.bodies.length) }, async () => {
      while (next < req.bodies.length) {
        const body = req.bodies[next++]!;
        try {
          const { status } = await once(url, body, req.headers, pool);
          if (status !== 200) failures += 1;
        } catch {
          failures += 1;
        }
      }
    }),
  );
  pool.destroy();
  return { requests: req.bodies.length, p50Ms: 0, p99Ms: 0, failures };
}

async function main(): Promise<void> {
  const run = await autocannon();
  // One request at a time, in the order they come: the parent waits for each answer.
  let queue = Promise.resolve();
  await new Promise<void>((resolve) => {
    process.on('message', (message: { type: string; request?: LoadRequest }) => {
      if (message.type === 'stop') {
        void queue.then(resolve);
        return;
      }
      const req = message.request!;
      queue = queue.then(async () => {
        try {
          const result = message.type === 'load' ? await load(run, req) : message.type === 'prime' ? await prime(req) : await serial(req);
          await sendMessage({ type: 'loaded', result });
        } catch (error) {
          await sendMessage({ type: 'failed', message: (error as Error).message });
        }
      });
    });
    process.once('disconnect', () => resolve());
    void sendMessage({ type: 'ready', generator: run ? 'autocannon' : 'builtin' });
  });
}

main().then(
  () => process.exit(0),
  async (error: Error) => {
    await sendMessage({ type: 'failed', message: error.stack ?? error.message });
    process.exit(1);
  },
);
