import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCohorts, writeEstateInCohorts } from './cohorts.js';
import { readEstate, readGroundTruth, readManifest } from './files.js';
import { generateEstate, SCALES, type Generated, type ScaleSpec } from './generate.js';

/** Three cohorts of 200 people: a national estate in miniature. */
const SPEC: ScaleSpec = { people: 600, products: 120, visitsPerShopper: 3, cohortPeople: 200 };

let cohorts: Generated[];

beforeAll(() => {
  cohorts = [...generateCohorts(SPEC, { seed: 'cohorts' })];
});

test('the national scale is ten bench cohorts, with the bench habits and catalogue', () => {
  expect(SCALES.national).toEqual({ ...SCALES.bench, people: 10 * SCALES.bench.people, cohortPeople: SCALES.bench.people });
});

test('the first cohort is the estate of its size made at once; the later ones are other people', () => {
  expect(cohorts).toHaveLength(3);
  const once = generateEstate({ seed: 'cohorts', scale: { ...SPEC, people: 200 } });
  expect(cohorts[0]!.estate).toEqual(once.estate);
  expect(cohorts[0]!.truth.persons).toEqual(once.truth.persons);
  expect(cohorts[1]!.truth.persons[0]!.personId).toBe('P0000201');
  expect(cohorts[1]!.estate.ecommerce.customers.length).toBeGreaterThan(50);
  // Later cohorts leave the shared tables to the first.
  expect(cohorts[1]!.estate.pos.stores).toEqual([]);
  expect(cohorts[2]!.estate.catalogue.products).toEqual([]);
  expect(cohorts[1]!.estate.loyalty.offers.every((o) => o.member_id !== null)).toBe(true);
});

test('numbers carry on from cohort to cohort, and values stay unique across the estate', () => {
  const all = <T>(pick: (g: Generated) => T[]) => cohorts.flatMap(pick);
  const unique = <T>(values: T[]) => expect(new Set(values).size).toBe(values.length);
  unique(all((g) => g.truth.persons.map((p) => p.personId)));
  unique(all((g) => g.estate.ecommerce.customers.map((c) => c.id)));
  unique(all((g) => g.estate.ecommerce.addresses.map((a) => a.id)));
  unique(all((g) => g.estate.ecommerce.orders.map((o) => o.id)));
  unique(all((g) => g.estate.ecommerce.orders.map((o) => o.number)));
  unique(all((g) => g.estate.ecommerce.reviews!.map((r) => r.id)));
  unique(all((g) => g.estate.ecommerce.serviceContacts!.map((c) => c.ticket_number)));
  unique(all((g) => g.estate.loyalty.members.map((m) => m.member_id)));
  unique(all((g) => g.estate.loyalty.cards.map((c) => c.card_number)));
  unique(all((g) => g.estate.loyalty.movements.map((m) => m.id)));
  unique(all((g) => g.estate.pos.receipts.map((r) => r.receipt_no)));
  unique(all((g) => g.estate.pos.quotes.map((q) => q.quote_no)));
  unique(all((g) => g.estate.pos.returns.map((r) => r.return_no)));
  unique(all((g) => g.estate.pos.clients.map((c) => `${c.franchise}:${c.client_id}`)));
  // One email per person, one mobile per person, one landline per household, across the estate.
  const accounts = all((g) => g.estate.ecommerce.customers);
  const members = all((g) => g.estate.loyalty.members);
  const emailOwners = new Map<string, Set<string>>();
  const ownerOf = new Map<string, string>();
  for (const g of cohorts) {
    for (const person of g.truth.persons) {
      for (const record of person.records) {
        if (record.system === 'ecommerce') ownerOf.set(`e${record.id}`, person.personId);
        if (record.system === 'loyalty') ownerOf.set(`l${record.id}`, person.personId);
      }
    }
  }
  const own = (email: string | null, key: string) => {
    if (email === null) return;
    const normalised = email.trim().toLowerCase();
    if (!emailOwners.has(normalised)) emailOwners.set(normalised, new Set());
    emailOwners.get(normalised)!.add(ownerOf.get(key)!);
  };
  for (const account of accounts) own(account.email, `e${account.id}`);
  for (const member of members) own(member.email, `l${member.member_id}`);
  expect([...emailOwners.values()].filter((owners) => owners.size > 1)).toEqual([]);
});

test('written cohort by cohort, the folder reads back as one estate, its truth naming every record once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'crosscanal-cohorts-'));
  try {
    const manifest = await writeEstateInCohorts(join(dir, 'estate'), SPEC, { seed: 'cohorts' });
    const [estate, truth, read] = await Promise.all([readEstate(join(dir, 'estate')), readGroundTruth(join(dir, 'estate')), readManifest(join(dir, 'estate'))]);
    expect(read).toEqual(manifest);
    expect(estate.ecommerce.customers.length).toBe(cohorts.reduce((n, g) => n + g.estate.ecommerce.customers.length, 0));
    expect(estate.pos.receipts.length).toBe(manifest.counts.pos!.receipts);
    expect(manifest.stats.receiptLines).toBe(cohorts.reduce((n, g) => n + g.stats.receiptLines, 0));
    expect(manifest.stats.webSkusWithoutEan).toBe(cohorts[0]!.stats.webSkusWithoutEan);
    expect(estate.pos.stores).toEqual(cohorts[0]!.estate.pos.stores);
    expect(estate.catalogue.products).toEqual(cohorts[0]!.estate.catalogue.products);
    expect(truth.persons.length).toBe(cohorts.reduce((n, g) => n + g.truth.persons.length, 0));
    const keys = truth.persons.flatMap((p) => p.records.map((r) => JSON.stringify(r)));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.includes('"ecommerce"'))).toHaveLength(estate.ecommerce.customers.length);
    expect(keys.filter((k) => k.includes('"loyalty"'))).toHaveLength(estate.loyalty.members.length);
    expect(estate.opposition.bloctel.match(/^numero$/gm)).toHaveLength(1);
    expect(truth.opposition.phones.length).toBe(estate.opposition.bloctel.trim().split('\n').length - 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
