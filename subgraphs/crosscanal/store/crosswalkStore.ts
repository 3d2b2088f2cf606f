import { createHash } from 'node:crypto';
import { emailKey } from '../matching/keys.js';
import type { CustomerLink, LinkPlan } from '../matching/plan.js';
import { parseRecordId, recordId, type RecordKey, type RecordSystem, type SourceRecord } from '../matching/records.js';
import type { CandidatePair } from '../matching/resolve.js';
import type { CandidateReason, Evidence, LinkRule } from '../matching/rules.js';
import { openDatabase, type Database, type DatabaseOptions, type SqlSession } from './database.js';
import { LinkBuildStore } from './linkBuildStore.js';
import { migrate } from './migrate.js';
import { iso, keyOfRow, RECORD_COLUMNS, toRecord, type KeyRow, type RecordRow } from './recordRows.js';
import { StewardshipStore } from './stewardshipStore.js';

/** A golden customer as stored. */
export interface StoredCustomer {
  id: string;
  createdAt: string;
}

export interface StoredCandidate extends CandidatePair {
  foundAt: string;
}

/** What a sync run read: every record, or the change feeds since their watermarks. */
export type SyncRunKind = 'full' | 'incremental';
/** A sync run starts running, and ends succeeded or failed. */
export type SyncRunStatus = 'running' | 'succeeded' | 'failed';

/** Where one source's change feed was read up to, and how its last run went. */
export interface SyncSourceState {
  source: string;
  /** Opaque to the store: each reader keeps its own position (an instant, or a JSON object). */
  watermark: string | null;
  lastRunAt: string | null;
  lastFullAt: string | null;
  lastError: string | null;
  /** Unusable values the last full read found; null before one. */
  unusableValues: number | null;
}

/** Counts that tell how clean the estate's customer data is. */
export interface QualityReport {
  customers: number;
  singleRecordCustomers: number;
  /**
   * Records per system, and per kind for the POS (`card`, `phone`, `client`); `unlinked` are
   * those linked to no other record (their customer holds them alone) or not resolved yet.
   */
  records: { system: RecordSystem; kind: string | null; records: number; unlinked: number }[];
  linksByRule: { rule: LinkRule; links: number }[];
  candidatesByReason: { reason: CandidateReason; pairs: number }[];
  duplicateWebAccounts: number;
  sharedPhones: number;
  sharedEmails: number;
  recordsWithoutContact: number;
}

export interface UpsertResult {
  /** Records not seen before. */
  added: string[];
  /** Records seen before whose compared values (names, email, phone, cards) changed. */
  matchChanged: string[];
  /** Records rewritten for other changes only (dates, postcode). */
  refreshed: number;
  unchanged: number;
}

export interface StoreCounts {
  records: number;
  customers: number;
  links: number;
  candidates: number;
  redirects: number;
}

/** Rows per statement when writing or reading by keys. */
const CHUNK = 2000;

/** A plan made before a stewardship decision that has since been taken: plan again. */
export class DecisionsChanged extends Error {
  override name = 'DecisionsChanged';
  constructor(planned: number, now: number) {
    super(`stewardship decisions changed while the plan was made (version ${planned}, now ${now}): plan again`);
  }
}

/**
 * The crosswalk in PostgreSQL or PGlite: one implementation over both, tested by one
 * contract suite against each. Every write that belongs together happens in one transaction.
 */
export class CrosswalkStore {
  private constructor(readonly db: Database) {}

  /** Opens the database and, unless told not to, brings its schema up to date. */
  static async open(options: DatabaseOptions & { migrate?: boolean } = {}): Promise<CrosswalkStore> {
    const db = await openDatabase(options);
    const store = new CrosswalkStore(db);
    if (options.migrate ?? true) {
      try {
        await migrate(db);
      } catch (error) {
        await db.close();
        throw error;
      }
    }
    return store;
  }

