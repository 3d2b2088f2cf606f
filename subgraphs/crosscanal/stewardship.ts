import { GraphQLError } from 'graphql';
import { badUserInput } from '../shared/errors.js';
import type { Principal } from '../shared/principal.js';
import { describeRecord } from './explain.js';
import { widenScope } from './identitySync.js';
import { newCustomerId, type CustomerLink, type LinkPlan } from './matching/plan.js';
import { parseRecordId, recordId, type RecordSystem } from './matching/records.js';
import type { CrosswalkStore } from './store/crosswalkStore.js';
import type { CustomerState, StewardshipAction, StewardshipEvent } from './store/stewardshipStore.js';
import { planWithDecisions } from './stewardshipPlan.js';
import { survivors, type Survivors } from './survivorship.js';

export interface Steward {
  name: string;
  role: string;
}

/** The roles that may link, unlink, merge and unmerge. */
const STEWARD_ROLES: ReadonlySet<string> = new Set(['steward', 'admin']);

/**
 * The steward a request acts for, from the principal the gateway verified: an anonymous
 * request is UNAUTHENTICATED, another role FORBIDDEN. `sync` names the rules and no person,
 * so no token may act under that name.
 */
export function stewardOf(principal: Principal, operation: string): Steward {
  const name = principal.actor?.trim() ?? '';
  if (principal.role === 'anonymous' || name === '') {
    throw coded('UNAUTHENTICATED', `${operation} needs to know who acts: sign in with a token that names its subject`);
  }
  if (name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw coded('UNAUTHENTICATED', `the token's subject must be 1 to 200 printable characters, got ${JSON.stringify(name.slice(0, 60))}`);
  }
  if (name.toLowerCase() === 'sync') throw coded('UNAUTHENTICATED', `the subject "${name}" names the rules, not a steward`);
  if (!STEWARD_ROLES.has(principal.role)) throw coded('FORBIDDEN', `${operation} needs the steward role; ${name} acts as ${principal.role}`);
  return { name, role: principal.role };
}

/** A local record as the graph names it (`Identity`). */
export interface IdentityArgument {
  system: string;
  localId: string;
  franchise?: string | null;
}

/** A customer as a decision leaves it (or would leave it, in a preview). */
export interface CustomerOutcome extends CustomerState {
  /** Its displayed values, from the records it then holds. */
  survivors: Survivors;
}

export interface StewardshipOutcome {
  /** False for a preview: nothing was written. */
  applied: boolean;
  /** The customer decided about: where the record went, the survivor, the customer restored. */
  customerId: string;
  /** Every customer the decision changed, that one first. */
  customers: CustomerOutcome[];
  /** The audit entry; null for a preview. */
  event: StewardshipEvent | null;
}

export interface DecisionOptions {
  steward: Steward;
  reason: string;
  /** Work out the outcome and write nothing. */
  preview?: boolean;
  now?: Date;
}

/** Moves a record to a customer (an id merged away stands for its survivor), where it stays whatever the rules say. */
export function linkIdentity(store: CrosswalkStore, args: { customerId: string; identity: IdentityArgument }, options: DecisionOptions): Promise<StewardshipOutcome> {
  return decide(store, 'LINK', options, async (tx) => {
    const record = await knownRecord(tx, args.identity);
    const target = await customer(tx, args.customerId, 'customerId');
    const link = (await tx.linksOfRecords([record])).get(record)!;
    const hold = (await tx.stewardship.holds([record])).get(record);
    if (hold && hold.customerId === target && link.customerId === target) {
      throw badUserInput(`${describe(record)} is already linked to ${target} by ${hold.actor}: nothing to change`, 'identity');
    }
    const theirs = (await tx.linksOfCustomers([target])).get(target)!.map((l) => l.record);
    return {
      record,
      seeds: [record, ...theirs],
      apply: (eventId) => tx.stewardship.setHold(record, target, eventId),
    };
  });
}

/**
 * Detaches a record into a new customer of its own, and keeps the rules from joining it (or
 * anyone through it) again. A record already alone is kept apart where it is.
 */
export function unlinkIdentity(store: CrosswalkStore, args: { identity: IdentityArgument }, options: DecisionOptions): Promise<StewardshipOutcome> {
  return decide(store, 'UNLINK', options, async (tx, now) => {
    const record = await knownRecord(tx, args.identity);
    const link = (await tx.linksOfRecords([record])).get(record)!;
    const mine = (await tx.linksOfCustomers([link.customerId])).get(link.customerId)!.map((l) => l.record);
    const hold = (await tx.stewardship.holds([record])).get(record);
    if (mine.length === 1 && hold) {
      throw badUserInput(`${describe(record)} is already on its own in ${link.customerId}, kept apart by ${hold.actor}: nothing to change`, 'identity');
    }
    return {
      record,
      seeds: mine,
      apply: async (eventId) => {
        if (mine.length === 1) return tx.stewardship.setHold(record, link.customerId, eventId);
        const used = await tx.usedCustomerIds();
        const customerId = newCustomerId(record, (id) => used.has(id));
        await tx.applyPlan(emptyPlan({ created: [{ customerId, origin: record }] }), [], [], now, options.steward.name);
        await tx.stewardship.setHold(record, customerId, eventId);
      },
    };
  });
}

