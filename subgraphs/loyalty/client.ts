import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { SourceFailure } from '../shared/errors.js';
import { httpFailure, type LegacySource } from '../shared/source.js';
import { requestIdHeaders } from '../shared/requestScope.js';

/** Target namespace of the loyalty service's messages, as its WSDL declares it. */
export const LOYALTY_NS = 'urn:crosscanal:loyalty:v3';
const SOAP11_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/** The service takes 1 to 100 `memberId` elements per batch call (BATCH_LIMIT_EXCEEDED beyond). */
export const BATCH_LIMIT = 100;

export const TIERS = ['BRONZE', 'SILVER', 'GOLD'] as const;
export const CARD_STATUSES = ['ACTIVE', 'LOST', 'REPLACED'] as const;
export const MOVEMENT_REASONS = ['PURCHASE', 'REDEMPTION', 'BONUS', 'EXPIRY'] as const;
export const CONSENT_CHANNELS = ['EMAIL', 'SMS', 'PHONE', 'POST'] as const;
export const CONSENT_STATUSES = ['OPT_IN', 'OPT_OUT', 'PENDING'] as const;
export const OFFER_KINDS = ['PERCENT', 'AMOUNT', 'POINTS_MULTIPLIER'] as const;

export type Tier = (typeof TIERS)[number];
export type CardStatus = (typeof CARD_STATUSES)[number];
export type MovementReason = (typeof MOVEMENT_REASONS)[number];
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];
export type LegacyConsentStatus = (typeof CONSENT_STATUSES)[number];
export type OfferKind = (typeof OFFER_KINDS)[number];

/**
 * The service's records as its WSDL types them: text as sent (stray spaces, national
 * phones, decimal strings), `xsi:nil` as null, `xs:int` as numbers, enumerations checked.
 */
export interface WireCard {
  cardNumber: string;
  memberId: string;
  status: CardStatus;
  issuedAt: string;
}

export interface WireMember {
  memberId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  /** The number given first at enrolment, often the household's landline. */
  phone: string | null;
  /** The mobile the offers are texted to; may repeat `phone`. */
  mobile: string | null;
  birthDate: string | null;
  postcode: string | null;
  tier: Tier;
  pointsBalance: number;
  homeStoreCode: string | null;
  enrolledAt: string;
  updatedAt: string;
  sizes: { shoe: string | null; top: string | null; bottom: string | null };
  cards: WireCard[];
}

export interface WireMovement {
  /** An `xs:long`, kept as text. */
  id: string;
  memberId: string;
  at: string;
  points: number;
  reason: MovementReason;
  reference: string | null;
}

/** A purchase made outside the programme's tills, as `CreditExternalPurchase` takes it. */
export interface ExternalPurchase {
  /** The caller's id for the purchase: the programme credits it once. */
  transactionId: string;
  memberId: string;
  channel: 'WEB' | 'APP' | 'STORE';
  /** The order number. */
  reference: string;
  /** What the customer paid, a decimal with at most 2 places (`59.90`). */
  amount: string;
  currency: string;
  occurredAt: string;
}

export interface WireConsent {
  memberId: string;
  channel: ConsentChannel;
  purpose: string;
  status: LegacyConsentStatus;
  capturedAt: string;
  source: string;
}

export interface WireOffer {
  offerId: string;
  title: string;
  description: string;
  /** One of {@link OFFER_KINDS}; a kind the programme adds later is kept as sent (the graph's OTHER). */
  kind: OfferKind | (string & {});
  /** An `xs:decimal` as sent: "15" percent, "10.00" euros, "2" for double points. */
  value: string;
  validFrom: string;
  validTo: string;
  minTier: Tier;
  memberId: string | null;
  productRefs: string[];
  /** Sent through marketing: only for a customer who accepts it. An optional element, absent in older answers: false. */
  marketing: boolean;
}

export interface ConsentUpdate {
  memberId: string;
  channel: ConsentChannel;
  status: LegacyConsentStatus;
  /** WEB, APP, CALLCENTER or STORE:<store code>. */
  source: string;
  /** An instant in ISO 8601 with a zone. */
  capturedAt: string;
}

