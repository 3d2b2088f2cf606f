import { parseArgs } from 'node:util';
import { isEntryPoint, processIo, progressStream, type CommandIo } from './cli/command.js';
import { errorLine, runMain } from './cli/errorLine.js';
import { formatReferenceSummary, referenceSyncFailed } from './cli/referenceSyncReport.js';
import { syncProgressReporter } from './cli/syncProgress.js';
import { loadConfig } from './config.js';
import { createReaders } from './dataSources.js';
import { createIdentitySync, type IdentitySync, type SyncSummary } from './identitySync.js';
import { createProductReaders } from './products/readers.js';
import { createProductReferenceSync, type ProductReferenceSync, type ReferenceSyncSummary } from './products/referenceSync.js';
import { CrosswalkStore } from './store/crosswalkStore.js';
import { formatSummary } from './syncReport.js';

const USAGE = `Usage: tsx subgraphs/crosscanal/sync.ts [--full | --incremental] [--watch] [--only customers|products]

  --full          read every system in full: the initial link build of the customers, and the
                  product reference index read whole (what a system no longer has is forgotten)
  --incremental   read the systems' change feeds since the last sync (the default)
  --watch         keep syncing incrementally every CROSSCANAL_SYNC_INTERVAL_MS until Ctrl-C
  --only WHAT     customers (the identity crosswalk) or products (the product reference
                  index); both by default, side by side

Reads the same environment as the subgraph (DATABASE_URL or CROSSCANAL_DATA_DIR, LEGACY_*_URL).
With PGlite, the data folder serves one process: stop the subgraph first, or use DATABASE_URL.
Exit status: 0 done, 1 a system could not be read or a sync failed, 2 bad usage.`;

const ONLY = ['customers', 'products'] as const;

type Outcome = { customers?: SyncSummary | Error; products?: ReferenceSyncSummary | Error };

/**
 * The crosswalk's syncs from the command line, with progress bars and a summary each;
 * in-process, it returns the exit status and writes through `io` (progress as lines), and
 * never throws (a failure is one line on stderr and status 1).
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CommandIo = processIo): Promise<number> {
  try {
    return await sync(argv, env, io);
  } catch (error) {
    io.stderr(`crosscanal sync: ${errorLine(error)}\n`);
    return 1;
  }
}

async function sync(argv: readonly string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        full: { type: 'boolean' },
        incremental: { type: 'boolean' },
        watch: { type: 'boolean' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (args.values.full && args.values.incremental) {
    io.stderr(`--full and --incremental exclude each other\n\n${USAGE}\n`);
    return 2;
  }
  const only = args.values.only;
  if (only !== undefined && !(ONLY as readonly string[]).includes(only)) {
    io.stderr(`--only must be customers or products, got ${JSON.stringify(only)}\n\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(env);
  if (args.values.watch && config.syncIntervalMs === 0) {
    io.stderr('--watch needs CROSSCANAL_SYNC_INTERVAL_MS above 0\n');
    return 2;
  }
  const store = await CrosswalkStore.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema });
  const progress = syncProgressReporter(progressStream(io));
  const readers = only === 'products' ? [] : createReaders(config.sources);
  const productReaders = only === 'customers' ? [] : createProductReaders(config.sources);
  const identity: IdentitySync | null = only === 'products' ? null : createIdentitySync({ store, readers, onProgress: progress.customers });
  const products: ProductReferenceSync | null = only === 'customers' ? null : createProductReferenceSync({ store, readers: productReaders, onProgress: progress.products, misses: config.misses });
  try {
    const kind = args.values.full ? 'full' : 'incremental';
    const [customers, references] = await Promise.all([settle(identity?.[kind]()), settle(products?.[kind]())]);
    progress.stop();
    const first: Outcome = { customers, products: references };
    report(first, io);
    if (!args.values.watch) return failed(first) ? 1 : 0;
    await new Promise<void>((resolve) => {
      identity?.schedule(config.syncIntervalMs, (result) => report({ customers: result }, io));
      products?.schedule(config.syncIntervalMs, (result) => report({ products: result }, io));
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return 0;
  } finally {
    progress.stop();
    await Promise.all([identity?.stop(), products?.stop()]);
    await Promise.allSettled([...readers, ...productReaders].map((reader) => reader.close()));
    await store.close();
  }
}

/** A sync's summary, or the error that stopped it: one sync failing must not hide the other's summary. */
function settle<T>(run: Promise<T> | undefined): Promise<T | Error | undefined> {
  return run === undefined ? Promise.resolve(undefined) : run.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}

function report({ customers, products }: Outcome, io: CommandIo): void {
  const lines: string[] = [];
  if (customers) lines.push(`customers: ${customers instanceof Error ? `sync failed: ${errorLine(customers)}` : formatSummary(customers)}`);
  if (products) lines.push(`products: ${products instanceof Error ? `sync failed: ${errorLine(products)}` : formatReferenceSummary(products)}`);
  io.stdout(`${lines.join('\n')}\n`);
}

function failed({ customers, products }: Outcome): boolean {
  const identityFailed = customers instanceof Error || (customers !== undefined && Object.values(customers.sources).some((s) => s.error !== undefined));
  const productsFailed = products instanceof Error || (products !== undefined && referenceSyncFailed(products));
  return identityFailed || productsFailed;
}

/** Run as a command (`npm run sync`), not when a test imports `main`. */
if (isEntryPoint(import.meta.url)) runMain('sync', () => main(process.argv.slice(2)));
