import { readEcommerce } from '../generator/files.js';
import { configFromEnv } from './config.js';
import { startEcommerce } from './server.js';

try {
  const { dataDir, ...config } = configFromEnv();
  const running = await startEcommerce({ ...config, data: await readEcommerce(dataDir) });
  console.log(
    `legacy e-commerce REST API on ${running.url}/api/v1 (data from ${dataDir}, ` +
      `writes kept in ${running.journal.path}, ${running.journal.replayed} replayed)`,
  );
  const stop = () => {
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`legacy e-commerce did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  console.error(`legacy e-commerce failed to start: ${(error as Error).message}`);
  process.exit(1);
}