/** Hands a record a steward placed back to the rules: it goes where they put it, now. */
export function releaseIdentity(store: CrosswalkStore, args: { identity: IdentityArgument }, options: DecisionOptions): Promise<StewardshipOutcome> {
  return decide(store, 'RELEASE', options, async (tx) => {
    const record = await knownRecord(tx, args.identity);
    if (!(await tx.stewardship.holds([record])).has(record)) {
      throw badUserInput(`${describe(record)} is not held by a steward's decision: the rules already place it`, 'identity');
    }
    const link = (await tx.linksOfRecords([record])).get(record)!;
    const mine = (await tx.linksOfCustomers([link.customerId])).get(link.customerId)!.map((l) => l.record);
    return { record, seeds: mine, apply: () => tx.stewardship.removeHold(record) };
  });
}

/**
 * Merges customers into a survivor, which keeps its id; the merged ids resolve to it from now
 * on, and the rules keep the records together until an unmerge.
 */
export function mergeCustomers(store: CrosswalkStore, args: { survivorId: string; mergedIds: readonly string[] }, options: DecisionOptions): Promise<StewardshipOutcome> {
  return decide(store, 'MERGE', options, async (tx, now) => {
    if (args.mergedIds.length === 0) throw badUserInput('mergedIds must name at least one customer to merge into the survivor', 'mergedIds');
    if (args.mergedIds.length > 50) throw badUserInput(`mergedIds takes at most 50 customers at once, got ${args.mergedIds.length}`, 'mergedIds');
    const repeated = args.mergedIds.find((id, i) => args.mergedIds.indexOf(id) !== i);
    if (repeated !== undefined) throw badUserInput(`mergedIds names ${JSON.stringify(repeated)} twice`, 'mergedIds');
    if (args.mergedIds.includes(args.survivorId)) {
      throw badUserInput(`cannot merge a customer with itself: ${JSON.stringify(args.survivorId)} is both the survivor and in mergedIds`, 'mergedIds');
    }
    const survivor = await liveCustomer(tx, args.survivorId, 'survivorId');
    const merged: string[] = [];
    for (const id of args.mergedIds) {
      const live = await liveCustomer(tx, id, 'mergedIds');
      if (live === survivor) throw badUserInput(`cannot merge a customer with itself: ${JSON.stringify(id)} is the survivor`, 'mergedIds');
      merged.push(live);
    }
    const links = await tx.linksOfCustomers([survivor, ...merged]);
    const all = [...links.values()].flat();
    return {
      record: null,
      customerId: survivor,
      seeds: all.map((l) => l.record),
      apply: async (eventId) => {
        const moved: CustomerLink[] = merged.flatMap((id) =>
          links.get(id)!.map((link) =>
            // The survivor keeps its own origin; the merged customer's is explained again, by the merge.
            link.rule === 'ORIGIN'
              ? { ...link, customerId: survivor, rule: 'MANUAL' as const, matchedWith: null, evidence: [], linkedAt: now, linkedBy: options.steward.name }
              : { ...link, customerId: survivor, linkedAt: now },
          ),
        );
        await tx.applyPlan(
          emptyPlan({
            changed: moved,
            merged: merged.map((from) => ({ from, into: survivor })),
            events: [
              ...moved.map((link) => ({
                action: 'MOVED' as const,
                customerId: survivor,
                record: link.record,
                previousCustomerId: all.find((l) => l.record === link.record)!.customerId,
                rule: link.rule,
                evidence: link.evidence,
              })),
              ...merged.map((from) => ({ action: 'MERGED' as const, customerId: survivor, record: null, previousCustomerId: from, rule: null, evidence: [] })),
            ],
          }),
          [],
          [],
          now,
          options.steward.name,
        );
        const holds = await tx.stewardship.holds(all.map((l) => l.record));
        await tx.stewardship.addJoin(
          eventId,
          all.filter((l) => !holds.has(l.record)).map((l) => ({ record: l.record, fromCustomerId: l.customerId })),
        );
        for (const id of merged) await tx.stewardship.addMerge(eventId, id, survivor);
      },
    };
  });
}

/**
 * Restores a customer a steward merged away: its id, its creation date, the ids merged into it
 * before, and the records it had that are still with the customer it went to. A record a
 * steward has placed since stays where they placed it.
 */
