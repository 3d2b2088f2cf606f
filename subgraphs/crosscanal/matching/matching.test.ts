import { planLinks, type CustomerLink } from './plan.js';
import { recordId, type SourceRecord } from './records.js';
import { resolveRecords, type Resolution } from './resolve.js';
import { BLANK_RECORD, loyaltyMember as member, tillClient as client, tillPhone, webAccount as web } from '../../../test/support/sourceRecords.js';

const card = (number: string): SourceRecord => ({ ...BLANK_RECORD, system: 'POS', localId: `card:${number}`, franchise: null });

/** The resolution's customers as sets of local ids, for readable assertions. */
const customersOf = (resolution: Resolution) =>
  resolution.components.map((component) => component.map((id) => id.slice(id.lastIndexOf('|') + 1)).sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));

const LANDLINE = '+33320304050';
const MOBILE_A = '+33611111111';
const MOBILE_B = '+33622222222';

describe('resolveRecords', () => {
  test('joins a web account and a member on the normalised email when first names agree, accents and case aside', () => {
    const resolution = resolveRecords([
      web(10001, { email: ' Elodie.Martin@Orange.FR', firstName: 'Elodie', lastName: 'Martin' }),
      member('M1', { email: 'elodie.martin@orange.fr', firstName: 'Élodie', lastName: 'MARTIN' }),
    ]);
    expect(customersOf(resolution)).toEqual([['10001', 'M1']]);
    expect(resolution.edges).toEqual([
      {
        a: 'ECOMMERCE||10001',
        b: 'LOYALTY||M1',
        rule: 'EMAIL',
        evidence: [
          { field: 'EMAIL', value: 'elodie.martin@orange.fr' },
          { field: 'FIRST_NAME', value: 'elodie' },
        ],
      },
    ]);
  });

  test('a shared email alone does not merge two people: different first names stay apart as a candidate', () => {
    const resolution = resolveRecords([
      web(10001, { email: 'famille.roux@free.fr', firstName: 'Paul', lastName: 'Roux' }),
      member('M1', { email: 'famille.roux@free.fr', firstName: 'Claire', lastName: 'Roux' }),
    ]);
    expect(customersOf(resolution)).toEqual([['10001'], ['M1']]);
    expect(resolution.candidates).toEqual([
      { a: 'ECOMMERCE||10001', b: 'LOYALTY||M1', rule: 'EMAIL', reason: 'FIRST_NAME_DIFFERS', evidence: [{ field: 'EMAIL', value: 'famille.roux@free.fr' }] },
    ]);
  });

  test('the family landline never merges: not members of a household, not even namesakes (a father and his son)', () => {
    const resolution = resolveRecords([
      web(10001, { phone: LANDLINE, firstName: 'Julien', lastName: 'Dufour', email: 'julien.dufour@outlook.fr' }),
      member('M1', { phone: LANDLINE, firstName: 'Julien', lastName: 'Dufour', email: 'j.dufour@hotmail.fr' }),
      member('M2', { phone: LANDLINE, firstName: 'Léa', lastName: 'Dufour' }),
      tillPhone('NRD', LANDLINE),
    ]);
    expect(customersOf(resolution)).toEqual([['10001'], ['M1'], ['M2'], ['phone:+33320304050']]);
    const reasons = resolution.candidates.map((c) => `${c.a}~${c.b}:${c.reason}`).sort();
    expect(reasons).toEqual(
      [
        'ECOMMERCE||10001~LOYALTY||M1:SHARED_LINE',
        'ECOMMERCE||10001~LOYALTY||M2:NAME_DIFFERS',
        'LOYALTY||M1~LOYALTY||M2:NAME_DIFFERS',
        // The till's record of the landline is a candidate of each customer holding it.
        'ECOMMERCE||10001~POS|NRD|phone:+33320304050:SHARED_LINE',
        'LOYALTY||M1~POS|NRD|phone:+33320304050:SHARED_LINE',
        'LOYALTY||M2~POS|NRD|phone:+33320304050:SHARED_LINE',
      ].sort(),
    );
  });

  test('a mobile number with both names agreeing joins two accounts that share no email', () => {
    const resolution = resolveRecords([
      web(10001, { phone: MOBILE_A, firstName: 'Hugo', lastName: 'Petit', email: 'hugo.petit@gmail.com' }),
      web(10002, { phone: MOBILE_A, firstName: 'Hugo', lastName: 'PETIT', email: 'hugopetit77@sfr.fr' }),
      web(10003, { phone: MOBILE_B, firstName: 'Hugo', lastName: 'Moreau', email: 'hugo.moreau@sfr.fr' }),
      member('M1', { phone: MOBILE_B, firstName: 'Zoé', lastName: 'Moreau' }),
    ]);
    expect(customersOf(resolution)).toEqual([['10001', '10002'], ['10003'], ['M1']]);
    expect(resolution.edges.map((e) => e.rule)).toEqual(['PHONE_NAME']);
  });

  test('a card seen at a till joins the member holding it, whatever the card status', () => {
    const resolution = resolveRecords([
      member('M1', { cards: [{ number: '2900001234565', status: 'REPLACED' }, { number: '2900009876543', status: 'ACTIVE' }] }),
      card('2900001234565'),
      card('2900009876543'),
      card('2900005555555'),
    ]);
    expect(customersOf(resolution)).toEqual([['M1', 'card:2900001234565', 'card:2900009876543'], ['card:2900005555555']]);
  });

  test('a phone keyed at a till joins the one customer holding that mobile; surnames from the OUE client table must agree', () => {
    const resolution = resolveRecords([
      member('M1', { phone: MOBILE_A, firstName: 'Anne', lastName: 'Le Gall' }),
      tillPhone('NRD', MOBILE_A),
      client(7, MOBILE_A, 'LE GALL'),
      member('M2', { phone: MOBILE_B, firstName: 'Paul', lastName: 'Roux' }),
      client(8, MOBILE_B, 'MARTIN'),
    ]);
    expect(customersOf(resolution)).toEqual([['M1', 'client:7', 'phone:+33611111111'], ['M2'], ['client:8']]);
    expect(resolution.candidates).toEqual([
      { a: 'LOYALTY||M2', b: 'POS|OUE|client:8', rule: 'MOBILE_PHONE', reason: 'SURNAME_DIFFERS', evidence: [{ field: 'PHONE', value: MOBILE_B }] },
    ]);
  });

  test('a mobile held by two customers links no till record; one held by nobody joins the tills that saw it', () => {
    const resolution = resolveRecords([
      member('M1', { phone: MOBILE_A, firstName: 'Anne', lastName: 'Roux' }),
      web(10001, { phone: MOBILE_A, firstName: 'Marc', lastName: 'Blanc' }),
      tillPhone('NRD', MOBILE_A),
      tillPhone('NRD', MOBILE_B),
      tillPhone('SUD', MOBILE_B),
      client(3, MOBILE_B, null),
    ]);
    expect(customersOf(resolution)).toEqual([['10001'], ['M1'], ['client:3', 'phone:+33622222222', 'phone:+33622222222'], ['phone:+33611111111']]);
    expect(resolution.candidates.filter((c) => c.reason === 'SEVERAL_HOLDERS')).toHaveLength(2);
  });

  test("a member's second phone is compared like its first: the mobile beside the family landline links, the landline still does not", () => {
    const resolution = resolveRecords([
      member('M1', { firstName: 'Paul', lastName: 'Roux', phone: LANDLINE, secondPhone: MOBILE_A }),
      member('M2', { firstName: 'Claire', lastName: 'Roux', phone: LANDLINE, secondPhone: MOBILE_B }),
      web(10001, { firstName: 'Paul', lastName: 'Roux', phone: MOBILE_A }),
      tillPhone('NRD', MOBILE_B),
      tillPhone('NRD', LANDLINE),
    ]);
    expect(customersOf(resolution)).toEqual([['10001', 'M1'], ['M2', 'phone:+33622222222'], ['phone:+33320304050']]);
    expect(resolution.edges.map((e) => [e.a, e.b, e.rule])).toEqual([
      ['ECOMMERCE||10001', 'LOYALTY||M1', 'PHONE_NAME'],
      ['LOYALTY||M2', 'POS|NRD|phone:+33622222222', 'MOBILE_PHONE'],
    ]);
    // The landline's till record stays apart, a candidate of each household member.
    expect(resolution.candidates.filter((c) => c.b === 'POS|NRD|phone:+33320304050').map((c) => [c.a, c.reason])).toEqual([
      ['LOYALTY||M1', 'SHARED_LINE'],
      ['LOYALTY||M2', 'SHARED_LINE'],
    ]);
  });

  test('gives the same customers whatever the order of the records', () => {
    const records = [
      web(10001, { email: 'a@x.fr', firstName: 'Ana', lastName: 'B', phone: MOBILE_A }),
      member('M1', { email: 'A@x.fr', firstName: 'Ana', lastName: 'B', cards: [{ number: '2900001234565', status: 'ACTIVE' }] }),
      card('2900001234565'),
      tillPhone('SUD', MOBILE_A),
      web(10002, { phone: LANDLINE, firstName: 'Luc', lastName: 'B' }),
    ];
    const forward = resolveRecords(records);
    const backward = resolveRecords([...records].reverse());
    expect(customersOf(backward)).toEqual(customersOf(forward));
    expect(backward.edges).toEqual(forward.edges);
  });

  test('a value carried by more records than maxGroup is no evidence (a shop number keyed for everyone)', () => {
    const records = Array.from({ length: 4 }, (_, i) => web(10001 + i, { phone: MOBILE_A, firstName: 'Jean', lastName: 'Roy' }));
    const resolution = resolveRecords(records, { maxGroup: 3 });
    expect(resolution.components).toHaveLength(4);
    expect(resolution.skippedGroups).toEqual([{ field: 'PHONE', value: MOBILE_A, records: 4 }]);
  });

  test('a part of an estate skips the groups the whole estate has over maxGroup, though it holds fewer', () => {
    const part = [
      web(10001, { phone: MOBILE_A, firstName: 'Jean', lastName: 'Roy', email: 'info@x.fr' }),
      web(10002, { phone: MOBILE_A, firstName: 'Jean', lastName: 'Roy', email: 'info@x.fr' }),
      tillPhone('SUD', MOBILE_B),
      tillPhone('NRD', MOBILE_B),
    ];
    expect(customersOf(resolveRecords(part, { maxGroup: 3 }))).toEqual([['10001', '10002'], ['phone:+33622222222', 'phone:+33622222222']]);
    const estateGroups = { emails: new Map([['info@x.fr', 5]]), phones: new Map([[MOBILE_A, 4]]), tillPhones: new Map([[MOBILE_A, 4], [MOBILE_B, 6]]) };
    const resolution = resolveRecords(part, { maxGroup: 3, estateGroups });
    expect(resolution.components).toHaveLength(4);
    expect(resolution.skippedGroups).toEqual([
      { field: 'EMAIL', value: 'info@x.fr', records: 5 },
      { field: 'PHONE', value: MOBILE_A, records: 4 },
      { field: 'PHONE', value: MOBILE_B, records: 6 },
    ]);
  });
});

