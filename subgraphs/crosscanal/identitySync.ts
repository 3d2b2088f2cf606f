import { randomUUID } from 'node:crypto';
import { componentBatches, IntUnionFind } from './matching/components.js';
import { emailKey } from './matching/keys.js';
import { newCustomerId, type CustomerLink } from './matching/plan.js';
import { phonesOf, posKind, recordId, type SourceRecord } from './matching/records.js';
import { DEFAULT_MAX_GROUP, type EstateGroups, type ResolveOptions } from './matching/resolve.js';
import type { ReaderName, SourceReader } from './sources/reader.js';
import { DecisionsChanged, type CrosswalkStore } from './store/crosswalkStore.js';
import { planWithDecisions, type StewardDecisions } from './stewardshipPlan.js';
import { syncRunner, type SyncRunner } from './syncRunner.js';

export type SyncKind = 'full' | 'incremental';

/** What a sync reports while it runs, for a progress bar or a log. */
export type SyncProgress =
  | { phase: 'read'; source: ReaderName; done: number; total: number | null }
  /** The full build's blocking, in the database: records numbered, pairs to resolve together found. */
  | { phase: 'scope'; records: number; pairs: number }
  /** A full build resolves batch after batch (`batch` of `batches`); an incremental one, one scope. */
  | { phase: 'resolve'; records: number; batch?: number; batches?: number }
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
  /** A full build: how the estate was cut into batches of whole components, resolved one after another. */
  batches?: BuildBatches;
  /**
   * Pending pages moved into the card index after the writes (`CrosswalkStore.flushIndexPending`),
   * or why they could not be (a role that does not own the index; autovacuum then does it).
   */
  indexPendingFlushed?: number | { error: string };
}

export interface BuildBatches {
  count: number;
  /** Groups of records that share a value, a customer or a steward's decision, through chains. */
  components: number;
  largestComponent: number;
  /** Records in the largest batch: what the build held at once. */
  largestBatch: number;
  /** Blocking keys the records carry (one row per record and value). */
  blockingKeys: number;
  /** Emails and phones carried by more records than the rules' cap: they pair nobody. */
  oversizedGroups: number;
  /** Pairs the blocking wrote (each record to the smallest record sharing a key with it). */
  blockingPairs: number;
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
  /**
   * Records a full build resolves at once: whole components, so a batch holds more when one
   * component is larger. Memory follows this, not the estate. Default 20,000.
   */
  batchRecords?: number;
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
export function createIdentitySync({ store, readers, onProgress, now = () => new Date(), leaseMs = 900_000, resolve, batchRecords = 20_000 }: IdentitySyncOptions): IdentitySync {
  if (!(batchRecords >= 1)) throw new Error(`batchRecords must be at least 1, got ${batchRecords}`);
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
        Object.assign(summary, { resolved: 0, customersCreated: 0, customersMerged: 0, linksChanged: 0, linksMoved: 0, candidatesAdded: 0, candidatesRemoved: 0 });
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
      // The lookups by card read the card index's pending list through until it is emptied.
      summary.indexPendingFlushed = await store.flushIndexPending().catch((error: unknown) => ({ error: (error as Error).message }));
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

  /**
   * The full build, in bounded memory: the database numbers the records, keeps their blocking
   * keys (an email as compared, a phone, a card, a customer, a steward's decision) in an
   * indexed table and finds, set-based, every pair that shares one, under the rules' caps (a
   * value carried by too many records pairs nobody). A union-find over the record numbers
   * (typed arrays, 8 bytes a record) gathers the pairs into components, closed under
   * everything a resolution can touch, as {@link widenScope} makes an incremental scope;
   * batches of whole components are then read, resolved with the rules, planned and written
   * one after another, each told which of its values are over the cap in the whole estate.
   * Resolving each closed component apart gives what resolving everything at once gives, so
   * the batch size changes nothing but the memory.
   */
  async function resolveAll(summary: SyncSummary): Promise<void> {
    // The version is read before anything the plan rests on, so that a decision taken later is seen.
    const decisionsVersion = await store.stewardship.version();
    const maxGroup = resolve?.maxGroup ?? DEFAULT_MAX_GROUP;
    const blocking = await store.linkBuild.block(maxGroup);
    onProgress?.({ phase: 'scope', records: blocking.records, pairs: blocking.edges });
    const sets = new IntUnionFind(blocking.records);
    for await (const page of store.linkBuild.edges(blocking.records)) {
      for (let i = 0; i < page.n.length; i++) sets.union(page.n[i]!, page.root[i]!);
    }
    const { members, starts, components, largestComponent } = componentBatches(sets, batchRecords);
    const batches: BuildBatches = {
      count: starts.length - 1,
      components,
      largestComponent,
      largestBatch: 0,
      blockingKeys: blocking.keys,
      oversizedGroups: blocking.oversizedGroups,
      blockingPairs: blocking.edges,
    };
    for (let batch = 0; batch < batches.count; batch++) {
      // A national build outlasts a lease: each batch renews it, and none is written once another replica took it.
      if (!(await store.acquireLease(LEASE, holder, leaseMs))) throw new Error(`identity sync: the lease expired before batch ${batch + 1} of ${batches.count} and another sync took it; the batches before it were written`);
      const records = await store.linkBuild.records(members.subarray(starts[batch]!, starts[batch + 1]!));
      batches.largestBatch = Math.max(batches.largestBatch, records.length);
      const ids = records.map(recordId);
      const estateGroups = blocking.oversizedGroups === 0 ? undefined : await store.linkBuild.oversizedGroups(records, maxGroup);
      await resolveScope(
        records,
        await store.linksOfRecords(ids),
        await store.stewardship.decisions(ids),
        decisionsVersion,
        summary,
        { batch: batch + 1, batches: batches.count },
        estateGroups,
      );
    }
    summary.batches = batches;
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
    batch?: { batch: number; batches: number },
    estateGroups?: EstateGroups,
  ): Promise<void> {
    if (records.length === 0) return;
    onProgress?.({ phase: 'resolve', records: records.length, ...batch });
    const at = now().toISOString();
    // The golden ids this scope could issue that are taken already, asked of the database for
    // these records alone (not every id ever issued); a suffixed id a plan then picks is
    // checked after it, and the plan made again in the rare case it is taken too.
    const taken = await store.takenCustomerIds(records.map((r) => newCustomerId(recordId(r), () => false)));
    const options = { now: at, isTaken: (id: string) => taken.has(id), resolve: estateGroups ? { ...resolve, estateGroups } : resolve };
    let decided = planWithDecisions(records, current, decisions, options);
    for (;;) {
      const clashes = await store.takenCustomerIds(decided.plan.created.map((c) => c.customerId));
      if (clashes.size === 0) break;
      for (const id of clashes) taken.add(id);
      decided = planWithDecisions(records, current, decisions, options);
    }
    const { plan, candidates } = decided;
    onProgress?.({ phase: 'write', links: plan.changed.length });
    const { candidatesAdded, candidatesRemoved } = await store.applyPlan(plan, records.map(recordId), candidates, at, 'sync', { decisionsVersion });
    summary.resolved += records.length;
    summary.customersCreated += plan.created.length;
    summary.customersMerged += plan.merged.length;
    summary.linksChanged += plan.changed.length;
    summary.linksMoved += plan.events.filter((e) => e.action === 'MOVED').length;
    summary.candidatesAdded += candidatesAdded;
    summary.candidatesRemoved += candidatesRemoved;
  }

  return syncRunner(runOnce);
}
