import cluster, { type Worker } from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { PRINCIPAL_HEADER } from '../../subgraphs/shared/principal.js';
import { sendMessage, type MemoryFigure } from './ipc.js';
import { routedSupergraph, type TargetConfig } from './targets.js';
import { samplePauses, worstPauses, type PauseFigure } from './pauses.js';

/**
 * One benchmark target in a process of its own (with `workers` > 1, a cluster of that many
 * processes sharing one port). Its configuration is in the environment (`BENCH_TARGET`, JSON),
 * so that cluster workers read the same. It loads its modules first and says `prepared`; the
 * benchmark then sends `{ type: 'configure', subgraphUrls }` once the subgraphs listen, and it
 * reports `{ type: 'ready', url, pids }`.
 */

const config = JSON.parse(process.env.BENCH_TARGET ?? 'null') as TargetConfig | null;
if (!config) throw new Error('BENCH_TARGET is not set');

/** Loads what the target's kind runs on, so that the loading overlaps the subgraphs' start. */
async function prepare(kind: TargetConfig['kind']): Promise<void> {
  const modules: Record<TargetConfig['kind'], string[]> = {
    floor: ['./floor.js'],
    apollo: ['@apollo/gateway', '@apollo/server', '@apollo/server/standalone'],
    hive: ['@graphql-hive/gateway-runtime'],
    crosscanal: ['../../gateway/config.js', '../../gateway/server.js'],
  };
  await Promise.all(modules[kind].map((specifier) => import(specifier)));
}

/**
 * This process's memory: resident (before any collection), then, after a full collection
 * (the target runs with `--expose-gc`), the heap V8 keeps and what it still uses. The resident
 * figure alone follows V8's collections up and down; what the heap holds after a full
 * collection is what the gateway retains.
 */
function ownMemory(): MemoryFigure {
  const rss = process.memoryUsage.rss();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const after = process.memoryUsage();
  return { rss, rssAfterGc: after.rss, heapUsedAfterGc: gc ? after.heapUsed : 0, heapTotalAfterGc: after.heapTotal, externalAfterGc: after.external, processes: 1 };
}

const addMemory = (a: MemoryFigure, b: MemoryFigure): MemoryFigure => ({
  rss: a.rss + b.rss,
  rssAfterGc: a.rssAfterGc + b.rssAfterGc,
  heapUsedAfterGc: a.heapUsedAfterGc + b.heapUsedAfterGc,
  heapTotalAfterGc: a.heapTotalAfterGc + b.heapTotalAfterGc,
  externalAfterGc: a.externalAfterGc + b.externalAfterGc,
  processes: a.processes + b.processes,
});

/** A heap snapshot of this process in `dir`, named after `label` and the pid; the file's path. */
function ownSnapshot(dir: string, label: string): string {
  return writeHeapSnapshot(join(dir, `${label}-${process.pid}.heapsnapshot`));
}

/** This process's event-loop delay and collections, read (and reset) by the benchmark around each load. */
const pauses = samplePauses();

/** In a worker: answers the primary's memory, pause and snapshot requests. */
function answerPrimary(): void {
  process.on('message', (message: { type?: string; dir?: string; label?: string; reset?: boolean }) => {
    if (message?.type === 'memory') process.send!({ type: 'memory', figure: ownMemory() });
    if (message?.type === 'pauses') process.send!({ type: 'pauses', figure: pauses.read(message.reset === true) });
    if (message?.type === 'heap-snapshot') process.send!({ type: 'heap-snapshot', files: [ownSnapshot(message.dir!, message.label!)] });
  });
}

/** Asks a worker for `type` (it answers once) and gives its answer. */
function askWorker<T>(worker: Worker, request: { type: string; [field: string]: unknown }): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== request.type) return;
      worker.off('message', onMessage);
      resolve(message as T);
    };
    worker.on('message', onMessage);
    worker.send(request);
  });
}

/** In the primary: answers the benchmark's memory and snapshot requests for itself and its workers. */
function answerBenchmark(workers: Array<Worker>): void {
  process.on('message', (message: { type?: string; dir?: string; label?: string; reset?: boolean }) => {
    if (message?.type === 'pauses') {
      void (async () => {
        const figures = [pauses.read(message.reset === true)];
        for (const worker of workers) figures.push((await askWorker<{ figure: PauseFigure }>(worker, { type: 'pauses', reset: message.reset === true })).figure);
        // With workers, the primary only hands connections over: the workers' figures are the target's.
        await sendMessage({ type: 'pauses', figure: worstPauses(workers.length > 0 ? figures.slice(1) : figures) });
      })();
    }
    if (message?.type === 'memory') {
      void (async () => {
        let figure = ownMemory();
        for (const worker of workers) figure = addMemory(figure, (await askWorker<{ figure: MemoryFigure }>(worker, { type: 'memory' })).figure);
        await sendMessage({ type: 'memory', figure });
      })();
    }
    if (message?.type === 'heap-snapshot') {
      void (async () => {
        const files = [ownSnapshot(message.dir!, message.label!)];
        for (const worker of workers) files.push(...(await askWorker<{ files: string[] }>(worker, { type: 'heap-snapshot', dir: message.dir, label: message.label })).files);
        await sendMessage({ type: 'heap-snapshot', files });
      })();
    }
  });
}

