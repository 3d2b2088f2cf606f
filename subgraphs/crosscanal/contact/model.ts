/**
 * One contact choice per customer, channel and purpose: the rules, without any I/O.
 *
 * Every system that records a choice is heard (the programme's consents, the web shop's
 * newsletter flag, the crosswalk's own decisions); per channel and purpose the most recent
 * dated decision wins, whoever recorded it, and the others are shown beside it when they say
 * something else. docs/contact.md tells the rules and why.
 */

export const CONTACT_CHANNELS = ['EMAIL', 'SMS', 'PHONE', 'POST', 'PUSH'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];
export const CONTACT_PURPOSES = ['MARKETING', 'SERVICE', 'PARTNERS'] as const;
export type ContactPurpose = (typeof CONTACT_PURPOSES)[number];
export type ConsentStatus = 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'PENDING';
export type DecisionSystem = 'CROSSCANAL' | 'LOYALTY' | 'ECOMMERCE';

export type PlaceKind = 'WEB' | 'APP' | 'CALLCENTER' | 'STORE';
export interface ContactPlace {
  kind: PlaceKind;
  storeCode: string | null;
}

/** One decision a system holds for a channel and purpose. */
export interface ContactDecision {
  system: DecisionSystem;
  /** The record it is held on (member id, web account id); null for the crosswalk's own. */
  localId: string | null;
  channel: ContactChannel;
  purpose: ContactPurpose;
  status: ConsentStatus;
  /** Null when the system keeps no date (a choice never made, in effect). */
  capturedAt: string | null;
  place: ContactPlace | null;
  /** As the system wrote where it was given. */
  source: string | null;
  /**
   * The instant it ranks at, when not `capturedAt`: a system that stamps a copy of the
   * crosswalk's decision with its own clock (the web shop) holds that decision, not a later one.
   */
  rankAt?: string | null;
}

export interface ContactPreference {
  channel: ContactChannel;
  purpose: ContactPurpose;
  /** The winning decision; null when no system holds one. */
  current: ContactDecision | null;
  /** Every decision held, most recent first. */
  decisions: ContactDecision[];
  /** Some system holds a status other than the winning one. */
  conflict: boolean;
}

const PLACE = /^(WEB|APP|CALLCENTER|STORE:([A-Z0-9]{2,12}))$/;

/** Reads a place as the systems write it (`WEB`, `APP`, `CALLCENTER`, `STORE:NRD01`); null when it is not one. */
export function parsePlace(raw: string | null | undefined): ContactPlace | null {
  if (!raw) return null;
  const match = PLACE.exec(raw.trim().toUpperCase());
  if (!match) return null;
  return match[2] ? { kind: 'STORE', storeCode: match[2] } : { kind: match[1] as PlaceKind, storeCode: null };
}

export function formatPlace(place: ContactPlace): string {
  return place.kind === 'STORE' ? `STORE:${place.storeCode}` : place.kind;
}

const at = (decision: ContactDecision): number => {
  const instant = decision.rankAt ?? decision.capturedAt;
  return instant === null ? -Infinity : Date.parse(instant);
};

/**
 * Orders decisions most recent first. At the same instant the crosswalk's own decision comes
 * first (it was given through the graph and copied to the others), then an unsubscription
 * before anything else: when two systems disagree at the same instant, the safer choice wins.
 */
export function byRecency(a: ContactDecision, b: ContactDecision): number {
  const rank = (d: ContactDecision) => (d.system === 'CROSSCANAL' ? 0 : 1);
  const safety = (d: ContactDecision) => (d.status === 'UNSUBSCRIBED' ? 0 : d.status === 'PENDING' ? 1 : 2);
  return at(b) - at(a) || rank(a) - rank(b) || safety(a) - safety(b) || (a.localId ?? '').localeCompare(b.localId ?? '');
}

