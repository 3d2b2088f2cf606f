import { GraphQLError } from 'graphql';
import { inChain, SourceFailure } from '../../shared/errors.js';
import { loggerFor } from '../../shared/logger.js';
import type { EcommerceClient, WireCustomer } from '../../ecommerce/client.js';
import type { LoyaltyClient } from '../../loyalty/client.js';
import { legacyConsentStatus } from '../../loyalty/mappers.js';
import { parseRecordId } from '../matching/records.js';
import type { CrosswalkStore } from '../store/crosswalkStore.js';
import type { SqlSession } from '../store/database.js';
import { syncRunner, type SyncRunner } from '../syncRunner.js';
import { copiesKeptBy, type ContactChannel, type ContactPurpose } from './model.js';
import { iso, isoOrNull } from '../store/instants.js';

/**
 * One write, applied everywhere, nothing lost. A decision given through the graph is a row of
 * `contact_decision` before any system is asked; in the same transaction each system that keeps
 * a copy of that choice (the programme's consent per channel, the web shop's newsletter flag)
 * gets a `contact_copy` row naming the decision it must hold. Then each copy is sent until its
 * system acknowledges it, and a later decision takes the copy over wherever it stands: the
 * system ends holding the latest decision, whatever failed or restarted in between. A copy is
 * sent by one run at a time (`claimed_until`), so an older decision never lands after a newer
 * one on the web shop, where the last call wins; the programme keeps the most recently captured
 * record, so order does not matter there.
 */

const log = loggerFor('contact');
/** Who the audit trail names for the copies this job applies. */
export const CONTACT_COPIES_ACTOR = 'crosscanal:contact-copies';

export type CopySystem = 'LOYALTY' | 'ECOMMERCE';
export type CopyState = 'PENDING' | 'APPLIED' | 'FAILED' | 'SUPERSEDED';

export interface DecisionRow {
  id: string;
  customerId: string;
  channel: ContactChannel;
  purpose: ContactPurpose;
  status: 'SUBSCRIBED' | 'UNSUBSCRIBED';
  capturedAt: string;
  place: string;
  actor: string;
  role: string;
  recordedAt: string;
}

export interface CopyRow {
  system: CopySystem;
  localId: string;
  channel: ContactChannel;
  purpose: ContactPurpose;
  customerId: string;
  decisionId: string;
  state: CopyState;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  appliedAt: string | null;
  /** When each status was last written to the system (recorded before the write goes, whatever its answer). */
  lastSent: Record<DecisionRow['status'], string | null>;
}

/** A decision as given, before the crosswalk numbers and stamps it. */
export type NewDecision = Omit<DecisionRow, 'id' | 'recordedAt'>;

/** The systems the copies are written to; a system left null keeps no copy here. */
export interface ContactSystems {
  loyalty: Pick<LoyaltyClient, 'updateConsent'> | null;
  ecommerce: Pick<EcommerceClient, 'customersByIds' | 'setNewsletter'> | null;
}

export interface CopiesSummary {
  applied: number;
  failed: number;
  superseded: number;
  /** Sends that failed for now and will be tried again. */
  retried: number;
}

export interface ContactCopiesOptions {
  store: Pick<CrosswalkStore, 'db' | 'linksOfCustomers'>;
  systems: ContactSystems;
  now?: () => Date;
  /** Copies sent per run at most. Default 500. */
  batch?: number;
  /** Copies in flight at once. Default 4. */
  concurrency?: number;
  /** The first wait before a failed copy is sent again; it doubles, up to 10 minutes. Default 2 s. */
  retryBaseMs?: number;
  /**
   * How long a run holds the copies it sends; a run that died holds them until then. Must outlast
   * a send's timeout, or a late send could land after the next run's. Default 60 s.
   */
  claimMs?: number;
}