/**
 * What a batch operation answered: the records that could be read, and the members whose
 * record broke the WSDL's types (only those members fail; the rest of the batch stands).
 */
export interface BatchAnswer<T> {
  records: T[];
  unreadable: Array<{ memberId: string; failure: SourceFailure }>;
}

type XmlNode = Record<string, unknown>;
/** Arguments of an operation in schema sequence order; an array repeats the element. */
/** The sizes `UpdateSizes` takes, as the programme writes them (`42.5`, `XL`, `38`). */
export interface SizesUpdate {
  memberId: string;
  /** Per size: a value replaces it, null clears it (sent empty), absent leaves it as it is. */
  sizes: { shoe?: string | null; top?: string | null; bottom?: string | null };
  /** Where the sizes were given: WEB, APP, CALLCENTER or STORE:<store code>. */
  updatedBy: string;
}

/** What the programme answers an erasure with. */
export interface MemberErased {
  /** When the member was erased: the first erasure's time, for a repeat. */
  erasedAt: string;
  /** True when the member was already erased (this request id, or another) and nothing changed. */
  duplicate: boolean;
}

type Arguments = ReadonlyArray<readonly [string, string | readonly string[]]>;

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
  processEntities: true,
});

const PARSER_OPTIONS = {
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Card numbers and phones keep their leading zeros; values stay text until typed below.
  parseTagValue: false,
  parseAttributeValue: false,
  // Stored values keep their stray spaces: trimming is normalisation, done by the mappers.
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
} as const;

const parser = new XMLParser(PARSER_OPTIONS);
// Decoding character references (&#233;) doubles the parsing time, so only answers that hold one pay for it.
const referenceParser = new XMLParser({ ...PARSER_OPTIONS, htmlEntities: true });

/**
 * A SOAP 1.1 client for the loyalty programme's `LoyaltyService` (document/literal wrapped).
 * Every call goes through the {@link LegacySource} (timeout, retries where safe, circuit
 * breaker). Faults are mapped to {@link SourceFailure} kinds: `soap:Server` and HTTP 5xx
 * without a SOAP answer are `unavailable`, `soap:Client` is `badRequest`, except the detail
 * codes that mean "no such record", which come back as null or an empty answer.
 */
export class LoyaltyClient {
  constructor(
    /** The SOAP endpoint, e.g. `http://127.0.0.1:4102/LoyaltyService`. */
    readonly endpoint: string,
    private readonly source: LegacySource,
  ) {}

  /** The known members among `memberIds`, in one call per {@link BATCH_LIMIT} ids. Unknown ids are left out. */
  getMembers(memberIds: readonly string[]): Promise<BatchAnswer<WireMember>> {
    return this.batched('GetMembers', memberIds, (response) => readEach(response.member, 'GetMembersResponse.member', readMember));
  }

  /**
   * The card with this number and its holder, whatever the card status. Both null when no card
   * has the number (the service's INVALID_CARD_NUMBER fault included: such a number names no
   * card); the member alone is null when the card outlived its member.
   */
  findMemberByCard(cardNumber: string): Promise<{ card: WireCard | null; member: WireMember | null }> {
    return this.source.call('FindMemberByCard', async (signal) => {
      const response = await this.invoke('FindMemberByCard', [['cardNumber', cardNumber]], signal, ['INVALID_CARD_NUMBER']);
      if (response === null) return { card: null, member: null };
      const card = response.card === undefined ? null : readCard(response.card, 'FindMemberByCardResponse.card');
      const member = response.member === undefined ? null : readMember(response.member, 'FindMemberByCardResponse.member');
      return { card, member };
    });
  }

  /** Members whose email matches, as the service compares them (trimmed, case-insensitive). */
  findMembersByEmail(email: string): Promise<WireMember[]> {
    return this.source.call('FindMembersByEmail', async (signal) => {
      const response = await this.invoke('FindMembersByEmail', [['email', email]], signal);
      return list(response.member).map((member, i) => readMember(member, `FindMembersByEmailResponse.member[${i}]`));
    });
  }

