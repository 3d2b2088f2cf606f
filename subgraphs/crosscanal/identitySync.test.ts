import pg from 'pg';
import { generateEstate, type Generated } from '../../legacy/generator/generate.js';
import { createReaders } from './dataSources.js';
import { measureAccuracy, formatScore } from './evaluation/accuracy.js';
import { before, startStandIns, type StandIns } from './evaluation/standIns.js';
import { createIdentitySync, type SyncProgress } from './identitySync.js';
import { isPersonalLine } from './matching/keys.js';
import { recordId } from './matching/records.js';
import { resolveRecords } from './matching/resolve.js';
import { CrosswalkStore } from './store/crosswalkStore.js';

/**
 * The sync against the real stand-ins, through their own protocols: a first build from the
 * estate as it stood a while ago, then the change feeds up to now, then re-runs.
 */
let generated: Generated;
let cutoff: string;
let past: StandIns;
let present: StandIns;
let store: CrosswalkStore;
const readers = () => [] as ReturnType<typeof createReaders>;
let pastReaders = readers();
let presentReaders = readers();

beforeAll(async () => {
  generated = generateEstate({ scale: 'tiny' });
  const updates = [...generated.estate.ecommerce.customers.map((c) => c.updated_at), ...generated.estate.loyalty.members.map((m) => m.updated_at)].sort();
  cutoff = updates[Math.floor(updates.length * 0.8)]!;
  present = await startStandIns(generated.estate);
  past = await startStandIns({ ...before(generated.estate, cutoff), pos: generated.estate.pos }, {}, { pos: present.pos });
  const options = { timeoutMs: 10_000, retries: 1 };
  pastReaders = createReaders({ ...past.sources, ...options });
  presentReaders = createReaders({ ...present.sources, ...options });
  store = await CrosswalkStore.open();
}, 120_000);

afterAll(async () => {
  await Promise.all([...pastReaders, ...presentReaders].map((r) => r.close()));
  await store?.close();
  await past?.stop();
  await present?.stop();
});

/** The store's customers as sets of record ids, comparable with a resolution's components. */
async function partition(): Promise<string[]> {
  const byCustomer = new Map<string, string[]>();
  for (const [id, link] of await store.allLinks()) byCustomer.set(link.customerId, [...(byCustomer.get(link.customerId) ?? []), id]);
  return [...byCustomer.values()].map((ids) => ids.sort().join(' ')).sort();
}

