import { jest } from '@jest/globals';
import { GraphQLError } from 'graphql';
import { createIdentitySync, type IdentitySync } from './identitySync.js';
import { recordId, type SourceRecord } from './matching/records.js';
import type { ReaderName, SourceReader } from './sources/reader.js';
import {
  linkIdentity,
  mergeCustomers,
  releaseIdentity,
  stewardOf,
  unlinkIdentity,
  unmergeCustomer,
  type DecisionOptions,
  type StewardshipOutcome,
} from './stewardship.js';
import { DecisionsChanged, CrosswalkStore } from './store/crosswalkStore.js';
import type { Principal } from '../shared/principal.js';

/**
 * Stewardship over a small estate held in memory: each decision, what the sync does after it
 * (full, and incremental after the records change), and the refusals that leave nothing behind.
 */

/** A system's change feed, in memory: a record put is handed over by the next read after it. */
class MemoryReader implements SourceReader {
  private readonly held = new Map<string, { record: SourceRecord; version: number }>();
  private clock = 0;
  constructor(readonly name: ReaderName) {}
  put(...records: SourceRecord[]): void {
    for (const record of records) this.held.set(recordId(record), { record, version: ++this.clock });
  }
  async read(since: string | null, onBatch: (records: SourceRecord[]) => Promise<void>) {
    const from = since === null ? 0 : Number(since);
    const changed = [...this.held.values()].filter((h) => h.version > from).map((h) => h.record);
    if (changed.length > 0) await onBatch(changed);
    return { watermark: String(this.clock), records: changed.length, unusable: 0 };
  }
  async close(): Promise<void> {}
}

const blank = { firstName: null, lastName: null, email: null, phone: null, cards: [], postcode: null, birthDate: null, updatedAt: null };
const web = (id: number, fields: Partial<SourceRecord>): SourceRecord => ({ ...blank, system: 'ECOMMERCE', franchise: null, localId: String(id), createdAt: null, ...fields });
const member = (id: string, fields: Partial<SourceRecord>): SourceRecord => ({ ...blank, system: 'LOYALTY', franchise: null, localId: id, createdAt: null, ...fields });
const CARD = '2900001234565';

const W1 = web(10001, { firstName: 'Ana', lastName: 'Roux', email: 'ana.roux@free.fr', phone: '+33611111111', createdAt: '2024-01-01T00:00:00.000Z' });
const M1 = member('M1', { firstName: 'Ana', lastName: 'Roux', email: 'ana.roux@free.fr', phone: '+33611111111', cards: [{ number: CARD, status: 'ACTIVE' }], createdAt: '2023-01-01T00:00:00.000Z' });
const P1: SourceRecord = { ...blank, system: 'POS', franchise: null, localId: `card:${CARD}`, createdAt: '2023-06-01T00:00:00.000Z', updatedAt: '2023-07-01T00:00:00.000Z' };
const W2 = web(10002, { firstName: 'Bob', lastName: 'Martin', email: 'bob.martin@orange.fr', createdAt: '2024-02-01T00:00:00.000Z' });
const M2 = member('M2', { firstName: 'Bob', lastName: 'Martin', email: 'bob.martin@orange.fr', createdAt: '2023-02-01T00:00:00.000Z' });
const W3 = web(10003, { firstName: 'Chloé', lastName: 'Petit', email: 'chloe.petit@free.fr', createdAt: '2024-03-01T00:00:00.000Z' });

const id = (r: SourceRecord) => recordId(r);
const identity = (r: SourceRecord) => ({ system: r.system, localId: r.localId, franchise: r.franchise });
const alice: DecisionOptions['steward'] = { name: 'alice', role: 'steward' };
const as = (reason: string, extra: Partial<DecisionOptions> = {}): DecisionOptions => ({ steward: alice, reason, ...extra });

let store: CrosswalkStore;
let sync: IdentitySync;
const readers = { ecommerce: new MemoryReader('ecommerce'), loyalty: new MemoryReader('loyalty'), pos: new MemoryReader('pos') };
/** The first golden ids: Ana, Bob, Chloé. */
let A: string, B: string, C: string;

