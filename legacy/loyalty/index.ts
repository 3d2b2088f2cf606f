import { readLoyalty } from '../generator/files.js';
import { configFromEnv } from './config.js';
import { startLoyalty } from './server.js';

try {
  const { dataDir, ...config } = configFromEnv();
  const running = await startLoyalty({ ...config, data: await readLoyalty(dataDir) });
  console.log(
    `legacy loyalty SOAP service on ${running.endpoint} (WSDL ${running.wsdlUrl}, data from ${dataDir}, ` +
      `writes kept in ${running.journal.path}, ${running.journal.replayed} replayed)`,
  );
  const stop = () => {
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`legacy loyalty did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  console.error(`legacy loyalty failed to start: ${(error as Error).message}`);
  process.exit(1);
}
