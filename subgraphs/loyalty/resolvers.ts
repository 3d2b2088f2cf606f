import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { badUserInput } from '../shared/errors.js';
import { accessDenied, type Principal } from '../shared/principal.js';
import { promotionResolvers } from '../shared/promotions.js';
import { DateScalar, DateTime } from '../shared/scalars.js';
import { emailKey } from '../../utilities/email.js';
import { gs1CheckDigit } from '../../utilities/gtin.js';
import { frenchNational, toE164 } from '../../utilities/phone.js';
import { audit } from './audit.js';
import type { Resolvers } from './generated/types.js';
import type { WireMember } from './client.js';
import { forget, type LoyaltyBackend, type LoyaltyLoaders } from './loaders.js';
import { isCurrent, isLoyaltyCardNumber, toMembership, type CardRecord, type MembershipRecord } from './mappers.js';
import { readSizesInput, type LoyaltySizesInput } from './sizes.js';
import type { RequestIdentity } from '../shared/subgraphServer.js';

/** What every resolver gets: the process-wide backend and this request's loaders. */
export interface LoyaltyContext extends RequestIdentity {
  backend: LoyaltyBackend;
  loaders: LoyaltyLoaders;
}

interface IdentityRepresentation {
  system?: string | null;
  localId?: string | null;
}

interface CustomerRepresentation {
  id: string;
  identities?: readonly IdentityRepresentation[] | null;
}

const MAX_MOVEMENTS = 100;
const SOURCE = /^(WEB|APP|CALLCENTER|STORE:[A-Z0-9]+)$/;

/**
 * Where a write's fact was given (sizes) follows from who records it: an associate at their
 * store's till, customer service on the phone. A `source` that says otherwise is refused; an
 * admin, who records for any channel, must say which. (Consents are not written here: the
 * crosswalk's setContactPreference records them and writes the programme's copy.)
 */
function writeSource(principal: Principal, given: string | null | undefined, write: SourcedWrite): string {
  const asked = given?.trim().toUpperCase() || undefined;
  if (asked !== undefined && !SOURCE.test(asked)) {
    throw badUserInput(`source must be WEB, APP, CALLCENTER or STORE:<store code>, got ${JSON.stringify(given)}`, 'source');
  }
  const own = principal.role === 'associate' && principal.store ? `STORE:${principal.store}` : principal.role === 'service' ? 'CALLCENTER' : undefined;
  if (own === undefined) {
    if (principal.role !== 'admin') throw accessDenied(principal, `${write.mutation} needs the associate or service role; the request acts as ${principal.role}`);
    if (asked === undefined) throw badUserInput(`source: say where the ${write.given} given (WEB, APP, CALLCENTER or STORE:<store code>)`, 'source');
    return asked;
  }
  if (asked !== undefined && asked !== own) {
    throw accessDenied(principal, `${principal.role === 'associate' ? 'an associate' : 'customer service'} records ${write.records} given ${own}, not ${asked}`);
  }
  return own;
}

/** A write whose source follows from who records it, with the words its refusals use. */
interface SourcedWrite {
  mutation: string;
  /** What a role records: "sizes". */
  records: string;
  /** What was given: "sizes were". */
  given: string;
}

const SIZES_WRITE: SourcedWrite = { mutation: 'recordLoyaltySizes', records: 'sizes', given: 'sizes were' };

/**
 * Whether a value can be a member id: 1 to 64 printable ASCII characters. Anything else is
 * never sent, since one value the service refuses would fail the whole batch it travels in.
 */
function isMemberId(id: unknown): id is string {
  return typeof id === 'string' && /^[\x21-\x7E]{1,64}$/.test(id);
}

/** A member id argument, trimmed. */
function memberIdArgument(raw: string, argument = 'memberId'): string {
  const id = raw.trim();
  if (!isMemberId(id)) {
    throw badUserInput(`${argument} must be a loyalty member id such as "M00100001", got ${JSON.stringify(raw)}`, argument);
  }
  return id;
}

/** A card number as printed or keyed (spaces and dashes ignored), checked as the programme issues them. */
function cardNumberArgument(raw: string): string {
  const number = raw.replace(/[\s-]/g, '');
  if (!/^29\d{11}$/.test(number)) {
    throw badUserInput(`cardNumber must be a loyalty card number, 13 digits starting with 29, got ${JSON.stringify(raw)}`, 'cardNumber');
  }
  if (!isLoyaltyCardNumber(number)) {
    throw badUserInput(
      `cardNumber ${JSON.stringify(raw)} has a bad check digit (${number.slice(-1)}, expected ${gs1CheckDigit(number.slice(0, -1))})`,
      'cardNumber',
    );
  }
  return number;
}

/** Members found by a search, now known to this request's member loader. */
function found(loaders: LoyaltyLoaders, wires: readonly WireMember[]): MembershipRecord[] {
  return wires.map((wire) => {
    const membership = toMembership(wire);
    loaders.members.clear(membership.memberId).prime(membership.memberId, membership);
    return membership;
  });
}

/** The member ids of the customer's LOYALTY identities; the other systems' are not ours. */
function loyaltyIds(customer: CustomerRepresentation): string[] {
  const ids = (customer.identities ?? []).flatMap((identity) =>
    identity?.system === 'LOYALTY' && isMemberId(identity.localId) ? [identity.localId] : [],
  );
  return [...new Set(ids)];
}