export interface ContactCopies extends SyncRunner<CopiesSummary> {
  /** Records a decision and the copies it owes, in one transaction; a repeat finds the first. */
  record(decision: NewDecision): Promise<{ decision: DecisionRow; created: boolean; current: boolean }>;
  /** Sends the customer's copies that are due now and not being sent by another run. */
  applyForCustomer(customerId: string): Promise<CopiesSummary>;
  /** The copies of these customers, by customer id. */
  copiesOf(customerIds: readonly string[]): Promise<Map<string, CopyRow[]>>;
  /** The crosswalk's decisions of these customers, most recent first. */
  decisionsOf(customerIds: readonly string[]): Promise<Map<string, DecisionRow[]>>;
}

/** A web shop stamp this close to our own send is our send's. */
export const OWN_STAMP_MS = 5_000;
/** How long a run holds the copies it sends, unless told otherwise. */
const DEFAULT_CLAIM_MS = 60_000;
/** The longest after its send that one of our writes can be stamped, with the default claim. */
const LANDS_WITHIN_MS = DEFAULT_CLAIM_MS + OWN_STAMP_MS;


function toDecision(row: Record<string, unknown>): DecisionRow {
  return {
    id: String(row.id),
    customerId: String(row.customer_id),
    channel: row.channel as ContactChannel,
    purpose: row.purpose as ContactPurpose,
    status: row.status as DecisionRow['status'],
    capturedAt: iso(row.captured_at),
    place: String(row.place),
    actor: String(row.actor),
    role: String(row.role),
    recordedAt: iso(row.recorded_at),
  };
}

function toCopy(row: Record<string, unknown>): CopyRow {
  return {
    system: row.system as CopySystem,
    localId: String(row.local_id),
    channel: row.channel as ContactChannel,
    purpose: row.purpose as ContactPurpose,
    customerId: String(row.customer_id),
    decisionId: String(row.decision_id),
    state: row.state as CopyState,
    attempts: Number(row.attempts),
    nextAttemptAt: iso(row.next_attempt_at),
    lastError: (row.last_error as string | null) ?? null,
    appliedAt: isoOrNull(row.applied_at),
    lastSent: { SUBSCRIBED: isoOrNull(row.sent_subscribed_at), UNSUBSCRIBED: isoOrNull(row.sent_unsubscribed_at) },
  };
}

/** A decision for the same channel, purpose and instant that says otherwise. */
export class DecisionConflict extends GraphQLError {
  constructor(existing: DecisionRow) {
    super(
      `a decision for ${existing.channel} ${existing.purpose} captured at ${existing.capturedAt} is already recorded as ${existing.status}: one instant holds one decision`,
      { extensions: { code: 'CONTACT_DECISION_CONFLICT', decisionId: existing.id } },
    );
  }
}

