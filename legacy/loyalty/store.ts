import type {
  ConsentRecord,
  LoyaltyCard,
  LoyaltyData,
  LoyaltyMember,
  LoyaltyTier,
  MemberOffer,
  PointsMovement,
} from '../generator/model.js';
import { CONSENT_CHANNELS, TIERS } from './schema.js';

/** A purchase credited through `CreditExternalPurchase`, as the service keeps it for idempotency. */
export interface PurchaseCredit {
  /** The PURCHASE movement it created, `transaction_id` and `channel` set. */
  movement: PointsMovement & { transaction_id: string };
  /** What the customer paid, two decimals: "59.90". */
  amount: string;
  currency: string;
}

/** A member's erasure (`EraseMember`): whom, under the caller's request id, and when. */
export interface MemberErasure {
  member_id: string;
  request_id: string;
  /** The service's clock when it erased the member: `erasedAt`, and the member's new `updatedAt`. */
  at: string;
}

/**
 * Where the opt-outs an erasure records say they were captured. The schema's ConsentSource has
 * no value of its own for an erasure, and adding one would widen what UpdateConsent accepts and
 * every reader validates: the back office's desk, which keys the data protection requests, is
 * the one that fits.
 */
export const ERASURE_CONSENT_SOURCE = 'CALLCENTER';

interface ChangeEntry {
  updatedMs: number;
  memberId: string;
}

/**
 * The loyalty programme's records, indexed at start-up the way the real system's database
 * is (member id, card number, email, phone and mobile, update order), so that a bench dataset of
 * 50k+ members answers in constant or logarithmic time.
 *
 * Keeps its own copy of the members, cards and consents: writes never touch the data it was given.
 */
export class LoyaltyStore {
  private readonly members = new Map<string, LoyaltyMember>();
  private readonly cards = new Map<string, LoyaltyCard>();
  private readonly cardsByMember = new Map<string, LoyaltyCard[]>();
  private readonly byEmail = new Map<string, string[]>();
  private readonly byPhone = new Map<string, string[]>();
  private readonly movementsByMember = new Map<string, PointsMovement[]>();
  private readonly consentsByMember = new Map<string, ConsentRecord[]>();
  private readonly generalOffers: MemberOffer[] = [];
  private readonly personalOffers = new Map<string, MemberOffer[]>();
  /** Credited external purchases by transaction id. */
  private readonly credits = new Map<string, PurchaseCredit>();
  /** Erasures by member id, and by the caller's request id. */
  private readonly erasures = new Map<string, MemberErasure>();
  private readonly erasureRequests = new Map<string, MemberErasure>();
  /** The highest movement id given so far, stored or reserved. */
  private lastMovementId = 0;
  /** Every member, ordered by (updated_at, member_id): the order of ListChangedMembers. */
  private readonly changes: ChangeEntry[] = [];

  constructor(data: LoyaltyData) {
    for (const source of data.members) {
      if (this.members.has(source.member_id)) throw new Error(`member ids must be unique, got ${JSON.stringify(source.member_id)} twice`);
      const member: LoyaltyMember = { ...source, sizes: { ...source.sizes } };
      this.members.set(member.member_id, member);
      if (member.email !== null) push(this.byEmail, emailKey(member.email), member.member_id);
      // One index over both numbers, so that a mobile repeating the phone lists its member once.
      // An estate generated before members had a mobile leaves the field out.
      const numbers = [member.phone, member.mobile ?? null].flatMap((number) => (number === null ? [] : [phoneKey(number)]));
      for (const key of new Set(numbers)) {
        if (key !== '') push(this.byPhone, key, member.member_id);
      }
      this.changes.push({ updatedMs: timestamp(member.updated_at, `member ${member.member_id} updated_at`), memberId: member.member_id });
    }
    this.changes.sort(compareChanges);

    for (const source of data.cards) {
      if (this.cards.has(source.card_number)) throw new Error(`card numbers must be unique, got ${JSON.stringify(source.card_number)} twice`);
      // An erasure changes a card's status: the store's own copy, never the data's.
      const card: LoyaltyCard = { ...source };
      this.cards.set(card.card_number, card);
      push(this.cardsByMember, card.member_id, card);
    }
    for (const list of this.cardsByMember.values()) list.sort((a, b) => Date.parse(a.issued_at) - Date.parse(b.issued_at) || compareText(a.card_number, b.card_number));

    for (const movement of data.movements) {
      push(this.movementsByMember, movement.member_id, movement);
      this.lastMovementId = Math.max(this.lastMovementId, movement.id);
    }
    for (const list of this.movementsByMember.values()) list.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id);

