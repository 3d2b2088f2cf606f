import { drainOnSignals } from '../shared/shutdown.js';
import { startTracing } from '../shared/tracing.js';
import { configFromEnv } from './config.js';
import { startPosSubgraph } from './server.js';

try {
  const config = configFromEnv();
  await startTracing({ serviceName: 'crosscanal-subgraph-pos' });
  const running = await startPosSubgraph(config);
  console.log(`POS subgraph on ${running.url} (POS database ${new URL(config.legacyUrl).host})`);
  // SIGTERM: /healthz answers 503, no new connections, requests in flight finish, then what it holds closes; exit 0.
  drainOnSignals('subgraph-pos', () => running.stop());
} catch (error) {
  console.error(`POS subgraph failed to start: ${(error as Error).message}`);
  process.exit(1);
}