export function unmergeCustomer(store: CrosswalkStore, args: { customerId: string }, options: DecisionOptions): Promise<StewardshipOutcome> {
  return decide(store, 'UNMERGE', options, async (tx, now) => {
    const found = (await tx.customers([args.customerId])).get(args.customerId);
    if (!found) throw badUserInput(`customerId ${JSON.stringify(args.customerId)} is not a customer`, 'customerId');
    if (found.id === args.customerId) throw badUserInput(`customerId ${args.customerId} has not been merged into another customer: nothing to unmerge`, 'customerId');
    const open = await tx.stewardship.openMerge(args.customerId);
    if (!open) {
      throw badUserInput(
        `customerId ${args.customerId} was merged into ${found.id} by the rules (their records match), not by a steward: unlink the records that do not belong instead`,
        'customerId',
      );
    }
    const wentTo = found.id;
    const theirs = (await tx.linksOfCustomers([wentTo])).get(wentTo)!;
    const holds = await tx.stewardship.holds(theirs.map((l) => l.record));
    const still = new Set(theirs.map((l) => l.record));
    const back = open.before.links.filter((l) => still.has(l.record) && !holds.has(l.record));
    return {
      record: null,
      customerId: args.customerId,
      reverses: open.eventId,
      seeds: theirs.map((l) => l.record),
      apply: async (eventId) => {
        await tx.stewardship.restoreCustomer(open.before, wentTo);
        const restored = back.map((link) => ({ ...link, customerId: args.customerId }));
        await tx.applyPlan(
          emptyPlan({
            changed: restored,
            events: restored.map((link) => ({
              action: 'MOVED' as const,
              customerId: args.customerId,
              record: link.record,
              previousCustomerId: wentTo,
              rule: link.rule,
              evidence: link.evidence,
            })),
          }),
          [],
          [],
          now,
          options.steward.name,
        );
        await tx.stewardship.removeJoinPart(open.eventId, args.customerId, back.map((l) => l.record));
        await tx.stewardship.closeMerge(open.eventId, args.customerId, eventId);
      },
    };
  });
}

// ------------------------------------------------------------------ the decision

/** One decision, checked and ready to be carried out. */
interface Decision {
  /** The record decided about. */
  record: string | null;
  /** The customer decided about, when known before planning; else the record's customer afterwards. */
  customerId?: string;
  reverses?: number;
  /** Records whose customers the decision touches; the scope planned is everything they reach. */
  seeds: string[];
  /** The decision's own writes, once its event exists; the rules' consequences are planned after. */
  apply(eventId: number): Promise<void>;
}

/** Thrown to roll a preview back once its outcome is known. */
class PreviewRollback extends Error {
  constructor(readonly outcome: StewardshipOutcome) {
    super('preview: rolled back');
  }
}

/**
 * Runs a decision in one transaction: checks it (under the stewardship lock), records the
 * event, carries the decision out, plans its consequences the way the sync would, and keeps
 * every concerned customer's links before and after. Anything thrown leaves nothing behind; a
 * preview goes all the way, then is rolled back.
 */
async function decide(
  store: CrosswalkStore,
  action: StewardshipAction,
  options: DecisionOptions,
  check: (tx: CrosswalkStore, now: string) => Promise<Decision>,
): Promise<StewardshipOutcome> {
  const reason = options.reason.trim();
  if (reason === '' || reason.length > 1000) {
    throw badUserInput(`reason must say why, in 1 to 1000 characters; got ${reason === '' ? 'nothing' : `${reason.length} characters`}`, 'reason');
  }
  const now = (options.now ?? new Date()).toISOString();
  const { steward } = options;
  try {
    return await store.transaction(async (tx) => {
      await tx.stewardship.lock();
      const decision = await check(tx, now);
      const scope = await widenScope(tx, decision.seeds);
      const ids = [...scope.keys()];
      const before = await tx.linksOfRecords(ids);
      const beforeStates = await states(tx, [...new Set([...before.values()].map((l) => l.customerId))].sort(compareText), before);
      const eventId = await tx.stewardship.insertEvent({
        at: now,
        action,
        actor: steward.name,
        role: steward.role,
        reason,
        record: decision.record,
        customerId: decision.customerId ?? before.get(decision.record!)!.customerId,
        before: [],
        reverses: decision.reverses,
      });
      await decision.apply(eventId);

      const current = await tx.linksOfRecords(ids);
      const decisions = await tx.stewardship.decisions(ids);
      const used = await tx.usedCustomerIds();
      // Links the rules explain are signed by them (`sync`); the steward signs the MANUAL ones and the audit events.
      const { plan, candidates } = planWithDecisions([...scope.values()], current, decisions, { now, isTaken: (id) => used.has(id) });
      await tx.applyPlan(plan, ids, candidates, now, steward.name);

      const after = await tx.linksOfRecords(ids);
      const customerId = decision.customerId ?? after.get(decision.record!)!.customerId;
      const concerned = changedCustomers(before, after, customerId);
      const afterStates = await states(tx, concerned, after);
      const was = new Map(beforeStates.map((state) => [state.customerId, state]));
      await tx.stewardship.finishEvent(eventId, {
        customerId,
        customerIds: concerned,
        before: concerned.flatMap((id) => (was.has(id) ? [was.get(id)!] : [])),
        after: afterStates,
      });
      const records = await tx.records(ids);
      const customers = afterStates.map((state) => ({ ...state, survivors: survivors(state.links.map((l) => records.get(l.record)!)) }));
      if (options.preview) throw new PreviewRollback({ applied: false, customerId, customers, event: null });
      return { applied: true, customerId, customers, event: await tx.stewardship.event(eventId) };
    });
  } catch (error) {
    if (error instanceof PreviewRollback) return error.outcome;
    throw error;
  }
}

