import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEstate, readGroundTruth } from '../legacy/generator/files.js';
import type { Estate, GroundTruth } from '../legacy/generator/model.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { measureAccuracy, truthRecordId } from '../subgraphs/crosscanal/evaluation/accuracy.js';
import { emailKey, nameKey } from '../subgraphs/crosscanal/matching/keys.js';
import { recordId, type RecordSystem } from '../subgraphs/crosscanal/matching/records.js';
import { toE164 } from '../utilities/phone.js';
import { graphql } from './graphql.js';

// Recognising one customer everywhere, asked of the gateway as a front end would ask it,
// and checked against the generator's ground truth, which only this test reads: the graph
// itself never sees it.
let dir: string;
let stack: RunningStack;
let estate: Estate;
let truth: GroundTruth;
let gateway: string;
let token: string;

/** Asks the gateway as customer service would, with a service token. */
function ask(query: string, variables: Record<string, unknown> = {}) {
  return graphql(gateway, query, variables, token);
}
/** Ground-truth person of every local record the truth knows (record id → person id). */
let personOf: Map<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-identity-'));
  stack = await startTestStack({ dataDir: dir, scale: 'tiny', ...ANY_PORTS });
  [estate, truth] = await Promise.all([readEstate(dir), readGroundTruth(dir)]);
  gateway = stack.gateway.url;
  token = await stack.tokens.sign({ role: 'service' });
  personOf = new Map(truth.persons.flatMap((person) => person.records.map((record) => [truthRecordId(record), person.personId] as const)));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface IdentityAnswer {
  system: string;
  localId: string;
  franchise: string | null;
}

const webId = (id: number) => recordId({ system: 'ECOMMERCE', franchise: null, localId: String(id) });
const memberId = (id: string) => recordId({ system: 'LOYALTY', franchise: null, localId: id });

/**
 * People with a web account that has orders and a loyalty member whose cards were scanned at
 * a till, where the two records carry the evidence the EMAIL rule asks for (the same address
 * once trimmed and lower-cased, the same first name).
 */
function peopleAcrossChannels() {
  const { ecommerce, loyalty, pos } = estate;
  const found = [];
  for (const person of truth.persons) {
    const memberRef = person.records.find((r) => r.system === 'loyalty');
    if (!memberRef || memberRef.system !== 'loyalty') continue;
    const member = loyalty.members.find((m) => m.member_id === memberRef.id)!;
    const cards = loyalty.cards.filter((c) => c.member_id === member.member_id).map((c) => c.card_number);
    const receipts = pos.receipts.filter((r) => r.card_number !== null && cards.includes(r.card_number)).map((r) => r.receipt_no);
    if (receipts.length === 0) continue;
    for (const ref of person.records) {
      if (ref.system !== 'ecommerce') continue;
      const account = ecommerce.customers.find((c) => c.id === ref.id)!;
      const orders = ecommerce.orders.filter((o) => o.customer_id === account.id).map((o) => o.number);
      const sameEmail = emailKey(account.email) !== null && emailKey(account.email) === emailKey(member.email);
      if (orders.length > 0 && sameEmail && nameKey(account.first_name) === nameKey(member.first_name)) {
        found.push({ person: person.personId, account, member, activeCard: loyalty.cards.find((c) => c.member_id === member.member_id && c.status === 'ACTIVE')!.card_number, orders, receipts });
      }
    }
  }
  return found;
}

