import { randomUUID } from 'node:crypto';
import { inChain, SourceFailure } from '../../shared/errors.js';
import { loggerFor } from '../../shared/logger.js';
import { lookupsOf } from '../../pos/identities.js';
import { parseRecordId, phonesOf, posKind } from '../matching/records.js';
import type { CrosswalkStore } from '../store/crosswalkStore.js';
import { iso, isoOrNull } from '../store/instants.js';
import { syncRunner, type SyncRunner } from '../syncRunner.js';

/**
 * The right to erasure, fanned out to every system through the same durable pattern as the
 * contact choices: the request and one receipt per system record are written in one
 * transaction before any system is asked; each receipt is sent until its system acknowledges
 * (each system's erase is idempotent, so a send whose answer was lost is simply sent again);
 * a run holds the receipts it sends (`claimed_until`), so a dead run's receipts are taken over
 * once its claim ends. The request is DONE when every receipt is.
 */

const log = loggerFor('erasure');
export const ERASURE_ACTOR = 'crosscanal:erasure';

export type ErasureSystem = 'ECOMMERCE' | 'LOYALTY' | 'POS';
export type ReceiptState = 'PENDING' | 'DONE' | 'FAILED';

/** What the tills are asked to forget: the customer's own till identities. */
export interface TillIdentities {
  cardNumbers: string[];
  phones: string[];
  clients: Array<{ franchise: string; clientId: number }>;
}

/** The systems' erase operations (each idempotent); a system left null is not asked. */
export interface ErasureSystems {
  ecommerce: { eraseCustomer(id: number): Promise<{ erasedAt: string } | null> } | null;
  loyalty: { eraseMember(memberId: string, requestId: string): Promise<{ erasedAt: string; duplicate: boolean } | null> } | null;
  pos: { eraseCustomer(identities: TillIdentities): Promise<unknown> } | null;
}

export interface ErasureReceipt {
  system: ErasureSystem;
  target: string;
  state: ReceiptState;
  attempts: number;
  lastError: string | null;
  erasedAt: string | null;
  answer: unknown;
}

export interface ErasureRequest {
  id: string;
  customerId: string;
  reason: string;
  requestedAt: string;
  actor: string;
  role: string;
  state: ReceiptState;
  completedAt: string | null;
  receipts: ErasureReceipt[];
}

export interface Erasures extends SyncRunner<{ done: number; failed: number; retried: number }> {
  /** Records a request (or answers the customer's open one) with its receipts. */
  request(input: { customerId: string; reason: string; actor: string; role: string }): Promise<{ request: ErasureRequest; created: boolean }>;
  /** Sends the request's receipts that are due and not held by another run. */
  applyRequest(id: string): Promise<void>;
  /** The customer's requests, newest first. */
  requestsOf(customerId: string): Promise<ErasureRequest[]>;
}

function toReceipt(row: Record<string, unknown>): ErasureReceipt {
  return {
    system: row.system as ErasureSystem,
    target: String(row.target),
    state: row.state as ReceiptState,
    attempts: Number(row.attempts),
    lastError: (row.last_error as string | null) ?? null,
    erasedAt: isoOrNull(row.erased_at),
    answer: row.answer ?? null,
  };
}

