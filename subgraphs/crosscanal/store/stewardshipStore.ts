import type { CustomerLink } from '../matching/plan.js';
import { parseRecordId, recordId, type RecordKey } from '../matching/records.js';
import type { StewardDecisions, StewardHold, StewardJoin } from '../stewardshipPlan.js';
import type { SqlSession } from './database.js';

export type StewardshipAction = 'LINK' | 'UNLINK' | 'RELEASE' | 'MERGE' | 'UNMERGE';

/** A customer's links at one moment, as the audit trail keeps them: identities and rules, no personal values. */
export interface CustomerState {
  customerId: string;
  /** Null for a customer merged away (or not yet created). */
  createdAt: string | null;
  /** The customer it resolves to once merged away; null while it lives. */
  mergedInto: string | null;
  /** Golden ids merged into it. */
  mergedIds: string[];
  links: CustomerLink[];
}

export interface StewardshipEvent {
  id: number;
  at: string;
  action: StewardshipAction;
  actor: string;
  role: string;
  reason: string;
  /** The record decided about ({@link recordId}); null for a merge or an unmerge. */
  record: string | null;
  /** The customer decided about. */
  customerId: string;
  /** Every customer the decision concerned, the one decided about first. */
  customerIds: string[];
  before: CustomerState[];
  after: CustomerState[];
  /** An unmerge: the merge it reversed. */
  reverses: number | null;
}

export interface NewEvent {
  at: string;
  action: StewardshipAction;
  actor: string;
  role: string;
  reason: string;
  record: string | null;
  customerId: string;
  before: CustomerState[];
  reverses?: number | null;
}

/** A hold as stored, with where it leads today. */
export interface StoredHold extends StewardHold {
  /** The golden id the steward chose (it may have been merged away since). */
  chosenId: string;
  eventId: number;
}

/** A steward merge still in force for one merged-away id. */
export interface OpenMerge {
  eventId: number;
  survivorId: string;
  /** The merged customer's state just before the merge. */
  before: CustomerState;
}

const CHUNK = 2000;

/**
 * The stewardship tables (migration 003): decisions as events, the records stewards hold in
 * place, the records merges join, and the merges themselves. Bound to one session: the store's
 * pool, or the transaction a decision runs in.
 */
export class StewardshipStore {
  constructor(private readonly db: SqlSession) {}