export function createContactCopies(options: ContactCopiesOptions): ContactCopies {
  const { store, systems } = options;
  const db = store.db;
  const now = options.now ?? (() => new Date());
  const batch = options.batch ?? 500;
  const concurrency = options.concurrency ?? 4;
  const retryBase = options.retryBaseMs ?? 2_000;
  const claimMs = options.claimMs ?? DEFAULT_CLAIM_MS;
  const retryDelay = (attempts: number) => Math.min(retryBase * 2 ** Math.max(attempts - 1, 0), 600_000);

  /** The records of the customer that keep a copy of this channel and purpose. */
  async function targets(customerId: string, channel: ContactChannel, purpose: ContactPurpose): Promise<Array<{ system: CopySystem; localId: string }>> {
    const kept = copiesKeptBy(channel, purpose).filter((system) => (system === 'LOYALTY' ? systems.loyalty : systems.ecommerce) !== null);
    if (kept.length === 0) return [];
    const links = (await store.linksOfCustomers([customerId])).get(customerId) ?? [];
    return links
      .map((link) => parseRecordId(link.record))
      .filter((key): key is typeof key & { system: CopySystem } => (kept as string[]).includes(key.system))
      .map((key) => ({ system: key.system, localId: key.localId }));
  }

  async function record(decision: NewDecision) {
    const copyTargets = await targets(decision.customerId, decision.channel, decision.purpose);
    return db.transaction(async (tx: SqlSession) => {
      // One decision of a choice at a time, to its commit. Without it two given at once each
      // compare against a snapshot taken before the other committed: when the earlier-captured
      // one takes the copy first, the later one, re-checking the copy under its lock, cannot see
      // the decision it now names and leaves it, and the system is sent the older choice. Each
      // statement after the lock sees what the one before committed (read committed).
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('contact_decision'), hashtext(current_schema() || '/' || $1 || '/' || $2 || '/' || $3))`, [
        decision.customerId,
        decision.channel,
        decision.purpose,
      ]);
      const inserted = await tx.query<Record<string, unknown>>(
        `INSERT INTO contact_decision (customer_id, channel, purpose, status, captured_at, place, actor, role)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (customer_id, channel, purpose, captured_at) DO NOTHING RETURNING *`,
        [decision.customerId, decision.channel, decision.purpose, decision.status, decision.capturedAt, decision.place, decision.actor, decision.role],
      );
      let row: DecisionRow;
      let created = true;
      if (inserted.length === 1) row = toDecision(inserted[0]!);
      else {
        created = false;
        const [existing] = await tx.query<Record<string, unknown>>(
          'SELECT * FROM contact_decision WHERE customer_id = $1 AND channel = $2 AND purpose = $3 AND captured_at = $4',
          [decision.customerId, decision.channel, decision.purpose, decision.capturedAt],
        );
        row = toDecision(existing!);
        if (row.status !== decision.status) throw new DecisionConflict(row);
      }
      // Each copy takes the decision over unless it already holds a later one (a decision
      // captured earlier, given late, is kept in the history but does not travel).
      for (const target of copyTargets) {
        await tx.query(
          `INSERT INTO contact_copy AS c (system, local_id, channel, purpose, customer_id, decision_id, state, attempts, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', 0, $7)
           ON CONFLICT (system, local_id, channel, purpose) DO UPDATE
             SET decision_id = EXCLUDED.decision_id, customer_id = EXCLUDED.customer_id, state = 'PENDING', attempts = 0,
                 next_attempt_at = EXCLUDED.next_attempt_at, last_error = NULL
             WHERE c.decision_id <> EXCLUDED.decision_id
               AND (SELECT captured_at FROM contact_decision WHERE id = c.decision_id) < $8`,
          [target.system, target.localId, decision.channel, decision.purpose, decision.customerId, row.id, now().toISOString(), row.capturedAt],
        );
      }
      const [latest] = await tx.query<{ id: unknown }>(
        'SELECT id FROM contact_decision WHERE customer_id = $1 AND channel = $2 AND purpose = $3 ORDER BY captured_at DESC LIMIT 1',
        [decision.customerId, decision.channel, decision.purpose],
      );
      return { decision: row, created, current: String(latest!.id) === row.id };
    });
  }

  /** Claims due copies (all, or one customer's) that no run is sending. */
  async function claim(customerId: string | null): Promise<Array<CopyRow & { decision: DecisionRow }>> {
    const at = now();
    const rows = await db.query<Record<string, unknown>>(
      `WITH due AS (
         SELECT system, local_id, channel, purpose FROM contact_copy
          WHERE state = 'PENDING' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)
            AND ($3::text IS NULL OR customer_id = $3)
          ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       UPDATE contact_copy c SET claimed_until = $2 FROM due
        WHERE c.system = due.system AND c.local_id = due.local_id AND c.channel = due.channel AND c.purpose = due.purpose
       RETURNING c.*`,
      [at.toISOString(), new Date(at.getTime() + claimMs).toISOString(), customerId, batch],
    );
    if (rows.length === 0) return [];
    const copies = rows.map(toCopy);
    const decisions = await db.query<Record<string, unknown>>('SELECT * FROM contact_decision WHERE id = ANY($1::bigint[])', [[...new Set(copies.map((c) => c.decisionId))]]);
    const byId = new Map(decisions.map((d) => [String(d.id), toDecision(d)]));
    return copies.map((copy) => ({ ...copy, decision: byId.get(copy.decisionId)! }));
  }

  const key = (copy: CopyRow) => [copy.system, copy.localId, copy.channel, copy.purpose];

  /** Ends a send: the new state, only if the copy still names the decision sent (else it stays pending for the newer one). */
  async function settle(copy: CopyRow, state: Exclude<CopyState, 'PENDING'>, error: string | null): Promise<void> {
    const at = now();
    await db.query(
      `UPDATE contact_copy SET state = CASE WHEN decision_id = $5 THEN $6 ELSE state END, attempts = attempts + 1,
         last_error = CASE WHEN decision_id = $5 THEN $7 ELSE last_error END,
         applied_at = CASE WHEN decision_id = $5 AND $6 = 'APPLIED' THEN $8::timestamptz ELSE applied_at END, claimed_until = NULL
       WHERE system = $1 AND local_id = $2 AND channel = $3 AND purpose = $4`,
      [...key(copy), copy.decisionId, state, error, at.toISOString()],
    );
  }

  /** A send that failed for now: tried again after its delay (a newer decision keeps its own schedule). */
  async function retryLater(copy: CopyRow, error: string): Promise<void> {
    await db.query(
      `UPDATE contact_copy SET attempts = attempts + 1, next_attempt_at = CASE WHEN decision_id = $5 THEN $6 ELSE next_attempt_at END,
         last_error = CASE WHEN decision_id = $5 THEN $7 ELSE last_error END, claimed_until = NULL
       WHERE system = $1 AND local_id = $2 AND channel = $3 AND purpose = $4`,
      [...key(copy), copy.decisionId, new Date(now().getTime() + retryDelay(copy.attempts + 1)).toISOString(), error],
    );
  }

  /** Sends one copy to its system; answers what became of it. */
  async function send(copy: CopyRow & { decision: DecisionRow }): Promise<{ state: Exclude<CopyState, 'PENDING'>; error: string | null }> {
    const { decision } = copy;
    if (copy.system === 'LOYALTY') {
      const stored = await systems.loyalty!.updateConsent({
        memberId: copy.localId,
        channel: decision.channel as 'EMAIL' | 'SMS' | 'PHONE' | 'POST',
        status: legacyConsentStatus(decision.status),
        source: decision.place,
        capturedAt: decision.capturedAt,
      });
      return stored === null ? { state: 'FAILED', error: `the programme knows no member ${copy.localId}` } : { state: 'APPLIED', error: null };
    }
    const accountId = Number(copy.localId);
    const optIn = decision.status === 'SUBSCRIBED';
    const [account] = await systems.ecommerce!.customersByIds([accountId]);
    if (!account) return { state: 'FAILED', error: `the web shop knows no customer ${copy.localId}` };
    if (account.newsletter_opt_in === optIn) return { state: 'APPLIED', error: null };
    if (heldLater(account, decision, copy, claimMs + OWN_STAMP_MS)) {
      return { state: 'SUPERSEDED', error: `the web shop holds a later choice of its own (${account.newsletter_opt_in ? 'subscribed' : 'unsubscribed'} at ${account.newsletter_opt_in_at})` };
    }
    // Known as ours before it goes: if the answer is lost, the stamp it leaves is still ours.
    const column = decision.status === 'SUBSCRIBED' ? 'sent_subscribed_at' : 'sent_unsubscribed_at';
    await db.query(`UPDATE contact_copy SET ${column} = $5 WHERE system = $1 AND local_id = $2 AND channel = $3 AND purpose = $4`, [...key(copy), now().toISOString()]);
    const updated = await systems.ecommerce!.setNewsletter(accountId, optIn);
    if (updated === null) return { state: 'FAILED', error: `the web shop knows no customer ${copy.localId}` };
    return { state: 'APPLIED', error: null };
  }

  async function apply(copy: CopyRow & { decision: DecisionRow }, summary: CopiesSummary): Promise<void> {
    let outcome: { state: Exclude<CopyState, 'PENDING'>; error: string | null } | { retry: string };
    try {
      outcome = await send(copy);
    } catch (error) {
      const message = (error as Error).message;
      outcome = inChain(error, SourceFailure)?.kind === 'badRequest' ? { state: 'FAILED', error: message } : { retry: message };
    }
    if ('retry' in outcome) {
      await retryLater(copy, outcome.retry);
      summary.retried += 1;
      return;
    }
    await settle(copy, outcome.state, outcome.error);
    if (outcome.state === 'APPLIED') summary.applied += 1;
    else if (outcome.state === 'FAILED') summary.failed += 1;
    else summary.superseded += 1;
    const { decision } = copy;
    log.info(
      { audit: 'contact-copy', actor: CONTACT_COPIES_ACTOR, decision: decision.id, decidedBy: decision.actor, customer: decision.customerId, system: copy.system, record: copy.localId, channel: decision.channel, purpose: decision.purpose, status: decision.status, state: outcome.state, error: outcome.error },
      'contact choice copied',
    );
  }

  async function runDue(customerId: string | null): Promise<CopiesSummary> {
    const summary: CopiesSummary = { applied: 0, failed: 0, superseded: 0, retried: 0 };
    for (;;) {
      const due = await claim(customerId);
      let next = 0;
      const worker = async () => {
        while (next < due.length) await apply(due[next++]!, summary);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
      // A customer's own copies: one pass (a retry waits for its delay). A run: while a full batch came.
      if (customerId !== null || due.length < batch) return summary;
    }
  }

  const runner = syncRunner<CopiesSummary>(() => runDue(null));

  return {
    ...runner,
    get running() {
      return runner.running;
    },
    record,
    applyForCustomer: (customerId) => runDue(customerId),
    async copiesOf(customerIds) {
      const out = new Map<string, CopyRow[]>();
      if (customerIds.length === 0) return out;
      const rows = await db.query<Record<string, unknown>>('SELECT * FROM contact_copy WHERE customer_id = ANY($1::text[]) ORDER BY system, local_id, channel, purpose', [[...customerIds]]);
      for (const row of rows.map(toCopy)) out.set(row.customerId, [...(out.get(row.customerId) ?? []), row]);
      return out;
    },
    async decisionsOf(customerIds) {
      const out = new Map<string, DecisionRow[]>();
      if (customerIds.length === 0) return out;
      const rows = await db.query<Record<string, unknown>>('SELECT * FROM contact_decision WHERE customer_id = ANY($1::text[]) ORDER BY captured_at DESC, id DESC', [[...customerIds]]);
      for (const row of rows.map(toDecision)) out.set(row.customerId, [...(out.get(row.customerId) ?? []), row]);
      return out;
    },
  };
}

/**
 * Whether the web shop holds a choice made after the decision, by the customer on the web: its
 * stamp is later than the decision's instant, and it is not what one of our own writes left
 * there (see {@link isOwnStamp}).
 */
export function heldLater(
  account: Pick<WireCustomer, 'newsletter_opt_in' | 'newsletter_opt_in_at'>,
  decision: Pick<DecisionRow, 'capturedAt'>,
  copy: Pick<CopyRow, 'lastSent'>,
  landsWithinMs = LANDS_WITHIN_MS,
): boolean {
  if (!account.newsletter_opt_in_at) return false;
  const stamp = Date.parse(account.newsletter_opt_in_at);
  if (stamp <= Date.parse(decision.capturedAt)) return false;
  return !isOwnStamp(account, copy, landsWithinMs);
}

/**
 * The web shop's choice is one our writes left: we last sent that status at most
 * {@link OWN_STAMP_MS} after the shop stamped it (the clocks differ), and no longer before it
 * than a send can take to land (`landsWithinMs`: a send is held by one run, its timeout within
 * the claim). Each status is remembered apart: a send that landed with its answer lost stays
 * ours when a later send of the other status fails before it lands; and a stamp long after our
 * send of the same status is the customer's own.
 */
export function isOwnStamp(account: Pick<WireCustomer, 'newsletter_opt_in' | 'newsletter_opt_in_at'>, copy: Pick<CopyRow, 'lastSent'>, landsWithinMs = LANDS_WITHIN_MS): boolean {
  const sentAt = copy.lastSent[account.newsletter_opt_in ? 'SUBSCRIBED' : 'UNSUBSCRIBED'];
  if (!account.newsletter_opt_in_at || sentAt === null) return false;
  const since = Date.parse(account.newsletter_opt_in_at) - Date.parse(sentAt);
  return since >= -OWN_STAMP_MS && since <= landsWithinMs;
}
