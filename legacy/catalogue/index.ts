import { readCatalogue } from '../generator/files.js';
import { configFromEnv } from './config.js';
import { startCatalogue } from './server.js';

try {
  const { dataDir, ...config } = configFromEnv();
  const running = await startCatalogue({ ...config, data: await readCatalogue(dataDir) });
  console.log(`legacy catalogue PIM REST API on ${running.url}/pim/v2 (data from ${dataDir})`);
  const stop = () => {
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`legacy catalogue did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  console.error(`legacy catalogue failed to start: ${(error as Error).message}`);
  process.exit(1);
}
