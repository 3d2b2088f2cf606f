import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { createReaders } from './dataSources.js';
import { createIdentitySync, type SyncSummary } from './identitySync.js';
import { CrosswalkStore } from './store/crosswalkStore.js';
import { formatSummary, progressReporter } from './syncReport.js';

const USAGE = `Usage: tsx subgraphs/crosscanal/sync.ts [--full | --incremental] [--watch]

  --full          read every system in full and resolve every record (the initial link build)
  --incremental   read the systems' change feeds since the last sync (the default)
  --watch         keep syncing incrementally every CROSSCANAL_SYNC_INTERVAL_MS until Ctrl-C

Reads the same environment as the subgraph (DATABASE_URL or CROSSCANAL_DATA_DIR, LEGACY_*_URL).
With PGlite, the data folder serves one process: stop the subgraph first, or use DATABASE_URL.
Exit status: 0 done, 1 a system could not be read or the sync failed, 2 bad usage.`;

/** The crosswalk's sync from the command line, with progress bars and a summary. */
async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { full: { type: 'boolean' }, incremental: { type: 'boolean' }, watch: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.values.full && args.values.incremental) {
    process.stderr.write(`--full and --incremental exclude each other\n\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  if (args.values.watch && config.syncIntervalMs === 0) {
    process.stderr.write('--watch needs CROSSCANAL_SYNC_INTERVAL_MS above 0\n');
    return 2;
  }
  const store = await CrosswalkStore.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema });
  const readers = createReaders(config.sources);
  const progress = progressReporter();
  const sync = createIdentitySync({ store, readers, onProgress: progress.onProgress });
  const failed = (summary: SyncSummary) => Object.values(summary.sources).some((s) => s.error !== undefined);
  try {
    const summary = args.values.full ? await sync.full() : await sync.incremental();
    progress.stop();
    process.stdout.write(`${formatSummary(summary)}\n`);
    if (!args.values.watch) return failed(summary) ? 1 : 0;
    await new Promise<void>((resolve) => {
      sync.schedule(config.syncIntervalMs, (result) => {
        process.stdout.write(`${result instanceof Error ? `sync failed: ${result.message}` : formatSummary(result)}\n`);
      });
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return 0;
  } finally {
    progress.stop();
    await sync.stop();
    await Promise.allSettled(readers.map((reader) => reader.close()));
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`crosscanal sync: ${error.message}\n`);
    process.exit(1);
  },
);