beforeAll(async () => {
  store = await CrosswalkStore.open();
  readers.ecommerce.put(W1, W2, W3);
  readers.loyalty.put(M1, M2);
  readers.pos.put(P1);
  sync = createIdentitySync({ store, readers: Object.values(readers) });
  await sync.full();
  const customerOf = await store.customerIdsOfRecords([id(M1), id(M2), id(W3)]);
  [A, B, C] = [customerOf.get(id(M1))!, customerOf.get(id(M2))!, customerOf.get(id(W3))!];
}, 60_000);

afterAll(() => store?.close());

/** Each customer's records and their rules, as `customer: record:rule` lines. */
async function picture(): Promise<string[]> {
  return [...(await store.allLinks()).values()].map((l) => `${l.customerId}: ${l.record}:${l.rule}`).sort();
}

async function linksOf(customerId: string) {
  return (await store.linksOfCustomers([customerId])).get(customerId)!.map((l) => [l.record, l.rule, l.matchedWith, l.linkedBy]);
}

/** A full run, then an incremental one, each expected to change nothing. */
async function syncChangesNothing(): Promise<void> {
  const full = await sync.full();
  expect(full).toMatchObject({ customersCreated: 0, customersMerged: 0, linksChanged: 0 });
  expect((await sync.incremental()).linksChanged).toBe(0);
}

