import { drainOnSignals } from '../shared/shutdown.js';
import { startTracing } from '../shared/tracing.js';
import { configFromEnv } from './config.js';
import { startLoyaltySubgraph } from './server.js';

try {
  const config = configFromEnv();
  await startTracing({ serviceName: 'crosscanal-subgraph-loyalty' });
  const running = await startLoyaltySubgraph({
    endpoint: config.legacyUrl,
    internalSecret: config.internalSecret,
    port: config.port,
    host: config.host,
    ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
  });
  console.log(`loyalty subgraph on ${running.url} (legacy ${config.legacyUrl})`);
  // SIGTERM: /healthz answers 503, no new connections, requests in flight finish, then what it holds closes; exit 0.
  drainOnSignals('subgraph-loyalty', () => running.stop());
} catch (error) {
  console.error(`loyalty subgraph failed to start: ${(error as Error).message}`);
  process.exit(1);
}