/** The decided-about customer, then every customer whose links differ between the two moments, in id order. */
function changedCustomers(before: ReadonlyMap<string, CustomerLink>, after: ReadonlyMap<string, CustomerLink>, first: string): string[] {
  const signature = (links: ReadonlyMap<string, CustomerLink>) => {
    const byCustomer = new Map<string, CustomerLink[]>();
    for (const link of [...links.values()].sort((x, y) => compareText(x.record, y.record))) {
      byCustomer.set(link.customerId, [...(byCustomer.get(link.customerId) ?? []), link]);
    }
    return new Map([...byCustomer].map(([id, list]) => [id, JSON.stringify(list)]));
  };
  const was = signature(before);
  const is = signature(after);
  const changed = [...new Set([...was.keys(), ...is.keys()])].filter((id) => was.get(id) !== is.get(id) && id !== first).sort(compareText);
  return [first, ...changed];
}

/** Each customer's state from the links given: live with its creation date, or merged into another. */
async function states(tx: CrosswalkStore, ids: readonly string[], links: ReadonlyMap<string, CustomerLink>): Promise<CustomerState[]> {
  const found = await tx.customers(ids);
  const aliases = await tx.mergedInto(ids);
  return ids.map((id) => {
    const live = found.get(id);
    return {
      customerId: id,
      createdAt: live?.id === id ? live.createdAt : null,
      mergedInto: live && live.id !== id ? live.id : null,
      mergedIds: live?.id === id ? (aliases.get(id) ?? []) : [],
      links: [...links.values()].filter((l) => l.customerId === id).sort((x, y) => compareText(x.record, y.record)),
    };
  });
}

// ------------------------------------------------------------------ checks

const SYSTEMS: readonly RecordSystem[] = ['ECOMMERCE', 'LOYALTY', 'POS'];

/** The record an identity names, which must be in the crosswalk. */
async function knownRecord(tx: CrosswalkStore, identity: IdentityArgument): Promise<string> {
  if (!SYSTEMS.includes(identity.system as RecordSystem)) {
    throw badUserInput(`identity.system must be one of ${SYSTEMS.join(', ')} (the systems that hold customer records), got ${identity.system}`, 'identity');
  }
  const localId = identity.localId.trim();
  if (localId === '') throw badUserInput('identity.localId must not be blank', 'identity');
  const franchise = identity.franchise?.trim() || null;
  const record = recordId({ system: identity.system as RecordSystem, franchise, localId });
  if (!(await tx.linksOfRecords([record])).has(record)) {
    throw badUserInput(`identity ${describe(record)} is not in the crosswalk: Customer.identities lists the records it holds`, 'identity');
  }
  return record;
}

/** The live customer an id resolves to (an id merged away gives its survivor). */
async function customer(tx: CrosswalkStore, id: string, argument: string): Promise<string> {
  const found = (await tx.customers([id])).get(id);
  if (!found) throw badUserInput(`${argument} ${JSON.stringify(id)} is not a customer`, argument);
  return found.id;
}

/** A customer that is live itself, not an id merged away. */
async function liveCustomer(tx: CrosswalkStore, id: string, argument: string): Promise<string> {
  const live = await customer(tx, id, argument);
  if (live !== id) throw badUserInput(`${argument}: ${id} was merged into ${live} already; give ${live}`, argument);
  return live;
}

function describe(record: string): string {
  const key = parseRecordId(record);
  return `${key.system} ${JSON.stringify(key.localId)}${key.franchise ? ` of franchise ${key.franchise}` : ''} (${describeRecord(key)})`;
}

function emptyPlan(parts: Partial<Omit<LinkPlan, 'links'>>): LinkPlan {
  return { changed: [], created: [], merged: [], events: [], links: new Map(), ...parts };
}

function coded(code: 'UNAUTHENTICATED' | 'FORBIDDEN', message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