  /**
   * Serialises decisions with one another and with the sync's writes, until the transaction
   * ends. Re-entrant within a transaction.
   */
  async lock(): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.stewardship'))`);
  }

  /** Grows with every decision: a sync that planned under another version must plan again. */
  async version(): Promise<number> {
    const [row] = await this.db.query<{ v: string | number }>('SELECT coalesce(max(id), 0) AS v FROM stewardship_event');
    return Number(row!.v);
  }

  /** The decisions about the records among `ids`, or about every record when `ids` is omitted. */
  async decisions(ids?: readonly string[]): Promise<StewardDecisions> {
    const holds = new Map<string, StewardHold>();
    for (const [id, hold] of await this.holds(ids)) holds.set(id, { customerId: hold.customerId, actor: hold.actor });
    const rows: JoinRow[] = [];
    if (ids === undefined) {
      rows.push(...(await this.db.query<JoinRow>(`SELECT ${JOIN_COLUMNS} FROM steward_join j JOIN stewardship_event e ON e.id = j.event_id ORDER BY j.event_id`)));
    } else {
      const events = new Set<number>();
      for (const chunk of chunks(ids, CHUNK)) {
        const [systems, franchises, localIds] = keyArrays(chunk);
        const found = await this.db.query<{ event_id: string | number }>(
          `SELECT DISTINCT event_id FROM steward_join WHERE (system, franchise, local_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
          [systems, franchises, localIds],
        );
        for (const row of found) events.add(Number(row.event_id));
      }
      if (events.size > 0) {
        rows.push(
          ...(await this.db.query<JoinRow>(
            `SELECT ${JOIN_COLUMNS} FROM steward_join j JOIN stewardship_event e ON e.id = j.event_id WHERE j.event_id = ANY($1::bigint[]) ORDER BY j.event_id`,
            [[...events]],
          )),
        );
      }
    }
    const joins = new Map<number, StewardJoin & { records: string[] }>();
    for (const row of rows) {
      const eventId = Number(row.event_id);
      if (!joins.has(eventId)) joins.set(eventId, { eventId, actor: row.actor, records: [] });
      joins.get(eventId)!.records.push(keyOfRow(row));
    }
    return { holds, joins: [...joins.values()] };
  }

  /** The holds on the records among `ids` (every hold when omitted), each with the live customer it leads to. */
  async holds(ids?: readonly string[]): Promise<Map<string, StoredHold>> {
    const select = `SELECT h.system, h.franchise, h.local_id, h.customer_id AS chosen_id, coalesce(r.to_id, h.customer_id) AS customer_id, h.event_id, e.actor
      FROM steward_hold h JOIN stewardship_event e ON e.id = h.event_id LEFT JOIN customer_redirect r ON r.from_id = h.customer_id`;
    const rows: HoldRow[] = [];
    if (ids === undefined) rows.push(...(await this.db.query<HoldRow>(select)));
    else {
      for (const chunk of chunks(ids, CHUNK)) {
        const [systems, franchises, localIds] = keyArrays(chunk);
        rows.push(
          ...(await this.db.query<HoldRow>(`${select} WHERE (h.system, h.franchise, h.local_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`, [
            systems,
            franchises,
            localIds,
          ])),
        );
      }
    }
    return new Map(rows.map((row) => [keyOfRow(row), { chosenId: row.chosen_id, customerId: row.customer_id, actor: row.actor, eventId: Number(row.event_id) }]));
  }

  async setHold(record: string, customerId: string, eventId: number): Promise<void> {
    const key = parseRecordId(record);
    await this.db.query(
      `INSERT INTO steward_hold (system, franchise, local_id, customer_id, event_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (system, franchise, local_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, event_id = EXCLUDED.event_id`,
      [key.system, key.franchise ?? '', key.localId, customerId, eventId],
    );
  }

  async removeHold(record: string): Promise<void> {
    const key = parseRecordId(record);
    await this.db.query('DELETE FROM steward_hold WHERE system = $1 AND franchise = $2 AND local_id = $3', [key.system, key.franchise ?? '', key.localId]);
  }

  /** Declares the records one customer; each says which customer it came from. */
  async addJoin(eventId: number, members: readonly { record: string; fromCustomerId: string }[]): Promise<void> {
    if (members.length === 0) return;
    const keys = members.map((m) => parseRecordId(m.record));
    await this.db.query(
      `INSERT INTO steward_join (event_id, system, franchise, local_id, from_customer_id)
       SELECT $1, t.system, t.franchise, t.local_id, t.from_id FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(system, franchise, local_id, from_id)`,
      [eventId, keys.map((k) => k.system), keys.map((k) => k.franchise ?? ''), keys.map((k) => k.localId), members.map((m) => m.fromCustomerId)],
    );
  }

  /**
   * Takes the records that came from `fromCustomerId` out of a merge's join, and `records` out
   * of the joins of later merges too (a later merge of the survivor carried them along).
   */
  async removeJoinPart(eventId: number, fromCustomerId: string, records: readonly string[]): Promise<void> {
    await this.db.query('DELETE FROM steward_join WHERE event_id = $1 AND from_customer_id = $2', [eventId, fromCustomerId]);
    if (records.length === 0) return;
    const [systems, franchises, localIds] = keyArrays(records);
    await this.db.query(
      `DELETE FROM steward_join WHERE event_id > $1 AND (system, franchise, local_id) IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))`,
      [eventId, systems, franchises, localIds],
    );
  }

  async addMerge(eventId: number, mergedId: string, survivorId: string): Promise<void> {
    await this.db.query('INSERT INTO steward_merge (event_id, merged_id, survivor_id) VALUES ($1, $2, $3)', [eventId, mergedId, survivorId]);
  }

  /** The steward merge that took `mergedId` away and has not been reversed; null when none did. */
  async openMerge(mergedId: string): Promise<OpenMerge | null> {
    const [row] = await this.db.query<{ event_id: string | number; survivor_id: string; before: CustomerState[] }>(
      `SELECT m.event_id, m.survivor_id, e.before FROM steward_merge m JOIN stewardship_event e ON e.id = m.event_id
       WHERE m.merged_id = $1 AND m.reversed_by IS NULL ORDER BY m.event_id DESC LIMIT 1`,
      [mergedId],
    );
    if (!row) return null;
    const before = row.before.find((state) => state.customerId === mergedId);
    if (!before) throw new Error(`stewardship event ${row.event_id} merged ${mergedId} but kept no state of it`);
    return { eventId: Number(row.event_id), survivorId: row.survivor_id, before };
  }

  async closeMerge(eventId: number, mergedId: string, reversedBy: number): Promise<void> {
    await this.db.query('UPDATE steward_merge SET reversed_by = $3 WHERE event_id = $1 AND merged_id = $2', [eventId, mergedId, reversedBy]);
  }

  /**
   * Brings a merged-away golden id back to life as it was: its row with its creation date,
   * no longer redirected, and the ids that had been merged into it resolving to it again
   * (those still resolving to where it went).
   */
  async restoreCustomer(state: CustomerState, wentTo: string): Promise<void> {
    await this.db.query('INSERT INTO customer (id, created_at) VALUES ($1, $2)', [state.customerId, state.createdAt]);
    await this.db.query('DELETE FROM customer_redirect WHERE from_id = $1', [state.customerId]);
    if (state.mergedIds.length > 0) {
      await this.db.query('UPDATE customer_redirect SET to_id = $1 WHERE from_id = ANY($2::text[]) AND to_id = $3', [state.customerId, state.mergedIds, wentTo]);
    }
  }

  /** Records a decision as it starts (with the state before); {@link finishEvent} completes it. */
  async insertEvent(event: NewEvent): Promise<number> {
    const key = event.record ? parseRecordId(event.record) : null;
    const [row] = await this.db.query<{ id: string | number }>(
      `INSERT INTO stewardship_event (at, action, actor, role, reason, system, franchise, local_id, customer_id, before, reverses)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11) RETURNING id`,
      [
        event.at,
        event.action,
        event.actor,
        event.role,
        event.reason,
        key?.system ?? null,
        key ? (key.franchise ?? '') : null,
        key?.localId ?? null,
        event.customerId,
        JSON.stringify(event.before),
        event.reverses ?? null,
      ],
    );
    return Number(row!.id);
  }

  /** Completes a decision: the customer it ended with, every customer it concerned, and their states before and after. */
  async finishEvent(
    id: number,
    { customerId, customerIds, before, after }: { customerId: string; customerIds: readonly string[]; before: CustomerState[]; after: CustomerState[] },
  ): Promise<void> {
    await this.db.query('UPDATE stewardship_event SET customer_id = $2, before = $3::jsonb, after = $4::jsonb WHERE id = $1', [
      id,
      customerId,
      JSON.stringify(before),
      JSON.stringify(after),
    ]);
    await this.db.query(
      'INSERT INTO stewardship_event_customer (customer_id, event_id) SELECT DISTINCT c, $1::bigint FROM unnest($2::text[]) AS c ON CONFLICT DO NOTHING',
      [id, [...customerIds]],
    );
  }

  /** One event by id; null when there is none (or it is still being taken). */
  async event(id: number): Promise<StewardshipEvent | null> {
    const [row] = await this.db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM stewardship_event e WHERE e.id = $1 AND e.after IS NOT NULL`, [id]);
    return row ? toEvent(row) : null;
  }

  /** Events concerning any of `customerIds` and/or taken by `actor`, newest first. */
  async events({ customerIds, actor, limit }: { customerIds?: readonly string[]; actor?: string; limit: number }): Promise<StewardshipEvent[]> {
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM stewardship_event e
       WHERE e.after IS NOT NULL
         AND ($1::text[] IS NULL OR e.id IN (SELECT event_id FROM stewardship_event_customer WHERE customer_id = ANY($1::text[])))
         AND ($2::text IS NULL OR e.actor = $2)
       ORDER BY e.id DESC LIMIT $3`,
      [customerIds ? [...customerIds] : null, actor ?? null, limit],
    );
    return rows.map(toEvent);
  }

  /** For each of `customerIds`, the events concerning it, oldest first. */
  async eventsConcerning(customerIds: readonly string[]): Promise<Map<string, StewardshipEvent[]>> {
    const found = new Map<string, StewardshipEvent[]>(customerIds.map((id) => [id, []]));
    if (customerIds.length === 0) return found;
    const rows = await this.db.query<EventRow & { for_id: string }>(
      `SELECT c.customer_id AS for_id, ${EVENT_COLUMNS} FROM stewardship_event_customer c JOIN stewardship_event e ON e.id = c.event_id
       WHERE c.customer_id = ANY($1::text[]) AND e.after IS NOT NULL ORDER BY e.id`,
      [[...new Set(customerIds)]],
    );
    for (const row of rows) found.get(row.for_id)?.push(toEvent(row));
    return found;
  }
}

const JOIN_COLUMNS = 'j.event_id, e.actor, j.system, j.franchise, j.local_id';
const EVENT_COLUMNS = `e.id, e.at, e.action, e.actor, e.role, e.reason, e.system, e.franchise, e.local_id, e.customer_id, e.before, e.after, e.reverses,
  (SELECT array_agg(x.customer_id ORDER BY x.customer_id) FROM stewardship_event_customer x WHERE x.event_id = e.id) AS customer_ids`;

interface KeyRow {
  system: string;
  franchise: string;
  local_id: string;
}

interface JoinRow extends KeyRow {
  event_id: string | number;
  actor: string;
}

interface HoldRow extends KeyRow {
  chosen_id: string;
  customer_id: string;
  event_id: string | number;
  actor: string;
}

interface EventRow {
  id: string | number;
  at: unknown;
  action: StewardshipAction;
  actor: string;
  role: string;
  reason: string;
  system: string | null;
  franchise: string | null;
  local_id: string | null;
  customer_id: string;
  before: CustomerState[];
  after: CustomerState[];
  reverses: string | number | null;
  customer_ids: string[] | null;
}

function toEvent(row: EventRow): StewardshipEvent {
  const others = (row.customer_ids ?? []).filter((id) => id !== row.customer_id);
  return {
    id: Number(row.id),
    at: (row.at instanceof Date ? row.at : new Date(String(row.at))).toISOString(),
    action: row.action,
    actor: row.actor,
    role: row.role,
    reason: row.reason,
    record: row.system === null ? null : keyOfRow({ system: row.system, franchise: row.franchise ?? '', local_id: row.local_id! }),
    customerId: row.customer_id,
    customerIds: [row.customer_id, ...others],
    before: row.before,
    after: row.after,
    reverses: row.reverses === null ? null : Number(row.reverses),
  };
}

function keyOfRow(row: KeyRow): string {
  return recordId({ system: row.system as RecordKey['system'], franchise: row.franchise || null, localId: row.local_id });
}

function keyArrays(ids: readonly string[]): [string[], string[], string[]] {
  const keys = ids.map(parseRecordId);
  return [keys.map((k) => k.system), keys.map((k) => k.franchise ?? ''), keys.map((k) => k.localId)];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
