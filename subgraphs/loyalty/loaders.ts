import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import type Keyv from 'keyv';
import { sourceError } from '../shared/errors.js';
import type { CacheKind, LegacySource } from '../shared/source.js';
import type { BatchAnswer, LoyaltyClient } from './client.js';
import {
  isLoyaltyCardNumber,
  toCard,
  toConsent,
  toMembership,
  toMovement,
  toPromotion,
  type CardRecord,
  type ConsentRecord,
  type MembershipRecord,
  type MovementRecord,
  type PromotionRecord,
} from './mappers.js';

/** What the cross-request cache holds, and for how long each kind stays fresh. */
export interface LoyaltyCacheKinds {
  /** Members by member id (GetMembers). */
  member: CacheKind;
  /** Card lookups by card number (FindMemberByCard), with the holder. */
  card: CacheKind;
  /** Points movements by member id (GetPointsMovements). */
  movements: CacheKind;
  /** Offers by member id (GetOffers); served only while still valid. */
  offers: CacheKind;
  /** Marketing consents by member id (GetConsents). */
  consent: CacheKind;
}

/**
 * Default freshness. Consents are personal data that change at the customer's word: they stay
 * fresh 30 s and are forgotten at once after a consent write; when the programme is down a
 * stale copy is shown, marked stale, but never opens a contact point to marketing
 * ({@link LoyaltyLoaders.freshConsents}).
 */
export const DEFAULT_CACHE_KINDS: LoyaltyCacheKinds = {
  member: { name: 'member', ttlMs: 60_000 },
  card: { name: 'card', ttlMs: 60_000 },
  movements: { name: 'movements', ttlMs: 60_000 },
  // v2: offers are kept in the promotion model's terms (docs/pricing.md); older entries are not read.
  offers: { name: 'offers.v2', ttlMs: 60_000 },
  consent: { name: 'consent', ttlMs: 30_000 },
};

/** Calls that have no batch operation (FindMemberByCard, GetOffers) run at most this many at a time. */
export const SINGLE_CALL_CONCURRENCY = 8;

/** Everything a request needs that lives as long as the server: one per process. */
export interface LoyaltyBackend {
  client: LoyaltyClient;
  source: LegacySource;
  /** The same cache the source was given, for invalidation after a write. */
  cache: Keyv | undefined;
  kinds: LoyaltyCacheKinds;
  /** The subgraph's clock: consent capture time, offer validity. */
  now: () => Date;
}

/** A card and its holder (null when the card outlived its member). */
export interface CardLookup {
  card: CardRecord;
  member: MembershipRecord | null;
}

/** The per-request loaders: one legacy call per batch of keys, each key asked once per request. */
export interface LoyaltyLoaders {
  members: DataLoader<string, MembershipRecord | null>;
  /** By card number; there is no batch card lookup, so one FindMemberByCard per distinct number. */
  cards: DataLoader<string, CardLookup | null>;
  consents: DataLoader<string, ConsentRecord[]>;
  /**
   * The same consents, never from a stale copy: what decides whether marketing may see a
   * contact point. With the programme down and no fresh copy, the answer is an error, and the
   * contact point stays closed.
   */
  freshConsents: DataLoader<string, ConsentRecord[]>;
  movements: DataLoader<string, MovementRecord[]>;
  offers: DataLoader<string, PromotionRecord[] | null>;
}

