import { createHash } from 'node:crypto';
import type { Database, SqlSession } from '../store/database.js';
import type { CatalogueEntry, PosFranchiseCodes, ProductSourceName, WebProductEntry } from './readers.js';
import { gtinKeyOf, lookupCode, type Reading, type ReferenceKind } from './references.js';

/** What a write of entries did. */
export interface WriteResult {
  added: number;
  changed: number;
  unchanged: number;
}

/** Where one system was read up to, and how its last run went. */
export interface ProductSyncState {
  source: ProductSourceName;
  /** Opaque to the store: each reader keeps its own position. */
  watermark: string | null;
  lastRunAt: string | null;
  lastFullAt: string | null;
  lastError: string | null;
  /** Catalogue or web products held, or the distinct codes seen at the tills. */
  entries: number;
}

/** A catalogue code that matched a reading, with its product's keys. */
export interface CatalogueHit {
  kind: ReferenceKind;
  code: string;
  /** Null except for POS codes. */
  franchise: string | null;
  value: string;
  catalogueRef: string;
  gtin: string | null;
  webSku: string | null;
}

/** A web product that matched a reading by SKU or GTIN, with the catalogue products its SKU or EAN leads to. */
export interface WebHit {
  sku: string;
  skuCode: string;
  gtin: string | null;
  gtin14: string | null;
  /** Catalogue products carrying the SKU as a WEB_SKU alias; when none, those carrying its GTIN. */
  catalogue: { catalogueRef: string; gtin: string | null; webSku: string | null }[];
}

/** Everything the index holds about a set of readings. */
export interface ReferenceHits {
  catalogue: CatalogueHit[];
  web: WebHit[];
  /** GTINs sold or stocked at a till, as the till writes them. */
  posGtins: { gtin14: string; gtin: string }[];
  /** Local codes sold or stocked at a franchise's tills. */
  posCodes: { franchise: string; code: string; value: string }[];
}

/** A code no system maps to a product, as the report lists it. */
export interface UnmappedCode {
  system: 'POS' | 'CROSSCANAL';
  franchise: string | null;
  code: string;
  label: string | null;
  tillLines: number;
  stores: number;
  lookups: number;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
}

/** Counts that tell how clean the estate's product references are. */
export interface ReferenceQualityReport {
  catalogueProducts: number;
  catalogueProductsWithoutGtin: number;
  aliases: { kind: ReferenceKind; codes: number }[];
  sharedAliases: { kind: ReferenceKind; codes: number }[];
  unusableAliases: number;
  webOnlyProducts: number;
  webProductsWithoutGtin: number;
  storeOnlyGtins: number;
  unmappedCodes: { system: 'POS' | 'CROSSCANAL'; franchise: string | null; codes: number; tillLines: number; lookups: number }[];
}

/** Rows per statement when writing or reading by keys. */
const CHUNK = 2000;

/**
 * Local codes seen at the tills (sold or stocked) that no catalogue POS code of the same
 * franchise maps, with their counts.
 */
const UNMAPPED_POS = /* SQL */ `
  WITH days AS (
    SELECT franchise, code, sum(lines)::int AS lines, min(first_seen) AS first_seen, max(last_seen) AS last_seen,
           (array_agg(label ORDER BY last_seen DESC))[1] AS label, (array_agg(value ORDER BY last_seen DESC))[1] AS value
    FROM product_pos_code_day GROUP BY franchise, code
  ), seen AS (
    SELECT COALESCE(d.franchise, s.franchise) AS franchise, COALESCE(d.code, s.code) AS code, COALESCE(d.value, s.value) AS value,
           d.label, COALESCE(d.lines, 0) AS lines, COALESCE(s.stores, 0) AS stores, d.first_seen, d.last_seen
    FROM days d FULL JOIN (SELECT franchise, code, value, stores FROM product_pos_stock WHERE kind = 'LOCAL') s
      ON s.franchise = d.franchise AND s.code = d.code
  )
  SELECT u.*, COALESCE((SELECT sum(m.lookups) FROM product_reference_miss m WHERE m.code = u.code AND m.franchise IN (u.franchise, '')), 0)::int AS lookups
  FROM seen u
  WHERE NOT EXISTS (SELECT 1 FROM product_catalogue_code c WHERE c.kind = 'POS_LOCAL_CODE' AND c.code = u.code AND c.franchise = u.franchise)`;

