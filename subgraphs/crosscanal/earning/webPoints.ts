import { loggerFor } from '../../shared/logger.js';
import { inChain, SourceFailure } from '../../shared/errors.js';
import type { EcommerceClient, WireOrder } from '../../ecommerce/client.js';
import type { ExternalPurchase, LoyaltyClient, WireMovement } from '../../loyalty/client.js';
import { parseRecordId, recordId } from '../matching/records.js';
import type { CrosswalkStore } from '../store/crosswalkStore.js';
import type { SqlSession } from '../store/database.js';
import { syncRunner, type SyncRunner } from '../syncRunner.js';
import { iso, isoOrNull } from '../store/instants.js';

/**
 * One loyalty programme: web orders earn points as till receipts do. The programme has no
 * idea of web orders, the web shop none of members; the crosswalk joins them.
 *
 * Each run reads the web shop's order feed from its watermark and records every paid order
 * owed points in `web_points` (an outbox, in the same transaction as the watermark), then
 * credits the rows due to the customer's loyalty member with `CreditExternalPurchase`,
 * transaction id `web:<order number>`. A row is marked credited only once the programme has
 * acknowledged it; a credit whose answer was lost (a crash, a timeout) is sent again, and the
 * programme, which credits a transaction id once, answers it with the movement it made. So a
 * web order earns exactly once whatever stops when. A customer without a member is tried
 * again later (a steward may link one); a refusal is kept for a steward, with its reason.
 */

/** Web order statuses that earn: paid, whatever happened since, short of a cancellation. */
const EARNING = new Set(['paid', 'shipped', 'delivered', 'ready_for_pickup', 'collected']);
/** Who the audit trail names for the credits this job makes. */
export const WEB_POINTS_ACTOR = 'crosscanal:web-points';

const log = loggerFor('web-points');

export type WebPointsState = 'PENDING' | 'CREDITED' | 'NO_MEMBER' | 'CANCELLED' | 'REFUSED';

export interface WebPointsRow {
  orderNumber: string;
  transactionId: string;
  accountId: string;
  amount: string;
  currency: string;
  placedAt: string;
  state: WebPointsState;
  memberId: string | null;
  points: number | null;
  movementId: string | null;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  recordedAt: string;
  creditedAt: string | null;
  creditedBy: string | null;
}

export interface WebPointsSummary {
  /** Orders read from the feed. */
  read: number;
  /** Orders newly recorded as owed points. */
  recorded: number;
  credited: number;
  /** Credits the programme had already made (an answer lost earlier): marked credited, not doubled. */
  alreadyCredited: number;
  noMember: number;
  refused: number;
  cancelled: number;
  /** Credits that failed for now and will be sent again. */
  failed: number;
}

export interface WebPointsStatus {
  earningFrom: string | null;
  watermark: string | null;
  lastRunAt: string | null;
  lastError: string | null;
  counts: Record<WebPointsState, number>;
}

export interface WebPointsOptions {
  store: CrosswalkStore;
  ecommerce: Pick<EcommerceClient, 'changedOrders'>;
  loyalty: Pick<LoyaltyClient, 'creditExternalPurchase'>;
  /**
   * Orders placed before this instant never earn. Used when the crosswalk has none recorded
   * yet (its first run); then the recorded one holds. Default: the first run's instant.
   */
  earningFrom?: string;
  now?: () => Date;
  /** Orders per page of the feed. Default 200 (the platform's most). */
  pageSize?: number;
  /** Credits sent per run at most. Default 500. */
  batch?: number;
  /** Credits in flight at once. Default 4. */
  concurrency?: number;
}

export interface WebPoints extends SyncRunner<WebPointsSummary> {
  status(): Promise<WebPointsStatus>;
  /** The rows of these web orders, by order number; absent when the order owes nothing. */
  rows(orderNumbers: readonly string[]): Promise<Map<string, WebPointsRow>>;
}

/** How long a row is held by the run that claimed it, so that another replica leaves it. */
const CLAIM_MS = 60_000;

/** The wait before trying a failed credit again: doubling from 2 s, at most 10 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(2_000 * 2 ** Math.max(attempts - 1, 0), 600_000);
}

/** A customer without a member is looked at again after an hour, then less often, at most daily. */
function noMemberDelayMs(attempts: number): number {
  return Math.min(3_600_000 * 2 ** Math.max(attempts - 1, 0), 86_400_000);
}


function toRow(row: Record<string, unknown>): WebPointsRow {
  return {
    orderNumber: String(row.order_number),
    transactionId: String(row.transaction_id),
    accountId: String(row.account_id),
    amount: String(row.amount),
    currency: String(row.currency),
    placedAt: iso(row.placed_at),
    state: row.state as WebPointsState,
    memberId: (row.member_id as string | null) ?? null,
    points: row.points === null || row.points === undefined ? null : Number(row.points),
    movementId: (row.movement_id as string | null) ?? null,
    attempts: Number(row.attempts),
    nextAttemptAt: iso(row.next_attempt_at),
    lastError: (row.last_error as string | null) ?? null,
    recordedAt: iso(row.recorded_at),
    creditedAt: isoOrNull(row.credited_at),
    creditedBy: (row.credited_by as string | null) ?? null,
  };
}