describe('stewardship', () => {
  test('the estate starts as the rules see it: Ana (member, web account, card), Bob (member, web account), Chloé', async () => {
    expect((await linksOf(A)).map(([record, rule]) => [record, rule])).toEqual([
      [id(W1), 'EMAIL'],
      [id(M1), 'ORIGIN'],
      [id(P1), 'CARD_NUMBER'],
    ]);
    expect((await linksOf(B)).map(([record, rule]) => [record, rule])).toEqual([
      [id(W2), 'EMAIL'],
      [id(M2), 'ORIGIN'],
    ]);
  });

  let U: string;
  test('unlinkIdentity detaches a record into a customer of its own, rule MANUAL, and records who, when, why, before and after', async () => {
    const outcome = await unlinkIdentity(store, { identity: identity(W1) }, as('two people share this web account', { now: new Date('2026-11-10T09:00:00.000Z') }));
    U = outcome.customerId;
    expect(U).not.toBe(A);
    expect(outcome.applied).toBe(true);
    expect(await linksOf(U)).toEqual([[id(W1), 'MANUAL', null, 'alice']]);
    expect((await linksOf(A)).map(([record, rule]) => [record, rule])).toEqual([
      [id(M1), 'ORIGIN'],
      [id(P1), 'CARD_NUMBER'],
    ]);
    expect(outcome.customers.map((c) => [c.customerId, c.links.map((l) => l.record)])).toEqual([
      [U, [id(W1)]],
      [A, [id(M1), id(P1)]],
    ]);
    expect(outcome.customers[0]!.survivors.displayName?.value).toBe('Ana Roux');
    expect(outcome.event).toMatchObject({
      action: 'UNLINK',
      actor: 'alice',
      role: 'steward',
      reason: 'two people share this web account',
      at: '2026-11-10T09:00:00.000Z',
      record: id(W1),
      customerId: U,
      customerIds: [U, A],
    });
    // U did not exist before: only Ana's customer has a before.
    expect(outcome.event!.before.map((s) => [s.customerId, s.links.map((l) => l.record)])).toEqual([[A, [id(W1), id(M1), id(P1)]]]);
    expect(outcome.event!.after.map((s) => [s.customerId, s.links.map((l) => l.record)])).toEqual([
      [U, [id(W1)]],
      [A, [id(M1), id(P1)]],
    ]);
    const [audit] = await store.events(U);
    expect(audit).toMatchObject({ action: 'MOVED', record: id(W1), previousCustomerId: A, rule: 'MANUAL', actor: 'alice' });
  });

  test('the sync keeps it apart: a full run, and an incremental one after the record changed and a new account shares its email', async () => {
    await syncChangesNothing();
    const W4 = web(10004, { firstName: 'Ana', lastName: 'Roux', email: 'ANA.ROUX@free.fr ', createdAt: '2026-11-11T00:00:00.000Z' });
    readers.ecommerce.put({ ...W1, lastName: 'Roux-Diaz', updatedAt: '2026-11-11T00:00:00.000Z' }, W4);
    const summary = await sync.incremental();
    expect(summary.resolved).toBeGreaterThanOrEqual(4);
    expect(await linksOf(U)).toEqual([[id(W1), 'MANUAL', null, 'alice']]);
    // The rules still work around it: the new account joins Ana's member by email.
    expect((await store.linksOfRecords([id(W4)])).get(id(W4))).toMatchObject({ customerId: A, rule: 'EMAIL', matchedWith: id(M1) });
    await syncChangesNothing();
  });

  test('releaseIdentity hands the record back to the rules: it rejoins Ana, and the emptied customer resolves to hers', async () => {
    const outcome = await releaseIdentity(store, { identity: identity(W1) }, as('checked with the customer: one person'));
    expect(outcome.customerId).toBe(A);
    expect((await store.linksOfRecords([id(W1)])).get(id(W1))).toMatchObject({ customerId: A, rule: 'EMAIL' });
    expect((await store.customers([U])).get(U)?.id).toBe(A);
    expect(outcome.customers.map((c) => [c.customerId, c.mergedInto])).toEqual([
      [A, null],
      [U, A],
    ]);
    await syncChangesNothing();
  });

  test('linkIdentity moves a record to another customer with rule MANUAL; the customer it left keeps its id', async () => {
    const outcome = await linkIdentity(store, { customerId: C, identity: identity(M2) }, as('same person as the web account 10003, per the store'));
    expect(outcome.customerId).toBe(C);
    expect(await linksOf(C)).toEqual([
      [id(W3), 'ORIGIN', null, 'sync'],
      [id(M2), 'MANUAL', null, 'alice'],
    ]);
    expect((await linksOf(B)).map(([record, rule]) => [record, rule])).toEqual([[id(W2), 'ORIGIN']]);
    expect(outcome.event!.customerIds).toEqual([C, B]);
    await syncChangesNothing();
    readers.loyalty.put({ ...M2, phone: '+33622222222', updatedAt: '2026-11-12T00:00:00.000Z' });
    expect((await sync.incremental()).resolved).toBeGreaterThan(0);
    expect((await store.linksOfRecords([id(M2)])).get(id(M2))).toMatchObject({ customerId: C, rule: 'MANUAL' });
  });

  test('mergeCustomers with preview shows the result and writes nothing', async () => {
    const before = await picture();
    const eventsBefore = await store.stewardship.events({ limit: 100 });
    const outcome = await mergeCustomers(store, { survivorId: B, mergedIds: [C] }, as('one household, one person', { preview: true }));
    expect(outcome).toMatchObject({ applied: false, customerId: B, event: null });
    expect(outcome.customers.map((c) => [c.customerId, c.mergedInto, c.links.map((l) => l.record).sort()])).toEqual([
      [B, null, [id(W2), id(W3), id(M2)].sort()],
      [C, B, []],
    ]);
    expect(outcome.customers[0]!.survivors.firstName).toMatchObject({ value: 'Bob', policy: 'TRUSTED_SOURCE', record: { system: 'LOYALTY', localId: 'M2' } });
    expect(await picture()).toEqual(before);
    expect((await store.customers([C])).get(C)?.id).toBe(C);
    expect(await store.stewardship.events({ limit: 100 })).toEqual(eventsBefore);
  });

  let merge: StewardshipOutcome;
  test('mergeCustomers keeps the survivor id, the merged id resolves to it, and the sync keeps them together', async () => {
    merge = await mergeCustomers(store, { survivorId: B, mergedIds: [C] }, as('one household, one person'));
    expect(merge.applied).toBe(true);
    expect((await store.customers([C])).get(C)?.id).toBe(B);
    expect((await store.mergedInto([B])).get(B)).toEqual([C]);
    expect(await linksOf(B)).toEqual([
      [id(W2), 'ORIGIN', null, 'sync'],
      [id(W3), 'MANUAL', id(W2), 'alice'],
      [id(M2), 'MANUAL', null, 'alice'],
    ]);
    expect(merge.event).toMatchObject({ action: 'MERGE', customerIds: [B, C], record: null });
    expect(merge.event!.after.find((s) => s.customerId === C)).toMatchObject({ mergedInto: B, links: [] });
    await syncChangesNothing();
    readers.ecommerce.put({ ...W3, phone: '+33633333333', updatedAt: '2026-11-13T00:00:00.000Z' });
    expect((await sync.incremental()).resolved).toBeGreaterThan(0);
    expect((await store.linksOfRecords([id(W3)])).get(id(W3))?.customerId).toBe(B);
  });

  test('unmergeCustomer restores the merged customer as it was: its id, date and records, the held one included', async () => {
    const createdAt = merge.event!.before.find((s) => s.customerId === C)!.createdAt;
    const outcome = await unmergeCustomer(store, { customerId: C }, as('the merge was a mistake'));
    expect(outcome.event).toMatchObject({ action: 'UNMERGE', reverses: merge.event!.id, customerId: C });
    expect((await store.customers([C])).get(C)).toEqual({ id: C, createdAt });
    expect((await linksOf(C)).map(([record, rule]) => [record, rule])).toEqual([
      [id(W3), 'ORIGIN'],
      [id(M2), 'MANUAL'],
    ]);
    expect((await linksOf(B)).map(([record, rule]) => [record, rule])).toEqual([[id(W2), 'ORIGIN']]);
    expect((await store.mergedInto([B])).get(B)).toEqual([]);
    await syncChangesNothing();
  });

  test('the audit trail lists every decision about a customer, with the steward, the time, the reason and the links', async () => {
    const aboutC = (await store.stewardship.eventsConcerning([C])).get(C)!;
    expect(aboutC.map((e) => e.action)).toEqual(['LINK', 'MERGE', 'UNMERGE']);
    const byAlice = await store.stewardship.events({ actor: 'alice', limit: 10 });
    expect(byAlice.map((e) => e.action)).toEqual(['UNMERGE', 'MERGE', 'LINK', 'RELEASE', 'UNLINK']);
    expect(await store.stewardship.events({ actor: 'bob', limit: 10 })).toEqual([]);
  });

  describe('refuses bad input with a coded error, and changes nothing', () => {
    const W404 = web(404, {});
    test.each<[string, () => Promise<unknown>, RegExp]>([
      ['an unknown customer', () => linkIdentity(store, { customerId: 'cus_nobody', identity: identity(W2) }, as('x')), /customerId "cus_nobody" is not a customer/],
      ['an identity not in the crosswalk', () => unlinkIdentity(store, { identity: identity(W404) }, as('x')), /identity ECOMMERCE "404" \(web account 404\) is not in the crosswalk/],
      ['a system without customer records', () => unlinkIdentity(store, { identity: { system: 'CATALOGUE', localId: '1' } }, as('x')), /identity.system must be one of ECOMMERCE, LOYALTY, POS/],
      ['merging a customer with itself', () => mergeCustomers(store, { survivorId: B, mergedIds: [B] }, as('x')), /cannot merge a customer with itself/],
      ['merging nobody', () => mergeCustomers(store, { survivorId: B, mergedIds: [] }, as('x')), /mergedIds must name at least one customer/],
      ['an empty reason', () => mergeCustomers(store, { survivorId: B, mergedIds: [C] }, as('   ')), /reason must say why, in 1 to 1000 characters; got nothing/],
      ['a survivor merged away', () => mergeCustomers(store, { survivorId: U, mergedIds: [B] }, as('x')), /survivorId: cus_\w+ was merged into cus_\w+ already; give cus_\w+/],
      ['unmerging a live customer', () => unmergeCustomer(store, { customerId: B }, as('x')), /has not been merged into another customer/],
      ['unmerging what the rules merged', () => unmergeCustomer(store, { customerId: U }, as('x')), /was merged into .* by the rules .* not by a steward/],
      ['releasing a record no steward holds', () => releaseIdentity(store, { identity: identity(W2) }, as('x')), /is not held by a steward's decision/],
      ['linking a record where it is held already', () => linkIdentity(store, { customerId: C, identity: identity(M2) }, as('x')), /already linked to .* by alice: nothing to change/],
    ])('%s', async (_, attempt, message) => {
      const before = await picture();
      const events = await store.stewardship.events({ limit: 100 });
      const error = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GraphQLError);
      expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
      expect((error as GraphQLError).message).toMatch(message);
      expect(await picture()).toEqual(before);
      expect(await store.stewardship.events({ limit: 100 })).toEqual(events);
    });
  });

  test('a sync plan made before a decision is refused when written, and nothing of it is written', async () => {
    const version = await store.stewardship.version();
    await linkIdentity(store, { customerId: A, identity: identity(W3) }, as('moved for the test of a stale plan'));
    const before = await picture();
    const stale = { changed: [{ ...(await store.linksOfRecords([id(W3)])).get(id(W3))!, customerId: C }], created: [], merged: [], events: [], links: new Map() };
    await expect(store.applyPlan(stale, [], [], '2026-11-14T00:00:00.000Z', 'sync', { decisionsVersion: version })).rejects.toBeInstanceOf(DecisionsChanged);
    expect(await picture()).toEqual(before);
  });

  test('a decision taken while the sync plans wins: the sync plans again', async () => {
    readers.ecommerce.put({ ...W2, phone: '+33644444444', updatedAt: '2026-11-15T00:00:00.000Z' });
    // The decision lands after the sync made its plan and before it writes it.
    const write = store.applyPlan.bind(store);
    let decision: StewardshipOutcome | undefined;
    let refused: unknown;
    const spy = jest.spyOn(store, 'applyPlan').mockImplementationOnce(async (...args) => {
      decision = await unlinkIdentity(store, { identity: identity(W2) }, as('decided while the sync ran'));
      return write(...args).catch((error: unknown) => {
        refused = error;
        throw error;
      });
    });
    try {
      const summary = await createIdentitySync({ store, readers: Object.values(readers) }).incremental();
      expect(summary.sources.ecommerce).toMatchObject({ changed: 1 });
    } finally {
      spy.mockRestore();
    }
    // The stale plan was refused; the sync planned again (the decision had resolved the change already).
    expect(refused).toBeInstanceOf(DecisionsChanged);
    expect(await linksOf(decision!.customerId)).toEqual([[id(W2), 'MANUAL', null, 'alice']]);
    await syncChangesNothing();
  });
});