export function createLoaders(backend: LoyaltyBackend): LoyaltyLoaders {
  const { client, source, kinds } = backend;

  const members = new DataLoader<string, MembershipRecord | null>(async (ids) => {
    const unreadable = new Map<string, GraphQLError>();
    const found = await source.cachedBatch(kinds.member, ids, async (missing) => {
      const answer = await client.getMembers(missing);
      for (const { memberId, failure } of answer.unreadable) unreadable.set(memberId, sourceError(source.name, failure));
      return new Map(answer.records.map((wire) => [wire.memberId, toMembership(wire)]));
    });
    return ids.map((id, i) => unreadable.get(id) ?? found[i]!);
  });

  const cards = new DataLoader<string, CardLookup | null>(async (numbers) => {
    const valid = numbers.filter(isLoyaltyCardNumber);
    const looked = valid.length === 0 ? [] : await source.cachedBatch(kinds.card, valid, async (missing) => {
      const found = new Map<string, CardLookup>();
      await eachLimited(missing, SINGLE_CALL_CONCURRENCY, async (number) => {
        const { card, member } = await client.findMemberByCard(number);
        const record = card && toCard(card);
        if (record) found.set(number, { card: record, member: member && toMembership(member) });
      });
      return found;
    });
    const byNumber = new Map(valid.map((number, i) => [number, looked[i]!]));
    return numbers.map((number) => {
      const lookup = byNumber.get(number) ?? null;
      if (lookup && !(lookup instanceof Error) && lookup.member) members.prime(lookup.member.memberId, lookup.member);
      return lookup;
    });
  });

  const consentBatch = (serveStale: boolean) => async (ids: readonly string[]) => {
    let unreadable = new Map<string, GraphQLError>();
    const found = await source.cachedBatch(
      kinds.consent,
      ids,
      async (missing) => {
        const answer = await client.getConsents(missing);
        unreadable = failuresByMember(source, answer);
        const byMember = groupBy(answer.records, (consent) => consent.memberId);
        return new Map(missing.filter((id) => !unreadable.has(id)).map((id) => [id, (byMember.get(id) ?? []).map(toConsent)]));
      },
      { serveStale },
    );
    return ids.map((id, i) => unreadable.get(id) ?? found[i] ?? []);
  };
  const consents = new DataLoader<string, ConsentRecord[]>(consentBatch(true));
  const freshConsents = new DataLoader<string, ConsentRecord[]>(consentBatch(false));

  const movements = new DataLoader<string, MovementRecord[]>(async (ids) => {
    let unreadable = new Map<string, GraphQLError>();
    const found = await source.cachedBatch(kinds.movements, ids, async (missing) => {
      const answer = await client.getPointsMovements(missing);
      unreadable = failuresByMember(source, answer);
      const byMember = groupBy(answer.records, (movement) => movement.memberId);
      // A member with an unreadable movement is not cached: their list would be incomplete.
      return new Map(missing.filter((id) => !unreadable.has(id)).map((id) => [id, (byMember.get(id) ?? []).map(toMovement)]));
    });
    return ids.map((id, i) => unreadable.get(id) ?? found[i] ?? []);
  });

  const offers = new DataLoader<string, PromotionRecord[] | null>((ids) =>
    source.cachedBatch(kinds.offers, ids, async (missing) => {
      const found = new Map<string, PromotionRecord[]>();
      await eachLimited(missing, SINGLE_CALL_CONCURRENCY, async (id) => {
        const offered = await client.getOffers(id);
        if (offered) found.set(id, offered.flatMap((offer) => toPromotion(offer) ?? []));
      });
      return found;
    }),
  );

  return { members, cards, consents, freshConsents, movements, offers };
}

/**
 * Drops what the cache and this request's loaders hold about members and card lookups after a
 * write, so that the answer and the next requests read the system again.
 */
export async function forget(
  backend: LoyaltyBackend,
  loaders: LoyaltyLoaders,
  { memberIds = [], cardNumbers = [] }: { memberIds?: readonly string[]; cardNumbers?: readonly string[] },
): Promise<void> {
  for (const id of memberIds) {
    loaders.members.clear(id);
    loaders.consents.clear(id);
    loaders.freshConsents.clear(id);
  }
  for (const number of cardNumbers) loaders.cards.clear(number);
  await backend.source.invalidate(backend.kinds.member, memberIds);
  await backend.source.invalidate(backend.kinds.consent, memberIds);
  await backend.source.invalidate(backend.kinds.card, cardNumbers);
}

function failuresByMember(source: LegacySource, answer: BatchAnswer<unknown>): Map<string, GraphQLError> {
  return new Map(answer.unreadable.map(({ memberId, failure }) => [memberId, sourceError(source.name, failure)]));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** Runs `task` over `items` with at most `limit` in flight; rejects with the first failure. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
