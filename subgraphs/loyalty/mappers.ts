import { displayEmail, emailKey } from '../../utilities/email.js';
import { isValidGtin } from '../../utilities/gtin.js';
import { parseIsoInstant } from '../../utilities/isoInstant.js';
import { moneyFromDecimal } from '../../utilities/money.js';
import { toE164 } from '../../utilities/phone.js';
import { LOYALTY_TIERS, promotionOf, runsAt, scopeOf, stageOf, type Promotion, type PromotionKind } from '../shared/promotions.js';
import type { CardStatus, LegacyConsentStatus, MovementReason, Tier, WireCard, WireConsent, WireMember, WireMovement, WireOffer } from './client.js';

/**
 * The one place where the loyalty system's records become the graph's: emails trimmed (and a
 * lower-cased key), national phones to E.164, instants to ISO 8601 UTC, card numbers checked,
 * consent states and offers in the shared vocabulary. Records stay plain JSON so that the
 * keyv cache can hold them.
 */

/** The currency of the programme's amount offers (the service states euros and sends no code). */
export const OFFER_CURRENCY = 'EUR';

export type ContactChannel = 'EMAIL' | 'SMS' | 'PHONE' | 'POST';
export type ConsentStatus = 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'PENDING';

export interface CardRecord {
  number: string;
  memberId: string;
  status: CardStatus;
  issuedAt: string | null;
}

export interface SizeProfileRecord {
  shoeSize: string | null;
  topSize: string | null;
  bottomSize: string | null;
}

export interface MembershipRecord {
  memberId: string;
  /** The most recently issued ACTIVE card; null when the member holds none. */
  cardNumber: string | null;
  /** Holds an ACTIVE card. */
  active: boolean;
  /** Every card with a valid number, oldest first. */
  cards: CardRecord[];
  tier: Tier;
  pointsBalance: number;
  firstName: string;
  lastName: string;
  email: string | null;
  emailKey: string | null;
  /** E.164; the number given first at enrolment, often the household's landline. */
  phone: string | null;
  /** E.164; the mobile the offers are texted to, possibly the same number as `phone`. */
  mobile: string | null;
  birthDate: string | null;
  postcode: string | null;
  homeStoreCode: string | null;
  sizeProfile: SizeProfileRecord | null;
  enrolledAt: string | null;
  updatedAt: string | null;
}

export interface MovementRecord {
  id: string;
  at: string | null;
  points: number;
  reason: MovementReason;
  reference: string | null;
}

export interface ConsentRecord {
  channel: ContactChannel;
  status: ConsentStatus;
  capturedAt: string | null;
  source: string | null;
  system: 'LOYALTY';
}

/** A member offer, in the one promotion model (`subgraphs/shared/promotions.ts`). */
export type PromotionRecord = Promotion;

const CONSENT_STATUS: Readonly<Record<LegacyConsentStatus, ConsentStatus>> = {
  OPT_IN: 'SUBSCRIBED',
  OPT_OUT: 'UNSUBSCRIBED',
  PENDING: 'PENDING',
};

const LEGACY_CONSENT_STATUS: Readonly<Record<ConsentStatus, LegacyConsentStatus>> = {
  SUBSCRIBED: 'OPT_IN',
  UNSUBSCRIBED: 'OPT_OUT',
  PENDING: 'PENDING',
};

/** The loyalty system's word for a graph consent status. */
export function legacyConsentStatus(status: ConsentStatus): LegacyConsentStatus {
  return LEGACY_CONSENT_STATUS[status];
}

/** EAN-13 in the GS1 restricted-circulation range `29`, with a valid check digit. */
export function isLoyaltyCardNumber(number: string): boolean {
  return /^29\d{11}$/.test(number) && isValidGtin(number);
}

/**
 * An instant from the service in ISO 8601 UTC. The service runs on UTC, so an `xs:dateTime`
 * without a zone is read as UTC; anything unreadable is null rather than passed on.
 */
export function instant(text: string | null): string | null {
  if (text === null) return null;
  const trimmed = text.trim();
  const millis = parseIsoInstant(trimmed) ?? (/T/.test(trimmed) ? parseIsoInstant(`${trimmed}Z`) : null);
  return millis === null ? null : new Date(millis).toISOString();
}

function calendarDate(text: string | null): string | null {
  const trimmed = text?.trim() ?? '';
  return /^\d{4}-\d{2}-\d{2}$/.test(trimmed) && parseIsoInstant(trimmed) !== null ? trimmed : null;
}

