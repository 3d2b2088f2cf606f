import type { Estate } from '../../../legacy/generator/model.js';
import { toE164 } from '../../../utilities/phone.js';
import { emailKey, isPersonalLine, nameKey } from '../matching/keys.js';
import { phonesOf, recordId, type SourceRecord } from '../matching/records.js';

/**
 * What the estate offers to tie two records together, strongest first. Read by the accuracy
 * evaluation only: it takes values the crosswalk does not read (web billing postcodes, web
 * orders returned at a till or finished from a store quote) to say how much evidence exists,
 * not only how much the rules use.
 *
 * - `EMAIL`: normalised emails equal.
 * - `MOBILE`: the same mobile number.
 * - `DOCUMENT`: a web order of one record's account that was returned at a till with the
 *   other's loyalty card, or finished online from a store quote carrying the other's card
 *   or phone.
 * - `LANDLINE`: the same landline (a household's).
 * - `NAME_POSTCODE`: first and last names and the postcode agree (a web account's billing
 *   postcode, a member's postcode); the estate's postcodes are towns'.
 * - `SURNAME`: only the last names agree (an OUE client row carries a surname and a phone).
 */
export type EvidenceKind = 'EMAIL' | 'MOBILE' | 'DOCUMENT' | 'LANDLINE' | 'NAME_POSTCODE' | 'SURNAME';

export const EVIDENCE_KINDS: readonly EvidenceKind[] = ['EMAIL', 'MOBILE', 'DOCUMENT', 'LANDLINE', 'NAME_POSTCODE', 'SURNAME'];

/** The estate's tables this reads: addresses, orders, returns, quotes and cards. */
export type EvidenceEstate = { ecommerce: Pick<Estate['ecommerce'], 'addresses' | 'orders'>; loyalty: Pick<Estate['loyalty'], 'cards'>; pos: Pick<Estate['pos'], 'returns' | 'quotes'> };

/** The evidence between any two records, from their stored values and the estate's documents. */
export class EstateEvidence {
  private readonly postcodes = new Map<string, string>();
  private readonly documents = new Set<string>();

  constructor(
    private readonly records: ReadonlyMap<string, SourceRecord>,
    estate: EvidenceEstate,
  ) {
    for (const address of estate.ecommerce.addresses) {
      if (address.kind === 'billing') this.postcodes.set(webId(address.customer_id), address.postcode.trim());
    }
    for (const [id, record] of records) if (record.postcode) this.postcodes.set(id, record.postcode.trim());

    const memberOfCard = new Map(estate.loyalty.cards.map((card) => [card.card_number, card.member_id]));
    const accountOfOrder = new Map(estate.ecommerce.orders.map((order) => [order.number, order.customer_id]));
    const memberRecord = (card: string | null) => {
      const member = card === null ? undefined : memberOfCard.get(card);
      return member === undefined ? null : recordId({ system: 'LOYALTY', franchise: null, localId: member });
    };
    for (const ret of estate.pos.returns) {
      const account = ret.web_order_number === null ? undefined : accountOfOrder.get(ret.web_order_number);
      const member = memberRecord(ret.card_number);
      if (account !== undefined && member !== null) this.addDocument(webId(account), member);
    }
    const quotes = new Map(estate.pos.quotes.map((quote) => [quote.quote_no, quote]));
    for (const order of estate.ecommerce.orders) {
      const quote = order.quote_number === null ? undefined : quotes.get(order.quote_number);
      if (!quote) continue;
      const member = memberRecord(quote.card_number);
      if (member !== null) this.addDocument(webId(order.customer_id), member);
      const phone = toE164(quote.phone);
      if (phone !== null) this.addDocument(webId(order.customer_id), recordId({ system: 'POS', franchise: quote.franchise, localId: `phone:${phone}` }));
    }
  }

  /** The postcode the evaluation knows for a record, or null. */
  postcode(id: string): string | null {
    return this.postcodes.get(id) ?? null;
  }

  /** The strongest evidence directly between two records, or null when they share nothing. */
  between(a: string, b: string): EvidenceKind | null {
    return this.kinds(a, b)[0] ?? null;
  }

  /** Every kind of evidence directly between two records, strongest first. */
  kinds(a: string, b: string): EvidenceKind[] {
    const x = this.records.get(a);
    const y = this.records.get(b);
    if (!x || !y) return [];
    const found: EvidenceKind[] = [];
    const email = emailKey(x.email);
    if (email !== null && email === emailKey(y.email)) found.push('EMAIL');
    const yPhones = phonesOf(y);
    const shared = phonesOf(x).filter((phone) => yPhones.includes(phone));
    if (shared.some(isPersonalLine)) found.push('MOBILE');
    if (this.documents.has(`${a}\n${b}`)) found.push('DOCUMENT');
    if (shared.some((phone) => !isPersonalLine(phone))) found.push('LANDLINE');
    const last = nameKey(x.lastName);
    const sameLast = last !== null && last === nameKey(y.lastName);
    const first = nameKey(x.firstName);
    const postcode = this.postcode(a);
    if (sameLast && first !== null && first === nameKey(y.firstName) && postcode !== null && postcode === this.postcode(b)) found.push('NAME_POSTCODE');
    if (sameLast) found.push('SURNAME');
    return found;
  }

  private addDocument(a: string, b: string): void {
    this.documents.add(`${a}\n${b}`);
    this.documents.add(`${b}\n${a}`);
  }
}

function webId(customerId: number): string {
  return recordId({ system: 'ECOMMERCE', franchise: null, localId: String(customerId) });
}