/** Every channel and purpose, with the decisions held for each and the winner. */
export function resolvePreferences(decisions: readonly ContactDecision[]): ContactPreference[] {
  const out: ContactPreference[] = [];
  for (const channel of CONTACT_CHANNELS) {
    for (const purpose of CONTACT_PURPOSES) {
      const held = decisions.filter((d) => d.channel === channel && d.purpose === purpose && d.capturedAt !== null).sort(byRecency);
      const current = held[0] ?? null;
      out.push({ channel, purpose, current, decisions: held, conflict: current !== null && held.some((d) => d.status !== current.status) });
    }
  }
  return out;
}

export type ContactabilityReason =
  | 'CONSENTED'
  | 'REFUSED'
  | 'NO_DECISION'
  | 'PENDING_CONFIRMATION'
  | 'NO_CONTACT_POINT'
  | 'ON_OPPOSITION_LIST'
  | 'SERVICE_MESSAGE';

export interface Contactability {
  contactable: boolean;
  reason: ContactabilityReason;
  /** The decision the answer rests on, when one does. */
  decision: ContactDecision | null;
}

/** What the customer can be reached at, per channel (push: the app knows its devices). */
export interface ContactPoints {
  email: boolean;
  mobile: boolean;
  phone: boolean;
  post: boolean;
  /** Some phone number of theirs is on the national do-not-call list. */
  opposedPhone: boolean;
}

function hasPoint(channel: ContactChannel, points: ContactPoints): boolean {
  switch (channel) {
    case 'EMAIL':
      return points.email;
    case 'SMS':
      return points.mobile;
    case 'PHONE':
      return points.phone;
    case 'POST':
      return points.post;
    case 'PUSH':
      return true;
  }
}

/**
 * May the customer be contacted on this channel for this purpose?
 * - Marketing and partners' offers need a current SUBSCRIBED decision (an opt-in, as French
 *   law asks for e-mail and SMS; applied to every channel, the stricter reading): none is
 *   NO_DECISION, a programme's unconfirmed one PENDING_CONFIRMATION, a refusal REFUSED.
 * - Service messages (an order ready, a delivery) need no opt-in, only no refusal.
 * - A phone call for marketing or partners never goes to a number on the do-not-call list,
 *   whatever was consented: the list wins (the law's exception for a current contract is left
 *   to people, who know the contract; the graph does not guess it).
 * - Without a contact point on the channel, no.
 */
export function contactability(preference: ContactPreference, points: ContactPoints): Contactability {
  const decision = preference.current;
  if (!hasPoint(preference.channel, points)) return { contactable: false, reason: 'NO_CONTACT_POINT', decision };
  if (decision?.status === 'UNSUBSCRIBED') return { contactable: false, reason: 'REFUSED', decision };
  if (preference.purpose === 'SERVICE') return { contactable: true, reason: decision?.status === 'SUBSCRIBED' ? 'CONSENTED' : 'SERVICE_MESSAGE', decision };
  if (preference.channel === 'PHONE' && points.opposedPhone) return { contactable: false, reason: 'ON_OPPOSITION_LIST', decision };
  if (decision === null) return { contactable: false, reason: 'NO_DECISION', decision };
  if (decision.status === 'PENDING') return { contactable: false, reason: 'PENDING_CONFIRMATION', decision };
  return { contactable: true, reason: 'CONSENTED', decision };
}

/** The systems that keep a copy of a channel and purpose: the programme for marketing on its four channels, the web shop for the e-mail newsletter. */
export function copiesKeptBy(channel: ContactChannel, purpose: ContactPurpose): DecisionSystem[] {
  if (purpose !== 'MARKETING') return [];
  const systems: DecisionSystem[] = [];
  if (channel !== 'PUSH') systems.push('LOYALTY');
  if (channel === 'EMAIL') systems.push('ECOMMERCE');
  return systems;
}

/** A French mobile number in E.164 (06 and 07): the one an SMS reaches. */
export function isMobile(e164: string): boolean {
  return /^\+33[67]\d{8}$/.test(e164);
}
