import { formatSummary, progressReporter } from '../subgraphs/crosscanal/syncReport.js';
import { DEFAULT_DEV_ISSUER_DIR } from '../gateway/devIssuer.js';
import { drainOnSignals } from '../subgraphs/shared/shutdown.js';
import { startTracing } from '../subgraphs/shared/tracing.js';
import { startStack } from './stack.js';

// `npm start`: the whole graph on this machine — the four legacy stand-ins over demo data
// (generated on first start), the subgraphs, the crosswalk and the gateway. Embedded
// defaults (PGlite in data/, in-process caches); DATABASE_URL and REDIS_URL move the
// databases and caches to real servers. The gateway trusts the development token issuer
// (`npm run token`) and serves the explorer; the GATEWAY_* variables tune it as they do the
// gateway alone.
const dataDir = process.env.LEGACY_DATA_DIR || 'data/demo';
const started = performance.now();
const progress = progressReporter();
try {
  // One process serves everything: its spans are one service's (README, "Operations").
  await startTracing({ serviceName: 'crosscanal' });
  const stack = await startStack({
    dataDir,
    databaseUrl: process.env.DATABASE_URL || undefined,
    redisUrl: process.env.REDIS_URL || undefined,
    onSyncProgress: progress.onProgress,
    // New customers, links and web orders owed loyalty points are picked up every minute.
    syncIntervalMs: Number(process.env.CROSSCANAL_SYNC_INTERVAL_MS || 60_000),
    devIssuerDir: process.env.GATEWAY_DEV_ISSUER_DIR || DEFAULT_DEV_ISSUER_DIR,
  });
  progress.stop();
  if (stack.crosscanal.initial) console.log(formatSummary(stack.crosscanal.initial));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    [
      `crosscanal is up in ${seconds} s${stack.estate.generated ? ` (demo data generated in ${dataDir})` : ` (data from ${dataDir})`}`,
      '',
      `  gateway           ${stack.gateway.url}   ← query the graph here`,
      '  a token           npm run token -- --role service   (roles and what each sees: README, "Access")',
      '',
      ...Object.entries(stack.subgraphUrls).map(([name, url]) => `  subgraph ${name.padEnd(10)} ${url}`),
      '',
      ...stack.estate.addresses().map((line) => `  ${line}`),
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  // The gateway drains first (its /healthz answers 503, its requests in flight finish), then
  // the subgraphs, then the stand-ins; exit 0.
  drainOnSignals('stack', () => stack.stop());
} catch (error) {
  progress.stop();
  console.error(`crosscanal failed to start: ${(error as Error).stack ?? error}`);
  process.exit(1);
}
