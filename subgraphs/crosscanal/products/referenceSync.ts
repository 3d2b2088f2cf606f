import { randomUUID } from 'node:crypto';
import type { CrosswalkStore } from '../store/crosswalkStore.js';
import type { ProductBatch, ProductReader, ProductSourceName } from './readers.js';
import { referenceStoreOf } from './referenceIndex.js';
import { syncRunner, type SyncRunner } from '../syncRunner.js';

export type ReferenceSyncKind = 'full' | 'incremental';

/** What a sync reports while it runs, for a progress bar or a log. */
export interface ReferenceSyncProgress {
  source: ProductSourceName;
  done: number;
  total: number | null;
}

export interface ReferenceSourceSummary {
  /** Entries the system handed over: products, or a franchise's codes. */
  read: number;
  /** Catalogue or web products new to the index, or changed; rows written for the tills. */
  added: number;
  changed: number;
  unchanged: number;
  /** Entries a full read no longer found, forgotten. */
  removed: number;
  /** Whether this run read the system in full (a full sync, or a first read). */
  full: boolean;
  /** Set when the system could not be read; its watermark then stays where it was. */
  error?: string;
}

export interface ReferenceSyncSummary {
  kind: ReferenceSyncKind;
  startedAt: string;
  durationMs: number;
  /** Set when another sync held the lease and this one did not run. */
  skipped?: string;
  sources: Partial<Record<ProductSourceName, ReferenceSourceSummary>>;
  /** References asked for that named nothing, forgotten by this run (see `misses`). */
  missesPruned?: number;
}

/** How long references asked for that named nothing are kept, and how many at most. */
export interface MissRetention {
  /** Days since a reference was last asked for. Default 90. */
  days: number;
  /** Most references kept, the most recently asked. Default 10,000. */
  max: number;
}

export const DEFAULT_MISS_RETENTION: MissRetention = { days: 90, max: 10_000 };

export interface ProductReferenceSyncOptions {
  /** The crosswalk's store: the index lives in its database and shares its lease table. */
  store: CrosswalkStore;
  readers: readonly ProductReader[];
  onProgress?: (progress: ReferenceSyncProgress) => void;
  /** Now; injectable for tests. */
  now?: () => Date;
  /** How long a sync may hold the lease before another replica may take over. Default 15 min. */
  leaseMs?: number;
  /** What each run keeps of the references asked for that named nothing. */
  misses?: MissRetention;
}

/**
 * `full` reads every system in full, and what a system no longer has is forgotten;
 * `incremental` reads each system from its watermark (in full when it has none).
 */
export type ProductReferenceSync = SyncRunner<ReferenceSyncSummary>;

const LEASE = 'product-reference-sync';

/**
 * The product reference index's sync: reads the catalogue's products and codes, the web
 * shop's SKUs and EANs and the codes the tills use, and writes them to the index. Re-running
 * it changes nothing when nothing changed. One run at a time per process, and per database
 * across replicas (a lease of its own, beside the identity sync's).
 */
export function createProductReferenceSync({
  store,
  readers,
  onProgress,
  now = () => new Date(),
  leaseMs = 900_000,
  misses = DEFAULT_MISS_RETENTION,
}: ProductReferenceSyncOptions): ProductReferenceSync {
  const index = referenceStoreOf(store);
  const holder = `${process.pid}:${randomUUID()}`;
  async function runOnce(kind: ReferenceSyncKind): Promise<ReferenceSyncSummary> {
    const clock = performance.now();
    const summary: ReferenceSyncSummary = { kind, startedAt: now().toISOString(), durationMs: 0, sources: {} };
    if (!(await store.acquireLease(LEASE, holder, leaseMs))) {
      summary.skipped = 'another sync holds the lease';
      summary.durationMs = Math.round(performance.now() - clock);
      return summary;
    }
    try {
      const states = await index.syncStates();
      await Promise.all(
        readers.map(async (reader) => {
          const since = kind === 'full' ? null : (states.get(reader.name)?.watermark ?? null);
          const source: ReferenceSourceSummary = { read: 0, added: 0, changed: 0, unchanged: 0, removed: 0, full: since === null };
          summary.sources[reader.name] = source;
          const seen = new Set<string>();
          let outcome: { watermark?: string; error?: string };
          try {
            const result = await reader.read(
              since,
              async (batch) => {
                // A long read must not write on after another replica took the lease over.
                if (!(await store.acquireLease(LEASE, holder, leaseMs))) throw new Error('product reference sync: the lease expired and another sync took it');
                await write(batch, seen, source);
              },
              (done, total) => onProgress?.({ source: reader.name, done, total }),
            );
            source.read = result.entries;
            if (since === null) source.removed = await index.sweep(reader.name, [...seen]);
            outcome = { watermark: result.watermark };
          } catch (error) {
            source.error = (error as Error).message;
            outcome = { error: source.error };
          }
          await index.recordSourceRun(reader.name, { ...outcome, full: since === null, at: now().toISOString() });
        }),
      );
      summary.missesPruned = await index.pruneMisses(new Date(now().getTime() - misses.days * 86_400_000).toISOString(), misses.max);
      summary.durationMs = Math.round(performance.now() - clock);
      return summary;
    } finally {
      await store.releaseLease(LEASE, holder).catch(() => undefined);
    }
  }

  async function write(batch: ProductBatch, seen: Set<string>, source: ReferenceSourceSummary): Promise<void> {
    const at = now().toISOString();
    if (batch.source === 'pos') {
      seen.add(batch.franchise.franchise);
      source.added += await index.writePos(batch.franchise);
      return;
    }
    const written = batch.source === 'catalogue' ? await index.writeCatalogue(batch.products, at) : await index.writeWeb(batch.products, at);
    for (const product of batch.products) seen.add('catalogueRef' in product ? product.catalogueRef : product.sku);
    source.added += written.added;
    source.changed += written.changed;
    source.unchanged += written.unchanged;
  }

  return syncRunner(runOnce);
}
