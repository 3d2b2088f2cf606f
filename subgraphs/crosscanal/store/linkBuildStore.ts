import { emailKey } from '../matching/keys.js';
import { phonesOf, posKind, type SourceRecord } from '../matching/records.js';
import type { EstateGroups } from '../matching/resolve.js';
import type { SqlSession } from './database.js';
import { RECORD_COLUMNS, toRecord, type RecordRow } from './recordRows.js';

/** What the blocking found: records numbered, keys written, pairs of numbers to resolve together. */
export interface BlockingSummary {
  records: number;
  keys: number;
  /** Emails and phones over the cap: no evidence, so they pair nobody. */
  oversizedGroups: number;
  edges: number;
}

/**
 * The SQL half of the full link build (the other half is {@link ../identitySync.ts}): the
 * blocking done set-based in the database, so that the process never holds the estate. It
 * numbers every record 0..N-1; writes each record's blocking keys (an email as compared, a
 * phone, a card number, a customer, a steward's decision) into an indexed table; counts the
 * emails and phones carried by more records than the rules' cap, which pair nobody, as the
 * rules skip them; and writes for every other key the star from its smallest record number to
 * each other record carrying it. It hands those pairs out page by page as integer arrays,
 * reads the records of one batch by their numbers, and tells a batch which of its values are
 * over the cap in the whole estate.
 *
 * The keys follow what the rules compare (matching/resolve.ts): emails and phones between
 * web accounts and members, a till's phone against them, a member's cards against the cards
 * seen at tills. The tables are working tables of the build (migration 032): only the sync
 * holding its lease writes them.
 */
export class LinkBuildStore {
  constructor(private readonly db: SqlSession) {}

  /**
   * Numbers the records and writes the keys and the blocking pairs, replacing the previous
   * build's. `maxGroup` is the rules' cap (ResolveOptions.maxGroup).
   */
  async block(maxGroup: number): Promise<BlockingSummary> {
    if (!(Number.isInteger(maxGroup) && maxGroup >= 1)) throw new Error(`maxGroup must be a whole number above 0, got ${maxGroup}`);
    await this.db.query('TRUNCATE link_build_record, link_build_key, link_build_group, link_build_edge');
    await this.db.query(
      `INSERT INTO link_build_record (n, system, franchise, local_id)
       SELECT (row_number() OVER (ORDER BY system, franchise, local_id) - 1)::integer, system, franchise, local_id FROM source_record`,
    );
    // A till is a phone keyed at a till or an OUE client row; a card seen at a till is named by
    // its number. A steward's hold on a customer merged away counts for its survivor.
    await this.db.query(
      `INSERT INTO link_build_key (key, n, named)
       SELECT k.key, b.n, r.system <> 'POS'
       FROM link_build_record b
       JOIN source_record r USING (system, franchise, local_id)
       CROSS JOIN LATERAL (
         SELECT 'e:' || r.email_key WHERE r.system <> 'POS' AND r.email_key IS NOT NULL
         UNION SELECT 'p:' || r.phone WHERE r.phone IS NOT NULL AND (r.system <> 'POS' OR r.local_id LIKE 'phone:%' OR r.local_id LIKE 'client:%')
         UNION SELECT 'p:' || r.second_phone WHERE r.system <> 'POS' AND r.second_phone IS NOT NULL
         UNION SELECT 'c:' || (card ->> 'number') FROM jsonb_array_elements(r.cards) AS card WHERE r.system <> 'POS'
         UNION SELECT 'c:' || substr(r.local_id, 6) WHERE r.system = 'POS' AND r.local_id LIKE 'card:%'
       ) AS k(key)
       UNION ALL
       SELECT 'u:' || l.customer_id, b.n, false FROM link_build_record b JOIN customer_link l USING (system, franchise, local_id)
       UNION ALL
       SELECT 'u:' || coalesce(m.to_id, h.customer_id), b.n, false
       FROM link_build_record b JOIN steward_hold h USING (system, franchise, local_id)
       LEFT JOIN customer_redirect m ON m.from_id = h.customer_id
       UNION ALL
       SELECT 'j:' || j.event_id, b.n, false FROM link_build_record b JOIN steward_join j USING (system, franchise, local_id)`,
    );
    // The caps of the rules: an email shared by more than maxGroup named records; a phone
    // shared by more than maxGroup named records (for the pairs between them), or by more
    // than maxGroup records counting the tills (for the tills' pairs).
    await this.db.query(
      `INSERT INTO link_build_group (key, named, total)
       SELECT key, count(*) FILTER (WHERE named), count(*) FROM link_build_key
       WHERE key LIKE 'e:%' OR key LIKE 'p:%'
       GROUP BY key HAVING count(*) > $1`,
      [maxGroup],
    );
    // A key over the cap pairs its named records alone while they are few enough, else nobody.
    await this.db.query(
      `INSERT INTO link_build_edge (n, root)
       SELECT n, root FROM (
         SELECT k.n, min(k.n) OVER (PARTITION BY k.key) AS root
         FROM link_build_key k LEFT JOIN link_build_group g USING (key)
         WHERE g.key IS NULL OR (k.named AND g.named <= $1)
       ) AS w
       WHERE n <> root`,
      [maxGroup],
    );
    const [row] = await this.db.query<Record<keyof BlockingSummary, string | number>>(
      `SELECT (SELECT count(*) FROM link_build_record) AS records, (SELECT count(*) FROM link_build_key) AS keys,
              (SELECT count(*) FROM link_build_group) AS "oversizedGroups", (SELECT count(*) FROM link_build_edge) AS edges`,
    );
    return { records: Number(row!.records), keys: Number(row!.keys), oversizedGroups: Number(row!.oversizedGroups), edges: Number(row!.edges) };
  }

