import { recordId, type RecordKey, type SourceRecord } from '../matching/records.js';

/** Record rows as the crosswalk's tables hold them, and their conversion to the matching's types. */

export const RECORD_COLUMNS =
  'system, franchise, local_id, first_name, last_name, email, phone, second_phone, cards, postcode, birth_date, created_at, updated_at';

export interface KeyRow {
  system: string;
  franchise: string;
  local_id: string;
}

export interface RecordRow extends KeyRow {
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  second_phone: string | null;
  cards: SourceRecord['cards'];
  postcode: string | null;
  birth_date: string | null;
  created_at: unknown;
  updated_at: unknown;
}

export function keyOfRow(row: KeyRow): string {
  return recordId({ system: row.system as RecordKey['system'], franchise: row.franchise || null, localId: row.local_id });
}

export function toRecord(row: RecordRow): SourceRecord {
  return {
    system: row.system as SourceRecord['system'],
    franchise: row.franchise || null,
    localId: row.local_id,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    ...(row.second_phone === null ? {} : { secondPhone: row.second_phone }),
    cards: row.cards,
    postcode: row.postcode,
    birthDate: row.birth_date,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** An instant from the driver (a Date, or text) as ISO 8601 UTC. */
export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}
