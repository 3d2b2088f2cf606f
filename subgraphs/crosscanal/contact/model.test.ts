import { describe, expect, test } from '@jest/globals';
import { heldLater, isOwnStamp } from './copies.js';
import { contactability, copiesKeptBy, parsePlace, resolvePreferences, type ContactDecision, type ContactPoints } from './model.js';

const decision = (over: Partial<ContactDecision>): ContactDecision => ({
  system: 'LOYALTY',
  localId: 'M1',
  channel: 'EMAIL',
  purpose: 'MARKETING',
  status: 'SUBSCRIBED',
  capturedAt: '2026-01-01T00:00:00.000Z',
  place: null,
  source: null,
  ...over,
});
const everywhere: ContactPoints = { email: true, mobile: true, phone: true, post: true, opposedPhone: false };
const email = (decisions: ContactDecision[]) => resolvePreferences(decisions).find((p) => p.channel === 'EMAIL' && p.purpose === 'MARKETING')!;

describe('one answer per channel and purpose', () => {
  test('covers every channel and purpose; the most recent dated decision wins and a disagreement is a conflict', () => {
    const all = resolvePreferences([]);
    expect(all).toHaveLength(15);
    expect(all.every((p) => p.current === null && !p.conflict)).toBe(true);
    const preference = email([
      decision({ status: 'SUBSCRIBED', capturedAt: '2026-01-01T00:00:00.000Z' }),
      decision({ system: 'ECOMMERCE', localId: '7', status: 'UNSUBSCRIBED', capturedAt: '2026-02-01T00:00:00.000Z' }),
      decision({ system: 'ECOMMERCE', localId: '8', status: 'SUBSCRIBED', capturedAt: null }),
    ]);
    expect(preference.current).toMatchObject({ system: 'ECOMMERCE', status: 'UNSUBSCRIBED' });
    // An undated flag is no decision at all.
    expect(preference.decisions).toHaveLength(2);
    expect(preference.conflict).toBe(true);
  });

  test("at the same instant the crosswalk's decision comes first, then the safer status", () => {
    const at = '2026-03-01T10:00:00.000Z';
    expect(email([decision({ capturedAt: at }), decision({ system: 'CROSSCANAL', localId: null, status: 'UNSUBSCRIBED', capturedAt: at })]).current?.system).toBe('CROSSCANAL');
    expect(email([decision({ localId: 'M1', capturedAt: at }), decision({ localId: 'M2', status: 'UNSUBSCRIBED', capturedAt: at })]).current?.status).toBe('UNSUBSCRIBED');
  });

  test('a copy stamped later by its system ranks at the decision it copies', () => {
    const ours = decision({ system: 'CROSSCANAL', localId: null, status: 'SUBSCRIBED', capturedAt: '2026-03-01T10:00:00.000Z' });
    const copy = decision({ system: 'ECOMMERCE', localId: '7', status: 'SUBSCRIBED', capturedAt: '2026-03-01T10:05:00.000Z', rankAt: ours.capturedAt });
    expect(email([copy, ours]).current?.system).toBe('CROSSCANAL');
  });
});

describe('contactable', () => {
  test('marketing needs a current opt-in; service messages only no refusal', () => {
    const none = email([]);
    expect(contactability(none, everywhere)).toMatchObject({ contactable: false, reason: 'NO_DECISION' });
    expect(contactability(email([decision({ status: 'PENDING' })]), everywhere)).toMatchObject({ contactable: false, reason: 'PENDING_CONFIRMATION' });
    expect(contactability(email([decision({ status: 'UNSUBSCRIBED' })]), everywhere)).toMatchObject({ contactable: false, reason: 'REFUSED' });
    expect(contactability(email([decision({})]), everywhere)).toMatchObject({ contactable: true, reason: 'CONSENTED' });
    const service = resolvePreferences([]).find((p) => p.channel === 'EMAIL' && p.purpose === 'SERVICE')!;
    expect(contactability(service, everywhere)).toMatchObject({ contactable: true, reason: 'SERVICE_MESSAGE' });
    const refusedService = resolvePreferences([decision({ purpose: 'SERVICE', status: 'UNSUBSCRIBED' })]).find((p) => p.channel === 'EMAIL' && p.purpose === 'SERVICE')!;
    expect(contactability(refusedService, everywhere)).toMatchObject({ contactable: false, reason: 'REFUSED' });
  });

  test('no address, no contact; the do-not-call list stops marketing calls whatever was consented, not service calls', () => {
    expect(contactability(email([decision({})]), { ...everywhere, email: false })).toMatchObject({ contactable: false, reason: 'NO_CONTACT_POINT' });
    const phone = (purpose: 'MARKETING' | 'SERVICE' | 'PARTNERS') => resolvePreferences([decision({ channel: 'PHONE', purpose })]).find((p) => p.channel === 'PHONE' && p.purpose === purpose)!;
    const opposed = { ...everywhere, opposedPhone: true };
    expect(contactability(phone('MARKETING'), opposed)).toMatchObject({ contactable: false, reason: 'ON_OPPOSITION_LIST' });
    expect(contactability(phone('PARTNERS'), opposed)).toMatchObject({ contactable: false, reason: 'ON_OPPOSITION_LIST' });
    expect(contactability(phone('SERVICE'), opposed)).toMatchObject({ contactable: true });
    // The list is about calls: a text to the same number is a matter of consent.
    const sms = resolvePreferences([decision({ channel: 'SMS' })]).find((p) => p.channel === 'SMS' && p.purpose === 'MARKETING')!;
    expect(contactability(sms, opposed)).toMatchObject({ contactable: true });
    // Push needs no address the crosswalk holds: the app knows its devices.
    const push = resolvePreferences([decision({ channel: 'PUSH', system: 'CROSSCANAL', localId: null })]).find((p) => p.channel === 'PUSH' && p.purpose === 'MARKETING')!;
    expect(contactability(push, { email: false, mobile: false, phone: false, post: false, opposedPhone: false })).toMatchObject({ contactable: true });
  });
});