describe('the same customer everywhere', () => {
  it('shows the web orders of a customer looked up by a loyalty card number', async () => {
    const [someone] = peopleAcrossChannels();
    expect(someone).toBeDefined();
    const answer = await ask(/* GraphQL */ `
        query ($card: String!) {
          customer(by: { cardNumber: $card }) {
            identities { system localId }
            webOrders(first: 200) { number }
          }
        }
      `,
      { card: someone!.activeCard },
    );
    expect(answer.errors).toBeUndefined();
    const customer = answer.data!.customer;
    expect(customer.identities).toEqual(
      expect.arrayContaining([
        { system: 'LOYALTY', localId: someone!.member.member_id },
        { system: 'ECOMMERCE', localId: String(someone!.account.id) },
      ]),
    );
    expect(customer.webOrders.map((o: { number: string }) => o.number)).toEqual(expect.arrayContaining(someone!.orders));
  });

  it('shows the store receipts of a customer looked up by the email exactly as the web account stored it (capitals, stray spaces)', async () => {
    const messy = peopleAcrossChannels()
      .filter(({ account }) => account.email !== account.email.trim().toLowerCase())
      // The messiest first: stray spaces and capitals both, if some account has them.
      .sort((x, y) => messiness(y.account.email) - messiness(x.account.email));
    expect(messy.length).toBeGreaterThan(0);
    const { account, receipts } = messy[0]!;
    const answer = await ask(/* GraphQL */ `
        query ($email: String!) {
          customer(by: { email: $email }) {
            identities { system localId }
            storeSales(first: 100) { number channel }
          }
        }
      `,
      { email: account.email },
    );
    expect(answer.errors).toBeUndefined();
    const customer = answer.data!.customer;
    expect(customer.identities).toEqual(expect.arrayContaining([{ system: 'ECOMMERCE', localId: String(account.id) }]));
    expect(customer.storeSales.map((s: { number: string }) => s.number)).toEqual(expect.arrayContaining(receipts));
    expect(customer.storeSales.every((s: { channel: string }) => s.channel === 'STORE')).toBe(true);
  });

  it('does not merge the members of a household over their family landline', async () => {
    const landline = familyLandline();
    const national = `0${landline.phone.slice(3)}`.replace(/(\d{2})(?=\d)/g, '$1 ');
    const answer = await ask(/* GraphQL */ `
        query ($phone: String!) {
          customers(by: { phone: $phone }) { id identities { system localId franchise } }
        }
      `,
      { phone: national },
    );
    expect(answer.errors).toBeUndefined();
    const customers: { id: string; identities: IdentityAnswer[] }[] = answer.data!.customers;
    expect(customers.length).toBeGreaterThanOrEqual(2);
    const peopleSeen = new Set<string>();
    for (const customer of customers) {
      const people = new Set(customer.identities.map((i) => personOf.get(recordId({ system: i.system as RecordSystem, franchise: i.franchise, localId: i.localId }))).filter((p): p is string => p !== undefined));
      // Each customer is one person: the landline joined nobody.
      expect(people.size).toBe(1);
      peopleSeen.add([...people][0]!);
    }
    for (const person of landline.people) expect(peopleSeen).toContain(person);

    const refused = await ask(/* GraphQL */ `query ($phone: String!) { customer(by: { phone: $phone }) { id } }`, { phone: national });
    expect(refused.data?.customer ?? null).toBeNull();
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('matches the ground truth: precision of 99.9 % or more, every pair a shared email or phone supports found, the rest only with weak or no evidence', async () => {
    const accuracy = await measureAccuracy(stack.crosscanal.store, { estate, truth });
    expect(accuracy.crosswalk.records).toBe(personOf.size);
    expect(accuracy.crosswalk.precision).toBeGreaterThanOrEqual(0.999);
    expect(accuracy.crosswalk.recall).toBeGreaterThan(accuracy.exactEmail.recall + 0.25);
    // Every true pair that a shared email or phone supports is found, through the rules' chains.
    expect(accuracy.linkable.recall).toBeGreaterThanOrEqual(0.98);
    // What is left carries a landline, a name and a town, a surname, or nothing at all.
    const weakOrNone = accuracy.evidence.filter((row) => ['LANDLINE', 'NAME_POSTCODE', 'SURNAME', 'NONE'].includes(row.kind));
    const missed = accuracy.crosswalk.truePairs - accuracy.crosswalk.correctPairs;
    expect(missed).toBeLessThanOrEqual(weakOrNone.reduce((n, row) => n + row.pairs - row.found, 0));
    expect(accuracy.crosswalk.recall).toBeGreaterThanOrEqual(0.98);
    // A shared phone or email alone never merged two people.
    expect(accuracy.sharedLandlinePairs).toBeGreaterThan(0);
    expect(accuracy.sharedLandlineMerged).toBe(0);
    expect(accuracy.sharedPhoneMerged).toBe(0);
    expect(accuracy.sharedEmailMerged).toBe(0);
  });
});

/** A landline the records of two or more people of one household carry. */
function familyLandline(): { phone: string; people: string[] } {
  const phoneOf = new Map<string, string | null>();
  for (const c of estate.ecommerce.customers) phoneOf.set(webId(c.id), toE164(c.phone));
  for (const m of estate.loyalty.members) phoneOf.set(memberId(m.member_id), toE164(m.phone));
  const holders = new Map<string, Map<string, Set<string>>>();
  for (const person of truth.persons) {
    for (const record of person.records) {
      const phone = phoneOf.get(truthRecordId(record));
      if (!phone) continue;
      const byHousehold = holders.get(phone) ?? new Map<string, Set<string>>();
      byHousehold.set(person.householdId, (byHousehold.get(person.householdId) ?? new Set()).add(person.personId));
      holders.set(phone, byHousehold);
    }
  }
  for (const [phone, byHousehold] of holders) {
    for (const people of byHousehold.values()) if (people.size >= 2) return { phone, people: [...people] };
  }
  throw new Error('the tiny estate has no landline that two people of one household both gave');
}

function messiness(email: string): number {
  return (email !== email.trim() ? 1 : 0) + (email.trim() !== email.trim().toLowerCase() ? 1 : 0);
}
