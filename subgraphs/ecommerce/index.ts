import { createCache } from '../shared/cache.js';
import { drainOnSignals } from '../shared/shutdown.js';
import { startTracing } from '../shared/tracing.js';
import { loadConfig } from './config.js';
import { startEcommerceSubgraph } from './server.js';

try {
  const config = loadConfig();
  await startTracing({ serviceName: 'crosscanal-subgraph-ecommerce' });
  const running = await startEcommerceSubgraph({
    legacyUrl: config.legacyUrl,
    internalSecret: config.internalSecret,
    port: config.port,
    host: config.host,
    cache: createCache('subgraph-ecommerce', config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
    source: config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs },
    shopCurrency: config.shopCurrency,
    development: config.development,
  });
  console.log(`e-commerce subgraph on ${running.url} (platform at ${config.legacyUrl})`);
  // SIGTERM: /healthz answers 503, no new connections, requests in flight finish, then what it holds closes; exit 0.
  drainOnSignals('subgraph-ecommerce', () => running.stop());
} catch (error) {
  console.error(`e-commerce subgraph failed to start: ${(error as Error).message}`);
  process.exit(1);
}