  /**
   * Members whose phone or mobile has the same digits, each once. The service keeps and
   * compares NATIONAL numbers only: pass `0612345678`, not `+33612345678`, which would match
   * no member.
   */
  findMembersByPhone(nationalPhone: string): Promise<WireMember[]> {
    return this.source.call('FindMembersByPhone', async (signal) => {
      const response = await this.invoke('FindMembersByPhone', [['phone', nationalPhone]], signal);
      return list(response.member).map((member, i) => readMember(member, `FindMembersByPhoneResponse.member[${i}]`));
    });
  }

  /** Points movements of the members, grouped by member, oldest first; one call per {@link BATCH_LIMIT} ids. */
  getPointsMovements(memberIds: readonly string[]): Promise<BatchAnswer<WireMovement>> {
    return this.batched('GetPointsMovements', memberIds, (response) =>
      readEach(response.movement, 'GetPointsMovementsResponse.movement', readMovement),
    );
  }

  /** The consents in force (one per channel and purpose) of the members; one call per {@link BATCH_LIMIT} ids. */
  getConsents(memberIds: readonly string[]): Promise<BatchAnswer<WireConsent>> {
    return this.batched('GetConsents', memberIds, (response) => readEach(response.consent, 'GetConsentsResponse.consent', readConsent));
  }

  /** The offers the member can see now, per the service's clock; null for an unknown member. */
  getOffers(memberId: string): Promise<WireOffer[] | null> {
    return this.source.call('GetOffers', async (signal) => {
      const response = await this.invoke('GetOffers', [['memberId', memberId]], signal, ['MEMBER_NOT_FOUND']);
      if (response === null) return null;
      return list(response.offer).map((offer, i) => readOffer(offer, `GetOffersResponse.offer[${i}]`));
    });
  }

  /**
   * Stores a marketing consent record; null for an unknown member. Never retried: each call
   * adds a record to the member's history and bumps their `updatedAt`, so a retry after a
   * timeout could store the decision twice.
   */
  updateConsent(update: ConsentUpdate): Promise<WireConsent | null> {
    return this.source.call(
      'UpdateConsent',
      async (signal) => {
        const response = await this.invoke(
          'UpdateConsent',
          [
            ['memberId', update.memberId],
            ['channel', update.channel],
            ['purpose', 'MARKETING'],
            ['status', update.status],
            ['source', update.source],
            ['capturedAt', update.capturedAt],
          ],
          signal,
          ['MEMBER_NOT_FOUND'],
        );
        return response === null ? null : readConsent(response.consent, 'UpdateConsentResponse.consent');
      },
      { idempotent: false },
    );
  }

  /**
   * Credits the points of a purchase made outside the programme's tills (a web order).
   * Safe to retry: the programme credits a transaction id once, and answers a repeat with the
   * movement it made (`duplicate`). A refusal (unknown member, a transaction id already used
   * for another purchase) is a `badRequest` failure naming the fault's code.
   */
  creditExternalPurchase(purchase: ExternalPurchase): Promise<{ movement: WireMovement; duplicate: boolean }> {
    return this.source.call('CreditExternalPurchase', async (signal) => {
      const response = await this.invoke(
        'CreditExternalPurchase',
        [
          ['transactionId', purchase.transactionId],
          ['memberId', purchase.memberId],
          ['channel', purchase.channel],
          ['reference', purchase.reference],
          ['amount', purchase.amount],
          ['currency', purchase.currency],
          ['occurredAt', purchase.occurredAt],
        ],
        signal,
      );
      const duplicate = text(response, 'duplicate', 'CreditExternalPurchaseResponse').trim();
      if (duplicate !== 'true' && duplicate !== 'false') throw bad('CreditExternalPurchaseResponse.duplicate', `must be an xs:boolean, got ${JSON.stringify(duplicate)}`);
      return { movement: readMovement(response.movement, 'CreditExternalPurchaseResponse.movement'), duplicate: duplicate === 'true' };
    });
  }

