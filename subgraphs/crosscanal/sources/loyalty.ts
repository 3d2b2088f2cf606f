import { displayEmail } from '../../../utilities/email.js';
import { toE164 } from '../../../utilities/phone.js';
import type { LegacySource } from '../../shared/source.js';
import { LoyaltyClient, type WireMember } from '../../loyalty/client.js';
import type { SourceRecord } from '../matching/records.js';
import { EPOCH } from './ecommerce.js';
import { later, text, walkFeed, type ReadProgress, type ReadResult, type SourceReader } from './reader.js';

export interface LoyaltyReaderOptions {
  /** The SOAP endpoint, e.g. `http://127.0.0.1:4102/LoyaltyService`. */
  endpoint: string;
  source: LegacySource;
  /** Members per page, 1 to 500. Default 500. */
  pageSize?: number;
}

/**
 * Reads loyalty members from the programme's change feed (`ListChangedMembers`: members
 * updated at or after `since`, oldest first, with their cards), through the loyalty
 * subgraph's own SOAP client: one client per system. Like the web feed it pages by offset,
 * so each page restarts from the last `updatedAt` seen. A member whose record breaks the
 * service's types is counted among the unusable values and left out, not the whole page.
 */
export function loyaltyReader({ endpoint, source, pageSize = 500 }: LoyaltyReaderOptions): SourceReader {
  const client = new LoyaltyClient(endpoint, source);
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
          const answer = await client.listChangedMembers(cursor, page, pageSize);
          total ??= answer.total;
          unusable += answer.unreadable.length;
          return { rows: answer.records, more: answer.hasMore };
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
    cards: member.cards.map((card) => ({ number: card.cardNumber, status: card.status })),
    postcode: text(member.postcode),
    birthDate: text(member.birthDate),
    createdAt: member.enrolledAt,
    updatedAt: member.updatedAt,
  };
}