async function membershipsOf(customer: CustomerRepresentation, { loaders }: LoyaltyContext): Promise<MembershipRecord[]> {
  const memberships = await Promise.all(loyaltyIds(customer).map((id) => loaders.members.load(id)));
  return memberships
    .filter((membership): membership is MembershipRecord => membership !== null)
    .sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '') || (a.memberId < b.memberId ? -1 : 1));
}

async function memberByCard(loaders: LoyaltyLoaders, cardNumber: string): Promise<MembershipRecord | null> {
  if (!isLoyaltyCardNumber(cardNumber)) return null;
  const lookup = await loaders.cards.load(cardNumber);
  return lookup?.member ?? null;
}

export const resolvers: GraphQLResolverMap<LoyaltyContext> = {
  DateTime,
  ...promotionResolvers,
  Date: DateScalar,

  Query: {
    loyaltyMember: (_: unknown, { memberId }: { memberId: string }, { loaders }: LoyaltyContext) => loaders.members.load(memberIdArgument(memberId)),

    loyaltyMemberByCard: (_: unknown, { cardNumber }: { cardNumber: string }, { loaders }: LoyaltyContext) =>
      memberByCard(loaders, cardNumberArgument(cardNumber)),

    loyaltyMembersByEmail: async (_: unknown, { email }: { email: string }, { backend, loaders }: LoyaltyContext) => {
      const key = emailKey(email);
      if (key === null) throw badUserInput(`email must be an address such as name@example.com, got ${JSON.stringify(email)}`, 'email');
      return found(loaders, await backend.client.findMembersByEmail(key));
    },

    loyaltyMembersByPhone: async (_: unknown, { phone }: { phone: string }, { backend, loaders }: LoyaltyContext) => {
      const e164 = toE164(phone);
      if (e164 === null) {
        throw badUserInput(`phone must be a phone number such as "06 12 34 56 78" or "+33 6 12 34 56 78", got ${JSON.stringify(phone)}`, 'phone');
      }
      // The programme keeps French national numbers and compares their digits only; a number
      // from another country can match none of them, so the system is not asked.
      const national = frenchNational(e164);
      if (national === null) return [];
      return found(loaders, await backend.client.findMembersByPhone(national));
    },
  },

  Mutation: {
    recordLoyaltySizes: async (
      _: unknown,
      args: { memberId: string; sizes: LoyaltySizesInput; source?: string | null },
      { backend, loaders, principal, requestId }: LoyaltyContext,
    ) => {
      const memberId = memberIdArgument(args.memberId);
      const sizes = readSizesInput(args.sizes);
      const source = writeSource(principal, args.source, SIZES_WRITE);
      audit.info({ rid: requestId, write: 'recordLoyaltySizes', actor: principal.actor, role: principal.role, memberId, sizes, source }, 'sizes change');
      let stored: WireMember | null;
      try {
        stored = await backend.client.updateSizes({ memberId, sizes, updatedBy: source });
      } finally {
        // A call that failed may still have been stored: the cached copy must go either way.
        await forget(backend, loaders, { memberIds: [memberId] });
      }
      if (stored === null) return null;
      // The programme answers the member as stored: no need to read it again. The card
      // lookups carry a copy of it, with the old sizes.
      const membership = toMembership(stored);
      await forget(backend, loaders, { cardNumbers: membership.cards.map((card) => card.number) });
      loaders.members.prime(memberId, membership);
      return membership;
    },
  },

  LoyaltyMembership: {
    __resolveReference: (reference: { memberId?: string; cardNumber?: string | null }, { loaders }: LoyaltyContext) => {
      if (reference.memberId !== undefined) return isMemberId(reference.memberId) ? loaders.members.load(reference.memberId) : null;
      if (typeof reference.cardNumber === 'string') return memberByCard(loaders, reference.cardNumber);
      return null;
    },

    pointsMovements: async (membership: MembershipRecord, { first }: { first: number }, { loaders }: LoyaltyContext) => {
      if (!Number.isInteger(first) || first < 1 || first > MAX_MOVEMENTS) {
        throw badUserInput(`first must be from 1 to ${MAX_MOVEMENTS}, got ${first}`, 'first');
      }
      const movements = await loaders.movements.load(membership.memberId);
      return [...movements].reverse().slice(0, first);
    },

    consents: (membership: MembershipRecord, _: unknown, { loaders }: LoyaltyContext) => loaders.consents.load(membership.memberId),

    offers: async (membership: MembershipRecord, _: unknown, { backend, loaders }: LoyaltyContext) => {
      const offers = (await loaders.offers.load(membership.memberId)) ?? [];
      const now = backend.now();
      return offers.filter((offer) => isCurrent(offer, now));
    },
  },

  LoyaltyCard: {
    __resolveReference: async ({ number }: { number: string }, { loaders }: LoyaltyContext) => {
      if (typeof number !== 'string' || !isLoyaltyCardNumber(number)) return null;
      return (await loaders.cards.load(number))?.card ?? null;
    },

    membership: (card: CardRecord, _: unknown, { loaders }: LoyaltyContext) => loaders.members.load(card.memberId),
  },

  Customer: {
    loyaltyMemberships: (customer: CustomerRepresentation, _: unknown, context: LoyaltyContext) => membershipsOf(customer, context),

    loyalty: async (customer: CustomerRepresentation, _: unknown, context: LoyaltyContext) =>
      (await membershipsOf(customer, context)).find((membership) => membership.active) ?? null,
  },
} satisfies Resolvers;
