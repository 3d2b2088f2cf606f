import { configFromEnv } from './config.js';
import { startPosSubgraph } from './server.js';

try {
  const config = configFromEnv();
  const running = await startPosSubgraph(config);
  console.log(`POS subgraph on ${running.url} (POS database ${new URL(config.legacyUrl).host})`);
  const stop = () => {
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`POS subgraph did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  console.error(`POS subgraph failed to start: ${(error as Error).message}`);
  process.exit(1);
}