export function createErasures({ store, systems, retryBaseMs = 2_000, claimMs = 60_000, now = () => new Date() }: { store: CrosswalkStore; systems: ErasureSystems; retryBaseMs?: number; claimMs?: number; now?: () => Date }): Erasures {
  const db = store.db;
  const retryDelay = (attempts: number) => Math.min(retryBaseMs * 2 ** Math.max(attempts - 1, 0), 600_000);

  async function load(ids: readonly string[]): Promise<ErasureRequest[]> {
    if (ids.length === 0) return [];
    const [requests, receipts] = await Promise.all([
      db.query<Record<string, unknown>>('SELECT * FROM erasure_request WHERE id = ANY($1::text[]) ORDER BY requested_at DESC, id', [[...ids]]),
      db.query<Record<string, unknown>>('SELECT * FROM erasure_receipt WHERE request_id = ANY($1::text[]) ORDER BY system, target', [[...ids]]),
    ]);
    return requests.map((row) => ({
      id: String(row.id),
      customerId: String(row.customer_id),
      reason: String(row.reason),
      requestedAt: iso(row.requested_at),
      actor: String(row.actor),
      role: String(row.role),
      state: row.state as ReceiptState,
      completedAt: isoOrNull(row.completed_at),
      receipts: receipts.filter((r) => r.request_id === row.id).map(toReceipt),
    }));
  }

  /** The receipts a customer's records call for: each web account, each member, and the tills by the customer's own till identities. */
  async function receiptsFor(customerId: string): Promise<Array<{ system: ErasureSystem; target: string; detail: unknown }>> {
    const links = (await store.linksOfCustomers([customerId])).get(customerId) ?? [];
    const records = await store.records(links.map((l) => l.record));
    const out: Array<{ system: ErasureSystem; target: string; detail: unknown }> = [];
    const tills: TillIdentities = { cardNumbers: [], phones: [], clients: [] };
    const keys = links.map((link) => parseRecordId(link.record));
    for (const [i, key] of keys.entries()) {
      if (key.system === 'ECOMMERCE' && systems.ecommerce) out.push({ system: 'ECOMMERCE', target: key.localId, detail: {} });
      if (key.system === 'LOYALTY') {
        if (systems.loyalty) out.push({ system: 'LOYALTY', target: key.localId, detail: {} });
        // The member's cards were scanned at tills: the receipts carry them.
        for (const card of records.get(links[i]!.record)?.cards ?? []) tills.cardNumbers.push(card.number);
      }
      // A client's phone is theirs too (OUE files phones in its client table).
      if (key.system === 'POS' && posKind(key.localId) === 'client') tills.phones.push(...phonesOf(records.get(links[i]!.record) ?? { phone: null }));
    }
    // The customer's own till identities, read as the tills' lookups read them.
    for (const lookup of lookupsOf(keys.filter((key) => key.system === 'POS'))) {
      if (lookup.kind === 'card') tills.cardNumbers.push(lookup.card);
      else if (lookup.kind === 'phone') tills.phones.push(lookup.phone);
      else tills.clients.push({ franchise: lookup.franchise, clientId: lookup.clientId });
    }
    const unique = (values: string[]) => [...new Set(values)].sort();
    if (systems.pos && (tills.cardNumbers.length > 0 || tills.phones.length > 0 || tills.clients.length > 0)) {
      out.push({ system: 'POS', target: 'tills', detail: { cardNumbers: unique(tills.cardNumbers), phones: unique(tills.phones), clients: tills.clients } });
    }
    return out;
  }

  /**
   * The crosswalk is a recipient too: once every system has erased the person, its own copy of
   * their records goes (names, e-mails, phones, postcode, birth date, and the values the links
   * were made on). The links stay, so the golden id still resolves (to nobody in particular);
   * the contact decisions stay as the record of what the person refused.
   */
  async function eraseCrosswalkCopy(customerId: string): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.query(
        `UPDATE source_record r SET first_name = NULL, last_name = NULL, email = NULL, email_key = NULL, phone = NULL, second_phone = NULL, postcode = NULL, birth_date = NULL
          FROM customer_link l WHERE l.customer_id = $1 AND l.system = r.system AND l.franchise = r.franchise AND l.local_id = r.local_id`,
        [customerId],
      );
      await tx.query("UPDATE customer_link SET evidence = '[]'::jsonb WHERE customer_id = $1", [customerId]);
      await tx.query("UPDATE link_event SET evidence = '[]'::jsonb WHERE customer_id = $1", [customerId]);
    });
    log.info({ audit: 'erasure', actor: ERASURE_ACTOR, customer: customerId, system: 'CROSSCANAL' }, "the crosswalk's copy erased");
  }

  async function request(input: { customerId: string; reason: string; actor: string; role: string }) {
    const receipts = await receiptsFor(input.customerId);
    const id = `er_${randomUUID()}`;
    const created = await db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO erasure_request (id, customer_id, reason, requested_at, actor, role, state) VALUES ($1, $2, $3, $4, $5, $6, 'PENDING')
         ON CONFLICT (customer_id) WHERE state = 'PENDING' DO NOTHING RETURNING id`,
        [id, input.customerId, input.reason, now().toISOString(), input.actor, input.role],
      );
      if (inserted.length === 0) return false;
      for (const receipt of receipts) {
        // Due now by this process's clock, the one the runs compare with (the database's may be ahead of it).
        await tx.query('INSERT INTO erasure_receipt (request_id, system, target, target_detail, state, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          id,
          receipt.system,
          receipt.target,
          JSON.stringify(receipt.detail),
          'PENDING',
          now().toISOString(),
        ]);
      }
      // Nothing to ask anybody: done at once.
      if (receipts.length === 0) await tx.query("UPDATE erasure_request SET state = 'DONE', completed_at = $2 WHERE id = $1", [id, now().toISOString()]);
      return true;
    });
    const [open] = created
      ? await load([id])
      : await db.query<{ id: string }>("SELECT id FROM erasure_request WHERE customer_id = $1 AND state = 'PENDING'", [input.customerId]).then((rows) => load(rows.map((r) => r.id)));
    return { request: open!, created };
  }

  async function send(row: Record<string, unknown>): Promise<{ erasedAt: string; answer: unknown } | { failed: string }> {
    const system = row.system as ErasureSystem;
    const target = String(row.target);
    if (system === 'ECOMMERCE') {
      const answer = await systems.ecommerce!.eraseCustomer(Number(target));
      return answer ? { erasedAt: answer.erasedAt, answer } : { failed: `the web shop knows no customer ${target}` };
    }
    if (system === 'LOYALTY') {
      const answer = await systems.loyalty!.eraseMember(target, String(row.request_id));
      return answer ? { erasedAt: answer.erasedAt, answer } : { failed: `the programme knows no member ${target}` };
    }
    const detail = row.target_detail as TillIdentities;
    const answer = await systems.pos!.eraseCustomer(detail);
    return { erasedAt: now().toISOString(), answer };
  }

  async function runDue(requestId: string | null): Promise<{ done: number; failed: number; retried: number }> {
    const summary = { done: 0, failed: 0, retried: 0 };
    const at = now();
    const due = await db.query<Record<string, unknown>>(
      `WITH due AS (
         SELECT request_id, system, target FROM erasure_receipt
          WHERE state = 'PENDING' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1) AND ($3::text IS NULL OR request_id = $3)
          ORDER BY next_attempt_at LIMIT 200 FOR UPDATE SKIP LOCKED)
       UPDATE erasure_receipt r SET claimed_until = $2 FROM due
        WHERE r.request_id = due.request_id AND r.system = due.system AND r.target = due.target
       RETURNING r.*`,
      [at.toISOString(), new Date(at.getTime() + claimMs).toISOString(), requestId],
    );
    for (const row of due) {
      const key = [row.request_id, row.system, row.target];
      let outcome: { erasedAt: string; answer: unknown } | { failed: string } | { retry: string };
      try {
        outcome = await send(row);
      } catch (error) {
        const message = (error as Error).message;
        outcome = inChain(error, SourceFailure)?.kind === 'badRequest' ? { failed: message } : { retry: message };
      }
      if ('retry' in outcome) {
        await db.query('UPDATE erasure_receipt SET attempts = attempts + 1, next_attempt_at = $4, last_error = $5, claimed_until = NULL WHERE request_id = $1 AND system = $2 AND target = $3', [
          ...key,
          new Date(now().getTime() + retryDelay(Number(row.attempts) + 1)).toISOString(),
          outcome.retry,
        ]);
        summary.retried += 1;
        continue;
      }
      if ('failed' in outcome) {
        await db.query("UPDATE erasure_receipt SET state = 'FAILED', attempts = attempts + 1, last_error = $4, claimed_until = NULL WHERE request_id = $1 AND system = $2 AND target = $3", [...key, outcome.failed]);
        summary.failed += 1;
      } else {
        await db.query(
          "UPDATE erasure_receipt SET state = 'DONE', attempts = attempts + 1, last_error = NULL, erased_at = $4, answer = $5, claimed_until = NULL WHERE request_id = $1 AND system = $2 AND target = $3",
          [...key, outcome.erasedAt, JSON.stringify(outcome.answer)],
        );
        summary.done += 1;
      }
      log.info({ audit: 'erasure', actor: ERASURE_ACTOR, request: row.request_id, system: row.system, target: row.target, outcome: 'failed' in outcome ? 'FAILED' : 'DONE', error: 'failed' in outcome ? outcome.failed : null }, 'erasure receipt');
      // The request ends when its last receipt does: DONE, or FAILED when one failed.
      const ended = await db.query<{ customer_id: string; state: ReceiptState }>(
        `UPDATE erasure_request q SET state = CASE WHEN EXISTS (SELECT 1 FROM erasure_receipt r WHERE r.request_id = q.id AND r.state = 'FAILED') THEN 'FAILED' ELSE 'DONE' END, completed_at = $2
          WHERE q.id = $1 AND q.state = 'PENDING' AND NOT EXISTS (SELECT 1 FROM erasure_receipt r WHERE r.request_id = q.id AND r.state = 'PENDING')
          RETURNING customer_id, state`,
        [row.request_id, now().toISOString()],
      );
      if (ended[0]?.state === 'DONE') await eraseCrosswalkCopy(ended[0].customer_id);
    }
    return summary;
  }

  const runner = syncRunner(() => runDue(null));
  return {
    ...runner,
    get running() {
      return runner.running;
    },
    request,
    applyRequest: async (id) => {
      await runDue(id);
    },
    async requestsOf(customerId) {
      const rows = await db.query<{ id: string }>('SELECT id FROM erasure_request WHERE customer_id = $1 ORDER BY requested_at DESC', [customerId]);
      return load(rows.map((r) => r.id));
    },
  };
}
