/**
 * The records each legacy system keeps, in that system's own native shape and formats.
 *
 * These are deliberately NOT normalised: e-commerce keeps emails as typed and prices as
 * decimal strings, loyalty keeps phones in national format, the POS keeps integer cents
 * (each franchise stores them its own way in SQL, see legacy/pos). Normalisation is the
 * subgraphs' job, at the edge.
 *
 * Timestamps are ISO 8601 strings in UTC (`2026-03-14T10:22:00.000Z`), dates `YYYY-MM-DD`.
 */

export type Iso = string;
export type IsoDate = string;

// ---------------------------------------------------------------- e-commerce (REST/JSON)

export interface EcomCustomer {
  id: number;
  /** As the customer typed it: stray spaces and capitals included. */
  email: string;
  first_name: string;
  last_name: string;
  /** As typed at checkout, any format, often missing. */
  phone: string | null;
  newsletter_opt_in: boolean;
  newsletter_opt_in_at: Iso | null;
  created_at: Iso;
  updated_at: Iso;
}

export interface EcomAddress {
  id: number;
  customer_id: number;
  kind: 'billing' | 'shipping';
  line1: string;
  line2: string | null;
  postcode: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface EcomOrderLine {
  sku: string;
  quantity: number;
  /** Decimal string in the order currency, e.g. "59.90". */
  unit_price: string;
  /** Decimal string, discount on the whole line, "0.00" when none. */
  discount: string;
}

export type EcomOrderStatus =
  | 'pending'
  | 'paid'
  | 'shipped'
  | 'delivered'
  | 'ready_for_pickup'
  | 'collected'
  | 'cancelled';

export interface EcomOrder {
  id: number;
  /** The number printed on the confirmation email, e.g. "W1004231". */
  number: string;
  customer_id: number;
  placed_at: Iso;
  updated_at: Iso;
  status: EcomOrderStatus;
  currency: string;
  fulfilment: {
    type: 'home_delivery' | 'click_and_collect';
    /** The POS store code for click-and-collect, null for home delivery. */
    store_code: string | null;
  };
  /** Set when the order finishes a quote prepared in a store (POS quote number). */
  quote_number: string | null;
  coupon_code: string | null;
  /**
   * The recipient as typed at checkout and the phone the carrier (or the store, for
   * click-and-collect) texts, keyed as typed ("06 12 34 56 78", "06.12.34.56.78",
   * "0612345678", "+33 6 12 34 56 78"); a gift goes to someone else.
   */
  delivery: { first_name: string; last_name: string; phone: string | null };
  lines: EcomOrderLine[];
  /** Decimal string: sum of lines minus discounts. */
  total: string;
}

export interface EcomProduct {
  sku: string;
  /** Missing on some products: the web team never filled it. */
  ean: string | null;
  /** The web team's own title, not always the catalogue's name. */
  title: string;
  /** Decimal string, the web price (may differ from list and store prices). */
  price: string;
  currency: string;
  active: boolean;
  updated_at: Iso;
}

export interface EcomCartRule {
  id: number;
  name: string;
  /** Null for an automatic rule, a coupon code otherwise. */
  code: string | null;
  /** `free_shipping`: delivery is free; the items' prices do not change. */
  type: 'percent' | 'amount' | 'free_shipping';
  /** Decimal string: "10" (percent) or "5.00" (amount); null for free_shipping. */
  value: string | null;
  starts_at: Iso;
  ends_at: Iso | null;
  scope: {
    /** Null: every product. */
    skus: string[] | null;
    /** Decimal string, null when there is no minimum. */
    min_subtotal: string | null;
    /** Only on a customer's first web order (an account with no earlier order). */
    first_order: boolean;
  };
  /** Lower runs first. */
  priority: number;
  /** When false, no later rule applies after this one. */
  stackable: boolean;
}

// ---------------------------------------------------------------- e-commerce: voice of the customer
//
// Added within manifest format 2 (legacy/generator/files.ts): an estate written before has none.

export type EcomReviewStatus = 'published' | 'pending' | 'rejected';

/** A product review as the platform's review module keeps it. */
export interface EcomReview {
  id: number;
  sku: string;
  customer_id: number;
  /** The delivered order the review invitation was sent after. */
  order_number: string;
  /**
   * The name the review form shows and the public pages print: the first name and the
   * initial of the last name, as the account held them when the review was written ("Camille M.").
   */
  author_name: string;
  /** 1 to 5 stars. */
  rating: number;
  /** French, as the customer wrote it. */
  title: string;
  body: string;
  /** Only `published` reviews are shown on the product page. */
  status: EcomReviewStatus;
  created_at: Iso;
  /** When moderation published or rejected it; null while pending. */
  moderated_at: Iso | null;
}

export type EcomServiceChannel = 'phone' | 'email' | 'chat';
export type EcomServiceReason = 'delivery' | 'return' | 'refund' | 'product' | 'account' | 'payment' | 'other';

/** A customer-service ticket of the platform's helpdesk module (calls, e-mails, chats). */
export interface EcomServiceContact {
  id: number;
  /** The number quoted to the customer: "SAV-000421". */
  ticket_number: string;
  customer_id: number;
  channel: EcomServiceChannel;
  reason: EcomServiceReason;
  /** The order the contact was about, when there was one. */
  order_number: string | null;
  /** The agent's summary, in French. */
  summary: string;
  opened_at: Iso;
  /** Null while the ticket is open. */
  closed_at: Iso | null;
  /** The post-contact survey's answer, 1 to 5; null when not answered (or still open). */
  satisfaction: number | null;
}

// ---------------------------------------------------------------- loyalty (SOAP/XML)

export type LoyaltyTier = 'BRONZE' | 'SILVER' | 'GOLD';

export interface LoyaltyMember {
  /** e.g. "M00012345". */
  member_id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  /**
   * National format as keyed at enrolment: "06 12 34 56 78", "0612345678" or "06.12.34.56.78".
   * The number the member gave first: often the household's landline.
   */
  phone: string | null;
  /**
   * The mobile the offers are texted to, national format as keyed; added to the form when the
   * programme began sending texts. May repeat `phone`.
   */
  mobile: string | null;
  birth_date: IsoDate | null;
  postcode: string | null;
  tier: LoyaltyTier;
  points_balance: number;
  home_store_code: string | null;
  enrolled_at: Iso;
  updated_at: Iso;
  sizes: {
    shoe: string | null;
    top: string | null;
    bottom: string | null;
  };
}

export interface LoyaltyCard {
  /** EAN-13 in the restricted-circulation range, prefix "29", valid check digit. */
  card_number: string;
  member_id: string;
  status: 'ACTIVE' | 'LOST' | 'REPLACED';
  issued_at: Iso;
}

export interface PointsMovement {
  id: number;
  member_id: string;
  at: Iso;
  /** Negative for redemptions and expiry. */
  points: number;
  reason: 'PURCHASE' | 'REDEMPTION' | 'BONUS' | 'EXPIRY';
  /** Receipt or order number that earned or spent the points. */
  reference: string | null;
  /** The caller's id of a purchase credited through `CreditExternalPurchase`; absent otherwise. */
  transaction_id?: string;
  /** Where such a purchase was made; absent on every other movement. */
  channel?: 'WEB' | 'APP' | 'STORE';
}

export type ConsentChannel = 'EMAIL' | 'SMS' | 'PHONE' | 'POST';

export interface ConsentRecord {
  member_id: string;
  channel: ConsentChannel;
  purpose: 'MARKETING';
  status: 'OPT_IN' | 'OPT_OUT' | 'PENDING';
  captured_at: Iso;
  /** Where it was captured: "WEB", "APP", "CALLCENTER" or "STORE:<store code>". */
  source: string;
}

export interface MemberOffer {
  offer_id: string;
  title: string;
  description: string;
  kind: 'PERCENT' | 'AMOUNT' | 'POINTS_MULTIPLIER';
  /** Decimal string: "15" percent, "10.00" euros, or "2" for double points. */
  value: string;
  valid_from: Iso;
  valid_to: Iso;
  min_tier: LoyaltyTier;
  /** Personalised offer for one member, or null for every member of the tier. */
  member_id: string | null;
  /** Catalogue references the offer applies to; empty for the whole basket. */
  product_refs: string[];
  /**
   * The programme sends the offer as a marketing message: it is only for members who accept
   * marketing.
   */
  marketing: boolean;
}

// ---------------------------------------------------------------- franchise POS (SQL)
//
// The logical records below are what every franchise knows; each franchise stores them in
// its own SQL layout (legacy/pos): different column names, cents or decimals, and one
// franchise keeps customers in a phone-only table that receipts reference by id.

export type FranchiseCode = 'NRD' | 'SUD' | 'OUE';

export interface Franchise {
  code: FranchiseCode;
  name: string;
  /** The PostgreSQL schema that holds this franchisee's database. */
  schema: string;
}

export interface Store {
  /** e.g. "NRD01". */
  code: string;
  franchise: FranchiseCode;
  name: string;
  city: string;
  postcode: string;
  country: string;
  click_and_collect: boolean;
  latitude: number;
  longitude: number;
}

export interface Seller {
  code: string;
  store_code: string;
  name: string;
}

/** The franchise OUE till asks for a phone number and files it in a customer table. */
export interface PosClient {
  franchise: FranchiseCode;
  client_id: number;
  /** As keyed at the till. */
  phone: string;
  /** Surname as keyed at the till, upper-case, sometimes blank. */
  name: string | null;
}

export interface PosReceiptLine {
  line_no: number;
  /** Null for items the franchise sells under a local code only. */
  ean: string | null;
  local_code: string | null;
  label: string;
  quantity: number;
  unit_price_cents: number;
  discount_cents: number;
}

export interface PosReceipt {
  franchise: FranchiseCode;
  /** Unique within the franchise, e.g. "NRD01-0004711". */
  receipt_no: string;
  store_code: string;
  seller_code: string;
  sold_at: Iso;
  /** Loyalty card scanned at the till. */
  card_number: string | null;
  /** Phone keyed at the till when no card was shown (NRD and SUD store it on the receipt). */
  phone: string | null;
  /** For OUE: the customer-table id the phone was filed under. */
  client_id: number | null;
  currency: string;
  total_cents: number;
  lines: PosReceiptLine[];
}

export interface PosReturnLine {
  ean: string | null;
  local_code: string | null;
  quantity: number;
  refund_cents: number;
  restock: boolean;
}

export interface PosReturn {
  franchise: FranchiseCode;
  return_no: string;
  store_code: string;
  seller_code: string;
  returned_at: Iso;
  /** The store receipt being returned, when bought in store. */
  receipt_no: string | null;
  /** The web order being returned in store. */
  web_order_number: string | null;
  card_number: string | null;
  refund_total_cents: number;
  lines: PosReturnLine[];
}

export interface PosQuoteLine {
  ean: string | null;
  local_code: string | null;
  quantity: number;
  unit_price_cents: number;
}

export interface PosQuote {
  franchise: FranchiseCode;
  /** e.g. "Q-NRD01-000042". */
  quote_no: string;
  store_code: string;
  seller_code: string;
  created_at: Iso;
  valid_until: Iso;
  status: 'OPEN' | 'CONVERTED_IN_STORE' | 'CONVERTED_ONLINE' | 'EXPIRED';
  /**
   * The web order that finished the quote, as the till recorded it: set on a quote
   * CONVERTED_ONLINE whose order the web shop holds (the order's `quote_number` names the
   * quote), null otherwise. Estates generated before the tills kept it lack the field.
   */
  web_order_number: string | null;
  card_number: string | null;
  phone: string | null;
  lines: PosQuoteLine[];
}

export interface PosStock {
  store_code: string;
  ean: string | null;
  local_code: string | null;
  quantity: number;
  updated_at: Iso;
}

export interface PosPrice {
  store_code: string;
  ean: string | null;
  local_code: string | null;
  price_cents: number;
  valid_from: Iso;
  /** Null: until further notice. */
  valid_to: Iso | null;
}

export interface PosPromotion {
  franchise: FranchiseCode;
  promo_id: string;
  /** Null: every store of the franchise. */
  store_code: string | null;
  label: string;
  kind: 'PERCENT' | 'AMOUNT' | 'MULTIBUY';
  /** PERCENT: whole percent; AMOUNT: cents off; MULTIBUY: items to buy for one free. */
  value: number;
  eans: string[];
  starts_at: Iso;
  ends_at: Iso;
}

/**
 * The answer to the survey a franchise texts after a visit (to the phone keyed at the till),
 * on that franchise's own scale: NRD and OUE ask for 1 to 5, SUD for a 0 to 10 score
 * (NPS-style). OUE files it with the client the receipt was filed under.
 */
export interface PosVisitRating {
  franchise: FranchiseCode;
  receipt_no: string;
  store_code: string;
  answered_at: Iso;
  /** 1–5 (NRD, OUE) or 0–10 (SUD). */
  score: number;
  comment: string | null;
  /** OUE: the `clients` row of the receipt; null elsewhere. */
  client_id: number | null;
}

// ---------------------------------------------------------------- catalogue (PIM, REST/JSON)

export type AliasType = 'WEB_SKU' | 'SUPPLIER_REF' | 'POS_CODE' | 'OLD_REF';

export interface CatalogueAlias {
  type: AliasType;
  value: string;
  /** For POS codes: the franchise that uses it. */
  franchise: FranchiseCode | null;
}

export interface CatalogueProduct {
  /** Catalogue reference as printed in the paper catalogue: "702.611.50". */
  ref: string;
  ean: string | null;
  name: { fr: string; en: string };
  description: { fr: string; en: string };
  brand: string;
  /** Path, most general first: ["Chaussures", "Running"]. */
  category: string[];
  /** Recommended retail price, decimal string; null when the PIM has no list price for the product. */
  list_price: { amount: string; currency: string } | null;
  status: 'ACTIVE' | 'DISCONTINUED';
  color: string | null;
  sizes: string[];
  aliases: CatalogueAlias[];
  updated_at: Iso;
}

export interface CatalogueCampaign {
  id: string;
  name: { fr: string; en: string };
  starts_at: Iso;
  ends_at: Iso;
  /** FIXED_PRICE: the item sells at `value`. */
  kind: 'PERCENT' | 'AMOUNT' | 'FIXED_PRICE';
  /** Decimal string: percent ("15"), amount off ("10.00") or the fixed price ("19.99"). */
  value: string;
  channels: ('WEB' | 'STORE')[];
  product_refs: string[];
  /** Category paths joined with " > "; a product in any of them is in the campaign. */
  categories: string[];
}

// ---------------------------------------------------------------- the estate

export interface EcommerceData {
  customers: EcomCustomer[];
  addresses: EcomAddress[];
  orders: EcomOrder[];
  products: EcomProduct[];
  cartRules: EcomCartRule[];
  /** Absent or empty for an estate written before the platform's reviews were generated. */
  reviews?: EcomReview[];
  /** Absent or empty for an estate written before the helpdesk's tickets were generated. */
  serviceContacts?: EcomServiceContact[];
}

export interface LoyaltyData {
  members: LoyaltyMember[];
  cards: LoyaltyCard[];
  movements: PointsMovement[];
  consents: ConsentRecord[];
  offers: MemberOffer[];
}

export interface PosData {
  franchises: Franchise[];
  stores: Store[];
  sellers: Seller[];
  clients: PosClient[];
  receipts: PosReceipt[];
  returns: PosReturn[];
  quotes: PosQuote[];
  stock: PosStock[];
  prices: PosPrice[];
  promotions: PosPromotion[];
  /** Post-visit survey answers; absent or empty for an estate written before they were generated. */
  ratings?: PosVisitRating[];
}

export interface CatalogueData {
  products: CatalogueProduct[];
  campaigns: CatalogueCampaign[];
}

/**
 * The national do-not-call list (Bloctel in France) as it came back for the retailer's
 * numbers: not a system of the retailer's, a file it receives and imports into the crosswalk.
 */
export interface OppositionData {
  /**
   * `opposition/bloctel.txt`: the header line `numero`, then one number a line, mostly
   * national (`0612345678`), some spaced (`06 12 34 56 78`), some international
   * (`+33612345678`). Empty for an estate written before the generator made the list.
   */
  bloctel: string;
}

export interface Estate {
  ecommerce: EcommerceData;
  loyalty: LoyaltyData;
  pos: PosData;
  catalogue: CatalogueData;
  opposition: OppositionData;
}

// ---------------------------------------------------------------- ground truth
//
// Written apart from the estate; read by tests and benchmarks only, never by a resolver.

export type LocalRecord =
  | { system: 'ecommerce'; id: number }
  | { system: 'loyalty'; id: string }
  | { system: 'pos'; franchise: FranchiseCode; clientId: number }
  /** A phone keyed at an NRD or SUD till, with no customer table behind it. */
  | { system: 'pos-phone'; franchise: FranchiseCode; phone: string };

export interface PersonTruth {
  personId: string;
  householdId: string;
  records: LocalRecord[];
  /** Store receipts this person made (card or phone given at the till). */
  receipts: { franchise: FranchiseCode; receiptNo: string }[];
}

export interface ProductTruth {
  productId: string;
  /** Null for a franchise-only product the catalogue does not know. */
  catalogueRef: string | null;
  ean: string | null;
  webSku: string | null;
  supplierRef: string | null;
  posCodes: { franchise: FranchiseCode; code: string }[];
}

/** Why a place's effective price deviates from the product's reference price (docs/pricing.md). */
export type PriceIncoherenceCause =
  | 'MISSING_PRICE'
  | 'STORE_PRICE_ABOVE_LIST'
  | 'STORE_PRICE_BELOW_LIST'
  | 'WEB_PRICE_ABOVE_LIST'
  | 'WEB_PRICE_BELOW_LIST'
  | 'STORE_PROMOTION'
  | 'WEB_ONLY_PROMOTION'
  | 'STORE_ONLY_PROMOTION';

export const PRICE_INCOHERENCE_CAUSES: readonly PriceIncoherenceCause[] = [
  'MISSING_PRICE',
  'STORE_PRICE_ABOVE_LIST',
  'STORE_PRICE_BELOW_LIST',
  'WEB_PRICE_ABOVE_LIST',
  'WEB_PRICE_BELOW_LIST',
  'STORE_PROMOTION',
  'WEB_ONLY_PROMOTION',
  'STORE_ONLY_PROMOTION',
];

/** One place of a product whose effective price deviates from the product's reference. */
export interface PriceIncoherenceTruth {
  /** `ProductTruth.productId`. */
  productId: string;
  /** 'WEB' or a store code. */
  place: string;
  /** Each once, sorted in code-unit order (`[...causes].sort()`): WEB_ONLY_PROMOTION before WEB_PRICE_BELOW_LIST. */
  causes: PriceIncoherenceCause[];
}

/**
 * Every (product, place) whose effective price at `asOf` (anonymous shopper, one item, no
 * coupon) deviates from the product's reference price, with the causes the generator planted
 * there. Each deviation is at least 3 % of the reference; every other place asks exactly
 * the reference. Sorted by productId, then place.
 */
export interface PriceTruth {
  asOf: string;
  incoherences: PriceIncoherenceTruth[];
}

/** The numbers on the do-not-call list (`ground-truth/opposition.json`). */
export interface OppositionTruth {
  /** E.164, in code-unit order; empty for an estate written before the generator made the list. */
  phones: string[];
}

export interface GroundTruth {
  seed: string;
  scale: string;
  persons: PersonTruth[];
  products: ProductTruth[];
  prices: PriceTruth;
  opposition: OppositionTruth;
}
