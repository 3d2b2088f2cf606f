import type { Readiness } from '../shared/operations.js';
import type { CrosswalkStore } from './store/crosswalkStore.js';

/** What `/readyz` says of one of the crosswalk's syncs: its last finished run. */
export interface SyncCheck {
  /** When the last run finished; null when none has. */
  finishedAt: string | null;
  /** Seconds since then, as the store's clock and this process's agree. */
  ageSeconds: number | null;
  /** `succeeded` or `failed` (identity); `succeeded`, `partial` or `failed` (products: per system). */
  status: string | null;
  /** Systems whose last read failed (products). */
  failedSources?: string[];
  /** Whether a run has started since and not finished (in any replica). */
  running?: boolean;
}

export interface CrosswalkReadinessOptions {
  /** The store must answer `SELECT 1` within this. Default 1 s. */
  timeoutMs?: number;
  /** Now, for the ages; injectable for tests. */
  now?: () => number;
}

function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function ageOf(at: string | null, now: number): number | null {
  return at === null ? null : Math.max(0, Math.round((now - Date.parse(at)) / 1000));
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

async function identitySync(store: CrosswalkStore, now: number): Promise<SyncCheck> {
  const runs = await store.runs(5);
  const finished = runs.find((run) => run.finishedAt !== null);
  const finishedAt = finished?.finishedAt ?? null;
  return { finishedAt, ageSeconds: ageOf(finishedAt, now), status: finished?.status ?? null, running: runs[0]?.status === 'running' };
}

/**
 * The product reference sync keeps no run log, only each system's last read: the sync's last
 * run is the latest of them, and it failed where a system's last read did.
 */
async function productSync(store: CrosswalkStore, now: number): Promise<SyncCheck> {
  const rows = await store.db.query<{ source: string; last_run_at: unknown; last_error: string | null }>(
    'SELECT source, last_run_at, last_error FROM product_sync_source ORDER BY source',
  );
  const times = rows.map((row) => iso(row.last_run_at)).filter((at): at is string => at !== null);
  const finishedAt = times.length === 0 ? null : times.reduce((a, b) => (a > b ? a : b));
  const failedSources = rows.filter((row) => row.last_error !== null).map((row) => row.source);
  const status = rows.length === 0 ? null : failedSources.length === 0 ? 'succeeded' : failedSources.length === rows.length ? 'failed' : 'partial';
  return { finishedAt, ageSeconds: ageOf(finishedAt, now), status, failedSources };
}

/**
 * The crosswalk's readiness: ready only while its store answers (`SELECT 1` within
 * `timeoutMs`): without it, nothing the crosswalk serves can be answered. The last identity
 * and product syncs are reported for information: an old or failed sync serves older links,
 * not none.
 */
export function crosswalkReadiness(store: CrosswalkStore, { timeoutMs = 1000, now = Date.now }: CrosswalkReadinessOptions = {}): Readiness {
  return async () => {
    const started = performance.now();
    try {
      await within(store.db.query('SELECT 1'), timeoutMs, 'the crosswalk store');
    } catch (error) {
      return { ready: false, checks: { store: { status: 'down', reason: (error as Error).message } } };
    }
    const storeCheck = { status: 'up', ms: Math.round(performance.now() - started) };
    const at = now();
    const [identity, products] = await Promise.allSettled([
      within(identitySync(store, at), timeoutMs, 'the identity sync log'),
      within(productSync(store, at), timeoutMs, 'the product sync state'),
    ]);
    const report = (result: PromiseSettledResult<SyncCheck>) => (result.status === 'fulfilled' ? result.value : { error: (result.reason as Error).message });
    return { ready: true, checks: { store: storeCheck, identitySync: report(identity), productSync: report(products) } };
  };
}
