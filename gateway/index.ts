import { drainOnSignals } from '../subgraphs/shared/shutdown.js';
import { gatewayConfigFromEnv } from './config.js';
import { startGateway } from './server.js';

try {
  const running = await startGateway(gatewayConfigFromEnv());
  console.log(`crosscanal gateway on ${running.url}`);
  // SIGTERM: /healthz answers 503, no new connections, requests in flight finish, exit 0.
  drainOnSignals('gateway', () => running.stop());
} catch (error) {
  console.error(`gateway failed to start: ${(error as Error).message}`);
  process.exit(1);
}