  /** The blocking pairs, `pageRecords` record numbers at a time, as two parallel arrays. */
  async *edges(records: number, pageRecords = 200_000): AsyncGenerator<{ n: number[]; root: number[] }> {
    for (let from = 0; from < records; from += pageRecords) {
      const [row] = await this.db.query<{ n: number[] | null; root: number[] | null }>(
        'SELECT array_agg(n) AS n, array_agg(root) AS root FROM link_build_edge WHERE n >= $1 AND n < $2',
        [from, from + pageRecords],
      );
      if (row?.n && row.root) yield { n: row.n, root: row.root };
    }
  }

  /** The stored records numbered `numbers` in this build. */
  async records(numbers: ArrayLike<number>): Promise<SourceRecord[]> {
    const rows = await this.db.query<RecordRow>(
      `SELECT ${RECORD_COLUMNS.split(', ')
        .map((column) => `r.${column}`)
        .join(', ')}
       FROM link_build_record b JOIN source_record r USING (system, franchise, local_id) WHERE b.n = ANY($1::integer[])`,
      [Array.from(numbers)],
    );
    return rows.map(toRecord);
  }

  /**
   * The emails and phones of `records` that the whole estate carries on more records than the
   * cap, with their counts there: what a batch's resolution must skip though it holds fewer.
   */
  async oversizedGroups(records: readonly SourceRecord[], maxGroup: number): Promise<EstateGroups> {
    const keys = new Set<string>();
    for (const record of records) {
      if (record.system === 'POS') {
        const kind = posKind(record.localId);
        if ((kind === 'phone' || kind === 'client') && record.phone) keys.add(`p:${record.phone}`);
        continue;
      }
      const email = emailKey(record.email);
      if (email !== null) keys.add(`e:${email}`);
      for (const phone of phonesOf(record)) keys.add(`p:${phone}`);
    }
    const groups: EstateGroups = { emails: new Map(), phones: new Map(), tillPhones: new Map() };
    if (keys.size === 0) return groups;
    const rows = await this.db.query<{ key: string; named: number; total: number }>('SELECT key, named, total FROM link_build_group WHERE key = ANY($1::text[])', [[...keys]]);
    for (const { key, named, total } of rows) {
      const value = key.slice(2);
      if (key.startsWith('e:')) (groups.emails as Map<string, number>).set(value, named);
      else {
        if (named > maxGroup) (groups.phones as Map<string, number>).set(value, named);
        (groups.tillPhones as Map<string, number>).set(value, total);
      }
    }
    return groups;
  }
}
