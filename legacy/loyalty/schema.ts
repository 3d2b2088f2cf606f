/**
 * The XML Schema of the loyalty service, as data. The WSDL is generated from it, responses
 * are encoded by it and requests are decoded by it, so the three cannot drift apart.
 */

/** Target namespace of the service's messages. */
export const TNS = 'urn:crosscanal:loyalty:v3';
export const SOAP11_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENVELOPE_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

export const BATCH_LIMIT = 100;
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 100;

/** An `xs:element` inside a sequence. */
export interface Field {
  name: string;
  /** `xs:…` built-in or `tns:…` type of this schema. */
  type: string;
  /** Defaults to 1. */
  minOccurs?: number;
  /** A number or 'unbounded'; defaults to 1. */
  maxOccurs?: number | 'unbounded';
  /** Missing values are sent as `xsi:nil="true"`, never omitted. */
  nillable?: boolean;
  doc?: string;
}

export interface ComplexType {
  doc: string;
  fields: Field[];
}

export interface SimpleType {
  doc: string;
  base: 'xs:string' | 'xs:int' | 'xs:decimal';
  enumeration?: readonly string[];
  /** XSD pattern (implicitly anchored, as in XSD). */
  pattern?: string;
  /** What the type accepts, in words, for fault messages (a pattern, a decimal's facets). */
  expected?: string;
  /** Length facets of a string, in characters (code points, as XSD counts them). */
  minLength?: number;
  maxLength?: number;
  minInclusive?: number;
  /** Decimals only: the value must be greater than this. */
  minExclusive?: number;
  maxInclusive?: number;
  /** Decimals only: the most digits after the point, trailing zeros not counted (XSD value space). */
  fractionDigits?: number;
  /** Detail code of the Client fault for a value outside the type; INVALID_ARGUMENT by default. */
  faultCode?: string;
  /**
   * The empty string is a value of the type (its pattern accepts it), not a missing argument:
   * an empty element, or one sent `xsi:nil="true"`, is decoded as ''. UpdateSizes reads it as
   * "clear this size".
   */
  emptyAllowed?: boolean;
}

export const TIERS = ['BRONZE', 'SILVER', 'GOLD'] as const;
export const CONSENT_CHANNELS = ['EMAIL', 'SMS', 'PHONE', 'POST'] as const;
export const CONSENT_STATUSES = ['OPT_IN', 'OPT_OUT', 'PENDING'] as const;
export const PURCHASE_CHANNELS = ['WEB', 'APP', 'STORE'] as const;
/** Letter sizes of tops and bottoms, smallest first. */
export const LETTER_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL', 'XXXL'] as const;
/** The largest purchase amount the service credits: keeps a credit's points well inside xs:int. */
export const MAX_PURCHASE_AMOUNT = 999_999.99;

const NIL_DOC = 'Unknown values are sent as xsi:nil="true"; the element is never omitted.';

