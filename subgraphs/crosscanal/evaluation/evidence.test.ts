import type { EcomAddress, EcomOrder, LoyaltyCard, PosQuote, PosReturn } from '../../../legacy/generator/model.js';
import { recordId, type SourceRecord } from '../matching/records.js';
import { EstateEvidence, type EvidenceEstate } from './evidence.js';
import { loyaltyMember as member, tillClient as client, tillPhone, webAccount as web } from '../../../test/support/sourceRecords.js';


const billing = (customerId: number, postcode: string): EcomAddress => ({
  id: customerId,
  customer_id: customerId,
  kind: 'billing',
  line1: '12 rue Pasteur',
  line2: null,
  postcode,
  city: 'Lille',
  country: 'FR',
});
const order = (number: string, customerId: number, quoteNumber: string | null = null) => ({ number, customer_id: customerId, quote_number: quoteNumber }) as EcomOrder;
const card = (number: string, memberId: string): LoyaltyCard => ({ card_number: number, member_id: memberId, status: 'ACTIVE', issued_at: '2024-01-01T00:00:00.000Z' });

function evidenceOver(records: SourceRecord[], estate: Partial<{ addresses: EcomAddress[]; orders: EcomOrder[]; cards: LoyaltyCard[]; returns: PosReturn[]; quotes: PosQuote[] }>) {
  const tables: EvidenceEstate = {
    ecommerce: { addresses: estate.addresses ?? [], orders: estate.orders ?? [] },
    loyalty: { cards: estate.cards ?? [] },
    pos: { returns: estate.returns ?? [], quotes: estate.quotes ?? [] },
  };
  return new EstateEvidence(new Map(records.map((r) => [recordId(r), r])), tables);
}

const id = recordId;
const LANDLINE = '+33320304050';
const MOBILE = '+33611111111';

describe('EstateEvidence', () => {
  test('ranks what two records share: email, mobile, landline, then names with the postcode, then a surname alone', () => {
    const records = [
      web(10001, { email: ' Anne.Roux@Free.fr', firstName: 'Anne', lastName: 'Roux', phone: LANDLINE }),
      member('M1', { email: 'anne.roux@free.fr', firstName: 'Anne', lastName: 'ROUX', phone: MOBILE, postcode: '59000' }),
      web(10002, { firstName: 'Anne', lastName: 'Roux', phone: MOBILE }),
      member('M2', { firstName: 'Paul', lastName: 'Roux', phone: LANDLINE, postcode: '59000' }),
      member('M3', { firstName: 'Anne', lastName: 'Roux', postcode: '59100' }),
      client(4, '+33699999999', 'ROUX'),
      tillPhone('NRD', '+33688888888'),
    ];
    const evidence = evidenceOver(records, { addresses: [billing(10001, '59000')] });
    const [w1, m1, w2, m2, m3, c4, t] = records.map((r) => id(r));
    expect(evidence.kinds(w1!, m1!)).toEqual(['EMAIL', 'NAME_POSTCODE', 'SURNAME']);
    expect(evidence.between(m1!, w2!)).toBe('MOBILE');
    expect(evidence.kinds(w1!, m2!)).toEqual(['LANDLINE', 'SURNAME']);
    // A member's postcode and a web account's billing postcode compare; another town does not.
    expect(evidence.postcode(w1!)).toBe('59000');
    expect(evidence.between(w1!, m3!)).toBe('SURNAME');
    expect(evidence.between(m1!, c4!)).toBe('SURNAME');
    expect(evidence.between(w2!, t!)).toBeNull();
    expect(evidence.between(w1!, 'ECOMMERCE||99999')).toBeNull();
  });

  test('finds documents: a web order returned at a till with a card, a store quote finished online', () => {
    const records = [web(10001, {}), member('M1', {}), web(10002, {}), tillPhone('SUD', MOBILE), member('M2', {})];
    const evidence = evidenceOver(records, {
      orders: [order('W1000001', 10001), order('W1000002', 10002, 'Q-SUD01-000001'), order('W1000003', 10002, 'Q-SUD01-000002')],
      cards: [card('2900000000017', 'M1'), card('2900000000024', 'M2')],
      returns: [{ web_order_number: 'W1000001', card_number: '2900000000017' } as PosReturn, { web_order_number: null, card_number: '2900000000024' } as PosReturn],
      quotes: [
        { quote_no: 'Q-SUD01-000001', franchise: 'SUD', card_number: null, phone: '06 11 11 11 11' } as PosQuote,
        { quote_no: 'Q-SUD01-000002', franchise: 'SUD', card_number: '2900000000024', phone: null } as PosQuote,
      ],
    });
    const [w1, m1, w2, t, m2] = records.map((r) => id(r));
    expect(evidence.between(w1!, m1!)).toBe('DOCUMENT');
    expect(evidence.between(m1!, w1!)).toBe('DOCUMENT');
    expect(evidence.between(w2!, t!)).toBe('DOCUMENT');
    expect(evidence.between(w2!, m2!)).toBe('DOCUMENT');
    // A store receipt returned with a card says nothing about a web account.
    expect(evidence.between(w1!, m2!)).toBeNull();
  });
});
