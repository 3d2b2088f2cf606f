import { randomUUID } from 'node:crypto';
import { emailKey } from './matching/keys.js';
import type { CustomerLink } from './matching/plan.js';
import { phonesOf, posKind, recordId, type SourceRecord } from './matching/records.js';
import type { ResolveOptions } from './matching/resolve.js';
import type { ReaderName, SourceReader } from './sources/reader.js';
import { DecisionsChanged, type CrosswalkStore } from './store/crosswalkStore.js';
import { planWithDecisions, type StewardDecisions } from './stewardshipPlan.js';
import { syncRunner, type SyncRunner } from './syncRunner.js';

export type SyncKind = 'full' | 'incremental';

/** What a sync reports while it runs, for a progress bar or a log. */
export type SyncProgress =
  | { phase: 'read'; source: ReaderName; done: number; total: number | null }
  | { phase: 'resolve'; records: number }
  | { phase: 'write'; links: number };

export interface SourceSummary {
  /** Records the source handed over. */
  read: number;
  added: number;
  /** Records whose compared values changed. */
  changed: number;
  unchanged: number;
  /** Values the source holds that cannot be used (phones that are no phone numbers). */
  unusable: number;
  /** Set when the source could not be read; its watermark then stays where it was. */
  error?: string;
}

export interface SyncSummary {
  kind: SyncKind;
  startedAt: string;
  durationMs: number;
  /** Set when another sync held the lease and this one did not run. */
  skipped?: string;
  sources: Partial<Record<ReaderName, SourceSummary>>;
  /** Records resolved again (all of them in a full build). */
  resolved: number;
  customersCreated: number;
  customersMerged: number;
  linksChanged: number;
  /** Records that moved from one customer to another. */
  linksMoved: number;
  candidatesAdded: number;
  candidatesRemoved: number;
  totals: { records: number; customers: number; links: number; candidates: number };
}

export interface IdentitySyncOptions {
  store: CrosswalkStore;
  readers: readonly SourceReader[];
  /** Receives progress as the sync runs. */
  onProgress?: (progress: SyncProgress) => void;
  /** Now; injectable for tests. */
  now?: () => Date;
  /** How long a sync may hold the lease before another replica may take over. Default 15 min. */
  leaseMs?: number;
  resolve?: ResolveOptions;
}

/**
 * `full` reads every system and resolves every record (the initial link build);
 * `incremental` reads the change feeds since the watermarks and resolves what they touched.
 */
export type IdentitySync = SyncRunner<SyncSummary>;

const LEASE = 'identity-sync';

/** Plans made again when stewardship decisions keep landing while the sync plans, before giving up. */
const PLAN_ATTEMPTS = 5;

/**
 * Widens records to everything their resolution can touch: records sharing an email, a phone
 * or a card with them, every record of the customers those belong to, and so on until nothing
 * is added. Resolving that scope alone gives the same answer as resolving everything.
 */
export async function widenScope(store: CrosswalkStore, seeds: readonly string[]): Promise<Map<string, SourceRecord>> {
  const scope = new Map<string, SourceRecord>();
  let frontier = [...seeds];
  while (frontier.length > 0) {
    const fresh = [...(await store.records(frontier))].filter(([id]) => !scope.has(id));
    for (const [id, record] of fresh) scope.set(id, record);
    const values = { emailKeys: new Set<string>(), phones: new Set<string>(), cards: new Set<string>() };
    for (const [, record] of fresh) {
      const key = emailKey(record.email);
      if (key) values.emailKeys.add(key);
      for (const phone of phonesOf(record)) values.phones.add(phone);
      for (const card of record.cards) values.cards.add(card.number);
      if (record.system === 'POS' && posKind(record.localId) === 'card') values.cards.add(record.localId.slice('card:'.length));
    }
    const sharing = await store.recordIdsSharing({ emailKeys: [...values.emailKeys], phones: [...values.phones], cards: [...values.cards] });
    const links = await store.linksOfRecords(fresh.map(([id]) => id));
    const customers = await store.linksOfCustomers([...new Set([...links.values()].map((link) => link.customerId))]);
    const reached = new Set([...sharing, ...[...customers.values()].flatMap((list) => list.map((link) => link.record))]);
    frontier = [...reached].filter((id) => !scope.has(id));
  }
  return scope;
}

/**
 * The crosswalk's sync: reads the systems, stores their records, resolves them into golden
 * customers and writes the links. Re-running it changes nothing when nothing changed. One
 * run at a time per process, and per database across replicas (a lease).
 */
