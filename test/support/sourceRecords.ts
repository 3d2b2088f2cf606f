import type { SourceRecord } from '../../subgraphs/crosscanal/matching/records.js';

/** A source record with nothing known but who holds it: the tests add the fields they compare. */
export const BLANK_RECORD: Omit<SourceRecord, 'system' | 'localId' | 'franchise'> = {
  firstName: null,
  lastName: null,
  email: null,
  phone: null,
  cards: [],
  postcode: null,
  birthDate: null,
  createdAt: null,
  updatedAt: null,
};

export const webAccount = (id: number, fields: Partial<SourceRecord>): SourceRecord => ({ ...BLANK_RECORD, system: 'ECOMMERCE', localId: String(id), franchise: null, ...fields });
export const loyaltyMember = (id: string, fields: Partial<SourceRecord>): SourceRecord => ({ ...BLANK_RECORD, system: 'LOYALTY', localId: id, franchise: null, ...fields });
export const tillPhone = (franchise: string, phone: string): SourceRecord => ({ ...BLANK_RECORD, system: 'POS', localId: `phone:${phone}`, franchise, phone });
export const tillClient = (id: number, phone: string, lastName: string | null): SourceRecord => ({ ...BLANK_RECORD, system: 'POS', localId: `client:${id}`, franchise: 'OUE', phone, lastName });
