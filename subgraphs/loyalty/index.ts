import { configFromEnv } from './config.js';
import { startLoyaltySubgraph } from './server.js';

try {
  const config = configFromEnv();
  const running = await startLoyaltySubgraph({
    endpoint: config.legacyUrl,
    internalSecret: config.internalSecret,
    port: config.port,
    host: config.host,
    ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
  });
  console.log(`loyalty subgraph on ${running.url} (legacy ${config.legacyUrl})`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`loyalty subgraph did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  // Kept for the whole shutdown: Apollo Server stops itself on these signals too and then raises
  // the signal again, which must not end the process before the cache is closed.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (error) {
  console.error(`loyalty subgraph failed to start: ${(error as Error).message}`);
  process.exit(1);
}