describe('planLinks', () => {
  const now = '2026-11-01T10:00:00.000Z';
  const later = '2026-11-02T10:00:00.000Z';
  const records = [
    web(10001, { email: 'a@x.fr', firstName: 'Ana', createdAt: '2024-01-01T00:00:00.000Z' }),
    member('M1', { email: 'a@x.fr', firstName: 'Ana', createdAt: '2023-05-01T00:00:00.000Z', cards: [{ number: '2900001234565', status: 'ACTIVE' }] }),
    card('2900001234565'),
    web(10002, { email: 'b@x.fr', firstName: 'Bob', createdAt: '2025-01-01T00:00:00.000Z' }),
  ];
  const byId = (list: SourceRecord[]) => new Map(list.map((r) => [recordId(r), r]));
  const first = planLinks(resolveRecords(records), byId(records), new Map(), { now });

  test('creates one golden id per customer, from its earliest record, each link explained by its strongest match', () => {
    expect(first.created).toHaveLength(2);
    const links = [...first.links.values()];
    const ana = first.links.get('LOYALTY||M1')!;
    expect(ana).toMatchObject({ rule: 'ORIGIN', matchedWith: null, linkedAt: now, linkedBy: 'sync' });
    expect(first.links.get('ECOMMERCE||10001')).toMatchObject({ customerId: ana.customerId, rule: 'EMAIL', matchedWith: 'LOYALTY||M1' });
    expect(first.links.get('POS||card:2900001234565')).toMatchObject({ customerId: ana.customerId, rule: 'CARD_NUMBER', matchedWith: 'LOYALTY||M1' });
    expect(first.links.get('ECOMMERCE||10002')!.customerId).not.toBe(ana.customerId);
    expect(links.every((l) => /^cus_[0-9a-z]{16}$/.test(l.customerId))).toBe(true);
    expect(first.events.map((e) => e.action)).toEqual(['LINKED', 'LINKED', 'LINKED', 'LINKED']);
  });

  test('derives golden ids from the founding record, so two builds of the same data agree', () => {
    const again = planLinks(resolveRecords([...records].reverse()), byId(records), new Map(), { now: later });
    expect([...again.links.values()].map((l) => [l.record, l.customerId]).sort()).toEqual([...first.links.values()].map((l) => [l.record, l.customerId]).sort());
  });

  test('changes nothing when re-run on the same records', () => {
    const rerun = planLinks(resolveRecords(records), byId(records), first.links, { now: later });
    expect(rerun.changed).toEqual([]);
    expect(rerun.created).toEqual([]);
    expect(rerun.merged).toEqual([]);
    expect(rerun.events).toEqual([]);
  });

  test('merges two customers when a new record bridges them: the bigger keeps its id, the other resolves to it', () => {
    const bridge = member('M2', { email: 'b@x.fr', firstName: 'Bob', createdAt: '2026-01-01T00:00:00.000Z' });
    const anaOther = web(10003, { email: 'ana.other@x.fr', firstName: 'Ana', lastName: 'B', phone: MOBILE_A, createdAt: '2026-02-01T00:00:00.000Z' });
    const bobMobile = { ...records[3]!, phone: MOBILE_A, lastName: 'B' };
    const anaWeb = { ...records[0]!, phone: MOBILE_A, lastName: 'B' };
    // 10003 shares Ana's mobile and name: Ana's customer grows. Bob's records stay apart.
    const grown = [anaWeb, records[1]!, records[2]!, bobMobile, bridge, anaOther];
    const plan = planLinks(resolveRecords(grown), byId(grown), first.links, { now: later });
    const anaId = first.links.get('LOYALTY||M1')!.customerId;
    expect(plan.links.get('ECOMMERCE||10003')).toMatchObject({ customerId: anaId, rule: 'PHONE_NAME', linkedAt: later });
    expect(plan.links.get('LOYALTY||M1')!.linkedAt).toBe(now);

    // Now Bob's web account is found to be Ana's (same email as Ana's): the two customers merge.
    const merging = [{ ...records[3]!, email: 'a@x.fr', firstName: 'Ana' }, ...records.slice(0, 3)];
    const merged = planLinks(resolveRecords(merging), byId(merging), first.links, { now: later });
    const bobId = first.links.get('ECOMMERCE||10002')!.customerId;
    expect(merged.merged).toEqual([{ from: bobId, into: anaId }]);
    expect(merged.links.get('ECOMMERCE||10002')).toMatchObject({ customerId: anaId, rule: 'EMAIL', linkedAt: later });
    expect(merged.events.map((e) => e.action).sort()).toEqual(['MERGED', 'MOVED']);
  });

  test('splits a customer when the evidence goes: the record that leaves gets a new id, the rest keep theirs', () => {
    const split = [records[0]!, { ...records[1]!, email: 'other@x.fr' }, records[2]!, records[3]!];
    const plan = planLinks(resolveRecords(split), byId(split), first.links, { now: later });
    const anaId = first.links.get('LOYALTY||M1')!.customerId;
    expect(plan.links.get('LOYALTY||M1')!.customerId).toBe(anaId);
    expect(plan.links.get('POS||card:2900001234565')!.customerId).toBe(anaId);
    const moved: CustomerLink = plan.links.get('ECOMMERCE||10001')!;
    expect(moved.customerId).not.toBe(anaId);
    expect(moved).toMatchObject({ rule: 'ORIGIN', linkedAt: later });
    expect(plan.created).toEqual([{ customerId: moved.customerId, origin: 'ECOMMERCE||10001' }]);
    expect(plan.merged).toEqual([]);
  });

  test('never reissues a golden id in use', () => {
    const taken = new Set([...first.links.values()].map((l) => l.customerId));
    const other = planLinks(resolveRecords(records), byId(records), new Map(), { now, isTaken: (id) => taken.has(id) });
    for (const link of other.links.values()) expect(taken.has(link.customerId)).toBe(false);
  });
});