export const SIMPLE_TYPES: Record<string, SimpleType> = {
  Tier: { doc: 'Programme tier, lowest first.', base: 'xs:string', enumeration: TIERS },
  CardStatus: {
    doc: 'A LOST or REPLACED card still identifies its member.',
    base: 'xs:string',
    enumeration: ['ACTIVE', 'LOST', 'REPLACED'],
  },
  CardNumber: {
    doc: 'EAN-13 in the GS1 restricted-circulation range, prefix 29, with a valid GS1 check digit.',
    base: 'xs:string',
    pattern: '29[0-9]{11}',
    expected: '13 digits starting with 29',
    faultCode: 'INVALID_CARD_NUMBER',
  },
  MovementReason: { doc: 'Why points moved.', base: 'xs:string', enumeration: ['PURCHASE', 'REDEMPTION', 'BONUS', 'EXPIRY'] },
  ConsentChannel: { doc: 'Contact channel a consent applies to.', base: 'xs:string', enumeration: CONSENT_CHANNELS },
  ConsentPurpose: { doc: 'Purpose a consent applies to.', base: 'xs:string', enumeration: ['MARKETING'] },
  ConsentStatus: { doc: 'State of a consent.', base: 'xs:string', enumeration: CONSENT_STATUSES },
  ConsentSource: {
    doc: 'Where a consent was captured: WEB, APP, CALLCENTER or STORE:<store code>.',
    base: 'xs:string',
    pattern: 'WEB|APP|CALLCENTER|STORE:[A-Z0-9]+',
    expected: 'WEB, APP, CALLCENTER or STORE:<store code>',
  },
  OfferKind: { doc: 'How an offer rewards.', base: 'xs:string', enumeration: ['PERCENT', 'AMOUNT', 'POINTS_MULTIPLIER'] },
  PageNumber: { doc: 'Page number, the first page is 1.', base: 'xs:int', minInclusive: 1 },
  PurchaseChannel: { doc: 'Where a purchase credited by CreditExternalPurchase was made.', base: 'xs:string', enumeration: PURCHASE_CHANNELS },
  TransactionId: {
    doc: "The caller's unique id of a purchase it credits: a repeat with the same id is answered with the first credit.",
    base: 'xs:string',
    minLength: 1,
    maxLength: 64,
  },
  RequestId: {
    doc: "The caller's unique id of a request it may send again (EraseMember): a repeat with the same id is answered as the first was.",
    base: 'xs:string',
    minLength: 1,
    maxLength: 64,
  },
  PurchaseReference: { doc: 'The order or receipt number of a purchase, as printed for the customer.', base: 'xs:string', minLength: 1, maxLength: 40 },
  Amount: {
    doc: `What the customer paid: greater than 0, at most ${MAX_PURCHASE_AMOUNT}, at most 2 decimals.`,
    base: 'xs:decimal',
    minExclusive: 0,
    maxInclusive: MAX_PURCHASE_AMOUNT,
    fractionDigits: 2,
    expected: `a decimal greater than 0 and at most ${MAX_PURCHASE_AMOUNT} with at most 2 decimals, such as 59.90`,
  },
  CurrencyCode: {
    doc: 'ISO 4217 code, 3 upper-case letters. The programme earns points in EUR only.',
    base: 'xs:string',
    pattern: '[A-Z]{3}',
    expected: '3 upper-case letters (ISO 4217)',
  },
  PageSize: { doc: `Members per page, at most ${MAX_PAGE_SIZE}.`, base: 'xs:int', minInclusive: 1, maxInclusive: MAX_PAGE_SIZE },
  ShoeSize: {
    doc: 'An EU shoe size from 16 to 50, whole or half (42, 42.5), as UpdateSizes takes it; empty clears the size.',
    base: 'xs:string',
    pattern: '((1[6-9]|[2-4][0-9])(\\.5)?|50)?',
    expected: 'an EU shoe size from 16 to 50, whole or half such as 42 or 42.5 (empty to clear it)',
    faultCode: 'INVALID_SIZE',
    emptyAllowed: true,
  },
  ClothingSize: {
    doc: `A top or bottom size as UpdateSizes takes it: ${LETTER_SIZES.join(', ')}, or a whole EU size from 30 to 66 (38, 42); empty clears the size.`,
    base: 'xs:string',
    pattern: `(${LETTER_SIZES.join('|')}|[3-5][0-9]|6[0-6])?`,
    expected: `${LETTER_SIZES.join(', ')} or a whole EU size from 30 to 66 (empty to clear it)`,
    faultCode: 'INVALID_SIZE',
    emptyAllowed: true,
  },
  ChangeSource: {
    doc: 'Where a change was recorded, as a consent source says it: WEB, APP, CALLCENTER or STORE:<store code>.',
    base: 'xs:string',
    pattern: 'WEB|APP|CALLCENTER|STORE:[A-Z0-9]+',
    expected: 'WEB, APP, CALLCENTER or STORE:<store code>',
  },
};