  /**
   * Records a member's sizes and answers the member as stored; null when the member is
   * unknown. Retried like a read: the call says what the sizes are, so a repeat leaves the
   * same state, and the programme stores nothing for one that changes nothing.
   */
  updateSizes(update: SizesUpdate): Promise<WireMember | null> {
    return this.source.call('UpdateSizes', async (signal) => {
      const sizes = (['shoe', 'top', 'bottom'] as const).flatMap((name) => {
        const value = update.sizes[name];
        return value === undefined ? [] : [[name, value ?? ''] as const];
      });
      const response = await this.invoke('UpdateSizes', [['memberId', update.memberId], ...sizes, ['updatedBy', update.updatedBy]], signal, ['MEMBER_NOT_FOUND']);
      return response === null ? null : readMember(response.member, 'UpdateSizesResponse.member');
    });
  }

  /**
   * Erases a member (the right to erasure): the programme anonymises the member, marks their
   * cards LOST, replaces their consents with an opt-out on every channel and keeps their points
   * movements. Null when the member is unknown. Safe to retry under the same `requestId` (the
   * caller's id of the request, 1 to 64 characters): a repeat answers the first `erasedAt` with
   * `duplicate` true, as does an erasure of a member already erased under another id. A
   * `requestId` that erased another member is a `badRequest` failure (REQUEST_CONFLICT).
   */
  eraseMember(memberId: string, requestId: string): Promise<MemberErased | null> {
    return this.source.call('EraseMember', async (signal) => {
      const response = await this.invoke('EraseMember', [['memberId', memberId], ['requestId', requestId]], signal, ['MEMBER_NOT_FOUND']);
      if (response === null) return null;
      const path = 'EraseMemberResponse';
      const duplicate = text(response, 'duplicate', path).trim();
      if (duplicate !== 'true' && duplicate !== 'false') throw bad(`${path}.duplicate`, `must be an xs:boolean, got ${JSON.stringify(duplicate)}`);
      return { erasedAt: dateTime(response, 'erasedAt', path), duplicate: duplicate === 'true' };
    });
  }

  /**
   * One page of the programme's change feed: members updated at or after `since` (oldest
   * first, then by member id), `pageSize` a page (at most 500), with the total over all pages.
   * A member whose record breaks the WSDL's types is left among `unreadable`, not the page.
   */
  listChangedMembers(since: string, page: number, pageSize: number): Promise<BatchAnswer<WireMember> & { total: number; hasMore: boolean }> {
    return this.source.call('ListChangedMembers', async (signal) => {
      const response = await this.invoke('ListChangedMembers', [['since', since], ['page', String(page)], ['pageSize', String(pageSize)]], signal);
      const path = 'ListChangedMembersResponse';
      const hasMore = text(response, 'hasMore', path).trim();
      if (hasMore !== 'true' && hasMore !== 'false') throw bad(`${path}.hasMore`, `must be an xs:boolean, got ${JSON.stringify(hasMore)}`);
      return { ...readEach(response.member, `${path}.member`, readMember), total: int(response, 'total', path), hasMore: hasMore === 'true' };
    });
  }

  /** Runs a batch operation over `memberIds`, each id once, {@link BATCH_LIMIT} ids per call, calls in parallel. */
  private async batched<T>(operation: string, memberIds: readonly string[], read: (response: XmlNode) => BatchAnswer<T>): Promise<BatchAnswer<T>> {
    const unique = [...new Set(memberIds)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_LIMIT) chunks.push(unique.slice(i, i + BATCH_LIMIT));
    const answers = await Promise.all(
      chunks.map((ids) => this.source.call(operation, async (signal) => read(await this.invoke(operation, [['memberId', ids]], signal)))),
    );
    return {
      records: answers.flatMap((answer) => answer.records),
      unreadable: answers.flatMap((answer) =>
        answer.unreadable.map(({ memberId, failure }) => ({ memberId, failure: new SourceFailure(failure.kind, `${operation}: ${failure.message}`) })),
      ),
    };
  }

