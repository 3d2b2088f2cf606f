import { badUserInput } from '../../shared/errors.js';
import type { CrosswalkStore } from '../store/crosswalkStore.js';
import { contactability, type ContactChannel, type ContactPurpose } from './model.js';
import type { ContactService, CustomerContact } from './service.js';

/**
 * The customers that may be contacted on a channel for a purpose, in golden id order, a page
 * at a time. Each chunk of customers is read as `contactable` reads one (the systems fresh,
 * in batches), so the audience says exactly what `contactable` would say for each of them.
 */

export const MAX_AUDIENCE_PAGE = 500;
/** Customers read per batch of the systems. */
const CHUNK = 200;
/** Customers looked at per page at most: a narrow audience answers short pages rather than time out. */
const MAX_SCANNED = 5_000;

export interface AudienceMember {
  customerId: string;
  address: string | null;
}

export interface AudiencePage {
  members: AudienceMember[];
  endCursor: string | null;
  hasNextPage: boolean;
  scanned: number;
}

export function encodeCursor(customerId: string): string {
  return Buffer.from(`audience:${customerId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!text.startsWith('audience:') || text.length === 'audience:'.length) throw badUserInput(`after must be a cursor an audience page gave, got ${JSON.stringify(cursor)}`, 'after');
  return text.slice('audience:'.length);
}

/** The address to use on the channel, or null for push (the app knows the devices). */
export function addressFor(channel: ContactChannel, contact: CustomerContact): string | null {
  switch (channel) {
    case 'EMAIL':
      return contact.addresses.emails[0] ?? null;
    case 'SMS':
      return contact.addresses.mobiles[0] ?? null;
    case 'PHONE':
      return contact.addresses.phones[0] ?? null;
    case 'POST':
      return contact.addresses.postcodes[0] ?? null;
    case 'PUSH':
      return null;
  }
}

/** Whether the customer is in the audience: `contactable` says yes. */
export function inAudience(contact: CustomerContact, channel: ContactChannel, purpose: ContactPurpose): boolean {
  const preference = contact.preferences.find((p) => p.channel === channel && p.purpose === purpose)!;
  return contactability(preference, contact.points).contactable;
}

export async function audiencePage(
  store: CrosswalkStore,
  contact: ContactService,
  { channel, purpose, first, after }: { channel: ContactChannel; purpose: ContactPurpose; first: number; after: string | null },
): Promise<AudiencePage> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_AUDIENCE_PAGE) throw badUserInput(`first must be from 1 to ${MAX_AUDIENCE_PAGE}, got ${first}`, 'first');
  let cursor = after === null ? '' : decodeCursor(after);
  const members: AudienceMember[] = [];
  let scanned = 0;
  for (;;) {
    const rows = await store.db.query<{ customer_id: string }>(
      'SELECT DISTINCT customer_id FROM customer_link WHERE customer_id > $1 ORDER BY customer_id LIMIT $2',
      [cursor, CHUNK],
    );
    if (rows.length === 0) return { members, endCursor: scanned > 0 || after !== null ? encodeCursor(cursor) : null, hasNextPage: false, scanned };
    const ids = rows.map((r) => r.customer_id);
    const contacts = await contact.contactOf(ids);
    for (const id of ids) {
      scanned += 1;
      cursor = id;
      const held = contacts.get(id)!;
      if (inAudience(held, channel, purpose)) members.push({ customerId: id, address: addressFor(channel, held) });
      if (members.length === first) return { members, endCursor: encodeCursor(cursor), hasNextPage: true, scanned };
    }
    if (scanned >= MAX_SCANNED) return { members, endCursor: encodeCursor(cursor), hasNextPage: true, scanned };
  }
}