describe('places and copies', () => {
  test('reads the places the systems write, and nothing else', () => {
    expect(parsePlace('STORE:NRD01')).toEqual({ kind: 'STORE', storeCode: 'NRD01' });
    expect(parsePlace(' web ')).toEqual({ kind: 'WEB', storeCode: null });
    expect(parsePlace('CALLCENTER')).toEqual({ kind: 'CALLCENTER', storeCode: null });
    for (const bad of ['', 'STORE:', 'STORE:nrd 01', 'the shop', 'STORE:NRD01;DROP']) expect(parsePlace(bad)).toBeNull();
  });

  test('the programme keeps marketing on its four channels, the web shop the e-mail newsletter; nobody else a copy', () => {
    expect(copiesKeptBy('EMAIL', 'MARKETING')).toEqual(['LOYALTY', 'ECOMMERCE']);
    expect(copiesKeptBy('SMS', 'MARKETING')).toEqual(['LOYALTY']);
    expect(copiesKeptBy('PUSH', 'MARKETING')).toEqual([]);
    expect(copiesKeptBy('EMAIL', 'SERVICE')).toEqual([]);
    expect(copiesKeptBy('EMAIL', 'PARTNERS')).toEqual([]);
  });
});

describe("the web shop's own later choice, told from our own write", () => {
  const decision = { capturedAt: '2026-03-01T10:00:00.000Z' };
  const account = (optIn: boolean, at: string | null) => ({ newsletter_opt_in: optIn, newsletter_opt_in_at: at });
  const never = { lastSent: { SUBSCRIBED: null, UNSUBSCRIBED: null } };
  const lands = 65_000;
  test("a change stamped after the decision that is not our write is the customer's", () => {
    expect(heldLater(account(true, '2026-03-01T11:00:00.000Z'), decision, never, lands)).toBe(true);
    expect(heldLater(account(true, '2026-03-01T09:00:00.000Z'), decision, never, lands)).toBe(false);
    expect(heldLater(account(true, null), decision, never, lands)).toBe(false);
  });

  test('our write, its answer lost, is ours: the same status, stamped once it was sent', () => {
    const sent = { lastSent: { SUBSCRIBED: '2026-03-01T11:00:00.000Z', UNSUBSCRIBED: null } };
    expect(isOwnStamp(account(true, '2026-03-01T11:00:00.200Z'), sent, lands)).toBe(true);
    expect(heldLater(account(true, '2026-03-01T11:00:00.200Z'), decision, sent, lands)).toBe(false);
    // The clocks may differ by a few seconds either way.
    expect(isOwnStamp(account(true, '2026-03-01T10:59:56.000Z'), sent, lands)).toBe(true);
    // Another status, a stamp from before our write, or one long after it (the customer's own) is not ours.
    expect(heldLater(account(false, '2026-03-01T11:00:00.200Z'), decision, sent, lands)).toBe(true);
    expect(isOwnStamp(account(true, '2026-03-01T10:30:00.000Z'), sent, lands)).toBe(false);
    expect(isOwnStamp(account(true, '2026-03-01T11:30:00.000Z'), sent, lands)).toBe(false);
    expect(heldLater(account(true, '2026-03-01T11:30:00.000Z'), decision, sent, lands)).toBe(true);
  });

  test('a send that landed, answer lost, stays ours after a later send of the other status failed before landing', () => {
    // Subscribed sent at 11:00:00 (landed, stamped 11:00:00.3), then unsubscribed sent at 11:00:04 (never landed).
    const sent = { lastSent: { SUBSCRIBED: '2026-03-01T11:00:00.000Z', UNSUBSCRIBED: '2026-03-01T11:00:04.000Z' } };
    const later = { capturedAt: '2026-03-01T11:00:00.100Z' };
    expect(heldLater(account(true, '2026-03-01T11:00:00.300Z'), later, sent, lands)).toBe(false);
  });
});