  /**
   * POSTs one request and returns the children of `<{operation}Response>`, or null when the
   * service answered a soap:Client fault whose detail code is in `notFound`.
   */
  private async invoke(operation: string, args: Arguments, signal: AbortSignal): Promise<XmlNode>;
  private async invoke(operation: string, args: Arguments, signal: AbortSignal, notFound: readonly string[]): Promise<XmlNode | null>;
  private async invoke(operation: string, args: Arguments, signal: AbortSignal, notFound: readonly string[] = []): Promise<XmlNode | null> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: `"${LOYALTY_NS}/${operation}"`,
        accept: 'text/xml',
        ...requestIdHeaders(),
      },
      body: requestEnvelope(operation, args),
      signal,
    });
    const text = await response.text();
    // SOAP 1.1 over HTTP answers every fault with a 500 (§6.2); anything else is the HTTP layer talking.
    if (response.status !== 200 && response.status !== 500) {
      throw httpFailure(response.status, response.headers.get('retry-after'), snippet(text));
    }
    const body = readSoapBody(text, response.status);
    if ('fault' in body) {
      const { faultcode, code, field } = body.fault;
      if (faultcode === 'Client' && code !== undefined && notFound.includes(code)) return null;
      throw faultFailure(faultcode, code, field);
    }
    const expected = `${operation}Response`;
    if (body.name !== expected) throw new SourceFailure('badResponse', `expected <${expected}> in the SOAP Body, got <${body.name}>`);
    return body.element;
  }
}

/** A SOAP 1.1 request envelope whose Body holds `<{operation} xmlns="urn:…">` and its arguments. */
export function requestEnvelope(operation: string, args: Arguments): string {
  const element: Record<string, unknown> = { '@_xmlns': LOYALTY_NS };
  for (const [name, value] of args) {
    const values = typeof value === 'string' ? [value] : value;
    for (const text of values) {
      if (!XML_CHARACTERS.test(text)) {
        throw new SourceFailure('badRequest', `${operation}: ${name} holds characters XML cannot carry`);
      }
    }
    element[name] = typeof value === 'string' ? value : [...value];
  }
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    'soap:Envelope': { '@_xmlns:soap': SOAP11_ENVELOPE_NS, 'soap:Body': { [operation]: element } },
  }) as string;
}

const XML_CHARACTERS = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

type SoapBody = { name: string; element: XmlNode } | { fault: { faultcode: string; code?: string; field?: string } };

/**
 * Reads a SOAP answer down to the one element of its Body. A 500 that is not a SOAP fault
 * (a proxy's error page, a crashed stack) is the system being unavailable; a 200 that cannot
 * be read is a bad response.
 */
function readSoapBody(text: string, status: number): SoapBody {
  const unreadable = (problem: string): SourceFailure =>
    status === 200 ? new SourceFailure('badResponse', problem) : httpFailure(status, null, snippet(text));
  if (/<!DOCTYPE/i.test(text)) throw unreadable('the answer carries a document type declaration, which SOAP forbids');
  const validation = XMLValidator.validate(text);
  if (validation !== true) throw unreadable(`the answer is not well-formed XML: ${validation.err.msg} (line ${validation.err.line})`);
  const root = (text.includes('&#') ? referenceParser : parser).parse(text) as XmlNode;
  const envelope = root.Envelope;
  if (!isNode(envelope) || !isNode(envelope.Body)) throw unreadable('the answer is not a SOAP Envelope with a Body');
  const names = childNames(envelope.Body);
  if (names.length !== 1) throw unreadable(`the SOAP Body must hold one element, got ${names.length}`);
  const name = names[0]!;
  const element = envelope.Body[name];
  if (name === 'Fault') {
    const fault = asNode(element, 'Fault');
    const faultcode = leaf(fault.faultcode, 'Fault.faultcode');
    if (faultcode === null) throw new SourceFailure('badResponse', 'Fault.faultcode is nil');
    const detail = isNode(fault.detail) && isNode(fault.detail.LoyaltyFault) ? fault.detail.LoyaltyFault : undefined;
    const code = detail?.code === undefined ? undefined : (leaf(detail.code, 'LoyaltyFault.code') ?? undefined);
    const field = detail?.field === undefined ? undefined : (leaf(detail.field, 'LoyaltyFault.field') ?? undefined);
    // The faultcode is a QName (`soap:Client`); its prefix is whatever the service bound.
    return { fault: { faultcode: faultcode.trim().replace(/^[^:]*:/, ''), code, field } };
  }
  if (status !== 200) throw unreadable(`HTTP ${status} without a SOAP Fault`);
  return { name, element: element === '' ? {} : asNode(element, name) };
}