function clean(text: string | null): string | null {
  const trimmed = text?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

/** A card, or null when its number is not a valid loyalty card number (it identifies nothing). */
export function toCard(wire: WireCard): CardRecord | null {
  if (!isLoyaltyCardNumber(wire.cardNumber)) return null;
  return { number: wire.cardNumber, memberId: wire.memberId, status: wire.status, issuedAt: instant(wire.issuedAt) };
}

export function toMembership(wire: WireMember): MembershipRecord {
  const cards = wire.cards.flatMap((card) => toCard(card) ?? []);
  const active = cards.filter((card) => card.status === 'ACTIVE');
  const newest = active.reduce<CardRecord | null>((latest, card) => (latest === null || (card.issuedAt ?? '') >= (latest.issuedAt ?? '') ? card : latest), null);
  const sizes: SizeProfileRecord = { shoeSize: clean(wire.sizes.shoe), topSize: clean(wire.sizes.top), bottomSize: clean(wire.sizes.bottom) };
  return {
    memberId: wire.memberId,
    cardNumber: newest?.number ?? null,
    active: active.length > 0,
    cards,
    tier: wire.tier,
    pointsBalance: wire.pointsBalance,
    firstName: wire.firstName.trim(),
    lastName: wire.lastName.trim(),
    email: displayEmail(wire.email),
    emailKey: emailKey(wire.email),
    phone: toE164(wire.phone),
    mobile: toE164(wire.mobile),
    birthDate: calendarDate(wire.birthDate),
    postcode: clean(wire.postcode),
    homeStoreCode: clean(wire.homeStoreCode),
    sizeProfile: sizes.shoeSize === null && sizes.topSize === null && sizes.bottomSize === null ? null : sizes,
    enrolledAt: instant(wire.enrolledAt),
    updatedAt: instant(wire.updatedAt),
  };
}

export function toMovement(wire: WireMovement): MovementRecord {
  return { id: wire.id, at: instant(wire.at), points: wire.points, reason: wire.reason, reference: clean(wire.reference) };
}

export function toConsent(wire: WireConsent): ConsentRecord {
  return {
    channel: wire.channel,
    status: CONSENT_STATUS[wire.status],
    capturedAt: instant(wire.capturedAt),
    source: clean(wire.source),
    system: 'LOYALTY',
  };
}

/** The programme's offer kinds, as the promotion kinds they are; any other is OTHER. */
const OFFER_KINDS: Readonly<Record<string, PromotionKind>> = {
  PERCENT: 'PERCENT_OFF',
  AMOUNT: 'AMOUNT_OFF',
  POINTS_MULTIPLIER: 'POINTS_MULTIPLIER',
};

/**
 * A member offer as the graph's `Promotion` (`loyalty:<offer id>`, docs/pricing.md): a cart
 * promotion (a points multiplier at the POINTS stage) on the web and in stores, applied after
 * the web cart rules (priority 100) and stacking with them, for members of its tier or above
 * (and the one member a personal offer names), on every product or on its catalogue refs;
 * marketing only when the programme sends it as marketing. A percentage is in hundredths (15 %
 * is 1500), an amount in euro cents, a multiplier in hundredths (double points is 200). Null
 * when the value cannot be read exactly; a kind the programme added since is OTHER, its value
 * unread.
 */
export function toPromotion(wire: WireOffer): PromotionRecord | null {
  const kind = OFFER_KINDS[wire.kind] ?? 'OTHER';
  let hundredths: number | null = null;
  if (kind !== 'OTHER') {
    try {
      // A percentage or a multiplier in hundredths reads exactly like an amount with two decimals.
      hundredths = moneyFromDecimal(wire.value, OFFER_CURRENCY).amount;
    } catch {
      return null;
    }
  }
  const productRefs = [...new Set(wire.productRefs.map((ref) => ref.trim()).filter((ref) => ref !== ''))];
  return promotionOf({
    id: `loyalty:${wire.offerId}`,
    system: 'LOYALTY',
    title: wire.title.trim(),
    kind,
    percentOff: kind === 'PERCENT_OFF' ? hundredths : null,
    amountOff: kind === 'AMOUNT_OFF' && hundredths !== null ? { amount: hundredths, currency: OFFER_CURRENCY } : null,
    pointsMultiplier: kind === 'POINTS_MULTIPLIER' ? hundredths : null,
    channels: ['WEB', 'STORE'],
    stage: stageOf(kind, 'CART'),
    priority: 100,
    stackable: true,
    scope: scopeOf({
      allProducts: productRefs.length === 0,
      catalogueRefs: productRefs,
      tiers: LOYALTY_TIERS.slice(LOYALTY_TIERS.indexOf(wire.minTier)),
      memberId: clean(wire.memberId),
    }),
    conditions: { couponCode: null, minimumBasket: null, firstOrderOnly: false, membersOnly: true, marketingOnly: wire.marketing },
    startsAt: instant(wire.validFrom),
    endsAt: instant(wire.validTo),
  });
}

/** Whether an offer is valid at `now`, as the service decides it: `startsAt <= now < endsAt`. */
export function isCurrent(promotion: PromotionRecord, now: Date): boolean {
  return runsAt(promotion, now.getTime());
}