/**
 * References asked for that still name nothing: no catalogue code (a POS code only in the
 * franchise asked, when one was), no web SKU or GTIN, no GTIN at a till, and no local code
 * seen at a till (those are counted with the till's code instead).
 */
const OPEN_MISSES = /* SQL */ `
  SELECT m.* FROM product_reference_miss m
  WHERE NOT EXISTS (SELECT 1 FROM product_catalogue_code c
                    WHERE c.code = m.code AND (c.kind <> 'POS_LOCAL_CODE' OR m.franchise = '' OR c.franchise = m.franchise))
    AND NOT EXISTS (SELECT 1 FROM product_web w WHERE w.sku_code = m.code OR w.gtin14 = m.code)
    AND NOT EXISTS (SELECT 1 FROM product_pos_gtin g WHERE g.gtin14 = m.code)
    AND NOT EXISTS (SELECT 1 FROM product_pos_stock s WHERE s.code = m.code AND (s.kind = 'GTIN' OR m.franchise = '' OR s.franchise = m.franchise))
    AND NOT EXISTS (SELECT 1 FROM product_pos_code_day d WHERE d.code = m.code AND (m.franchise = '' OR d.franchise = m.franchise))`;

/**
 * The product reference index in the crosswalk's database (PostgreSQL or PGlite): one
 * implementation over both. Writes that belong together happen in one transaction, and
 * writing what is already there changes nothing.
 */
export class ProductReferenceStore {
  constructor(readonly db: Database) {}

  // ------------------------------------------------------------------ writes

