import type { SourceRecord } from './matching/records.js';
import { survivors } from './survivorship.js';

const blank = { firstName: null, lastName: null, email: null, phone: null, cards: [], postcode: null, birthDate: null, createdAt: null, updatedAt: null };
const record = (system: SourceRecord['system'], localId: string, fields: Partial<SourceRecord>): SourceRecord => ({ ...blank, system, localId, franchise: null, ...fields });

describe('survivors', () => {
  const member = record('LOYALTY', 'M00100001', { firstName: 'Elodie', lastName: 'LE GALL', email: 'e.legall@free.fr', phone: '+33320304050', updatedAt: '2025-01-01T00:00:00.000Z' });
  const web = record('ECOMMERCE', '10001', { firstName: 'Élodie', lastName: 'Le Gall', email: 'Elodie.LeGall@Orange.fr', phone: '+33612345678', updatedAt: '2026-03-01T00:00:00.000Z' });
  const till = record('POS', 'phone:+33687654321', { phone: '+33687654321', updatedAt: '2026-10-01T00:00:00.000Z' });
  const chosen = survivors([member, web, till]);

  test('names come from the loyalty programme, written the best way a record writes them', () => {
    expect(chosen.firstName).toMatchObject({ value: 'Élodie', record: member, policy: 'TRUSTED_SOURCE' });
    expect(chosen.firstName!.reason).toBe('first name of the loyalty member M00100001, the most trusted source holding one; written as the web account 10001 writes it');
    expect(chosen.lastName).toMatchObject({ value: 'Le Gall', record: member });
    expect(chosen.displayName).toMatchObject({ value: 'Élodie Le Gall', record: member });
    expect(chosen.firstName!.values.map((v) => v.value)).toEqual(['Elodie', 'Élodie']);
  });

  test('the email is the most recently updated record’s, the phone a mobile before a landline, the freshest first', () => {
    expect(chosen.email).toMatchObject({ value: 'Elodie.LeGall@Orange.fr', record: web, policy: 'MOST_RECENT' });
    expect(chosen.email!.values.map((v) => v.record.localId)).toEqual(['10001', 'M00100001']);
    expect(chosen.phone).toMatchObject({ value: '+33687654321', record: till, policy: 'PERSONAL_LINE' });
    expect(chosen.phone!.values.map((v) => v.value)).toEqual(['+33687654321', '+33612345678', '+33320304050']);
  });

  test('a landline is shown when it is the only number, and says so', () => {
    const landlineOnly = survivors([member]);
    expect(landlineOnly.phone).toMatchObject({ value: '+33320304050', policy: 'PERSONAL_LINE' });
    expect(landlineOnly.phone!.reason).toMatch(/^no mobile number known: the landline/);
  });

  test('a customer known only from a till has no name or email, and a blank is never shown', () => {
    const anonymous = survivors([till, record('ECOMMERCE', '10002', { firstName: '  ', lastName: null })]);
    expect(anonymous).toMatchObject({ firstName: null, lastName: null, displayName: null, email: null });
  });
});
