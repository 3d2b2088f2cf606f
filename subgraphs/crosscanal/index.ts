import { internalSecretFromEnv } from '../shared/principal.js';
import { drainOnSignals } from '../shared/shutdown.js';
import { startTracing } from '../shared/tracing.js';
import { loadConfig } from './config.js';
import { startCrosscanalSubgraph } from './server.js';
import { formatSummary } from './syncReport.js';

/** Serves the crosswalk subgraph from the environment (see config.ts); Ctrl-C or SIGTERM stops it cleanly. */
async function main(): Promise<void> {
  const config = loadConfig();
  await startTracing({ serviceName: 'crosscanal-subgraph-crosscanal' });
  const running = await startCrosscanalSubgraph({
    // Read here, not in loadConfig: the sync and quality commands share that and serve nothing.
    internalSecret: internalSecretFromEnv(process.env),
    port: config.port,
    host: config.host,
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    dbSchema: config.dbSchema,
    sources: config.sources,
    initialSync: config.initialSync,
    syncIntervalMs: config.syncIntervalMs,
    misses: config.misses,
    webPoints: { earningFrom: config.webPointsFrom },
    attribution: { windowDays: config.attributionWindowDays },
    onWebPoints: (result) => {
      if (result instanceof Error) process.stderr.write(`crosscanal web points failed: ${result.message}\n`);
    },
    onSync: (result) => {
      if (result instanceof Error) process.stderr.write(`crosscanal sync failed: ${result.message}\n`);
    },
  });
  if (running.initial) process.stdout.write(`${formatSummary(running.initial)}\n`);
  process.stdout.write(`crosscanal subgraph on ${running.url}\n`);
  // SIGTERM: /healthz answers 503, no new connections, the schedule stops, requests in flight
  // finish, then the readers and the store close; exit 0.
  drainOnSignals('subgraph-crosscanal', () => running.stop());
}

main().catch((error: Error) => {
  process.stderr.write(`crosscanal: ${error.message}\n`);
  process.exit(1);
});