describe('who may decide', () => {
  test.each<[string, Principal, string, RegExp]>([
    ['an anonymous request', { role: 'anonymous', actor: null }, 'UNAUTHENTICATED', /linkIdentity needs to know who acts: sign in/],
    ['a blank subject', { role: 'steward', actor: '  ' }, 'UNAUTHENTICATED', /needs to know who acts/],
    ['the rules name', { role: 'steward', actor: 'sync' }, 'UNAUTHENTICATED', /"sync" names the rules/],
    ['another role', { role: 'service', actor: 'carol' }, 'FORBIDDEN', /needs the steward role; carol acts as service/],
    ['a partner', { role: 'partner', actor: 'nrd-integration', franchise: 'NRD' }, 'FORBIDDEN', /acts as partner/],
  ])('refuses %s', (_, principal, code, message) => {
    let error: unknown;
    try {
      stewardOf(principal, 'linkIdentity');
    } catch (e) {
      error = e;
    }
    expect((error as GraphQLError).extensions.code).toBe(code);
    expect((error as GraphQLError).message).toMatch(message);
  });

  test('takes a steward, or an admin, by the subject of their token', () => {
    expect(stewardOf({ role: 'steward', actor: ' dana ' }, 'mergeCustomers')).toEqual({ name: 'dana', role: 'steward' });
    expect(stewardOf({ role: 'admin', actor: 'root' }, 'mergeCustomers')).toEqual({ name: 'root', role: 'admin' });
  });
});
