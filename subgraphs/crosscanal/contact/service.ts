import { GraphQLError } from 'graphql';
import { LegacySource, type BreakerOptions } from '../../shared/source.js';
import { EcommerceClient, type WireCustomer } from '../../ecommerce/client.js';
import { LoyaltyClient, type WireConsent } from '../../loyalty/client.js';
import { toConsent } from '../../loyalty/mappers.js';
import { parseRecordId, phonesOf, type SourceRecord } from '../matching/records.js';
import type { CrosswalkStore } from '../store/crosswalkStore.js';
import { iso } from '../store/instants.js';
import { createContactCopies, isOwnStamp, type ContactCopies, type CopyRow, type DecisionRow } from './copies.js';
import {
  isMobile,
  parsePlace,
  resolvePreferences,
  type ContactChannel,
  type ContactDecision,
  type ContactPoints,
  type ContactPreference,
} from './model.js';
import { opposedPhones } from './opposition.js';

/**
 * The crosswalk's contact choices: every system's decisions read fresh and resolved into one
 * answer per channel and purpose, the contact points the customer can be reached at, the
 * crosswalk's own decisions with their copies, and the preferred channel.
 */
export interface CustomerContact {
  customerId: string;
  preferences: ContactPreference[];
  points: ContactPoints;
  /** The addresses themselves, for an audience: e-mails, mobiles, phones (E.164), postcodes. */
  addresses: { emails: string[]; mobiles: string[]; phones: string[]; postcodes: string[] };
  copies: CopyRow[];
  /** The crosswalk's decisions, every one, most recent first. */
  history: DecisionRow[];
  preferred: PreferredChannel | null;
}

export interface PreferredChannel {
  channel: ContactChannel;
  capturedAt: string;
  place: string;
  actor: string;
}

export interface ContactServiceOptions {
  store: CrosswalkStore;
  loyaltyUrl?: string;
  ecommerceUrl?: string;
  /** Per call. Default 5 s. */
  timeoutMs?: number;
  breaker?: BreakerOptions;
  /** The copies' first retry delay (doubling). Default 2 s. */
  retryBaseMs?: number;
}

export interface ContactService {
  copies: ContactCopies;
  /** What the estate says of these customers' contact choices, read fresh; a system that cannot be read fails the whole answer. */
  contactOf(customerIds: readonly string[], options?: { fresh?: boolean }): Promise<Map<string, CustomerContact>>;
  setPreferred(customerId: string, channel: ContactChannel, at: { capturedAt: string; place: string; actor: string; role: string }): Promise<void>;
  close(): Promise<void>;
}

/** A system's decisions could not be read: no answer rather than a guess (a refusal may be there). */
export function contactUnavailable(system: string, cause: unknown): GraphQLError {
  return new GraphQLError(`the ${system === 'LOYALTY' ? 'loyalty programme' : 'web shop'} could not be read, so the customer's contact choices are unknown: ${(cause as Error).message}`, {
    extensions: { code: 'SOURCE_UNAVAILABLE', source: system === 'LOYALTY' ? 'loyalty' : 'ecommerce' },
  });
}

/** A programme consent, read as the loyalty subgraph reads it (status words, instant, source). */
function loyaltyDecision(consent: WireConsent): ContactDecision {
  const read = toConsent(consent);
  return {
    system: 'LOYALTY',
    localId: consent.memberId,
    channel: read.channel,
    // The programme's only purpose (its schema enumerates MARKETING alone).
    purpose: 'MARKETING',
    status: read.status,
    capturedAt: read.capturedAt,
    place: parsePlace(read.source),
    source: read.source,
  };
}

/** The web shop's newsletter flag; no decision while the customer never chose (no stamp). */
function webDecision(account: WireCustomer): ContactDecision | null {
  if (!account.newsletter_opt_in_at) return null;
  return {
    system: 'ECOMMERCE',
    localId: String(account.id),
    channel: 'EMAIL',
    purpose: 'MARKETING',
    status: account.newsletter_opt_in ? 'SUBSCRIBED' : 'UNSUBSCRIBED',
    capturedAt: new Date(account.newsletter_opt_in_at).toISOString(),
    place: { kind: 'WEB', storeCode: null },
    source: 'WEB',
  };
}

/**
 * The web shop stamps the newsletter choice with its own clock when our copy lands: a choice it
 * holds that our own write left there, for the decision the copy holds, ranks at that
 * decision's instant, not at the later stamp.
 */
function asCopy(decision: ContactDecision, account: WireCustomer, copies: readonly CopyRow[], history: readonly DecisionRow[]): ContactDecision {
  const copy = copies.find((c) => c.system === decision.system && c.localId === decision.localId && c.channel === decision.channel && c.purpose === decision.purpose);
  if (!copy || copy.state !== 'APPLIED' || !isOwnStamp(account, copy)) return decision;
  const ours = history.find((d) => d.id === copy.decisionId);
  return ours && ours.status === decision.status ? { ...decision, rankAt: ours.capturedAt } : decision;
}

function crosswalkDecision(row: DecisionRow): ContactDecision {
  return { system: 'CROSSCANAL', localId: null, channel: row.channel, purpose: row.purpose, status: row.status, capturedAt: row.capturedAt, place: parsePlace(row.place), source: row.place };
}

const unique = (values: Iterable<string | null | undefined>) => [...new Set([...values].filter((v): v is string => typeof v === 'string' && v !== ''))].sort();

