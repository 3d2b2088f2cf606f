import type { ConsentRecord } from '../generator/model.js';
import { gs1CheckDigit, isValidGtin } from '../../utilities/gtin.js';
import { CREDIT_EXTERNAL_PURCHASE } from './creditExternalPurchase.js';
import type { Args } from './decode.js';
import { ERASE_MEMBER } from './eraseMember.js';
import type { WireObject } from './encode.js';
import { clientFault } from './fault.js';
import type { KeyedLock } from './keyedLock.js';
import { knownMember } from './knownMember.js';
import { BATCH_LIMIT, CONSENT_CHANNELS, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Field } from './schema.js';
import type { LoyaltyStore } from './store.js';
import { UPDATE_SIZES } from './updateSizes.js';
import { cardWire, consentWire, memberWire, movementWire, offerWire } from './wire.js';
import type { LoyaltyJournal } from './writes.js';

export interface OperationContext {
  store: LoyaltyStore;
  now: () => Date;
  /** Where a write operation records what it changes; it answers once the journal has it. */
  journal: LoyaltyJournal;
  /** Runs the calls that share a transaction id one after the other (`CreditExternalPurchase`). */
  transactions: KeyedLock;
  /** Runs the `UpdateSizes` calls of one member one after the other, by member id. */
  sizeUpdates: KeyedLock;
  /** Runs the `EraseMember` calls one after the other. */
  erasures: KeyedLock;
}

/** One SOAP operation: its request and response elements (document/literal wrapped) and its behaviour. */
export interface Operation {
  name: string;
  doc: string;
  /** Children of the request element `<name>`. */
  request: Field[];
  /** Children of the response element `<nameResponse>`. */
  response: Field[];
  /** The repeated request field whose count is the number of items asked for. */
  batchField?: string;
  /** The response's fields; a write resolves once its change is recorded. */
  run(args: Args, context: OperationContext): WireObject | Promise<WireObject>;
}

const memberIds: Field = {
  name: 'memberId',
  type: 'xs:string',
  minOccurs: 1,
  maxOccurs: BATCH_LIMIT,
  doc: `1 to ${BATCH_LIMIT} member ids; more is a Client fault BATCH_LIMIT_EXCEEDED. Unknown ids are skipped without a fault.`,
};
const memberId: Field = { name: 'memberId', type: 'xs:string' };
const members = (max: number | 'unbounded', doc: string): Field => ({ name: 'member', type: 'tns:Member', minOccurs: 0, maxOccurs: max, doc });

