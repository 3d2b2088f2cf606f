import cluster from 'node:cluster';
import { loggerFor } from '../subgraphs/shared/logger.js';
import { drainOnSignals } from '../subgraphs/shared/shutdown.js';
import { startTracing } from '../subgraphs/shared/tracing.js';
import { runGatewayCluster } from './cluster.js';
import { gatewayConfigFromEnv } from './config.js';
import { startGateway } from './server.js';

try {
  const config = gatewayConfigFromEnv();
  if (config.workers > 1 && cluster.isPrimary) {
    // GATEWAY_WORKERS > 1: this process forks the gateways and hands them the connections.
    runGatewayCluster({ workers: config.workers, log: loggerFor('gateway') });
  } else {
    // Each worker traces for itself; the primary serves nothing.
    await startTracing({ serviceName: 'crosscanal-gateway' });
    const running = await startGateway(config);
    console.log(`crosscanal gateway on ${running.url}${cluster.isWorker ? ` (worker ${cluster.worker!.id}, pid ${process.pid})` : ''}`);
    // SIGTERM: /healthz answers 503, no new connections, requests in flight finish, exit 0.
    drainOnSignals('gateway', () => running.stop());
  }
} catch (error) {
  console.error(`gateway failed to start: ${(error as Error).message}`);
  process.exit(1);
}