    for (const consent of data.consents) push(this.consentsByMember, consent.member_id, consent);

    for (const offer of data.offers) {
      if (offer.member_id === null) this.generalOffers.push(offer);
      else push(this.personalOffers, offer.member_id, offer);
    }
  }

  get memberCount(): number {
    return this.members.size;
  }

  member(memberId: string): LoyaltyMember | undefined {
    return this.members.get(memberId);
  }

  card(cardNumber: string): LoyaltyCard | undefined {
    return this.cards.get(cardNumber);
  }

  /** Every card of the member, whatever its status, oldest first. */
  cardsOf(memberId: string): readonly LoyaltyCard[] {
    return this.cardsByMember.get(memberId) ?? [];
  }

  /** Members whose email, trimmed and lower-cased, equals the one asked for. */
  membersByEmail(email: string): LoyaltyMember[] {
    return this.resolve(this.byEmail.get(emailKey(email)));
  }

  /**
   * Members whose phone or mobile has the same digits as the one asked for, each once. The
   * system compares the digits of national numbers as keyed, so any spacing or dots match but
   * an international form (+33…, 0033…) never does.
   */
  membersByPhone(phone: string): LoyaltyMember[] {
    return this.resolve(this.byPhone.get(phoneKey(phone)));
  }

  /** Members updated at or after `sinceMs`, in (updated_at, member_id) order, one page of them. */
  changedSince(sinceMs: number, offset: number, limit: number): { total: number; members: LoyaltyMember[] } {
    const first = lowerBound(this.changes, { updatedMs: sinceMs, memberId: '' });
    const total = this.changes.length - first;
    const page = this.changes.slice(first + offset, first + offset + limit);
    return { total, members: page.map((entry) => this.members.get(entry.memberId)!) };
  }

  /** The member's points movements with `fromMs <= at < toMs`, oldest first. */
  movementsOf(memberId: string, fromMs = -Infinity, toMs = Infinity): PointsMovement[] {
    return (this.movementsByMember.get(memberId) ?? []).filter((movement) => {
      const at = Date.parse(movement.at);
      return at >= fromMs && at < toMs;
    });
  }

  /**
   * The consent in force per channel and purpose: the most recently captured one, the
   * later stored winning a tie.
   */
  currentConsents(memberId: string): ConsentRecord[] {
    const current = new Map<string, ConsentRecord>();
    for (const record of this.consentsByMember.get(memberId) ?? []) {
      const key = `${record.channel}/${record.purpose}`;
      const held = current.get(key);
      if (!held || Date.parse(record.captured_at) >= Date.parse(held.captured_at)) current.set(key, record);
    }
    return [...current.values()];
  }

  /** Stores a consent record and marks the member as changed at `nowIso`. */
  addConsent(record: ConsentRecord, nowIso: string): ConsentRecord {
    const member = this.members.get(record.member_id);
    if (!member) throw new Error(`addConsent needs a known member, got ${JSON.stringify(record.member_id)}`);
    push(this.consentsByMember, record.member_id, record);
    this.touch(member, nowIso);
    return record;
  }

  /** Replaces the member's sizes and marks the member as changed at `nowIso`. */
  setSizes(memberId: string, sizes: LoyaltyMember['sizes'], nowIso: string): LoyaltyMember {
    const member = this.members.get(memberId);
    if (!member) throw new Error(`setSizes needs a known member, got ${JSON.stringify(memberId)}`);
    member.sizes = { shoe: sizes.shoe, top: sizes.top, bottom: sizes.bottom };
    this.touch(member, nowIso);
    return member;
  }

  /** The credit recorded under `transactionId`, if any. */
  credit(transactionId: string): PurchaseCredit | undefined {
    return this.credits.get(transactionId);
  }

  /**
   * A new movement id, one above the highest given so far. Reserved at once, so that two
   * credits under way never get the same one; a credit that is then refused leaves a gap.
   */
  reserveMovementId(): number {
    this.lastMovementId += 1;
    return this.lastMovementId;
  }

  /**
   * Stores a credited purchase: its movement (in date order), the points on the member's
   * balance, the member marked as changed at `nowIso`, and its transaction id as used.
   */
  addCredit(credit: PurchaseCredit, nowIso: string): PointsMovement {
    const { movement } = credit;
    const member = this.members.get(movement.member_id);
    if (!member) throw new Error(`addCredit needs a known member, got ${JSON.stringify(movement.member_id)}`);
    if (this.credits.has(movement.transaction_id)) {
      throw new Error(`transaction ${JSON.stringify(movement.transaction_id)} is already credited (movement ${this.credits.get(movement.transaction_id)!.movement.id})`);
    }
    const list = this.movementsByMember.get(member.member_id) ?? [];
    // Kept in (at, id) order, as movementsOf serves them; a purchase is usually the latest.
    const at = Date.parse(movement.at);
    const after = (other: PointsMovement) => Date.parse(other.at) - at || other.id - movement.id;
    let index = list.length;
    while (index > 0 && after(list[index - 1]!) > 0) index -= 1;
    list.splice(index, 0, movement);
    this.movementsByMember.set(member.member_id, list);
    this.lastMovementId = Math.max(this.lastMovementId, movement.id);
    this.credits.set(movement.transaction_id, credit);
    member.points_balance += movement.points;
    this.touch(member, nowIso);
    return movement;
  }

  /** The member's erasure, if the member was erased. */
  erasureOf(memberId: string): MemberErasure | undefined {
    return this.erasures.get(memberId);
  }

  /** The erasure made under the caller's `requestId`, if any. */
  erasureByRequest(requestId: string): MemberErasure | undefined {
    return this.erasureRequests.get(requestId);
  }

  /**
   * Erases a member at `erasure.at`, keeping what accounting must keep (the points movements,
   * balance and tier, the credited purchases), stripped of what identifies the person:
   *
   * - names empty (the schema's `firstName`/`lastName` are not nillable), email, phone, mobile,
   *   birth date, postcode and every size nil; the email and phone indexes forget them;
   * - every ACTIVE card is marked LOST, the programme's status for a card it must not honour
   *   again: the number stays, as movements and receipts were earned under it (FindMemberByCard
   *   still answers the anonymised member), but no card of the member is in use any more, so a
   *   reader sees an inactive membership. `CardStatus` has no CLOSED, and a new value would fail
   *   every reader that checks the enumeration (the subgraph's client does);
   * - the consent history is replaced by an OPT_OUT on every channel, captured at the erasure:
   *   the consent in force is the most recently captured record, so an opt-in captured before
   *   the erasure and delivered late can never become the member's consent again, and
   *   GetConsents answers the same (opted out everywhere) as it would of someone who refused;
   * - the personalised offers go (a birthday offer tells the birth date).
   *
   * The member is marked as changed at `erasure.at`. Throws, changing nothing, when the member
   * is unknown or already erased, or the request id erased someone already.
   */
  eraseMember(erasure: MemberErasure): MemberErasure {
    const { member_id: memberId, request_id: requestId, at } = erasure;
    const member = this.members.get(memberId);
    if (!member) throw new Error(`eraseMember needs a known member, got ${JSON.stringify(memberId)}`);
    const held = this.erasures.get(memberId);
    if (held) throw new Error(`member ${memberId} was already erased at ${held.at} (request ${JSON.stringify(held.request_id)})`);
    const used = this.erasureRequests.get(requestId);
    if (used) throw new Error(`request ${JSON.stringify(requestId)} already erased member ${used.member_id}`);

    if (member.email !== null) pull(this.byEmail, emailKey(member.email), memberId);
    for (const number of [member.phone, member.mobile ?? null]) {
      if (number !== null) pull(this.byPhone, phoneKey(number), memberId);
    }
    member.first_name = '';
    member.last_name = '';
    member.email = null;
    member.phone = null;
    member.mobile = null;
    member.birth_date = null;
    member.postcode = null;
    member.sizes = { shoe: null, top: null, bottom: null };
    for (const card of this.cardsByMember.get(memberId) ?? []) {
      if (card.status === 'ACTIVE') card.status = 'LOST';
    }
    this.consentsByMember.set(
      memberId,
      CONSENT_CHANNELS.map((channel) => ({ member_id: memberId, channel, purpose: 'MARKETING', status: 'OPT_OUT', captured_at: at, source: ERASURE_CONSENT_SOURCE })),
    );
    this.personalOffers.delete(memberId);
    this.erasures.set(memberId, erasure);
    this.erasureRequests.set(requestId, erasure);
    this.touch(member, at);
    return erasure;
  }

  /**
   * Offers the member can see at `now`: for every member of a tier at or below theirs, or
   * personalised for them, with `valid_from <= now < valid_to`.
   */
  offersFor(member: LoyaltyMember, now: Date): MemberOffer[] {
    const nowMs = now.getTime();
    const rank = tierRank(member.tier);
    return [...this.generalOffers, ...(this.personalOffers.get(member.member_id) ?? [])]
      .filter((offer) => tierRank(offer.min_tier) <= rank && Date.parse(offer.valid_from) <= nowMs && nowMs < Date.parse(offer.valid_to))
      .sort((a, b) => compareText(a.offer_id, b.offer_id));
  }

  private touch(member: LoyaltyMember, nowIso: string): void {
    const old = { updatedMs: Date.parse(member.updated_at), memberId: member.member_id };
    const index = lowerBound(this.changes, old);
    if (this.changes[index]?.memberId !== member.member_id) {
      throw new Error(`update order index lost member ${member.member_id}`);
    }
    this.changes.splice(index, 1);
    member.updated_at = nowIso;
    const entry = { updatedMs: Date.parse(nowIso), memberId: member.member_id };
    this.changes.splice(lowerBound(this.changes, entry), 0, entry);
  }

  private resolve(ids: string[] | undefined): LoyaltyMember[] {
    return (ids ?? []).map((id) => this.members.get(id)!).sort((a, b) => compareText(a.member_id, b.member_id));
  }
}

/** The email as the system matches it: trimmed and lower-cased. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** The phone as the system matches it: its digits only, so only the national format is found. */
export function phoneKey(phone: string): string {
  return phone.replace(/\D/g, '');
}

/** Takes a value out of its group, and the group out of the map once it is empty. */
function pull<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)?.filter((held) => held !== value);
  if (list === undefined) return;
  if (list.length === 0) map.delete(key);
  else map.set(key, list);
}

function tierRank(tier: LoyaltyTier): number {
  return TIERS.indexOf(tier);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function timestamp(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`${what} must be an ISO 8601 timestamp, got ${JSON.stringify(value)}`);
  return ms;
}

function compareChanges(a: ChangeEntry, b: ChangeEntry): number {
  return a.updatedMs - b.updatedMs || compareText(a.memberId, b.memberId);
}

/** Code-unit order, as the system's database collates ids. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(entries: readonly ChangeEntry[], probe: ChangeEntry): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareChanges(entries[mid]!, probe) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