interface Listening {
  url: string;
  stop(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<{ query?: string; variables?: Record<string, unknown>; operationName?: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function listen(server: ReturnType<typeof createServer>): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/`, stop: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

async function startFloor(target: TargetConfig): Promise<Listening> {
  const { createFloor } = await import('./floor.js');
  const sdl = await readFile(target.supergraphPath, 'utf8');
  const headers = { 'content-type': 'application/json', [PRINCIPAL_HEADER]: target.grant };
  const floor = createFloor(sdl, target.subgraphUrls, async (url, body) => {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    return response.json() as never;
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    readJson(req)
      .then((body) => floor.execute(body.query ?? '', body.variables ?? {}, body.operationName))
      .then(
        (result) => {
          const text = JSON.stringify(result);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
        },
        (error: Error) => {
          const text = JSON.stringify({ errors: [{ message: error.message }] });
          res.writeHead(500, { 'content-type': 'application/json' }).end(text);
        },
      );
  });
  server.keepAliveTimeout = 60_000;
  return listen(server);
}

async function startApollo(target: TargetConfig): Promise<Listening> {
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const { ApolloGateway, RemoteGraphQLDataSource } = await import('@apollo/gateway');
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const supergraphSdl = routedSupergraph(await readFile(target.supergraphPath, 'utf8'), target.subgraphUrls);
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource({
        url,
        willSendRequest({ request }) {
          request.http?.headers.set(PRINCIPAL_HEADER, target.grant);
        },
      }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

/** The Hive runtime's module, typed by what is used here (it is installed under bench/gateway only). */
interface HiveRuntime {
  createGatewayRuntime(options: Record<string, unknown>): ((req: IncomingMessage, res: ServerResponse) => void) & { dispose(): Promise<void> | void };
}

async function startHive(target: TargetConfig): Promise<Listening> {
  const specifier = '@graphql-hive/gateway-runtime';
  const { createGatewayRuntime } = (await import(specifier)) as HiveRuntime;
  const supergraph = routedSupergraph(await readFile(target.supergraphPath, 'utf8'), target.subgraphUrls);
  const gateway = createGatewayRuntime({
    supergraph: () => supergraph,
    transportEntries: { '*': { headers: [[PRINCIPAL_HEADER, target.grant]] } },
    logging: 'error',
  });
  const server = createServer(gateway);
  const listening = await listen(server);
  return {
    // Hive serves GraphQL at /graphql.
    url: `${listening.url}graphql`,
    stop: async () => {
      await listening.stop();
      await gateway.dispose();
    },
  };
}

async function startCrosscanal(target: TargetConfig): Promise<Listening> {
  const { gatewayConfigFromEnv } = await import('../../gateway/config.js');
  const { startGateway } = await import('../../gateway/server.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...target.crosscanalEnv,
    GATEWAY_PORT: '0',
    GATEWAY_HOST: '127.0.0.1',
    CROSSCANAL_INTERNAL_SECRET: target.internalSecret,
    GATEWAY_JWT_ISSUER: target.issuer.issuer,
    GATEWAY_JWT_AUDIENCE: target.issuer.audience,
    GATEWAY_JWKS: JSON.stringify(target.issuer.jwks),
    SUPERGRAPH_PATH: target.supergraphPath,
  };
  const gatewayConfig = gatewayConfigFromEnv(env);
  const running = await startGateway({ ...gatewayConfig, subgraphUrls: { ...gatewayConfig.subgraphUrls, ...target.subgraphUrls } });
  return { url: running.url, stop: () => running.stop() };
}

const STARTERS = { floor: startFloor, apollo: startApollo, hive: startHive, crosscanal: startCrosscanal } as const;

async function serve(target: TargetConfig): Promise<Listening> {
  return STARTERS[target.kind](target);
}

function waitForStop(): Promise<void> {
  return new Promise((resolve) => {
    process.on('message', (message: { type?: string }) => {
      if (message?.type === 'stop') resolve();
    });
    process.once('disconnect', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** In the primary: the subgraphs' URLs from the benchmark, or null when it says stop first. */
function configured(): Promise<Record<string, string> | null> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string; subgraphUrls?: Record<string, string> }) => {
      if (message?.type === 'configure') resolve(message.subgraphUrls ?? {});
      if (message?.type === 'stop') resolve(null);
      if (message?.type === 'configure' || message?.type === 'stop') process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.once('disconnect', () => resolve(null));
  });
}

async function main(given: TargetConfig): Promise<void> {
  if (cluster.isWorker) {
    answerPrimary();
    const listening = await serve(given);
    process.send!({ type: 'ready', url: listening.url });
    await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
    await listening.stop();
    return;
  }
  if (given.workers <= 1) await prepare(given.kind);
  await sendMessage({ type: 'prepared' });
  const subgraphUrls = await configured();
  if (!subgraphUrls) return;
  const target: TargetConfig = { ...given, subgraphUrls };
  if (target.workers <= 1) {
    answerBenchmark([]);
    const listening = await serve(target);
    await sendMessage({ type: 'ready', url: listening.url, pids: [process.pid] });
    await waitForStop();
    await listening.stop();
    return;
  }
  const workers = Array.from({ length: target.workers }, () => cluster.fork({ BENCH_TARGET: JSON.stringify(target) }));
  const urls = await Promise.all(
    workers.map(
      (worker) =>
        new Promise<string>((resolve, reject) => {
          worker.once('message', (message: { type?: string; url?: string; message?: string }) => (message.type === 'ready' ? resolve(message.url!) : reject(new Error(message.message))));
          worker.once('exit', (code) => reject(new Error(`a ${target.kind} worker exited with ${code} before it listened`)));
        }),
    ),
  );
  answerBenchmark(workers);
  await sendMessage({ type: 'ready', url: urls[0], pids: [process.pid, ...workers.map((w) => w.process.pid!)] });
  await waitForStop();
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.once('exit', () => resolve());
          worker.kill('SIGTERM');
        }),
    ),
  );
}

main(config).then(
  () => process.exit(0),
  async (error: Error) => {
    if (cluster.isWorker) process.send!({ type: 'failed', message: error.message });
    else await sendMessage({ type: 'failed', message: error.stack ?? error.message });
    process.exit(1);
  },
);
