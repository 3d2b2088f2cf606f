import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PRINCIPAL_HEADER } from '../../subgraphs/shared/principal.js';
import { sendMessage } from './ipc.js';
import { routedSupergraph, type TargetConfig } from './targets.js';

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
    GATEWAY_DEV_ISSUER_DIR: target.devIssuerDir,
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
