import { drainOnSignals } from '../shared/shutdown.js';
import { startTracing } from '../shared/tracing.js';
import { configFromEnv } from './config.js';
import { startCatalogueSubgraph } from './server.js';

try {
  const config = configFromEnv();
  await startTracing({ serviceName: 'crosscanal-subgraph-catalogue' });
  const running = await startCatalogueSubgraph(config);
  console.log(`catalogue subgraph on ${running.url} (PIM at ${config.pimUrl})`);
  // SIGTERM: /healthz answers 503, no new connections, requests in flight finish, then what it holds closes; exit 0.
  drainOnSignals('subgraph-catalogue', () => running.stop());
} catch (error) {
  console.error(`catalogue subgraph failed to start: ${(error as Error).message}`);
  process.exit(1);
}
