import type { ConsentRecord, LoyaltyCard, LoyaltyMember, MemberOffer, PointsMovement } from '../generator/model.js';
import type { WireObject } from './encode.js';

/** The service's records as the schema's complex types (see schema.ts), values as stored. */

export function cardWire(card: LoyaltyCard): WireObject {
  return { cardNumber: card.card_number, memberId: card.member_id, status: card.status, issuedAt: card.issued_at };
}

export function memberWire(member: LoyaltyMember, cards: readonly LoyaltyCard[]): WireObject {
  return {
    memberId: member.member_id,
    firstName: member.first_name,
    lastName: member.last_name,
    email: member.email,
    phone: member.phone,
    mobile: member.mobile,
    birthDate: member.birth_date,
    postcode: member.postcode,
    tier: member.tier,
    pointsBalance: member.points_balance,
    homeStoreCode: member.home_store_code,
    enrolledAt: member.enrolled_at,
    updatedAt: member.updated_at,
    sizes: { shoe: member.sizes.shoe, top: member.sizes.top, bottom: member.sizes.bottom },
    cards: { card: cards.map(cardWire) },
  };
}

export function movementWire(movement: PointsMovement): WireObject {
  return {
    id: movement.id,
    memberId: movement.member_id,
    at: movement.at,
    points: movement.points,
    reason: movement.reason,
    reference: movement.reference,
    transactionId: movement.transaction_id,
    channel: movement.channel,
  };
}

export function consentWire(consent: ConsentRecord): WireObject {
  return {
    memberId: consent.member_id,
    channel: consent.channel,
    purpose: consent.purpose,
    status: consent.status,
    capturedAt: consent.captured_at,
    source: consent.source,
  };
}

export function offerWire(offer: MemberOffer): WireObject {
  return {
    offerId: offer.offer_id,
    title: offer.title,
    description: offer.description,
    kind: offer.kind,
    value: offer.value,
    validFrom: offer.valid_from,
    validTo: offer.valid_to,
    minTier: offer.min_tier,
    memberId: offer.member_id,
    productRefs: { productRef: offer.product_refs },
    marketing: offer.marketing,
  };
}