export function openContactService(options: ContactServiceOptions): ContactService {
  const { store } = options;
  const common = { timeoutMs: options.timeoutMs ?? 5_000, retries: 2, breaker: options.breaker };
  const loyalty = options.loyaltyUrl ? new LoyaltyClient(options.loyaltyUrl, new LegacySource('loyalty', common)) : null;
  const ecommerce = options.ecommerceUrl ? new EcommerceClient(options.ecommerceUrl, new LegacySource('ecommerce', common)) : null;
  const copies = createContactCopies({ store, systems: { loyalty, ecommerce }, retryBaseMs: options.retryBaseMs });

  /** `fresh: false`: the crosswalk's own decisions only (the systems are not asked). */
  async function contactOf(customerIds: readonly string[], { fresh = true }: { fresh?: boolean } = {}): Promise<Map<string, CustomerContact>> {
    const ids = [...new Set(customerIds)];
    const links = await store.linksOfCustomers(ids);
    const recordIds = [...links.values()].flat().map((link) => link.record);
    const [records, history, allCopies, preferredRows] = await Promise.all([
      store.records(recordIds),
      copies.decisionsOf(ids),
      copies.copiesOf(ids),
      store.db.query<Record<string, unknown>>('SELECT * FROM contact_preferred_channel WHERE customer_id = ANY($1::text[])', [ids]),
    ]);
    const keys = recordIds.map(parseRecordId);
    const memberIds = unique(keys.filter((k) => k.system === 'LOYALTY').map((k) => k.localId));
    const accountIds = unique(keys.filter((k) => k.system === 'ECOMMERCE').map((k) => k.localId));
    const [consents, accounts] = await Promise.all([
      fresh && loyalty && memberIds.length > 0
        ? loyalty.getConsents(memberIds).then(
            (answer) => {
              if (answer.unreadable.length > 0) throw contactUnavailable('LOYALTY', answer.unreadable[0]!.failure);
              return answer.records;
            },
            (error: unknown) => {
              throw contactUnavailable('LOYALTY', error);
            },
          )
        : Promise.resolve([] as WireConsent[]),
      fresh && ecommerce && accountIds.length > 0
        ? ecommerce.customersByIds(accountIds.map(Number)).catch((error: unknown) => {
            throw contactUnavailable('ECOMMERCE', error);
          })
        : Promise.resolve([] as WireCustomer[]),
    ]);
    const consentsOf = new Map<string, ContactDecision[]>();
    for (const consent of consents) consentsOf.set(consent.memberId, [...(consentsOf.get(consent.memberId) ?? []), loyaltyDecision(consent)]);
    const accountOf = new Map(accounts.map((a) => [String(a.id), a]));
    const allPhones = unique([...records.values()].flatMap((r) => phonesOf(r)));
    const opposed = allPhones.length > 0 ? await opposedPhones(store.db, allPhones) : new Set<string>();
    const preferred = new Map(preferredRows.map((row) => [String(row.customer_id), row]));

    const out = new Map<string, CustomerContact>();
    for (const id of ids) {
      const own = (links.get(id) ?? []).map((link) => ({ key: parseRecordId(link.record), record: records.get(link.record) ?? null }));
      const decisions: ContactDecision[] = [];
      const latestOwn = new Map<string, DecisionRow>();
      for (const row of history.get(id) ?? []) if (!latestOwn.has(`${row.channel}/${row.purpose}`)) latestOwn.set(`${row.channel}/${row.purpose}`, row);
      decisions.push(...[...latestOwn.values()].map(crosswalkDecision));
      for (const { key } of own) {
        if (key.system === 'LOYALTY') decisions.push(...(consentsOf.get(key.localId) ?? []));
        if (key.system === 'ECOMMERCE') {
          const account = accountOf.get(key.localId);
          const decision = account ? webDecision(account) : null;
          if (account && decision) decisions.push(asCopy(decision, account, allCopies.get(id) ?? [], history.get(id) ?? []));
        }
      }
      const held = own.map((o) => o.record).filter((r): r is SourceRecord => r !== null);
      const phones = unique(held.flatMap((r) => phonesOf(r)));
      const addresses = {
        emails: unique(held.map((r) => r.email?.trim().toLowerCase())),
        mobiles: phones.filter(isMobile),
        phones,
        postcodes: unique(held.map((r) => r.postcode)),
      };
      const row = preferred.get(id);
      out.set(id, {
        customerId: id,
        preferences: resolvePreferences(decisions),
        points: {
          email: addresses.emails.length > 0,
          mobile: addresses.mobiles.length > 0,
          phone: phones.length > 0,
          post: addresses.postcodes.length > 0,
          opposedPhone: phones.some((p) => opposed.has(p)),
        },
        addresses,
        copies: allCopies.get(id) ?? [],
        history: history.get(id) ?? [],
        preferred: row
          ? { channel: row.channel as ContactChannel, capturedAt: iso(row.captured_at), place: String(row.place), actor: String(row.actor) }
          : null,
      });
    }
    return out;
  }

  return {
    copies,
    contactOf,
    async setPreferred(customerId, channel, { capturedAt, place, actor, role }) {
      // The most recent statement wins; an older one given late changes nothing.
      await store.db.query(
        `INSERT INTO contact_preferred_channel AS p (customer_id, channel, captured_at, place, actor, role) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (customer_id) DO UPDATE SET channel = EXCLUDED.channel, captured_at = EXCLUDED.captured_at, place = EXCLUDED.place, actor = EXCLUDED.actor, role = EXCLUDED.role
         WHERE p.captured_at <= EXCLUDED.captured_at`,
        [customerId, channel, capturedAt, place, actor, role],
      );
    },
    async close() {
      await copies.stop();
    },
  };
}