export const OPERATIONS: readonly Operation[] = [
  {
    name: 'GetMember',
    doc: 'One member with their cards. An unknown memberId is a Client fault MEMBER_NOT_FOUND.',
    request: [memberId],
    response: [{ name: 'member', type: 'tns:Member' }],
    run(args, { store }) {
      const member = knownMember(store, 'GetMember', args.one('memberId'));
      return { member: memberWire(member, store.cardsOf(member.member_id)) };
    },
  },
  {
    name: 'GetMembers',
    doc: `Batch of up to ${BATCH_LIMIT} members. Returns the known ones only, in the order asked, each once; unknown ids are skipped without a fault.`,
    request: [memberIds],
    response: [members(BATCH_LIMIT, 'The known members among those asked for.')],
    batchField: 'memberId',
    run(args, { store }) {
      const found = unique(args.many('memberId')).flatMap((id) => store.member(id) ?? []);
      return { member: found.map((member) => memberWire(member, store.cardsOf(member.member_id))) };
    },
  },
  {
    name: 'FindMemberByCard',
    doc: 'The card and its member, whatever the card status (ACTIVE, LOST, REPLACED). No card and no member when the number is unknown. A number that is not 13 digits starting with 29, or has a bad GS1 check digit, is a Client fault INVALID_CARD_NUMBER.',
    request: [{ name: 'cardNumber', type: 'tns:CardNumber' }],
    response: [
      { name: 'card', type: 'tns:Card', minOccurs: 0, doc: 'Absent when no card has this number.' },
      { name: 'member', type: 'tns:Member', minOccurs: 0, doc: 'The card holder; absent when the card is unknown.' },
    ],
    run(args, { store }) {
      const cardNumber = args.one('cardNumber');
      if (!isValidGtin(cardNumber)) {
        const expected = gs1CheckDigit(cardNumber.slice(0, -1));
        throw clientFault(
          'INVALID_CARD_NUMBER',
          `FindMemberByCard: cardNumber ${JSON.stringify(cardNumber)} has a bad check digit (${cardNumber.slice(-1)}, expected ${expected})`,
          'cardNumber',
          cardNumber,
        );
      }
      const card = store.card(cardNumber);
      const member = card && store.member(card.member_id);
      return {
        card: card && cardWire(card),
        member: member && memberWire(member, store.cardsOf(member.member_id)),
      };
    },
  },
  {
    name: 'FindMembersByEmail',
    doc: 'Members whose email matches, trimmed and case-insensitive; several members may share one (family addresses). Ordered by memberId.',
    request: [{ name: 'email', type: 'xs:string' }],
    response: [members('unbounded', 'Every member with this email.')],
    run(args, { store }) {
      return { member: store.membersByEmail(args.one('email')).map((member) => memberWire(member, store.cardsOf(member.member_id))) };
    },
  },
  {
    name: 'FindMembersByPhone',
    doc: 'Members whose phone or mobile has the same digits, compared in NATIONAL format only: "06 12 34 56 78", "06.12.34.56.78" and "0612345678" match each other, but an international number such as "+33612345678" or "0033612345678" matches no member. Several members may share a landline. A member whose mobile repeats their phone is returned once. Ordered by memberId.',
    request: [{ name: 'phone', type: 'xs:string', doc: 'The number to look for, in phone or in mobile.' }],
    response: [members('unbounded', 'Every member with this number as phone or mobile, national format, each once.')],
    run(args, { store }) {
      const phone = args.one('phone');
      if (!/\d/.test(phone)) {
        throw clientFault('INVALID_ARGUMENT', `FindMembersByPhone: phone must contain digits, got ${JSON.stringify(phone)}`, 'phone', phone);
      }
      return { member: store.membersByPhone(phone).map((member) => memberWire(member, store.cardsOf(member.member_id))) };
    },
  },
  {
    name: 'ListChangedMembers',
    doc: `Members updated at or after "since", ordered by updatedAt then memberId, one page at a time (page from 1, pageSize up to ${MAX_PAGE_SIZE}, ${DEFAULT_PAGE_SIZE} by default). A since without a time zone is UTC.`,
    request: [
      { name: 'since', type: 'xs:dateTime' },
      { name: 'page', type: 'tns:PageNumber', minOccurs: 0, doc: '1 when absent.' },
      { name: 'pageSize', type: 'tns:PageSize', minOccurs: 0, doc: `${DEFAULT_PAGE_SIZE} when absent.` },
    ],
    response: [
      { name: 'total', type: 'xs:int', doc: 'Members changed since "since", over all pages.' },
      { name: 'page', type: 'xs:int' },
      { name: 'pageSize', type: 'xs:int' },
      { name: 'hasMore', type: 'xs:boolean', doc: 'True when a later page holds more members.' },
      members(MAX_PAGE_SIZE, 'This page of changed members.'),
    ],
    run(args, { store }) {
      const page = Number(args.optional('page') ?? 1);
      const pageSize = Number(args.optional('pageSize') ?? DEFAULT_PAGE_SIZE);
      const offset = (page - 1) * pageSize;
      const { total, members: changed } = store.changedSince(Date.parse(args.one('since')), offset, pageSize);
      return {
        total,
        page,
        pageSize,
        hasMore: offset + changed.length < total,
        member: changed.map((member) => memberWire(member, store.cardsOf(member.member_id))),
      };
    },
  },
  {
    name: 'GetCards',
    doc: 'Every card of the members asked for, whatever its status, grouped by member in the order asked, oldest card first. Unknown ids are skipped.',
    request: [memberIds],
    response: [{ name: 'card', type: 'tns:Card', minOccurs: 0, maxOccurs: 'unbounded' }],
    batchField: 'memberId',
    run(args, { store }) {
      return { card: unique(args.many('memberId')).flatMap((id) => store.cardsOf(id).map(cardWire)) };
    },
  },
  {
    name: 'GetPointsMovements',
    doc: 'Points movements of the members asked for, grouped by member in the order asked, oldest first, with from <= at < to when given. Unknown ids are skipped.',
    request: [
      memberIds,
      { name: 'from', type: 'xs:dateTime', minOccurs: 0, doc: 'Inclusive lower bound.' },
      { name: 'to', type: 'xs:dateTime', minOccurs: 0, doc: 'Exclusive upper bound.' },
    ],
    response: [{ name: 'movement', type: 'tns:PointsMovement', minOccurs: 0, maxOccurs: 'unbounded' }],
    batchField: 'memberId',
    run(args, { store }) {
      const from = args.optional('from');
      const to = args.optional('to');
      const fromMs = from === undefined ? undefined : Date.parse(from);
      const toMs = to === undefined ? undefined : Date.parse(to);
      if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
        throw clientFault('INVALID_ARGUMENT', `GetPointsMovements: from (${from}) must not be after to (${to})`, 'from', from);
      }
      return { movement: unique(args.many('memberId')).flatMap((id) => store.movementsOf(id, fromMs, toMs).map(movementWire)) };
    },
  },
  {
    name: 'GetConsents',
    doc: 'The consent in force per channel and purpose for the members asked for: the most recently captured record wins. Unknown ids are skipped.',
    request: [memberIds],
    response: [{ name: 'consent', type: 'tns:Consent', minOccurs: 0, maxOccurs: 'unbounded' }],
    batchField: 'memberId',
    run(args, { store }) {
      return { consent: unique(args.many('memberId')).flatMap((id) => sortConsents(store.currentConsents(id)).map(consentWire)) };
    },
  },
  {
    name: 'UpdateConsent',
    doc: "Stores a new consent record and bumps the member's updatedAt. The record in force stays the most recently captured one. Returns the stored record. An unknown memberId is a Client fault MEMBER_NOT_FOUND.",
    request: [
      memberId,
      { name: 'channel', type: 'tns:ConsentChannel' },
      { name: 'purpose', type: 'tns:ConsentPurpose', minOccurs: 0, doc: 'MARKETING when absent.' },
      { name: 'status', type: 'tns:ConsentStatus' },
      { name: 'source', type: 'tns:ConsentSource' },
      { name: 'capturedAt', type: 'xs:dateTime' },
    ],
    response: [{ name: 'consent', type: 'tns:Consent' }],
    async run(args, { store, now, journal }) {
      const member = knownMember(store, 'UpdateConsent', args.one('memberId'));
      const record: ConsentRecord = {
        member_id: member.member_id,
        channel: args.one('channel') as ConsentRecord['channel'],
        purpose: 'MARKETING',
        status: args.one('status') as ConsentRecord['status'],
        captured_at: args.one('capturedAt'),
        source: args.one('source'),
      };
      return { consent: consentWire(await journal.record({ kind: 'UpdateConsent', record, at: now().toISOString() })) };
    },
  },
  {
    name: 'GetOffers',
    doc: "Offers the member can see now: for every member of a tier at or below theirs, or personalised for them, with validFrom <= now < validTo. Ordered by offerId. An unknown memberId is a Client fault MEMBER_NOT_FOUND.",
    request: [memberId],
    response: [{ name: 'offer', type: 'tns:Offer', minOccurs: 0, maxOccurs: 'unbounded' }],
    run(args, { store, now }) {
      const member = knownMember(store, 'GetOffers', args.one('memberId'));
      return { offer: store.offersFor(member, now()).map(offerWire) };
    },
  },
  CREDIT_EXTERNAL_PURCHASE,
  UPDATE_SIZES,
  ERASE_MEMBER,
];

const byName = new Map(OPERATIONS.map((operation) => [operation.name, operation]));

export function findOperation(name: string): Operation | undefined {
  return byName.get(name);
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

function sortConsents(records: ConsentRecord[]): ConsentRecord[] {
  return records.sort((a, b) => CONSENT_CHANNELS.indexOf(a.channel) - CONSENT_CHANNELS.indexOf(b.channel));
}
