import cliProgress from 'cli-progress';
import type { ProgressLines } from './command.js';
import type { SyncProgress } from '../identitySync.js';
import type { ReferenceSyncProgress } from '../products/referenceSync.js';

/** Progress of the identity sync and the product reference sync running side by side. */
export interface SyncProgressReporter {
  customers(progress: SyncProgress): void;
  products(progress: ReferenceSyncProgress): void;
  /** Ends the bars; on a terminal, later progress is not shown. */
  stop(): void;
}

type Sync = 'customers' | 'products';

/**
 * One set of progress bars for both syncs on a terminal (a bar per system each sync reads,
 * then a line per identity phase); on anything but a terminal, a line per system when its
 * read completes.
 */
export function syncProgressReporter(stream: NodeJS.WriteStream | ProgressLines = process.stderr): SyncProgressReporter {
  const unit = (sync: Sync, source: string) => (source === 'pos' ? 'franchises' : sync === 'customers' ? 'records' : 'products');
  const phase = (progress: SyncProgress) =>
    progress.phase === 'resolve' ? `resolving ${progress.records} records` : progress.phase === 'write' ? `writing ${progress.links} links` : null;

  if (!stream.isTTY) {
    const done = new Set<string>();
    const read = (sync: Sync, source: string, count: number, total: number | null) => {
      if (total === null || count < total || done.has(`${sync} ${source}`)) return;
      done.add(`${sync} ${source}`);
      stream.write(`${sync.padEnd(9)} read ${source}: ${count} ${unit(sync, source)}\n`);
    };
    return {
      customers(progress) {
        if (progress.phase === 'read') read('customers', progress.source, progress.done, progress.total);
        else stream.write(`customers ${phase(progress)}\n`);
      },
      products: (progress) => read('products', progress.source, progress.done, progress.total),
      stop: () => undefined,
    };
  }

  const bars = new cliProgress.MultiBar(
    { stream, format: ' {label} {bar} {value}/{total} {unit}', hideCursor: true, clearOnComplete: false, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  const bySource = new Map<string, cliProgress.SingleBar>();
  let stopped = false;
  const read = (sync: Sync, source: string, count: number, total: number | null) => {
    if (stopped) return;
    let bar = bySource.get(`${sync} ${source}`);
    if (!bar) {
      bar = bars.create(total ?? 0, 0, { label: `${sync.padEnd(9)} ${source.padEnd(9)}`, unit: unit(sync, source) });
      bySource.set(`${sync} ${source}`, bar);
    }
    if (total !== null) bar.setTotal(total);
    bar.update(count);
  };
  return {
    customers(progress) {
      if (progress.phase === 'read') read('customers', progress.source, progress.done, progress.total);
      else if (!stopped) bars.log(`customers ${phase(progress)}\n`);
    },
    products: (progress) => read('products', progress.source, progress.done, progress.total),
    stop() {
      if (stopped) return;
      stopped = true;
      bars.stop();
    },
  };
}
