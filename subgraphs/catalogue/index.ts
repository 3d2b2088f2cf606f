import { configFromEnv } from './config.js';
import { startCatalogueSubgraph } from './server.js';

try {
  const config = configFromEnv();
  const running = await startCatalogueSubgraph(config);
  console.log(`catalogue subgraph on ${running.url} (PIM at ${config.pimUrl})`);
  const stop = () => {
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`catalogue subgraph did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  console.error(`catalogue subgraph failed to start: ${(error as Error).message}`);
  process.exit(1);
}