/** Whether an order owes points: paid and for more than nothing. */
function earns(order: WireOrder): boolean {
  return EARNING.has(order.status) && Number(order.total) > 0;
}

export function createWebPoints(options: WebPointsOptions): WebPoints {
  const { store, ecommerce, loyalty } = options;
  const db = store.db;
  const now = options.now ?? (() => new Date());
  const pageSize = options.pageSize ?? 200;
  const batch = options.batch ?? 500;
  const concurrency = options.concurrency ?? 4;

  /** The feed's row, created on the first run with its earning start. */
  async function feed(): Promise<{ earningFrom: string; watermark: string | null }> {
    await db.query('INSERT INTO web_points_feed (id, earning_from) VALUES (true, $1) ON CONFLICT (id) DO NOTHING', [options.earningFrom ?? now().toISOString()]);
    const [row] = await db.query<{ earning_from: unknown; watermark: unknown }>('SELECT earning_from, watermark FROM web_points_feed');
    return { earningFrom: iso(row!.earning_from), watermark: isoOrNull(row!.watermark) };
  }

  /** Records what one page of the feed owes, and moves the watermark, in one transaction. */
  async function recordPage(tx: SqlSession, orders: readonly WireOrder[], earningFrom: number, summary: WebPointsSummary): Promise<string | null> {
    let newest: string | null = null;
    for (const order of orders) {
      if (newest === null || Date.parse(order.updated_at) > Date.parse(newest)) newest = order.updated_at;
      if (Date.parse(order.placed_at) < earningFrom) continue;
      if (earns(order)) {
        const inserted = await tx.query(
          // Due now by the job's clock, the one that claims it (the database's may be ahead of it).
          `INSERT INTO web_points (order_number, transaction_id, account_id, amount, currency, placed_at, state, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7) ON CONFLICT (order_number) DO NOTHING RETURNING order_number`,
          [order.number, `web:${order.number}`, String(order.customer_id), order.total, order.currency, order.placed_at, now().toISOString()],
        );
        summary.recorded += inserted.length;
      } else if (order.status === 'cancelled') {
        const cancelled = await tx.query(
          `UPDATE web_points SET state = 'CANCELLED', last_error = NULL WHERE order_number = $1 AND state IN ('PENDING', 'NO_MEMBER') RETURNING order_number`,
          [order.number],
        );
        summary.cancelled += cancelled.length;
      }
    }
    if (newest !== null) await tx.query('UPDATE web_points_feed SET watermark = GREATEST(COALESCE(watermark, $1::timestamptz), $1::timestamptz)', [newest]);
    return newest;
  }

  async function readFeed(summary: WebPointsSummary): Promise<void> {
    const { earningFrom, watermark } = await feed();
    const since = watermark ?? earningFrom;
    const from = Date.parse(earningFrom);
    for (let page = 1; ; page++) {
      const answer = await ecommerce.changedOrders(since, page, pageSize);
      summary.read += answer.records.length;
      await db.transaction((tx) => recordPage(tx, answer.records, from, summary));
      if (!answer.hasMore) break;
    }
  }

  /** The loyalty member a web account's customer holds; the first by member id when several. */
  async function memberOf(accountId: string): Promise<string | null> {
    const account = recordId({ system: 'ECOMMERCE', franchise: null, localId: accountId });
    const customerId = (await store.customerIdsOfRecords([account])).get(account);
    if (!customerId) return null;
    const links = (await store.linksOfCustomers([customerId])).get(customerId) ?? [];
    const members = links.map((link) => parseRecordId(link.record)).filter((key) => key.system === 'LOYALTY').map((key) => key.localId).sort();
    return members[0] ?? null;
  }

  /** Claims the rows due, so that a replica running at the same time leaves them. */
  async function claimDue(): Promise<WebPointsRow[]> {
    const at = now();
    return db.transaction(async (tx) => {
      const rows = await tx.query<Record<string, unknown>>(
        `UPDATE web_points SET next_attempt_at = $2 WHERE order_number IN (
           SELECT order_number FROM web_points WHERE state IN ('PENDING', 'NO_MEMBER') AND next_attempt_at <= $1
           ORDER BY placed_at, order_number LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [at.toISOString(), new Date(at.getTime() + CLAIM_MS).toISOString(), batch],
      );
      return rows.map(toRow).sort((a, b) => a.placedAt.localeCompare(b.placedAt) || a.orderNumber.localeCompare(b.orderNumber));
    });
  }

  async function credit(row: WebPointsRow, summary: WebPointsSummary): Promise<void> {
    const memberId = await memberOf(row.accountId);
    if (memberId === null) {
      await db.query(`UPDATE web_points SET state = 'NO_MEMBER', attempts = attempts + 1, next_attempt_at = $2, last_error = NULL WHERE order_number = $1`, [
        row.orderNumber,
        new Date(now().getTime() + noMemberDelayMs(row.attempts + 1)).toISOString(),
      ]);
      summary.noMember += 1;
      return;
    }
    const purchase: ExternalPurchase = {
      transactionId: row.transactionId,
      memberId,
      channel: 'WEB',
      reference: row.orderNumber,
      amount: row.amount,
      currency: row.currency,
      occurredAt: row.placedAt,
    };
    let answer: { movement: WireMovement; duplicate: boolean };
    try {
      answer = await loyalty.creditExternalPurchase(purchase);
    } catch (error) {
      const message = (error as Error).message;
      if (inChain(error, SourceFailure)?.kind === 'badRequest') {
        await db.query(`UPDATE web_points SET state = 'REFUSED', member_id = $2, attempts = attempts + 1, last_error = $3 WHERE order_number = $1`, [row.orderNumber, memberId, message]);
        log.warn({ order: row.orderNumber, transactionId: row.transactionId, err: message }, 'the loyalty programme refused a web order credit');
        summary.refused += 1;
        return;
      }
      // Unavailable, timed out, or an answer lost: the credit may or may not have been made; sent again later.
      await db.query(`UPDATE web_points SET state = 'PENDING', member_id = $2, attempts = attempts + 1, next_attempt_at = $3, last_error = $4 WHERE order_number = $1`, [
        row.orderNumber,
        memberId,
        new Date(now().getTime() + retryDelayMs(row.attempts + 1)).toISOString(),
        message,
      ]);
      summary.failed += 1;
      return;
    }
    await db.query(
      `UPDATE web_points SET state = 'CREDITED', member_id = $2, points = $3, movement_id = $4, attempts = attempts + 1,
         credited_at = $5, credited_by = $6, last_error = NULL WHERE order_number = $1`,
      [row.orderNumber, memberId, answer.movement.points, answer.movement.id, now().toISOString(), WEB_POINTS_ACTOR],
    );
    log.info(
      { audit: 'web-points', actor: WEB_POINTS_ACTOR, order: row.orderNumber, transactionId: row.transactionId, member: memberId, points: answer.movement.points, duplicate: answer.duplicate },
      'web order credited to its loyalty member',
    );
    if (answer.duplicate) summary.alreadyCredited += 1;
    else summary.credited += 1;
  }

  async function creditDue(summary: WebPointsSummary): Promise<void> {
    const due = await claimDue();
    let next = 0;
    const worker = async () => {
      while (next < due.length) await credit(due[next++]!, summary);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
  }

  const runner = syncRunner<WebPointsSummary>(async () => {
    const summary: WebPointsSummary = { read: 0, recorded: 0, credited: 0, alreadyCredited: 0, noMember: 0, refused: 0, cancelled: 0, failed: 0 };
    let failure: Error | null = null;
    try {
      await readFeed(summary);
    } catch (error) {
      // The orders already recorded are still owed: credit them even when the feed cannot be read.
      failure = error as Error;
    }
    try {
      await creditDue(summary);
    } catch (error) {
      failure ??= error as Error;
    }
    await db.query('UPDATE web_points_feed SET last_run_at = $1, last_error = $2', [now().toISOString(), failure?.message ?? null]);
    if (failure) throw failure;
    return summary;
  });

  return {
    ...runner,
    get running() {
      return runner.running;
    },
    async status() {
      const [feedRow] = await db.query<Record<string, unknown>>('SELECT * FROM web_points_feed');
      const counts = Object.fromEntries((['PENDING', 'CREDITED', 'NO_MEMBER', 'CANCELLED', 'REFUSED'] as const).map((state) => [state, 0])) as Record<WebPointsState, number>;
      for (const row of await db.query<{ state: WebPointsState; n: unknown }>('SELECT state, count(*) AS n FROM web_points GROUP BY state')) counts[row.state] = Number(row.n);
      return {
        earningFrom: isoOrNull(feedRow?.earning_from),
        watermark: isoOrNull(feedRow?.watermark),
        lastRunAt: isoOrNull(feedRow?.last_run_at),
        lastError: (feedRow?.last_error as string | null) ?? null,
        counts,
      };
    },
    async rows(orderNumbers) {
      if (orderNumbers.length === 0) return new Map();
      const rows = await db.query<Record<string, unknown>>('SELECT * FROM web_points WHERE order_number = ANY($1::text[])', [[...orderNumbers]]);
      return new Map(rows.map((row) => [String(row.order_number), toRow(row)]));
    },
  };
}