  /** Writes catalogue products with all their codes; a product whose entry is unchanged is not written. */
  async writeCatalogue(entries: readonly CatalogueEntry[], readAt: string): Promise<WriteResult> {
    const unique = [...new Map(entries.map((e) => [e.catalogueRef, e])).values()];
    const result: WriteResult = { added: 0, changed: 0, unchanged: 0 };
    for (const chunk of chunks(unique, CHUNK)) {
      await this.db.transaction(async (tx) => {
        const stored = await fingerprints(tx, 'SELECT catalogue_ref AS key, fingerprint FROM product_catalogue WHERE catalogue_ref = ANY($1::text[])', chunk.map((e) => e.catalogueRef));
        const writes = chunk.map((entry) => ({ entry, fingerprint: hash(entry) })).filter(({ entry, fingerprint }) => {
          const before = stored.get(entry.catalogueRef);
          if (before === undefined) result.added += 1;
          else if (before !== fingerprint) result.changed += 1;
          else {
            result.unchanged += 1;
            return false;
          }
          return true;
        });
        if (writes.length === 0) return;
        const refs = writes.map((w) => w.entry.catalogueRef);
        await tx.query(
          `INSERT INTO product_catalogue (catalogue_ref, gtin, web_sku, status, updated_at, unusable, fingerprint, read_at)
           SELECT t.ref, t.gtin, t.web_sku, t.status, t.updated_at::timestamptz, t.unusable, t.fingerprint, $8::timestamptz
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[]) AS t(ref, gtin, web_sku, status, updated_at, unusable, fingerprint)
           ON CONFLICT (catalogue_ref) DO UPDATE SET gtin = EXCLUDED.gtin, web_sku = EXCLUDED.web_sku, status = EXCLUDED.status,
             updated_at = EXCLUDED.updated_at, unusable = EXCLUDED.unusable, fingerprint = EXCLUDED.fingerprint, read_at = EXCLUDED.read_at`,
          [
            refs,
            writes.map((w) => w.entry.gtin),
            writes.map((w) => w.entry.webSku),
            writes.map((w) => w.entry.status),
            writes.map((w) => w.entry.updatedAt),
            writes.map((w) => w.entry.unusable),
            writes.map((w) => w.fingerprint),
            readAt,
          ],
        );
        await tx.query('DELETE FROM product_catalogue_code WHERE catalogue_ref = ANY($1::text[])', [refs]);
        const codes = writes.flatMap((w) => w.entry.codes.map((c) => ({ ref: w.entry.catalogueRef, ...c })));
        for (const part of chunks(codes, CHUNK)) {
          await tx.query(
            `INSERT INTO product_catalogue_code (catalogue_ref, kind, franchise, code, value)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
            [part.map((c) => c.ref), part.map((c) => c.kind), part.map((c) => c.franchise ?? ''), part.map((c) => c.code), part.map((c) => c.value)],
          );
        }
      });
    }
    return result;
  }

  /** Writes web products; an unchanged one is not written. */
  async writeWeb(entries: readonly WebProductEntry[], readAt: string): Promise<WriteResult> {
    const unique = [...new Map(entries.map((e) => [e.sku, e])).values()];
    const result: WriteResult = { added: 0, changed: 0, unchanged: 0 };
    for (const chunk of chunks(unique, CHUNK)) {
      const stored = await fingerprints(this.db, 'SELECT sku AS key, fingerprint FROM product_web WHERE sku = ANY($1::text[])', chunk.map((e) => e.sku));
      const writes = chunk.map((entry) => ({ entry, fingerprint: hash(entry) })).filter(({ entry, fingerprint }) => {
        const before = stored.get(entry.sku);
        if (before === undefined) result.added += 1;
        else if (before !== fingerprint) result.changed += 1;
        else {
          result.unchanged += 1;
          return false;
        }
        return true;
      });
      if (writes.length === 0) continue;
      await this.db.query(
        `INSERT INTO product_web (sku, sku_code, gtin, gtin14, ean_unusable, active, updated_at, fingerprint, read_at)
         SELECT t.sku, t.sku_code, t.gtin, t.gtin14, t.ean_unusable, t.active, t.updated_at::timestamptz, t.fingerprint, $9::timestamptz
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[], $7::text[], $8::text[])
           AS t(sku, sku_code, gtin, gtin14, ean_unusable, active, updated_at, fingerprint)
         ON CONFLICT (sku) DO UPDATE SET sku_code = EXCLUDED.sku_code, gtin = EXCLUDED.gtin, gtin14 = EXCLUDED.gtin14,
           ean_unusable = EXCLUDED.ean_unusable, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at,
           fingerprint = EXCLUDED.fingerprint, read_at = EXCLUDED.read_at`,
        [
          writes.map((w) => w.entry.sku),
          writes.map((w) => lookupCode(w.entry.sku)),
          writes.map((w) => w.entry.gtin),
          writes.map((w) => (w.entry.gtin === null ? null : gtinKeyOf(w.entry.gtin))),
          writes.map((w) => w.entry.eanUnusable),
          writes.map((w) => w.entry.active),
          writes.map((w) => w.entry.updatedAt),
          writes.map((w) => w.fingerprint),
          readAt,
        ],
      );
    }
    return result;
  }

  /**
   * Writes what a franchise's tills show, in one transaction: a full read (`fromDay` null)
   * replaces everything held for the franchise; an incremental one replaces the days from
   * `fromDay` on and widens the GTINs' first and last sales. Stock is always replaced.
   * Returns the rows written.
   */
  async writePos({ franchise, fromDay, days, gtins, stock }: PosFranchiseCodes): Promise<number> {
    return this.db.transaction(async (tx) => {
      if (fromDay === null) {
        await tx.query('DELETE FROM product_pos_code_day WHERE franchise = $1', [franchise]);
        await tx.query('DELETE FROM product_pos_gtin WHERE franchise = $1', [franchise]);
      } else {
        await tx.query('DELETE FROM product_pos_code_day WHERE franchise = $1 AND day >= $2::date', [franchise, fromDay]);
      }
      await tx.query('DELETE FROM product_pos_stock WHERE franchise = $1', [franchise]);
      for (const part of chunks(days, CHUNK)) {
        await tx.query(
          `INSERT INTO product_pos_code_day (franchise, code, day, value, lines, label, first_seen, last_seen)
           SELECT $1, t.code, t.day::date, t.value, t.lines, t.label, t.first_seen::timestamptz, t.last_seen::timestamptz
           FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[]) AS t(code, day, value, lines, label, first_seen, last_seen)`,
          [franchise, part.map((d) => d.code), part.map((d) => d.day), part.map((d) => d.value), part.map((d) => d.lines), part.map((d) => d.label), part.map((d) => d.firstSeen), part.map((d) => d.lastSeen)],
        );
      }
      for (const part of chunks(gtins, CHUNK)) {
        await tx.query(
          `INSERT INTO product_pos_gtin (franchise, gtin14, gtin, first_seen, last_seen)
           SELECT $1, t.gtin14, t.gtin, t.first_seen::timestamptz, t.last_seen::timestamptz
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(gtin14, gtin, first_seen, last_seen)
           ON CONFLICT (franchise, gtin14) DO UPDATE SET
             gtin = CASE WHEN EXCLUDED.last_seen >= product_pos_gtin.last_seen THEN EXCLUDED.gtin ELSE product_pos_gtin.gtin END,
             first_seen = LEAST(product_pos_gtin.first_seen, EXCLUDED.first_seen),
             last_seen = GREATEST(product_pos_gtin.last_seen, EXCLUDED.last_seen)`,
          [franchise, part.map((g) => g.gtin14), part.map((g) => g.gtin), part.map((g) => g.firstSeen), part.map((g) => g.lastSeen)],
        );
      }
      for (const part of chunks(stock, CHUNK)) {
        await tx.query(
          `INSERT INTO product_pos_stock (franchise, kind, code, value, stores)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[])`,
          [franchise, part.map((s) => s.kind), part.map((s) => s.code), part.map((s) => s.value), part.map((s) => s.stores)],
        );
      }
      return days.length + gtins.length + stock.length;
    });
  }

  /**
   * After a full read of `source`, forgets what it no longer has: catalogue products and
   * web products by key, franchises by code. Returns the entries removed.
   */
  async sweep(source: ProductSourceName, keep: readonly string[]): Promise<number> {
    if (source === 'catalogue') return count(await this.db.query('DELETE FROM product_catalogue WHERE NOT (catalogue_ref = ANY($1::text[])) RETURNING 1', [keep]));
    if (source === 'ecommerce') return count(await this.db.query('DELETE FROM product_web WHERE NOT (sku = ANY($1::text[])) RETURNING 1', [keep]));
    return this.db.transaction(async (tx) => {
      let removed = 0;
      for (const table of ['product_pos_code_day', 'product_pos_gtin', 'product_pos_stock']) {
        removed += count(await tx.query(`DELETE FROM ${table} WHERE NOT (franchise = ANY($1::text[])) RETURNING 1`, [keep]));
      }
      return removed;
    });
  }

  /** Counts a reference asked for that named nothing, under its recorded form. */
  async recordMiss(code: string, value: string, franchise: string | null, at: string): Promise<void> {
    await this.db.query(
      `INSERT INTO product_reference_miss (code, franchise, value, lookups, first_at, last_at) VALUES ($1, $2, $3, 1, $4, $4)
       ON CONFLICT (code, franchise) DO UPDATE SET lookups = product_reference_miss.lookups + 1, value = EXCLUDED.value,
         last_at = GREATEST(product_reference_miss.last_at, EXCLUDED.last_at)`,
      [code, franchise ?? '', value, at],
    );
  }

  /**
   * Forgets the references asked for that named nothing and were last asked before `before`,
   * then all but the `keep` most recently asked: whatever is typed into a search box must not
   * grow the table without end. Returns how many were forgotten.
   */
  async pruneMisses(before: string, keep: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const old = count(await tx.query('DELETE FROM product_reference_miss WHERE last_at < $1 RETURNING 1', [before]));
      const beyond = count(
        await tx.query(
          `DELETE FROM product_reference_miss WHERE (code, franchise) IN (
             SELECT code, franchise FROM product_reference_miss ORDER BY last_at DESC, code, franchise OFFSET $1)
           RETURNING 1`,
          [keep],
        ),
      );
      return old + beyond;
    });
  }

  // ------------------------------------------------------------------ sync state

  async syncStates(): Promise<Map<ProductSourceName, ProductSyncState>> {
    const rows = await this.db.query<{ source: ProductSourceName; watermark: string | null; last_run_at: unknown; last_full_at: unknown; last_error: string | null; entries: number }>(
      `SELECT s.source, s.watermark, s.last_run_at, s.last_full_at, s.last_error,
         (CASE s.source
            WHEN 'catalogue' THEN (SELECT count(*) FROM product_catalogue)
            WHEN 'ecommerce' THEN (SELECT count(*) FROM product_web)
            ELSE (SELECT count(*) FROM (SELECT franchise, code FROM product_pos_code_day UNION SELECT franchise, gtin14 FROM product_pos_gtin
                                        UNION SELECT franchise, code FROM product_pos_stock) AS codes)
          END)::int AS entries
       FROM product_sync_source s ORDER BY s.source`,
    );
    return new Map(
      rows.map((row) => [
        row.source,
        { source: row.source, watermark: row.watermark, lastRunAt: iso(row.last_run_at), lastFullAt: iso(row.last_full_at), lastError: row.last_error, entries: row.entries },
      ]),
    );
  }

  /** Records a source's run: its new watermark when it succeeded (and whether it was a full read), its error when it failed. */
  async recordSourceRun(source: ProductSourceName, { watermark, error, full, at }: { watermark?: string; error?: string; full: boolean; at: string }): Promise<void> {
    const succeededFull = full && !error;
    await this.db.query(
      `INSERT INTO product_sync_source (source, watermark, last_run_at, last_full_at, last_error)
       VALUES ($1, $2, $3, CASE WHEN $4 THEN $3::timestamptz END, $5)
       ON CONFLICT (source) DO UPDATE SET
         watermark = CASE WHEN $6 THEN EXCLUDED.watermark ELSE product_sync_source.watermark END,
         last_run_at = EXCLUDED.last_run_at,
         last_full_at = CASE WHEN $4 THEN EXCLUDED.last_run_at ELSE product_sync_source.last_full_at END,
         last_error = EXCLUDED.last_error`,
      [source, watermark ?? null, at, succeededFull, error ?? null, watermark !== undefined],
    );
  }

  // ------------------------------------------------------------------ reads

  /** Everything the index holds that any of these readings names. */
  async lookup(readings: readonly Reading[]): Promise<ReferenceHits> {
    const hits: ReferenceHits = { catalogue: [], web: [], posGtins: [], posCodes: [] };
    if (readings.length === 0) return hits;
    const of = (kind: ReferenceKind) => [...new Set(readings.filter((r) => r.kind === kind).map((r) => r.code))];
    const pairs = [...new Map(readings.map((r) => [`${r.kind}\n${r.code}`, r])).values()];
    const catalogueRows = await this.db.query<CatalogueRow>(
      `SELECT c.kind, c.code, c.franchise, c.value, p.catalogue_ref, p.gtin, p.web_sku
       FROM product_catalogue_code c JOIN product_catalogue p ON p.catalogue_ref = c.catalogue_ref
       WHERE (c.code, c.kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       ORDER BY c.kind, c.code, c.franchise, c.catalogue_ref`,
      [pairs.map((r) => r.code), pairs.map((r) => r.kind)],
    );
    hits.catalogue = catalogueRows.map((row) => ({
      kind: row.kind,
      code: row.code,
      franchise: row.franchise || null,
      value: row.value,
      catalogueRef: row.catalogue_ref,
      gtin: row.gtin,
      webSku: row.web_sku,
    }));

    const skus = of('WEB_SKU');
    const gtins = of('GTIN');
    if (skus.length + gtins.length > 0) {
      const webRows = await this.db.query<{ sku: string; sku_code: string; gtin: string | null; gtin14: string | null }>(
        'SELECT sku, sku_code, gtin, gtin14 FROM product_web WHERE sku_code = ANY($1::text[]) OR gtin14 = ANY($2::text[]) ORDER BY sku',
        [skus, gtins],
      );
      if (webRows.length > 0) {
        const leads = await this.db.query<{ kind: string; code: string; catalogue_ref: string; gtin: string | null; web_sku: string | null }>(
          `SELECT c.kind, c.code, p.catalogue_ref, p.gtin, p.web_sku
           FROM product_catalogue_code c JOIN product_catalogue p ON p.catalogue_ref = c.catalogue_ref
           WHERE (c.kind = 'WEB_SKU' AND c.code = ANY($1::text[])) OR (c.kind = 'GTIN' AND c.code = ANY($2::text[]))
           ORDER BY c.catalogue_ref`,
          [webRows.map((w) => w.sku_code), webRows.flatMap((w) => (w.gtin14 === null ? [] : [w.gtin14]))],
        );
        const keysOf = (row: (typeof leads)[number]) => ({ catalogueRef: row.catalogue_ref, gtin: row.gtin, webSku: row.web_sku });
        hits.web = webRows.map((w) => {
          const bySku = leads.filter((l) => l.kind === 'WEB_SKU' && l.code === w.sku_code);
          const byGtin = w.gtin14 === null ? [] : leads.filter((l) => l.kind === 'GTIN' && l.code === w.gtin14);
          return { sku: w.sku, skuCode: w.sku_code, gtin: w.gtin, gtin14: w.gtin14, catalogue: (bySku.length > 0 ? bySku : byGtin).map(keysOf) };
        });
      }
    }

    if (gtins.length > 0) {
      hits.posGtins = await this.db.query<{ gtin14: string; gtin: string }>(
        `SELECT DISTINCT ON (gtin14) gtin14, gtin FROM (
           SELECT gtin14, gtin, last_seen AS at FROM product_pos_gtin WHERE gtin14 = ANY($1::text[])
           UNION ALL SELECT code, value, NULL FROM product_pos_stock WHERE kind = 'GTIN' AND code = ANY($1::text[])
         ) AS s ORDER BY gtin14, at DESC NULLS LAST`,
        [gtins],
      );
    }
    const locals = of('POS_LOCAL_CODE');
    if (locals.length > 0) {
      hits.posCodes = await this.db.query<{ franchise: string; code: string; value: string }>(
        `SELECT DISTINCT ON (franchise, code) franchise, code, value FROM (
           SELECT franchise, code, value, last_seen AS at FROM product_pos_code_day WHERE code = ANY($1::text[])
           UNION ALL SELECT franchise, code, value, NULL FROM product_pos_stock WHERE kind = 'LOCAL' AND code = ANY($1::text[])
         ) AS s ORDER BY franchise, code, at DESC NULLS LAST`,
        [locals],
      );
    }
    return hits;
  }

  /**
   * Codes that no system maps to a product, most used first (till lines plus lookups), then
   * by system, franchise and code: local codes seen at the tills (POS) and references
   * asked for that name nothing (CROSSCANAL).
   */
  async unmapped({ system, franchise, first }: { system?: 'POS' | 'CROSSCANAL' | null; franchise?: string | null; first: number }): Promise<UnmappedCode[]> {
    const rows = await this.db.query<{
      system: 'POS' | 'CROSSCANAL';
      franchise: string;
      code: string;
      label: string | null;
      lines: number;
      stores: number;
      lookups: number;
      first_seen: unknown;
      last_seen: unknown;
    }>(
      `SELECT * FROM (
         SELECT 'POS' AS system, franchise, value AS code, label, lines, stores, lookups, first_seen, last_seen FROM (${UNMAPPED_POS}) AS p
         UNION ALL
         SELECT 'CROSSCANAL', franchise, value, NULL, 0, 0, lookups, first_at, last_at FROM (${OPEN_MISSES}) AS m
       ) AS u
       WHERE ($1::text IS NULL OR u.system = $1) AND ($2::text IS NULL OR u.franchise = $2)
       ORDER BY u.lines + u.lookups DESC, u.system, u.franchise, u.code
       LIMIT $3`,
      [system ?? null, franchise ?? null, first],
    );
    return rows.map((row) => ({
      system: row.system,
      franchise: row.franchise || null,
      code: row.code,
      label: row.label,
      tillLines: row.lines,
      stores: row.stores,
      lookups: row.lookups,
      firstSeenAt: iso(row.first_seen),
      lastSeenAt: iso(row.last_seen),
    }));
  }

  async quality(): Promise<ReferenceQualityReport> {
    const [totals] = await this.db.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM product_catalogue)::int AS catalogue_products,
              (SELECT count(*) FROM product_catalogue WHERE gtin IS NULL)::int AS without_gtin,
              (SELECT COALESCE(sum(unusable), 0) FROM product_catalogue)::int AS unusable,
              (SELECT count(*) FROM product_web w
                WHERE NOT EXISTS (SELECT 1 FROM product_catalogue_code c WHERE c.kind = 'WEB_SKU' AND c.code = w.sku_code)
                  AND NOT EXISTS (SELECT 1 FROM product_catalogue_code c WHERE c.kind = 'GTIN' AND c.code = w.gtin14))::int AS web_only,
              (SELECT count(*) FROM product_web WHERE gtin14 IS NULL)::int AS web_without_gtin,
              (SELECT count(*) FROM (SELECT gtin14 FROM product_pos_gtin UNION SELECT code FROM product_pos_stock WHERE kind = 'GTIN') AS g
                WHERE NOT EXISTS (SELECT 1 FROM product_catalogue_code c WHERE c.kind = 'GTIN' AND c.code = g.gtin14)
                  AND NOT EXISTS (SELECT 1 FROM product_web w WHERE w.gtin14 = g.gtin14))::int AS store_only`,
    );
    const aliases = await this.db.query<{ kind: ReferenceKind; codes: number }>(
      'SELECT kind, count(*)::int AS codes FROM product_catalogue_code GROUP BY kind ORDER BY kind',
    );
    const shared = await this.db.query<{ kind: ReferenceKind; codes: number }>(
      `SELECT kind, count(*)::int AS codes FROM (
         SELECT kind, code, franchise FROM product_catalogue_code GROUP BY kind, code, franchise HAVING count(DISTINCT catalogue_ref) > 1
       ) AS s GROUP BY kind ORDER BY kind`,
    );
    const unmapped = await this.db.query<{ system: 'POS' | 'CROSSCANAL'; franchise: string; codes: number; lines: number; lookups: number }>(
      `SELECT system, franchise, count(*)::int AS codes, sum(lines)::int AS lines, sum(lookups)::int AS lookups FROM (
         SELECT 'POS' AS system, franchise, lines, lookups FROM (${UNMAPPED_POS}) AS p
         UNION ALL SELECT 'CROSSCANAL', franchise, 0, lookups FROM (${OPEN_MISSES}) AS m
       ) AS u GROUP BY system, franchise ORDER BY system, franchise`,
    );
    return {
      catalogueProducts: totals!.catalogue_products!,
      catalogueProductsWithoutGtin: totals!.without_gtin!,
      aliases,
      sharedAliases: shared,
      unusableAliases: totals!.unusable!,
      webOnlyProducts: totals!.web_only!,
      webProductsWithoutGtin: totals!.web_without_gtin!,
      storeOnlyGtins: totals!.store_only!,
      unmappedCodes: unmapped.map((row) => ({ system: row.system, franchise: row.franchise || null, codes: row.codes, tillLines: row.lines, lookups: row.lookups })),
    };
  }
}

interface CatalogueRow {
  kind: ReferenceKind;
  code: string;
  franchise: string;
  value: string;
  catalogue_ref: string;
  gtin: string | null;
  web_sku: string | null;
}

async function fingerprints(session: SqlSession, sql: string, keys: readonly string[]): Promise<Map<string, string>> {
  const rows = await session.query<{ key: string; fingerprint: string }>(sql, [keys]);
  return new Map(rows.map((row) => [row.key, row.fingerprint]));
}

function hash(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('base64url');
}

function count(rows: readonly unknown[]): number {
  return rows.length;
}

/** An instant from the driver (a Date, or text) as ISO 8601 UTC. */
function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
