/**
 * The match rules, what each needs, and the words the graph uses for them. A pair of records
 * is the same customer when it meets ANY rule, and a rule needs ALL of its criteria; a pair
 * that meets part of a rule is kept as a candidate for a steward, never merged.
 */

/** Rules that join two records automatically. */
export type MatchRule =
  /** A card seen at a till and the loyalty member holding that card (any status): a party identifier, exact. */
  | 'CARD_NUMBER'
  /** Trimmed, lower-cased emails equal, and first names agree. */
  | 'EMAIL'
  /**
   * E.164 phones equal, first and last names agree, and the number is a mobile: a landline
   * is a household's, and namesakes (a father and his son) share it.
   */
  | 'PHONE_NAME'
  /**
   * A phone keyed at a till (no first name there) equal to a mobile number that exactly one
   * customer holds, the till's surname, when it has one, agreeing. Landlines never qualify.
   */
  | 'MOBILE_PHONE';

/** Why a record belongs to its customer. */
export type LinkRule = MatchRule | 'ORIGIN' | 'MANUAL';

/** Why a pair that looks alike was not merged. */
export type CandidateReason =
  /** Same email, different first names: a shared or family address. */
  | 'FIRST_NAME_DIFFERS'
  /** Same phone, names differ in part: a shared line. */
  | 'NAME_DIFFERS'
  /** A landline, a household's line: it does not say which member, even when names agree. */
  | 'SHARED_LINE'
  /** A mobile number held by more than one customer. */
  | 'SEVERAL_HOLDERS'
  /** The till's surname does not agree with the holder's. */
  | 'SURNAME_DIFFERS'
  /** The values agree but a record lacks the name the rule needs. */
  | 'NAME_MISSING'
  /** A card number that more than one loyalty member holds. */
  | 'CARD_SHARED';

/** A value the rule compared, normalised as compared. */
export interface Evidence {
  field: 'CARD_NUMBER' | 'EMAIL' | 'PHONE' | 'FIRST_NAME' | 'LAST_NAME';
  value: string;
}

/** Rules in the order of their strength: a link is explained by the strongest edge available. */
export const RULE_STRENGTH: readonly MatchRule[] = ['CARD_NUMBER', 'EMAIL', 'PHONE_NAME', 'MOBILE_PHONE'];