  get kind(): Database['kind'] {
    return this.db.kind;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /**
   * Runs `work` on a store bound to one transaction: everything it reads sees its own writes,
   * and everything it writes commits together, or nothing does when it throws.
   */
  transaction<T>(work: (store: CrosswalkStore) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new CrosswalkStore(boundTo(this.db.kind, tx))));
  }

  /** The stewardship decisions and their audit trail, on this store's session. */
  get stewardship(): StewardshipStore {
    return new StewardshipStore(this.db);
  }

  /** The full link build's blocking, in SQL, on this store's session. */
  get linkBuild(): LinkBuildStore {
    return new LinkBuildStore(this.db);
  }

  // ------------------------------------------------------------------ records

  /**
   * Writes records read from a source. A record already stored keeps its earliest
   * `createdAt` and latest `updatedAt` (a till's first and last sighting survive an
   * incremental read that saw only new receipts); a record whose values are unchanged is not
   * written at all.
   */
  async upsertRecords(records: readonly SourceRecord[], readAt: string): Promise<UpsertResult> {
    const result: UpsertResult = { added: [], matchChanged: [], refreshed: 0, unchanged: 0 };
    const unique = new Map<string, SourceRecord>();
    for (const record of records) {
      const id = recordId(record);
      const earlier = unique.get(id);
      unique.set(id, earlier ? mergeSightings(earlier, record) : record);
    }
    for (const chunk of chunks([...unique.values()], CHUNK)) {
      const stored = await this.recordRows(this.db, chunk.map(recordId));
      const writes: RecordWrite[] = [];
      for (const incoming of chunk) {
        const id = recordId(incoming);
        const before = stored.get(id);
        const record = before ? mergeSightings(before.record, incoming) : incoming;
        const fingerprint = fingerprintOf(record);
        const matchFingerprint = matchFingerprintOf(record);
        let pending = true;
        if (!before) result.added.push(id);
        else if (before.matchFingerprint !== matchFingerprint) result.matchChanged.push(id);
        else if (before.fingerprint !== fingerprint) {
          result.refreshed += 1;
          pending = false;
        } else {
          result.unchanged += 1;
          continue;
        }
        writes.push({ record, fingerprint, matchFingerprint, pending });
      }
      if (writes.length > 0) await this.writeRecords(writes, readAt);
    }
    return result;
  }

  private async writeRecords(writes: RecordWrite[], readAt: string): Promise<void> {
    const column = <T>(pick: (w: (typeof writes)[number]) => T) => writes.map(pick);
    await this.db.query(
      `INSERT INTO source_record (system, franchise, local_id, first_name, last_name, email, email_key, phone, cards, postcode, birth_date,
         created_at, updated_at, fingerprint, match_fingerprint, read_at, needs_resolution, second_phone)
       SELECT t.system, t.franchise, t.local_id, t.first_name, t.last_name, t.email, t.email_key, t.phone, t.cards::jsonb, t.postcode, t.birth_date,
         t.created_at::timestamptz, t.updated_at::timestamptz, t.fingerprint, t.match_fingerprint, $16::timestamptz, t.pending, t.second_phone
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
         $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $17::boolean[], $18::text[])
         AS t(system, franchise, local_id, first_name, last_name, email, email_key, phone, cards, postcode, birth_date, created_at, updated_at, fingerprint, match_fingerprint, pending, second_phone)
       ON CONFLICT (system, franchise, local_id) DO UPDATE SET
         first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, email = EXCLUDED.email, email_key = EXCLUDED.email_key,
         phone = EXCLUDED.phone, second_phone = EXCLUDED.second_phone, cards = EXCLUDED.cards, postcode = EXCLUDED.postcode, birth_date = EXCLUDED.birth_date,
         created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, fingerprint = EXCLUDED.fingerprint,
         match_fingerprint = EXCLUDED.match_fingerprint, read_at = EXCLUDED.read_at,
         needs_resolution = source_record.needs_resolution OR EXCLUDED.needs_resolution`,
      [
        column((w) => w.record.system),
        column((w) => w.record.franchise ?? ''),
        column((w) => w.record.localId),
        column((w) => w.record.firstName),
        column((w) => w.record.lastName),
        column((w) => w.record.email),
        column((w) => emailKey(w.record.email)),
        column((w) => w.record.phone),
        column((w) => JSON.stringify(w.record.cards)),
        column((w) => w.record.postcode),
        column((w) => w.record.birthDate),
        column((w) => w.record.createdAt),
        column((w) => w.record.updatedAt),
        column((w) => w.fingerprint),
        column((w) => w.matchFingerprint),
        readAt,
        column((w) => w.pending),
        column((w) => w.record.secondPhone ?? null),
      ],
    );
  }

  /** Records whose compared values changed since they were last resolved. */
  async pendingRecordIds(): Promise<string[]> {
    const rows = await this.db.query<KeyRow>('SELECT system, franchise, local_id FROM source_record WHERE needs_resolution');
    return rows.map(keyOfRow);
  }

  /** Every stored record. */
  async allRecords(): Promise<SourceRecord[]> {
    const rows = await this.db.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM source_record`);
    return rows.map(toRecord);
  }

  /** The stored records among `ids` ({@link recordId}). */
  async records(ids: readonly string[]): Promise<Map<string, SourceRecord>> {
    const rows = await this.recordRows(this.db, ids);
    return new Map([...rows].map(([id, row]) => [id, row.record]));
  }

  private async recordRows(session: SqlSession, ids: readonly string[]): Promise<Map<string, { record: SourceRecord; fingerprint: string; matchFingerprint: string }>> {
    const found = new Map<string, { record: SourceRecord; fingerprint: string; matchFingerprint: string }>();
    for (const chunk of chunks(ids, CHUNK)) {
      const [systems, franchises, localIds] = keyArrays(chunk);
      const rows = await session.query<RecordRow & { fingerprint: string; match_fingerprint: string }>(
        `SELECT ${RECORD_COLUMNS}, fingerprint, match_fingerprint FROM source_record
         WHERE (system, franchise, local_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
        [systems, franchises, localIds],
      );
      for (const row of rows) {
        const record = toRecord(row);
        found.set(recordId(record), { record, fingerprint: row.fingerprint, matchFingerprint: row.match_fingerprint });
      }
    }
    return found;
  }

  /**
   * Records that carry any of these values: an email (compared as `emailKey`), an E.164
   * phone, or a card number (a loyalty member holding it, or the POS record of it).
   */
  async recordIdsSharing({ emailKeys = [], phones = [], cards = [] }: { emailKeys?: string[]; phones?: string[]; cards?: string[] }): Promise<string[]> {
    if (emailKeys.length + phones.length + cards.length === 0) return [];
    const rows = await this.db.query<KeyRow>(
      `SELECT system, franchise, local_id FROM source_record WHERE email_key = ANY($1::text[])
       UNION SELECT system, franchise, local_id FROM source_record WHERE phone = ANY($2::text[])
       UNION SELECT system, franchise, local_id FROM source_record WHERE second_phone = ANY($2::text[])
       UNION SELECT system, franchise, local_id FROM source_record WHERE system = 'POS' AND local_id = ANY($4::text[])
       UNION SELECT r.system, r.franchise, r.local_id FROM unnest($3::text[]) AS n
         CROSS JOIN LATERAL (SELECT system, franchise, local_id FROM source_record
           WHERE cards @> jsonb_build_array(jsonb_build_object('number', n))) AS r`,
      [emailKeys, phones, cards, cards.map((n) => `card:${n}`)],
    );
    return rows.map(keyOfRow);
  }

  // ------------------------------------------------------------------ links

  /** The links of the records among `ids`. */
  async linksOfRecords(ids: readonly string[]): Promise<Map<string, CustomerLink>> {
    const links = new Map<string, CustomerLink>();
    for (const chunk of chunks(ids, CHUNK)) {
      const [systems, franchises, localIds] = keyArrays(chunk);
      const rows = await this.db.query<LinkRow>(
        `SELECT ${LINK_COLUMNS} FROM customer_link
         WHERE (system, franchise, local_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
        [systems, franchises, localIds],
      );
      for (const row of rows) links.set(keyOfRow(row), toLink(row));
    }
    return links;
  }

  /** Every link of the customers among `customerIds` (live ids; redirects are not followed). */
  async linksOfCustomers(customerIds: readonly string[]): Promise<Map<string, CustomerLink[]>> {
    const byCustomer = new Map<string, CustomerLink[]>(customerIds.map((id) => [id, []]));
    if (customerIds.length === 0) return byCustomer;
    const rows = await this.db.query<LinkRow>(
      `SELECT ${LINK_COLUMNS} FROM customer_link WHERE customer_id = ANY($1::text[]) ORDER BY customer_id, system, franchise, local_id`,
      [[...new Set(customerIds)]],
    );
    for (const row of rows) byCustomer.get(row.customer_id)?.push(toLink(row));
    return byCustomer;
  }

  /** Every link. */
  async allLinks(): Promise<Map<string, CustomerLink>> {
    const rows = await this.db.query<LinkRow>(`SELECT ${LINK_COLUMNS} FROM customer_link`);
    return new Map(rows.map((row) => [keyOfRow(row), toLink(row)]));
  }

  /** The golden ids among `ids` already issued, live or merged away: what a plan must not issue again. */
  async takenCustomerIds(ids: readonly string[]): Promise<Set<string>> {
    const taken = new Set<string>();
    for (const chunk of chunks([...new Set(ids)], CHUNK * 5)) {
      const rows = await this.db.query<{ id: string }>(
        'SELECT id FROM customer WHERE id = ANY($1::text[]) UNION SELECT from_id FROM customer_redirect WHERE from_id = ANY($1::text[])',
        [chunk],
      );
      for (const row of rows) taken.add(row.id);
    }
    return taken;
  }

  /** Every golden id ever issued: live ones and those merged away. */
  async usedCustomerIds(): Promise<Set<string>> {
    const rows = await this.db.query<{ id: string }>('SELECT id FROM customer UNION ALL SELECT from_id FROM customer_redirect');
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Applies a plan in one transaction: new customers, changed links, merges (the merged-away
   * id then resolves to the survivor, and so do ids merged into it before), the audit
   * events, and the candidates of the records in `scope` (replaced by `candidates`; a pair
   * found before keeps its date). The records in `scope` are marked resolved.
   *
   * Stewardship decisions wait while a plan is written. Given `decisionsVersion` (what
   * `stewardship.version()` answered before the plan was made), a plan made before a decision
   * that has since been taken is refused with {@link DecisionsChanged}, and nothing is written.
   */
  async applyPlan(
    plan: LinkPlan,
    scope: readonly string[],
    candidates: readonly CandidatePair[],
    now: string,
    actor = 'sync',
    { decisionsVersion }: { decisionsVersion?: number } = {},
  ): Promise<{ candidatesAdded: number; candidatesRemoved: number }> {
    return this.db.transaction(async (tx) => {
      const stewardship = new StewardshipStore(tx);
      await stewardship.lock();
      if (decisionsVersion !== undefined) {
        const version = await stewardship.version();
        if (version !== decisionsVersion) throw new DecisionsChanged(decisionsVersion, version);
      }
      if (plan.created.length > 0) {
        await tx.query(
          `INSERT INTO customer (id, created_at) SELECT id, $2::timestamptz FROM unnest($1::text[]) AS id ON CONFLICT (id) DO NOTHING`,
          [plan.created.map((c) => c.customerId), now],
        );
      }
      for (const chunk of chunks(plan.changed, CHUNK)) await writeLinks(tx, chunk);
      for (const { from, into } of plan.merged) {
        await tx.query('UPDATE customer_redirect SET to_id = $2 WHERE to_id = $1', [from, into]);
        await tx.query(
          'INSERT INTO customer_redirect (from_id, to_id, merged_at) VALUES ($1, $2, $3) ON CONFLICT (from_id) DO UPDATE SET to_id = EXCLUDED.to_id, merged_at = EXCLUDED.merged_at',
          [from, into, now],
        );
        await tx.query('DELETE FROM customer WHERE id = $1', [from]);
      }
      for (const chunk of chunks(plan.events, CHUNK)) {
        const keys = chunk.map((e) => (e.record ? parseRecordId(e.record) : null));
        await tx.query(
          `INSERT INTO link_event (at, action, customer_id, system, franchise, local_id, previous_customer_id, rule, evidence, actor)
           SELECT $1::timestamptz, t.action, t.customer_id, t.system, t.franchise, t.local_id, t.previous, t.rule, t.evidence::jsonb, $2
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
             WITH ORDINALITY AS t(action, customer_id, system, franchise, local_id, previous, rule, evidence, n) ORDER BY n`,
          [
            now,
            actor,
            chunk.map((e) => e.action),
            chunk.map((e) => e.customerId),
            keys.map((k) => k?.system ?? null),
            keys.map((k) => (k ? (k.franchise ?? '') : null)),
            keys.map((k) => k?.localId ?? null),
            chunk.map((e) => e.previousCustomerId),
            chunk.map((e) => e.rule),
            chunk.map((e) => JSON.stringify(e.evidence)),
          ],
        );
      }
      for (const chunk of chunks(scope, CHUNK)) {
        const [systems, franchises, localIds] = keyArrays(chunk);
        await tx.query(
          `UPDATE source_record SET needs_resolution = false
           WHERE needs_resolution AND (system, franchise, local_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
          [systems, franchises, localIds],
        );
      }
      return replaceCandidates(tx, scope, candidates, now);
    });
  }

  // ------------------------------------------------------------------ reads for the graph

  /**
   * The customers behind `ids`, following merges: a merged-away id answers its survivor.
   * Unknown ids map to null.
   */
  async customers(ids: readonly string[]): Promise<Map<string, StoredCustomer | null>> {
    const unique = [...new Set(ids)];
    const found = new Map<string, StoredCustomer | null>(unique.map((id) => [id, null]));
    if (unique.length === 0) return found;
    const rows = await this.db.query<{ asked: string; id: string; created_at: unknown }>(
      `SELECT c.id AS asked, c.id, c.created_at FROM customer c WHERE c.id = ANY($1::text[])
       UNION ALL
       SELECT r.from_id AS asked, c.id, c.created_at FROM customer_redirect r JOIN customer c ON c.id = r.to_id WHERE r.from_id = ANY($1::text[])`,
      [unique],
    );
    for (const row of rows) found.set(row.asked, { id: row.id, createdAt: iso(row.created_at)! });
    return found;
  }

  /** The golden ids merged into each customer among `customerIds`, in id order. */
  async mergedInto(customerIds: readonly string[]): Promise<Map<string, string[]>> {
    const merged = new Map<string, string[]>(customerIds.map((id) => [id, []]));
    if (customerIds.length === 0) return merged;
    const rows = await this.db.query<{ from_id: string; to_id: string }>(
      'SELECT from_id, to_id FROM customer_redirect WHERE to_id = ANY($1::text[]) ORDER BY from_id',
      [[...new Set(customerIds)]],
    );
    for (const row of rows) merged.get(row.to_id)?.push(row.from_id);
    return merged;
  }

  /** The customer each record among `ids` is linked to. */
  async customerIdsOfRecords(ids: readonly string[]): Promise<Map<string, string>> {
    const links = await this.linksOfRecords(ids);
    return new Map([...links].map(([id, link]) => [id, link.customerId]));
  }

  /** Records whose email matches each of `keys` (trimmed, lower-cased), for each key asked. */
  recordIdsByEmailKeys(keys: readonly string[]): Promise<Map<string, string[]>> {
    return this.recordIdsByValue(keys, 'SELECT email_key AS value, system, franchise, local_id FROM source_record WHERE email_key = ANY($1::text[])');
  }

  /** Records that carry each of the E.164 `phones`, as their phone or their second phone, for each phone asked. */
  recordIdsByPhones(phones: readonly string[]): Promise<Map<string, string[]>> {
    return this.recordIdsByValue(
      phones,
      `SELECT phone AS value, system, franchise, local_id FROM source_record WHERE phone = ANY($1::text[])
       UNION SELECT second_phone, system, franchise, local_id FROM source_record WHERE second_phone = ANY($1::text[])`,
    );
  }

  /** Records that carry each of the loyalty `cards` (by number, a till's card record among them), for each card asked. */
  recordIdsByCards(cards: readonly string[]): Promise<Map<string, string[]>> {
    return this.recordIdsByValue(
      cards,
      `SELECT n AS value, r.system, r.franchise, r.local_id FROM unnest($1::text[]) AS n
         CROSS JOIN LATERAL (SELECT system, franchise, local_id FROM source_record
           WHERE cards @> jsonb_build_array(jsonb_build_object('number', n))) AS r
       UNION SELECT substr(local_id, 6), system, franchise, local_id FROM source_record
         WHERE system = 'POS' AND local_id = ANY(array(SELECT 'card:' || n FROM unnest($1::text[]) AS n))`,
    );
  }

  /** The records `sql` finds for each of `values` (its rows: the value matched, then the record's key), in key order. */
  private async recordIdsByValue(values: readonly string[], sql: string): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>(values.map((value) => [value, []]));
    if (values.length === 0) return found;
    const rows = await this.db.query<KeyRow & { value: string }>(`${sql} ORDER BY 2, 3, 4`, [[...found.keys()]]);
    for (const row of rows) found.get(row.value)?.push(keyOfRow(row));
    return found;
  }

  /** The candidates that involve any record among `ids`. */
  async candidatesOfRecords(ids: readonly string[]): Promise<StoredCandidate[]> {
    if (ids.length === 0) return [];
    const [systems, franchises, localIds] = keyArrays(ids);
    const rows = await this.db.query<CandidateRow>(
      `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS k(system, franchise, local_id))
       SELECT c.* FROM match_candidate c JOIN k ON (c.a_system, c.a_franchise, c.a_local_id) = (k.system, k.franchise, k.local_id)
       UNION
       SELECT c.* FROM match_candidate c JOIN k ON (c.b_system, c.b_franchise, c.b_local_id) = (k.system, k.franchise, k.local_id)`,
      [systems, franchises, localIds],
    );
    return rows.map(toCandidate).sort((x, y) => (x.a + x.b < y.a + y.b ? -1 : 1));
  }

  /** Every stored candidate pair. */
  async allCandidates(): Promise<StoredCandidate[]> {
    return (await this.db.query<CandidateRow>('SELECT * FROM match_candidate')).map(toCandidate);
  }

  /** The audit trail of a customer, oldest first. */
  async events(customerId: string): Promise<{ at: string; action: string; record: string | null; previousCustomerId: string | null; rule: string | null; actor: string }[]> {
    const rows = await this.db.query<{ at: unknown; action: string; system: string | null; franchise: string | null; local_id: string | null; previous_customer_id: string | null; rule: string | null; actor: string }>(
      'SELECT at, action, system, franchise, local_id, previous_customer_id, rule, actor FROM link_event WHERE customer_id = $1 OR previous_customer_id = $1 ORDER BY id',
      [customerId],
    );
    return rows.map((row) => ({
      at: iso(row.at)!,
      action: row.action,
      record: row.system === null ? null : recordId({ system: row.system as SourceRecord['system'], franchise: row.franchise || null, localId: row.local_id! }),
      previousCustomerId: row.previous_customer_id,
      rule: row.rule,
      actor: row.actor,
    }));
  }

  /** The data-quality counts, in one snapshot. */
  async quality(): Promise<QualityReport> {
    return this.db.transaction(async (tx) => {
      const number = (value: unknown) => Number(value);
      const [totals] = await tx.query<Record<string, string | number>>(
        `SELECT
           (SELECT count(*) FROM customer) AS customers,
           (SELECT count(*) FROM (SELECT customer_id FROM customer_link GROUP BY customer_id HAVING count(*) = 1) AS c) AS single,
           (SELECT count(*) FROM (SELECT customer_id FROM customer_link WHERE system = 'ECOMMERCE' GROUP BY customer_id HAVING count(*) > 1) AS c) AS duplicates,
           (SELECT count(*) FROM (SELECT r.phone FROM source_record r JOIN customer_link l USING (system, franchise, local_id)
              WHERE r.phone IS NOT NULL GROUP BY r.phone HAVING count(DISTINCT l.customer_id) > 1) AS p) AS shared_phones,
           (SELECT count(*) FROM (SELECT r.email_key FROM source_record r JOIN customer_link l USING (system, franchise, local_id)
              WHERE r.email_key IS NOT NULL GROUP BY r.email_key HAVING count(DISTINCT l.customer_id) > 1) AS e) AS shared_emails,
           (SELECT count(*) FROM source_record WHERE system <> 'POS' AND email IS NULL AND phone IS NULL) AS without_contact`,
      );
      // As typed: CHECK constraints admit only these systems and rules, and the link build writes reasons from CandidateReason.
      const records = await tx.query<{ system: RecordSystem; kind: string | null; records: string | number; unlinked: string | number }>(
        `SELECT r.system, CASE WHEN r.system = 'POS' THEN split_part(r.local_id, ':', 1) END AS kind, count(*) AS records,
           count(*) FILTER (WHERE l.customer_id IS NULL OR c.links = 1) AS unlinked
         FROM source_record r
         LEFT JOIN customer_link l USING (system, franchise, local_id)
         LEFT JOIN (SELECT customer_id, count(*) AS links FROM customer_link GROUP BY customer_id) AS c ON c.customer_id = l.customer_id
         GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      const rules = await tx.query<{ rule: LinkRule; links: string | number }>('SELECT rule, count(*) AS links FROM customer_link GROUP BY rule ORDER BY rule');
      const reasons = await tx.query<{ reason: CandidateReason; pairs: string | number }>('SELECT reason, count(*) AS pairs FROM match_candidate GROUP BY reason ORDER BY reason');
      return {
        customers: number(totals!.customers),
        singleRecordCustomers: number(totals!.single),
        records: records.map((r) => ({ system: r.system, kind: r.kind, records: number(r.records), unlinked: number(r.unlinked) })),
        linksByRule: rules.map((r) => ({ rule: r.rule, links: number(r.links) })),
        candidatesByReason: reasons.map((r) => ({ reason: r.reason, pairs: number(r.pairs) })),
        duplicateWebAccounts: number(totals!.duplicates),
        sharedPhones: number(totals!.shared_phones),
        sharedEmails: number(totals!.shared_emails),
        recordsWithoutContact: number(totals!.without_contact),
      };
    });
  }

  /**
   * Moves what the card index (GIN) keeps in its pending list into the index proper, and says
   * how many pending pages it moved. A GIN index takes a batch of inserts into that list,
   * which every lookup then reads through in full: after a link build, a few megabytes read on
   * every "customer by card" (20 ms instead of a fraction of one). PostgreSQL's autovacuum
   * empties it in time; PGlite has no autovacuum, so every sync does it at its end (an empty
   * list costs next to nothing).
   */
  async flushIndexPending(): Promise<number> {
    const [row] = await this.db.query<{ moved: string | number }>(`SELECT gin_clean_pending_list('source_record_cards'::regclass) AS moved`);
    return Number(row?.moved ?? 0);
  }

  async counts(): Promise<StoreCounts> {
    const [row] = await this.db.query<Record<keyof StoreCounts, string | number>>(
      `SELECT (SELECT count(*) FROM source_record) AS records, (SELECT count(*) FROM customer) AS customers,
              (SELECT count(*) FROM customer_link) AS links, (SELECT count(*) FROM match_candidate) AS candidates,
              (SELECT count(*) FROM customer_redirect) AS redirects`,
    );
    return {
      records: Number(row!.records),
      customers: Number(row!.customers),
      links: Number(row!.links),
      candidates: Number(row!.candidates),
      redirects: Number(row!.redirects),
    };
  }

  // ------------------------------------------------------------------ sync state

  async syncStates(): Promise<Map<string, SyncSourceState>> {
    const rows = await this.db.query<{
      source: string;
      watermark: string | null;
      last_run_at: unknown;
      last_full_at: unknown;
      last_error: string | null;
      unusable_values: number | null;
    }>('SELECT source, watermark, last_run_at, last_full_at, last_error, unusable_values FROM sync_source ORDER BY source');
    return new Map(
      rows.map((row) => [
        row.source,
        {
          source: row.source,
          watermark: row.watermark,
          lastRunAt: iso(row.last_run_at),
          lastFullAt: iso(row.last_full_at),
          lastError: row.last_error,
          unusableValues: row.unusable_values,
        },
      ]),
    );
  }

  /**
   * Records a source's run: its new watermark when it succeeded, its error when it failed;
   * a successful full read also records how many unusable values it met.
   */
  async recordSourceRun(
    source: string,
    { watermark, error, full, at, unusableValues }: { watermark?: string | null; error?: string | null; full: boolean; at: string; unusableValues?: number },
  ): Promise<void> {
    const succeededFull = full && !error;
    await this.db.query(
      `INSERT INTO sync_source (source, watermark, last_run_at, last_full_at, last_error, unusable_values)
       VALUES ($1, $2, $3, CASE WHEN $4 THEN $3::timestamptz END, $5, CASE WHEN $4 THEN $7::integer END)
       ON CONFLICT (source) DO UPDATE SET
         watermark = CASE WHEN $6 THEN EXCLUDED.watermark ELSE sync_source.watermark END,
         last_run_at = EXCLUDED.last_run_at,
         last_full_at = CASE WHEN $4 THEN EXCLUDED.last_run_at ELSE sync_source.last_full_at END,
         last_error = EXCLUDED.last_error,
         unusable_values = CASE WHEN $4 AND $7::integer IS NOT NULL THEN $7::integer ELSE sync_source.unusable_values END`,
      [source, watermark ?? null, at, succeededFull, error ?? null, watermark !== undefined, unusableValues ?? null],
    );
  }

  async startRun(kind: SyncRunKind, at: string): Promise<number> {
    const [row] = await this.db.query<{ id: string | number }>(
      `INSERT INTO sync_run (kind, started_at, status) VALUES ($1, $2, 'running') RETURNING id`,
      [kind, at],
    );
    return Number(row!.id);
  }

  async finishRun(id: number, status: Exclude<SyncRunStatus, 'running'>, summary: unknown, at: string): Promise<void> {
    await this.db.query('UPDATE sync_run SET status = $2, summary = $3::jsonb, finished_at = $4 WHERE id = $1', [id, status, JSON.stringify(summary), at]);
  }

  /** The most recent runs, newest first. */
  async runs(limit = 10): Promise<{ id: number; kind: SyncRunKind; status: SyncRunStatus; startedAt: string; finishedAt: string | null; summary: unknown }[]> {
    // Kind and status as typed: startRun and finishRun are all that write them.
    const rows = await this.db.query<{ id: string | number; kind: SyncRunKind; status: SyncRunStatus; started_at: unknown; finished_at: unknown; summary: unknown }>(
      'SELECT id, kind, status, started_at, finished_at, summary FROM sync_run ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return rows.map((row) => ({ id: Number(row.id), kind: row.kind, status: row.status, startedAt: iso(row.started_at)!, finishedAt: iso(row.finished_at), summary: row.summary }));
  }

  /**
   * Takes the named lease for `ttlMs` when it is free, expired or already held by `holder`;
   * returns whether `holder` now holds it. Keeps two replicas from syncing at once.
   */
  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await this.db.query<{ holder: string }>(
      `INSERT INTO sync_lease (name, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE sync_lease.expires_at < now() OR sync_lease.holder = EXCLUDED.holder
       RETURNING holder`,
      [name, holder, ttlMs],
    );
    return rows.length === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.query('DELETE FROM sync_lease WHERE name = $1 AND holder = $2', [name, holder]);
  }
}

/** The database as seen from inside one transaction: a nested transaction runs in it. */
function boundTo(kind: Database['kind'], tx: SqlSession): Database {
  return {
    kind,
    query: <T>(text: string, params?: unknown[]) => tx.query<T>(text, params),
    exec: (script: string) => tx.exec(script),
    transaction: (work) => work(tx),
    close: async () => {
      throw new Error('a store bound to a transaction ends with it; close the store that opened it');
    },
  };
}

// ------------------------------------------------------------------ rows

const LINK_COLUMNS =
  'system, franchise, local_id, customer_id, rule, matched_system, matched_franchise, matched_local_id, evidence, linked_at, linked_by';

interface RecordWrite {
  record: SourceRecord;
  fingerprint: string;
  matchFingerprint: string;
  /** The record must be resolved again. */
  pending: boolean;
}

interface LinkRow extends KeyRow {
  customer_id: string;
  rule: LinkRule;
  matched_system: string | null;
  matched_franchise: string | null;
  matched_local_id: string | null;
  evidence: Evidence[];
  linked_at: unknown;
  linked_by: string;
}

interface CandidateRow {
  a_system: string;
  a_franchise: string;
  a_local_id: string;
  b_system: string;
  b_franchise: string;
  b_local_id: string;
  rule: CandidatePair['rule'];
  reason: CandidatePair['reason'];
  evidence: Evidence[];
  found_at: unknown;
}

function toLink(row: LinkRow): CustomerLink {
  return {
    record: keyOfRow(row),
    customerId: row.customer_id,
    rule: row.rule,
    matchedWith:
      row.matched_system === null
        ? null
        : recordId({ system: row.matched_system as RecordKey['system'], franchise: row.matched_franchise || null, localId: row.matched_local_id! }),
    evidence: row.evidence,
    linkedAt: iso(row.linked_at)!,
    linkedBy: row.linked_by,
  };
}

function toCandidate(row: CandidateRow): StoredCandidate {
  return {
    a: keyOfRow({ system: row.a_system, franchise: row.a_franchise, local_id: row.a_local_id }),
    b: keyOfRow({ system: row.b_system, franchise: row.b_franchise, local_id: row.b_local_id }),
    rule: row.rule,
    reason: row.reason,
    evidence: row.evidence,
    foundAt: iso(row.found_at)!,
  };
}

async function writeLinks(tx: SqlSession, links: readonly CustomerLink[]): Promise<void> {
  const keys = links.map((l) => parseRecordId(l.record));
  const matched = links.map((l) => (l.matchedWith ? parseRecordId(l.matchedWith) : null));
  await tx.query(
    `INSERT INTO customer_link (system, franchise, local_id, customer_id, rule, matched_system, matched_franchise, matched_local_id, evidence, linked_at, linked_by)
     SELECT t.system, t.franchise, t.local_id, t.customer_id, t.rule, t.ms, t.mf, t.ml, t.evidence::jsonb, t.linked_at::timestamptz, t.linked_by
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       AS t(system, franchise, local_id, customer_id, rule, ms, mf, ml, evidence, linked_at, linked_by)
     ON CONFLICT (system, franchise, local_id) DO UPDATE SET
       customer_id = EXCLUDED.customer_id, rule = EXCLUDED.rule, matched_system = EXCLUDED.matched_system,
       matched_franchise = EXCLUDED.matched_franchise, matched_local_id = EXCLUDED.matched_local_id,
       evidence = EXCLUDED.evidence, linked_at = EXCLUDED.linked_at, linked_by = EXCLUDED.linked_by`,
    [
      keys.map((k) => k.system),
      keys.map((k) => k.franchise ?? ''),
      keys.map((k) => k.localId),
      links.map((l) => l.customerId),
      links.map((l) => l.rule),
      matched.map((m) => m?.system ?? null),
      matched.map((m) => (m ? (m.franchise ?? '') : null)),
      matched.map((m) => m?.localId ?? null),
      links.map((l) => JSON.stringify(l.evidence)),
      links.map((l) => l.linkedAt),
      links.map((l) => l.linkedBy),
    ],
  );
}

async function replaceCandidates(tx: SqlSession, scope: readonly string[], candidates: readonly CandidatePair[], now: string) {
  const existing = new Map<string, CandidateRow>();
  for (const chunk of chunks(scope, CHUNK)) {
    const [systems, franchises, localIds] = keyArrays(chunk);
    const rows = await tx.query<CandidateRow>(
      `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS k(system, franchise, local_id))
       SELECT c.* FROM match_candidate c JOIN k ON (c.a_system, c.a_franchise, c.a_local_id) = (k.system, k.franchise, k.local_id)
       UNION
       SELECT c.* FROM match_candidate c JOIN k ON (c.b_system, c.b_franchise, c.b_local_id) = (k.system, k.franchise, k.local_id)`,
      [systems, franchises, localIds],
    );
    for (const row of rows) {
      const candidate = toCandidate(row);
      existing.set(`${candidate.a}\n${candidate.b}`, row);
    }
  }
  const wanted = new Map(candidates.map((c) => [`${c.a}\n${c.b}`, c]));
  const removed = [...existing.keys()].filter((key) => !wanted.has(key));
  const added = [...wanted].filter(([key, c]) => {
    const row = existing.get(key);
    return !row || row.rule !== c.rule || row.reason !== c.reason || JSON.stringify(row.evidence) !== JSON.stringify(c.evidence);
  });
  for (const chunk of chunks(removed, CHUNK)) {
    const pairs = chunk.map((key) => key.split('\n').map(parseRecordId) as [RecordKey, RecordKey]);
    await tx.query(
      `DELETE FROM match_candidate WHERE (a_system, a_franchise, a_local_id, b_system, b_franchise, b_local_id) IN
         (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]))`,
      [
        pairs.map(([a]) => a.system),
        pairs.map(([a]) => a.franchise ?? ''),
        pairs.map(([a]) => a.localId),
        pairs.map(([, b]) => b.system),
        pairs.map(([, b]) => b.franchise ?? ''),
        pairs.map(([, b]) => b.localId),
      ],
    );
  }
  for (const chunk of chunks(added.map(([, c]) => c), CHUNK)) {
    const a = chunk.map((c) => parseRecordId(c.a));
    const b = chunk.map((c) => parseRecordId(c.b));
    await tx.query(
      `INSERT INTO match_candidate (a_system, a_franchise, a_local_id, b_system, b_franchise, b_local_id, rule, reason, evidence, found_at)
       SELECT t.a1, t.a2, t.a3, t.b1, t.b2, t.b3, t.rule, t.reason, t.evidence::jsonb, $10::timestamptz
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS t(a1, a2, a3, b1, b2, b3, rule, reason, evidence)
       ON CONFLICT (a_system, a_franchise, a_local_id, b_system, b_franchise, b_local_id) DO UPDATE SET
         rule = EXCLUDED.rule, reason = EXCLUDED.reason, evidence = EXCLUDED.evidence`,
      [
        a.map((k) => k.system),
        a.map((k) => k.franchise ?? ''),
        a.map((k) => k.localId),
        b.map((k) => k.system),
        b.map((k) => k.franchise ?? ''),
        b.map((k) => k.localId),
        chunk.map((c) => c.rule),
        chunk.map((c) => c.reason),
        chunk.map((c) => JSON.stringify(c.evidence)),
        now,
      ],
    );
  }
  // Pairs outside the scope are never touched: a candidate always shares a value, so both its records are in scope or neither.
  return { candidatesAdded: added.length, candidatesRemoved: removed.length };
}

/** A record seen twice (two tills, two reads): the earliest creation and the latest change survive. */
function mergeSightings(before: SourceRecord, after: SourceRecord): SourceRecord {
  return { ...after, createdAt: earliest(before.createdAt, after.createdAt), updatedAt: latest(before.updatedAt, after.updatedAt) };
}

function earliest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

function fingerprintOf(record: SourceRecord): string {
  return hash([
    record.firstName,
    record.lastName,
    record.email,
    record.phone,
    record.cards,
    record.postcode,
    // Appended only when present, so that records without one keep the fingerprints they had.
    ...(record.secondPhone ? [record.secondPhone] : []),
    record.birthDate,
    normaliseInstant(record.createdAt),
    normaliseInstant(record.updatedAt),
  ]);
}

function matchFingerprintOf(record: SourceRecord): string {
  const second = record.secondPhone ? [record.secondPhone] : [];
  return hash([record.firstName, record.lastName, emailKey(record.email), record.phone, record.cards.map((c) => c.number).sort(), ...second]);
}

function hash(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('base64url');
}

function normaliseInstant(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
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