function faultFailure(faultcode: string, code: string | undefined, field: string | undefined): SourceFailure {
  const what = `SOAP fault soap:${faultcode}${code ? ` ${code}` : ''}${field ? ` (${field})` : ''}`;
  switch (faultcode) {
    case 'Server':
      return new SourceFailure('unavailable', what);
    case 'Client':
    case 'VersionMismatch':
    case 'MustUnderstand':
      return new SourceFailure('badRequest', what);
    default:
      return new SourceFailure('badResponse', `${what}: not a SOAP 1.1 fault code`);
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

// Reading the parsed XML against the WSDL's types. A value that breaks them is a bad response.

function bad(path: string, problem: string): SourceFailure {
  return new SourceFailure('badResponse', `${path} ${problem}`);
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childNames(node: XmlNode): string[] {
  return Object.keys(node).filter((key) => !key.startsWith('@_') && key !== '#text');
}

function isNil(value: unknown): boolean {
  return isNode(value) && (value['@_nil'] === 'true' || value['@_nil'] === '1');
}

/** A complex element; an empty one (`<cards/>`) reads as no children. */
function asNode(value: unknown, path: string): XmlNode {
  if (value === '') return {};
  if (Array.isArray(value)) throw bad(path, 'occurs more than once');
  if (!isNode(value)) throw bad(path, 'is missing or not an element with children');
  return value;
}

/** A repeated element: absent is none, one is a list of one. */
function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Reads every record of a repeated element. A record that breaks the schema fails its member
 * alone; one whose member id cannot be read fails the whole answer.
 */
function readEach<T>(value: unknown, path: string, read: (node: unknown, path: string) => T): BatchAnswer<T> {
  const answer: BatchAnswer<T> = { records: [], unreadable: [] };
  list(value).forEach((node, i) => {
    const where = `${path}[${i}]`;
    try {
      answer.records.push(read(node, where));
    } catch (error) {
      if (!(error instanceof SourceFailure) || !isNode(node)) throw error;
      answer.unreadable.push({ memberId: text(node, 'memberId', where).trim(), failure: error });
    }
  });
  return answer;
}

/** The text of a simple element, or null for `xsi:nil`. */
function leaf(value: unknown, path: string): string | null {
  if (value === undefined) throw bad(path, 'is missing');
  if (Array.isArray(value)) throw bad(path, 'occurs more than once');
  if (isNil(value)) return null;
  if (typeof value === 'string') return value;
  if (isNode(value)) {
    if (childNames(value).length > 0) throw bad(path, 'must be a simple value');
    return typeof value['#text'] === 'string' ? value['#text'] : '';
  }
  throw bad(path, `is not text: ${JSON.stringify(value)}`);
}

function text(node: XmlNode, name: string, path: string): string {
  const value = leaf(node[name], `${path}.${name}`);
  if (value === null) throw bad(`${path}.${name}`, 'is nil but the schema does not allow it');
  return value;
}

/** A nillable element; the service never omits one, but absent reads as nil all the same. */
function nillable(node: XmlNode, name: string, path: string): string | null {
  return node[name] === undefined ? null : leaf(node[name], `${path}.${name}`);
}

function int(node: XmlNode, name: string, path: string): number {
  const value = text(node, name, path).trim();
  const number = Number(value);
  if (!/^[+-]?\d+$/.test(value) || number < -(2 ** 31) || number > 2 ** 31 - 1) throw bad(`${path}.${name}`, `must be an xs:int, got ${JSON.stringify(value)}`);
  return number;
}

const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function dateTime(node: XmlNode, name: string, path: string): string {
  const value = text(node, name, path).trim();
  if (!DATE_TIME.test(value)) throw bad(`${path}.${name}`, `must be an xs:dateTime, got ${JSON.stringify(value)}`);
  return value;
}

function oneOf<T extends string>(node: XmlNode, name: string, path: string, values: readonly T[]): T {
  const value = text(node, name, path).trim();
  if (!(values as readonly string[]).includes(value)) throw bad(`${path}.${name}`, `must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function readCard(value: unknown, path: string): WireCard {
  const node = asNode(value, path);
  return {
    cardNumber: text(node, 'cardNumber', path).trim(),
    memberId: text(node, 'memberId', path).trim(),
    status: oneOf(node, 'status', path, CARD_STATUSES),
    issuedAt: dateTime(node, 'issuedAt', path),
  };
}

function readMember(value: unknown, path: string): WireMember {
  const node = asNode(value, path);
  const sizes = asNode(node.sizes, `${path}.sizes`);
  const cards = node.cards === undefined ? {} : asNode(node.cards, `${path}.cards`);
  return {
    memberId: text(node, 'memberId', path).trim(),
    firstName: text(node, 'firstName', path),
    lastName: text(node, 'lastName', path),
    email: nillable(node, 'email', path),
    phone: nillable(node, 'phone', path),
    mobile: nillable(node, 'mobile', path),
    birthDate: nillable(node, 'birthDate', path),
    postcode: nillable(node, 'postcode', path),
    tier: oneOf(node, 'tier', path, TIERS),
    pointsBalance: int(node, 'pointsBalance', path),
    homeStoreCode: nillable(node, 'homeStoreCode', path),
    enrolledAt: dateTime(node, 'enrolledAt', path),
    updatedAt: dateTime(node, 'updatedAt', path),
    sizes: {
      shoe: nillable(sizes, 'shoe', `${path}.sizes`),
      top: nillable(sizes, 'top', `${path}.sizes`),
      bottom: nillable(sizes, 'bottom', `${path}.sizes`),
    },
    cards: list(cards.card).map((card, i) => readCard(card, `${path}.cards.card[${i}]`)),
  };
}

function readMovement(value: unknown, path: string): WireMovement {
  const node = asNode(value, path);
  const id = text(node, 'id', path).trim();
  if (!/^[+-]?\d+$/.test(id)) throw bad(`${path}.id`, `must be an xs:long, got ${JSON.stringify(id)}`);
  return {
    id,
    memberId: text(node, 'memberId', path).trim(),
    at: dateTime(node, 'at', path),
    points: int(node, 'points', path),
    reason: oneOf(node, 'reason', path, MOVEMENT_REASONS),
    reference: nillable(node, 'reference', path),
  };
}

function readConsent(value: unknown, path: string): WireConsent {
  const node = asNode(value, path);
  return {
    memberId: text(node, 'memberId', path).trim(),
    channel: oneOf(node, 'channel', path, CONSENT_CHANNELS),
    purpose: text(node, 'purpose', path).trim(),
    status: oneOf(node, 'status', path, CONSENT_STATUSES),
    capturedAt: dateTime(node, 'capturedAt', path),
    source: text(node, 'source', path),
  };
}

function readOffer(value: unknown, path: string): WireOffer {
  const node = asNode(value, path);
  const refs = node.productRefs === undefined ? {} : asNode(node.productRefs, `${path}.productRefs`);
  return {
    offerId: text(node, 'offerId', path).trim(),
    title: text(node, 'title', path),
    description: text(node, 'description', path),
    // Not checked against OFFER_KINDS: a kind added since is shown as OTHER, not a failed answer.
    kind: text(node, 'kind', path).trim(),
    value: text(node, 'value', path),
    validFrom: dateTime(node, 'validFrom', path),
    validTo: dateTime(node, 'validTo', path),
    minTier: oneOf(node, 'minTier', path, TIERS),
    memberId: nillable(node, 'memberId', path),
    productRefs: list(refs.productRef).map((ref, i) => {
      const value = leaf(ref, `${path}.productRefs.productRef[${i}]`);
      if (value === null) throw bad(`${path}.productRefs.productRef[${i}]`, 'is nil');
      return value;
    }),
    marketing: optionalBoolean(node, 'marketing', path) ?? false,
  };
}

/** An optional `xs:boolean` element: absent (or nil) is null; `true`/`1` and `false`/`0` as the schema writes them. */
function optionalBoolean(node: XmlNode, name: string, path: string): boolean | null {
  const value = nillable(node, name, path)?.trim();
  if (value === undefined) return null;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw bad(`${path}.${name}`, `must be an xs:boolean, got ${JSON.stringify(value)}`);
}