export function createIdentitySync({ store, readers, onProgress, now = () => new Date(), leaseMs = 900_000, resolve }: IdentitySyncOptions): IdentitySync {
  const holder = `${process.pid}:${randomUUID()}`;
  async function runOnce(kind: SyncKind): Promise<SyncSummary> {
    const startedAt = now().toISOString();
    const clock = performance.now();
    const summary: SyncSummary = {
      kind,
      startedAt,
      durationMs: 0,
      sources: {},
      resolved: 0,
      customersCreated: 0,
      customersMerged: 0,
      linksChanged: 0,
      linksMoved: 0,
      candidatesAdded: 0,
      candidatesRemoved: 0,
      totals: { records: 0, customers: 0, links: 0, candidates: 0 },
    };
    if (!(await store.acquireLease(LEASE, holder, leaseMs))) {
      summary.skipped = 'another sync holds the lease';
      summary.durationMs = Math.round(performance.now() - clock);
      return summary;
    }
    const runId = await store.startRun(kind, startedAt);
    try {
      const states = await store.syncStates();
      const watermarks = new Map<ReaderName, { watermark: string; unusable: number; full: boolean }>();
      await Promise.all(
        readers.map(async (reader) => {
          const source: SourceSummary = { read: 0, added: 0, changed: 0, unchanged: 0, unusable: 0 };
          summary.sources[reader.name] = source;
          const since = kind === 'full' ? null : (states.get(reader.name)?.watermark ?? null);
          try {
            const result = await reader.read(
              since,
              async (records) => {
                const written = await store.upsertRecords(records, now().toISOString());
                source.added += written.added.length;
                source.changed += written.matchChanged.length;
                source.unchanged += written.unchanged + written.refreshed;
              },
              (done, total) => onProgress?.({ phase: 'read', source: reader.name, done, total }),
            );
            source.read = result.records;
            source.unusable = result.unusable;
            watermarks.set(reader.name, { watermark: result.watermark, unusable: result.unusable, full: since === null });
          } catch (error) {
            source.error = (error as Error).message;
          }
        }),
      );

      // Reading can take long on a big estate: hold the lease for the writing that follows,
      // and write nothing if another replica took it over meanwhile.
      if (!(await store.acquireLease(LEASE, holder, leaseMs))) throw new Error('identity sync: the lease expired while reading and another sync took it; nothing was resolved');
      // A stewardship decision taken while the sync planned makes its plan stale: plan again.
      for (let attempt = 1; ; attempt++) {
        try {
          if (kind === 'full') await resolveAll(summary);
          else await resolvePending(summary);
          break;
        } catch (error) {
          if (!(error instanceof DecisionsChanged) || attempt === PLAN_ATTEMPTS) throw error;
        }
      }

      const at = now().toISOString();
      for (const reader of readers) {
        const error = summary.sources[reader.name]?.error;
        const read = watermarks.get(reader.name);
        await store.recordSourceRun(
          reader.name,
          error || !read ? { error: error ?? 'not read', full: false, at } : { watermark: read.watermark, unusableValues: read.unusable, full: read.full, at },
        );
      }
      const counts = await store.counts();
      summary.totals = { records: counts.records, customers: counts.customers, links: counts.links, candidates: counts.candidates };
      summary.durationMs = Math.round(performance.now() - clock);
      await store.finishRun(runId, 'succeeded', summary, now().toISOString());
      return summary;
    } catch (error) {
      summary.durationMs = Math.round(performance.now() - clock);
      await store.finishRun(runId, 'failed', { ...summary, error: (error as Error).message }, now().toISOString()).catch(() => undefined);
      throw error;
    } finally {
      await store.releaseLease(LEASE, holder).catch(() => undefined);
    }
  }

  async function resolveAll(summary: SyncSummary): Promise<void> {
    // The version is read before anything the plan rests on, so that a decision taken later is seen.
    const decisionsVersion = await store.stewardship.version();
    const records = await store.allRecords();
    await resolveScope(records, await store.allLinks(), await store.stewardship.decisions(), decisionsVersion, summary);
  }

  /** Resolves the records whose compared values changed, widened to everything they can touch. */
  async function resolvePending(summary: SyncSummary): Promise<void> {
    const decisionsVersion = await store.stewardship.version();
    const pending = await store.pendingRecordIds();
    if (pending.length === 0) return;
    const scope = await widenScope(store, pending);
    const ids = [...scope.keys()];
    await resolveScope([...scope.values()], await store.linksOfRecords(ids), await store.stewardship.decisions(ids), decisionsVersion, summary);
  }

  async function resolveScope(
    records: SourceRecord[],
    current: ReadonlyMap<string, CustomerLink>,
    decisions: StewardDecisions,
    decisionsVersion: number,
    summary: SyncSummary,
  ): Promise<void> {
    onProgress?.({ phase: 'resolve', records: records.length });
    const used = await store.usedCustomerIds();
    const at = now().toISOString();
    const { plan, candidates } = planWithDecisions(records, current, decisions, { now: at, isTaken: (id) => used.has(id), resolve });
    onProgress?.({ phase: 'write', links: plan.changed.length });
    const { candidatesAdded, candidatesRemoved } = await store.applyPlan(plan, records.map(recordId), candidates, at, 'sync', { decisionsVersion });
    summary.resolved = records.length;
    summary.customersCreated = plan.created.length;
    summary.customersMerged = plan.merged.length;
    summary.linksChanged = plan.changed.length;
    summary.linksMoved = plan.events.filter((e) => e.action === 'MOVED').length;
    summary.candidatesAdded = candidatesAdded;
    summary.candidatesRemoved = candidatesRemoved;
  }

  return syncRunner(runOnce);
}
