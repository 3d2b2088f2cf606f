import type { ReturnToRecord } from './returnInput.js';
import type { Statement, WriteLayout } from './writeLayout.js';

/**
 * Serialises the returns of one store until the transaction ends: the check for the same
 * return, the number's allocation and the insert happen as one step, so that two returns never
 * take one number and a return sent twice at once is recorded once. (On PGlite, which has one
 * session, the stand-in's proxy already runs one transaction at a time.)
 */
export function lockStoreReturns(schema: string, storeCode: string): Statement {
  return { text: 'SELECT pg_advisory_xact_lock(hashtext($1))', values: [storeReturnsLock(schema, storeCode)] };
}

/** The advisory lock's key for the returns of one store of a franchise's schema. */
export function storeReturnsLock(schema: string, storeCode: string): string {
  return `crosscanal.pos.returns:${schema}:${storeCode}`;
}

export function sellerOfStore(layout: WriteLayout, schema: string, storeCode: string, sellerCode: string): Statement {
  const s = layout.sellers;
  return { text: /* SQL */ `SELECT 1 AS found FROM ${schema}.${s.table} WHERE ${s.store} = $1 AND ${s.code} = $2`, values: [storeCode, sellerCode] };
}

/**
 * A return already recorded at the store for the same receipt or web order at the same
 * instant: the caller's intent, recorded once. Compared on the till's clock (in SUD's, two
 * instants an hour apart the night summer time ends are one).
 */
export function sameReturn(layout: WriteLayout, schema: string, r: ReturnToRecord): Statement {
  const t = layout.returns;
  return {
    text: /* SQL */ `SELECT ${t.number} AS return_no FROM ${schema}.${t.table}
      WHERE ${t.store} = $1 AND ${t.at} = ${layout.time('$2::timestamptz')}
        AND ${t.receipt} IS NOT DISTINCT FROM $3::text AND ${t.webOrder} IS NOT DISTINCT FROM $4::text
      ORDER BY ${t.number} LIMIT 1`,
    values: [r.storeCode, r.returnedAt, r.receiptNumber, r.webOrderNumber],
  };
}

/** The highest sequence number among the returns numbered with `prefix` (0 when none). */
export function lastReturnSequence(layout: WriteLayout, schema: string, prefix: string): Statement {
  const t = layout.returns;
  const sequence = `substr(${t.number}, length($1) + 1)`;
  return {
    text: /* SQL */ `SELECT COALESCE(max(${sequence}::bigint), 0)::text AS last FROM ${schema}.${t.table}
      WHERE starts_with(${t.number}, $1) AND ${sequence} ~ '^[0-9]{1,15}$'`,
    values: [prefix],
  };
}

/** The return's header, its total the sum of its lines, in the till's units and clock. */
export function insertReturn(layout: WriteLayout, schema: string, returnNumber: string, r: ReturnToRecord): Statement {
  const t = layout.returns;
  return {
    text: /* SQL */ `INSERT INTO ${schema}.${t.table} (${t.number}, ${t.store}, ${t.seller}, ${t.at}, ${t.receipt}, ${t.webOrder}, ${t.card}, ${t.total})
      VALUES ($1, $2, $3, ${layout.time('$4::timestamptz')}, $5, $6, $7, ${layout.money('$8::bigint')})`,
    values: [returnNumber, r.storeCode, r.sellerCode, r.returnedAt, r.receiptNumber, r.webOrderNumber, r.cardNumber, r.totalCents],
  };
}

/** The return's lines, numbered from 1 in the order given, in one statement. */
export function insertReturnLines(layout: WriteLayout, schema: string, returnNumber: string, r: ReturnToRecord): Statement {
  const l = layout.returnLines;
  return {
    text: /* SQL */ `INSERT INTO ${schema}.${l.table} (${l.number}, ${l.line}, ${l.ean}, ${l.localCode}, ${l.quantity}, ${l.refund}, ${l.restock})
      SELECT $1, u.n, u.ean, u.local_code, u.quantity, ${layout.money('u.refund_cents')}, ${layout.flag('u.restock')}
      FROM unnest($2::text[], $3::text[], $4::integer[], $5::bigint[], $6::boolean[]) WITH ORDINALITY AS u(ean, local_code, quantity, refund_cents, restock, n)`,
    values: [
      returnNumber,
      r.lines.map((line) => line.ean),
      r.lines.map((line) => line.localCode),
      r.lines.map((line) => line.quantity),
      r.lines.map((line) => line.refundCents),
      r.lines.map((line) => line.restock),
    ],
  };
}