describe('identity sync', () => {
  test('builds the links from a full read of every system, with progress and a summary', async () => {
    const progress: SyncProgress[] = [];
    const sync = createIdentitySync({ store, readers: pastReaders, onProgress: (p) => progress.push(p) });
    const summary = await sync.full();
    const partial = before(generated.estate, cutoff);
    expect(summary.sources.ecommerce).toMatchObject({ read: partial.ecommerce.customers.length, added: partial.ecommerce.customers.length, changed: 0 });
    expect(summary.sources.loyalty).toMatchObject({ read: partial.loyalty.members.length, added: partial.loyalty.members.length });
    expect(summary.sources.pos!.added).toBeGreaterThan(100);
    expect(summary.totals.links).toBe(summary.totals.records);
    expect(summary.customersCreated).toBe(summary.totals.customers);
    // The records' cards went into the card index's pending list; the sync moved them into the
    // index proper, so that no lookup by card reads through them: nothing is left pending.
    expect(summary.indexPendingFlushed).toBeGreaterThan(0);
    expect(await store.flushIndexPending()).toBe(0);
    for (const source of ['ecommerce', 'loyalty', 'pos'] as const) {
      const last = progress.filter((p) => p.phase === 'read' && p.source === source).at(-1);
      expect(last).toMatchObject({ done: expect.any(Number) });
      if (last?.phase === 'read') expect(last.done).toBe(last.total);
    }
    expect(progress.some((p) => p.phase === 'resolve')).toBe(true);
    // Web pages of 200: the tiny estate fits in one call per system.
    expect(past.ecommerce.counter.snapshot().byOperation['GET /customers']).toBe(1);
    expect(past.loyalty.counter.snapshot().byOperation.ListChangedMembers).toBe(1);
  });

  test('then follows the change feeds: only what changed is read, and the result is what a full resolution gives', async () => {
    const sync = createIdentitySync({ store, readers: presentReaders });
    // Proportional to the changes: nothing of the whole estate is read back.
    const kept = { allRecords: store.allRecords, allLinks: store.allLinks, usedCustomerIds: store.usedCustomerIds };
    const refuse = (what: string) => () => Promise.reject(new Error(`the incremental sync read ${what}`));
    Object.assign(store, { allRecords: refuse('every record'), allLinks: refuse('every link'), usedCustomerIds: refuse('every golden id') });
    let summary;
    try {
      summary = await sync.incremental();
    } finally {
      Object.assign(store, kept);
    }
    const newCustomers = generated.estate.ecommerce.customers.filter((c) => c.updated_at >= cutoff).length;
    const newMembers = generated.estate.loyalty.members.filter((m) => m.updated_at >= cutoff).length;
    // Accounts whose only news is an order are read again, with that order's delivery phone.
    const reordered = new Set(
      generated.estate.ecommerce.orders
        .filter((o) => o.updated_at >= cutoff)
        .map((o) => o.customer_id)
        .filter((id) => generated.estate.ecommerce.customers.find((c) => c.id === id)!.updated_at < cutoff),
    );
    expect(reordered.size).toBeGreaterThan(0);
    expect(summary.sources.ecommerce).toMatchObject({ added: newCustomers });
    expect(summary.sources.ecommerce!.changed).toBeLessThanOrEqual(reordered.size);
    expect(summary.sources.ecommerce!.read).toBeGreaterThanOrEqual(newCustomers + reordered.size);
    expect(summary.sources.ecommerce!.read).toBeLessThanOrEqual(newCustomers + reordered.size + 1);
    expect(summary.sources.loyalty).toMatchObject({ added: newMembers, changed: 0 });
    expect(summary.sources.pos!.added).toBe(0);
    expect(summary.resolved).toBeGreaterThanOrEqual(newCustomers + newMembers);
    expect(summary.resolved).toBeLessThan(summary.totals.records);

    const everything = resolveRecords(await store.allRecords());
    expect(await partition()).toEqual(everything.components.map((c) => [...c].sort().join(' ')).sort());
    expect(await store.pendingRecordIds()).toEqual([]);

    // Customers the new records bridged were merged; their old ids answer the survivor.
    const merged = await store.db.query<{ from_id: string; to_id: string }>('SELECT from_id, to_id FROM customer_redirect');
    expect(merged.length).toBe(summary.customersMerged);
    for (const { from_id, to_id } of merged) expect((await store.customers([from_id])).get(from_id)?.id).toBe(to_id);
  });

  test('is idempotent: a full re-run and an incremental one change nothing', async () => {
    const links = await store.allLinks();
    const candidates = await store.allCandidates();
    const sync = createIdentitySync({ store, readers: presentReaders });
    const full = await sync.full();
    expect(full).toMatchObject({ customersCreated: 0, customersMerged: 0, linksChanged: 0, candidatesAdded: 0, candidatesRemoved: 0 });
    expect(full.sources.ecommerce).toMatchObject({ added: 0, changed: 0 });
    const incremental = await sync.incremental();
    expect(incremental.resolved).toBe(0);
    expect(await store.allLinks()).toEqual(links);
    expect(await store.allCandidates()).toEqual(candidates);
  });

  test('matches the ground truth with precision >= 99.9 %, finds 98 % of the pairs its values support, never merges people over a shared phone', async () => {
    const accuracy = await measureAccuracy(store, generated);
    process.stdout.write(
      [
        'tiny estate, against the ground truth:',
        `  crosswalk     ${formatScore(accuracy.crosswalk)}`,
        `  exact email   ${formatScore(accuracy.exactEmail)}`,
        `  value ceiling ${formatScore(accuracy.ceiling)}`,
        `  of the pairs the values support: recall ${(accuracy.linkable.recall * 100).toFixed(2)} %`,
        `  people sharing a phone: ${accuracy.sharedPhonePairs} pairs, ${accuracy.sharedPhoneMerged} merged`,
        '',
      ].join('\n'),
    );
    expect(accuracy.crosswalk.records).toBe(generated.truth.persons.reduce((n, p) => n + p.records.length, 0));
    expect(accuracy.crosswalk.precision).toBeGreaterThanOrEqual(0.999);
    expect(accuracy.crosswalk.recall).toBeGreaterThan(accuracy.exactEmail.recall + 0.2);
    // Of the pairs whose records share any value at all, at least 98 % are found (the rest share only a landline).
    expect(accuracy.linkable.recall).toBeGreaterThanOrEqual(0.98);
    expect(accuracy.sharedLandlinePairs).toBeGreaterThan(0);
    expect(accuracy.sharedLandlineMerged).toBe(0);
    expect(accuracy.sharedPhoneMerged).toBe(0);
  });

  test('picks up a sale rung up after the last sync, and links its phone to the one customer holding that mobile', async () => {
    const records = await store.allRecords();
    const tillPhones = new Set(records.filter((r) => r.system === 'POS' && r.franchise === 'NRD').map((r) => r.phone));
    const holders = new Map<string, number>();
    for (const r of records) if (r.system !== 'POS' && r.phone) holders.set(r.phone, (holders.get(r.phone) ?? 0) + 1);
    const member = records.find((r) => r.system === 'LOYALTY' && r.phone && isPersonalLine(r.phone) && holders.get(r.phone) === 1 && !tillPhones.has(r.phone))!;
    const client = new pg.Client({ connectionString: present.pos.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO franchise_nrd.receipts (receipt_no, store_code, seller_code, sold_at, card_number, phone, currency, total_cents)
         VALUES ('NRD01-9999999', 'NRD01', 'NRD01-V1', $1, NULL, $2, 'EUR', 1990)`,
        [new Date(Date.parse(generated.asOf) + 3_600_000).toISOString(), `0${member.phone!.slice(3)}`],
      );
    } finally {
      await client.end();
    }
    const summary = await createIdentitySync({ store, readers: presentReaders }).incremental();
    expect(summary.sources.pos!.added).toBe(1);
    const id = recordId({ system: 'POS', franchise: 'NRD', localId: `phone:${member.phone}` });
    const link = (await store.linksOfRecords([id])).get(id)!;
    expect(link).toMatchObject({ rule: 'MOBILE_PHONE', evidence: [{ field: 'PHONE', value: member.phone }] });
    expect(link.customerId).toBe((await store.customerIdsOfRecords([recordId(member)])).get(recordId(member)));
  });

  test('a system that is down leaves its watermark where it was and the others are still synced', async () => {
    const watermark = (await store.syncStates()).get('ecommerce')!.watermark;
    present.ecommerce.faults.set({ down: true });
    try {
      const summary = await createIdentitySync({ store, readers: presentReaders }).incremental();
      expect(summary.sources.ecommerce!.error).toMatch(/^ecommerce: GET \/customers: /);
      expect(summary.sources.loyalty!.error).toBeUndefined();
      const state = (await store.syncStates()).get('ecommerce')!;
      expect(state.watermark).toBe(watermark);
      expect(state.lastError).toBe(summary.sources.ecommerce!.error);
    } finally {
      present.ecommerce.faults.reset();
    }
    const recovered = await createIdentitySync({ store, readers: presentReaders }).incremental();
    expect(recovered.sources.ecommerce!.error).toBeUndefined();
    expect((await store.syncStates()).get('ecommerce')!.lastError).toBeNull();
  });

  test('reports each system failure in its own terms: a SOAP Server fault, a PostgreSQL error', async () => {
    present.loyalty.faults.set({ errorRate: 1 });
    present.pos.faults.set({ errorRate: 1 });
    try {
      const summary = await createIdentitySync({ store, readers: presentReaders }).incremental();
      expect(summary.sources.loyalty!.error).toMatch(/^loyalty: ListChangedMembers: SOAP fault soap:Server SERVER_ERROR/);
      expect(summary.sources.pos!.error).toMatch(/^pos: franchises: injected fault \(SQLSTATE 08006\)/);
      expect(summary.sources.ecommerce!.error).toBeUndefined();
    } finally {
      present.loyalty.faults.reset();
      present.pos.faults.reset();
    }
  });

  test('runs on a schedule until stopped', async () => {
    const sync = createIdentitySync({ store, readers: presentReaders });
    const results: unknown[] = [];
    await new Promise<void>((resolve) => {
      sync.schedule(20, (result) => {
        results.push(result);
        if (results.length === 2) resolve();
      });
    });
    await sync.stop();
    expect(results).toEqual([expect.objectContaining({ kind: 'incremental', resolved: 0 }), expect.objectContaining({ kind: 'incremental' })]);
    expect(sync.running).toBeNull();
  });

  test('runs one sync at a time: a second request waits for the first, a second replica is turned away', async () => {
    const sync = createIdentitySync({ store, readers: presentReaders });
    const [a, b] = await Promise.all([sync.incremental(), sync.incremental()]);
    expect(a.skipped).toBeUndefined();
    expect(b.skipped).toBeUndefined();
    expect(await store.acquireLease('identity-sync', 'another replica', 60_000)).toBe(true);
    try {
      expect((await sync.incremental()).skipped).toBe('another sync holds the lease');
    } finally {
      await store.releaseLease('identity-sync', 'another replica');
    }
  });
});
