import { XMLParser } from 'fast-xml-parser';
import { displayEmail } from '../../../utilities/email.js';
import { parseIsoInstant } from '../../../utilities/isoInstant.js';
import { toE164 } from '../../../utilities/phone.js';
import { SourceFailure } from '../../shared/errors.js';
import type { LegacySource } from '../../shared/source.js';
import type { SourceRecord } from '../matching/records.js';
import { EPOCH } from './ecommerce.js';
import { later, text, walkFeed, type ReadProgress, type ReadResult, type SourceReader } from './reader.js';

/** The service's namespace (WSDL targetNamespace). */
export const LOYALTY_NS = 'urn:crosscanal:loyalty:v3';

export interface LoyaltyReaderOptions {
  /** The SOAP endpoint, e.g. `http://127.0.0.1:4102/LoyaltyService`. */
  endpoint: string;
  source: LegacySource;
  /** Members per page, 1 to 500. Default 500. */
  pageSize?: number;
}

/** A member as `ListChangedMembers` answers it, simplified from XML (nil as null). */
export interface WireMember {
  memberId: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  /** The mobile for texts, national format as keyed; null when nil or absent. */
  mobile: string | null;
  birthDate: string | null;
  postcode: string | null;
  enrolledAt: string;
  updatedAt: string;
  cards: { cardNumber: string; status: string }[];
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'member' || name === 'card',
});

/**
 * Reads loyalty members from the SOAP operation `ListChangedMembers` (members updated at or
 * after `since`, oldest first, with their cards). Like the web feed it pages by offset, so
 * each page restarts from the last `updatedAt` seen.
 */
export function loyaltyReader({ endpoint, source, pageSize = 500 }: LoyaltyReaderOptions): SourceReader {
  const listChanged = (since: string, page: number) =>
    source.call('ListChangedMembers', async (signal) => {
      const body = envelope(
        `<loy:ListChangedMembers><loy:since>${since}</loy:since><loy:page>${page}</loy:page><loy:pageSize>${pageSize}</loy:pageSize></loy:ListChangedMembers>`,
      );
      const response = await fetch(endpoint, {
        method: 'POST',
        signal,
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${LOYALTY_NS}/ListChangedMembers"` },
        body,
      });
      return readChanged(response.status, await response.text());
    });

  return {
    name: 'loyalty',
    async read(since, onBatch, onProgress?: ReadProgress): Promise<ReadResult> {
      let watermark: string | null = since;
      let total: number | null = null;
      let unusable = 0;
      const seen = new Set<string>();
      await walkFeed(
        since ?? EPOCH,
        async (cursor, page) => {
          const answer = await listChanged(cursor, page);
          total ??= answer.total;
          return { rows: answer.members, more: answer.hasMore };
        },
        (member) => member.updatedAt,
        async (members) => {
          const records = members.map((member) => {
            if (member.phone !== null && toE164(member.phone) === null) unusable += 1;
            if (member.mobile !== null && toE164(member.mobile) === null) unusable += 1;
            seen.add(member.memberId);
            watermark = later(watermark, member.updatedAt);
            return toRecord(member);
          });
          if (records.length > 0) await onBatch(records);
          onProgress?.(seen.size, Math.max(total ?? 0, seen.size));
        },
      );
      return { watermark: watermark ?? EPOCH, records: seen.size, unusable };
    },
    close: async () => undefined,
  };
}

/** A loyalty member as the crosswalk compares it: its phone and mobile from national format to E.164. */
export function toRecord(member: WireMember): SourceRecord {
  const phone = toE164(member.phone);
  const mobile = toE164(member.mobile);
  return {
    system: 'LOYALTY',
    localId: member.memberId,
    franchise: null,
    firstName: text(member.firstName),
    lastName: text(member.lastName),
    email: displayEmail(member.email),
    // The number given first leads; the mobile is kept beside it when it is another number.
    phone: phone ?? mobile,
    secondPhone: phone !== null && mobile !== null && mobile !== phone ? mobile : null,
    cards: member.cards.map((card) => ({ number: card.cardNumber.trim(), status: card.status })),
    postcode: text(member.postcode),
    birthDate: text(member.birthDate),
    createdAt: member.enrolledAt,
    updatedAt: member.updatedAt,
  };
}

function envelope(body: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:loy="${LOYALTY_NS}">`,
    `<soapenv:Body>${body}</soapenv:Body>`,
    '</soapenv:Envelope>',
  ].join('');
}

/** Reads a `ListChangedMembersResponse`, or turns a SOAP fault into the failure it means. */
export function readChanged(status: number, xml: string): { total: number; hasMore: boolean; members: WireMember[] } {
  let parsed: Record<string, any>;
  try {
    parsed = parser.parse(xml) as Record<string, any>;
  } catch (error) {
    throw new SourceFailure(status >= 500 ? 'unavailable' : 'badResponse', `HTTP ${status}, not XML: ${(error as Error).message}`);
  }
  const body = parsed.Envelope?.Body;
  if (body?.Fault) {
    const code = String(body.Fault.faultcode ?? '');
    const detail = body.Fault.detail?.LoyaltyFault?.code;
    const message = `${code} ${detail ?? ''}: ${String(body.Fault.faultstring ?? '').trim()}`.slice(0, 300);
    // soap:Server means try again later; soap:Client means our request was wrong.
    throw new SourceFailure(code.endsWith('Server') ? 'unavailable' : 'badRequest', message);
  }
  if (status !== 200 || !body?.ListChangedMembersResponse) {
    throw new SourceFailure(status >= 500 ? 'unavailable' : 'badResponse', `HTTP ${status}: expected ListChangedMembersResponse, got ${xml.slice(0, 120)}`);
  }
  const answer = body.ListChangedMembersResponse;
  const members = ((answer.member ?? []) as unknown[]).map(readMember);
  return { total: Number(value(answer.total)), hasMore: value(answer.hasMore) === 'true', members };
}

function readMember(node: unknown): WireMember {
  const m = node as Record<string, any>;
  const member: WireMember = {
    memberId: value(m.memberId) ?? '',
    firstName: value(m.firstName),
    lastName: value(m.lastName),
    email: value(m.email),
    phone: value(m.phone),
    mobile: value(m.mobile),
    birthDate: value(m.birthDate),
    postcode: value(m.postcode),
    enrolledAt: value(m.enrolledAt) ?? '',
    updatedAt: value(m.updatedAt) ?? '',
    cards: ((m.cards?.card ?? []) as Record<string, any>[]).map((card) => ({ cardNumber: value(card.cardNumber) ?? '', status: value(card.status) ?? '' })),
  };
  if (member.memberId === '' || parseIsoInstant(member.updatedAt) === null || parseIsoInstant(member.enrolledAt) === null) {
    throw new SourceFailure('badResponse', `ListChangedMembers: malformed member ${JSON.stringify(member).slice(0, 160)}`);
  }
  return member;
}

/** The text of a simple element: null when nil or absent. */
function value(node: unknown): string | null {
  if (node === undefined || node === null) return null;
  if (typeof node === 'string') return node;
  if (typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element['@nil'] === 'true' || element['@nil'] === '1') return null;
    const inner = element['#text'];
    return typeof inner === 'string' ? inner : '';
  }
  return String(node);
}