export const COMPLEX_TYPES: Record<string, ComplexType> = {
  Sizes: {
    doc: `Sizes the member gave, in store or on the phone (UpdateSizes), as stored. ${NIL_DOC}`,
    fields: [
      { name: 'shoe', type: 'xs:string', nillable: true },
      { name: 'top', type: 'xs:string', nillable: true },
      { name: 'bottom', type: 'xs:string', nillable: true },
    ],
  },
  Card: {
    doc: 'A loyalty card, whatever its status.',
    fields: [
      { name: 'cardNumber', type: 'tns:CardNumber' },
      { name: 'memberId', type: 'xs:string' },
      { name: 'status', type: 'tns:CardStatus' },
      { name: 'issuedAt', type: 'xs:dateTime' },
    ],
  },
  ArrayOfCard: {
    doc: 'Every card of a member, oldest first.',
    fields: [{ name: 'card', type: 'tns:Card', minOccurs: 0, maxOccurs: 'unbounded' }],
  },
  Member: {
    doc: `A programme member. ${NIL_DOC} Values are as stored: the phone and the mobile in national format as keyed, the email as typed.`,
    fields: [
      { name: 'memberId', type: 'xs:string' },
      { name: 'firstName', type: 'xs:string' },
      { name: 'lastName', type: 'xs:string' },
      { name: 'email', type: 'xs:string', nillable: true, doc: 'As typed at enrolment: case and stray spaces kept.' },
      {
        name: 'phone',
        type: 'xs:string',
        nillable: true,
        doc: 'The number given first at enrolment, often the household landline. National format as keyed: "06 12 34 56 78", "0612345678" or "06.12.34.56.78".',
      },
      {
        name: 'mobile',
        type: 'xs:string',
        nillable: true,
        doc: 'The mobile the offers are texted to, asked for since the programme began sending texts; may repeat phone. National format as keyed: "06 12 34 56 78", "0612345678" or "06.12.34.56.78".',
      },
      { name: 'birthDate', type: 'xs:date', nillable: true },
      { name: 'postcode', type: 'xs:string', nillable: true },
      { name: 'tier', type: 'tns:Tier' },
      { name: 'pointsBalance', type: 'xs:int' },
      { name: 'homeStoreCode', type: 'xs:string', nillable: true },
      { name: 'enrolledAt', type: 'xs:dateTime' },
      { name: 'updatedAt', type: 'xs:dateTime', doc: 'Last change to the member, including a consent update, a credited purchase, a change of sizes and an erasure.' },
      { name: 'sizes', type: 'tns:Sizes' },
      { name: 'cards', type: 'tns:ArrayOfCard' },
    ],
  },
  PointsMovement: {
    doc: `A credit or debit of points. ${NIL_DOC}`,
    fields: [
      { name: 'id', type: 'xs:long' },
      { name: 'memberId', type: 'xs:string' },
      { name: 'at', type: 'xs:dateTime' },
      { name: 'points', type: 'xs:int', doc: 'Negative for redemptions and expiry.' },
      { name: 'reason', type: 'tns:MovementReason' },
      { name: 'reference', type: 'xs:string', nillable: true, doc: 'Receipt or order number that earned or spent the points.' },
      {
        name: 'transactionId',
        type: 'xs:string',
        minOccurs: 0,
        doc: "The caller's transactionId of a purchase credited by CreditExternalPurchase; absent on every other movement.",
      },
      { name: 'channel', type: 'tns:PurchaseChannel', minOccurs: 0, doc: 'Where a purchase credited by CreditExternalPurchase was made; absent on every other movement.' },
    ],
  },
  Consent: {
    doc: 'A contact consent record.',
    fields: [
      { name: 'memberId', type: 'xs:string' },
      { name: 'channel', type: 'tns:ConsentChannel' },
      { name: 'purpose', type: 'tns:ConsentPurpose' },
      { name: 'status', type: 'tns:ConsentStatus' },
      { name: 'capturedAt', type: 'xs:dateTime' },
      { name: 'source', type: 'tns:ConsentSource' },
    ],
  },
  ArrayOfProductRef: {
    doc: 'Catalogue references (e.g. 702.611.50); none means the whole basket.',
    fields: [{ name: 'productRef', type: 'xs:string', minOccurs: 0, maxOccurs: 'unbounded' }],
  },
  Offer: {
    doc: `A member offer. ${NIL_DOC}`,
    fields: [
      { name: 'offerId', type: 'xs:string' },
      { name: 'title', type: 'xs:string' },
      { name: 'description', type: 'xs:string' },
      { name: 'kind', type: 'tns:OfferKind' },
      { name: 'value', type: 'xs:decimal', doc: '"15" percent, "10.00" euros, or "2" for double points.' },
      { name: 'validFrom', type: 'xs:dateTime' },
      { name: 'validTo', type: 'xs:dateTime' },
      { name: 'minTier', type: 'tns:Tier' },
      { name: 'memberId', type: 'xs:string', nillable: true, doc: 'The member a personalised offer is for; nil for every member of the tier.' },
      { name: 'productRefs', type: 'tns:ArrayOfProductRef' },
      {
        name: 'marketing',
        type: 'xs:boolean',
        minOccurs: 0,
        doc: 'true: the programme sends the offer as a marketing message, so it is only for members who accept marketing; false, or absent: it is not sent as marketing. Added in a later release, after productRefs.',
      },
    ],
  },
  LoyaltyFault: {
    doc: 'Carried in the detail of every SOAP fault the service raises while processing the body.',
    fields: [
      { name: 'code', type: 'xs:string', doc: 'Machine-readable reason, e.g. MEMBER_NOT_FOUND, INVALID_ARGUMENT, BATCH_LIMIT_EXCEEDED, TRANSACTION_CONFLICT, INVALID_SIZE, REQUEST_CONFLICT.' },
      { name: 'field', type: 'xs:string', minOccurs: 0, doc: 'The request element at fault, when there is one.' },
      { name: 'value', type: 'xs:string', minOccurs: 0, doc: 'The offending value, when there is one.' },
    ],
  },
};
