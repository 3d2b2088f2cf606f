import { jest } from '@jest/globals';
import { generateEstate, type Generated } from '../../legacy/generator/generate.js';
import { startStandIns, type StandIns } from './evaluation/standIns.js';
import { isPersonalLine } from './matching/keys.js';
import { recordId, type SourceRecord } from './matching/records.js';
import { startCrosscanalSubgraph, type RunningCrosscanal } from './server.js';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../../test/support/grant.js';

let generated: Generated;
let estate: StandIns;
let running: RunningCrosscanal;
let records: Map<string, SourceRecord>;
let customerOf: Map<string, string>;

beforeAll(async () => {
  generated = generateEstate({ scale: 'tiny' });
  estate = await startStandIns(generated.estate);
  running = await startCrosscanalSubgraph({ internalSecret: TEST_INTERNAL_SECRET, port: 0, sources: { ...estate.sources, retries: 0 }, initialSync: 'full' });
  records = new Map((await running.store.allRecords()).map((r) => [recordId(r), r]));
  customerOf = new Map([...(await running.store.allLinks())].map(([id, link]) => [id, link.customerId]));
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await estate?.stop();
});

interface Answer {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function query(text: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(await grantHeaders()) }, body: JSON.stringify({ query: text, variables }) });
  return (await response.json()) as Answer;
}

const CUSTOMER = /* GraphQL */ `
  fragment C on Customer {
    id
    identities { system localId franchise }
    links { identity { system localId franchise } rule matchedWith { system localId } evidence { field value } explanation linkedAt linkedBy }
    displayName { value source { system localId } policy reason }
    email { value source { system localId } policy values { value source { system localId } updatedAt } }
    phone { value source { system localId } policy reason }
    candidates { customer { id } identity { system localId } matchedWith { system localId franchise } rule reason evidence { field value } }
    mergedIds
    createdAt
  }
`;

/** A customer with a web account, a loyalty membership and a card seen at a till. */
function wellKnownCustomer(): { customerId: string; web: SourceRecord; member: SourceRecord; card: string } {
  for (const member of records.values()) {
    if (member.system !== 'LOYALTY' || !member.email || !member.phone || !isPersonalLine(member.phone)) continue;
    const customerId = customerOf.get(recordId(member))!;
    const mine = [...customerOf].filter(([, c]) => c === customerId).map(([id]) => records.get(id)!);
    const web = mine.find((r) => r.system === 'ECOMMERCE');
    const card = mine.find((r) => r.localId.startsWith('card:'));
    if (web && card && mine.filter((r) => r.phone === member.phone).length === mine.filter((r) => r.phone).length) {
      return { customerId, web, member, card: card.localId.slice(5) };
    }
  }
  throw new Error('the tiny estate has no customer with a web account, a membership and a card');
}

describe('the crosscanal subgraph', () => {
  test('serves its SDL for composition, with the golden Customer entity and the shared Identity', async () => {
    const { data } = await query('{ _service { sdl } }');
    expect(data!._service.sdl).toMatch(/type Customer\s+@key\(fields: "id"\)/);
    expect(data!._service.sdl).toMatch(/type Identity\s+@shareable\s+@access\(roles: \["public"\]\)\s+\{\s+system: SourceSystem!\s+localId: ID!\s+franchise: String\s+\}/);
  });

  test('resolves a customer by golden id: every local id, and why each belongs', async () => {
    const { customerId, web, member, card } = wellKnownCustomer();
    const { data, errors } = await query(`query ($id: ID!) { customer(id: $id) { ...C } } ${CUSTOMER}`, { id: customerId });
    expect(errors).toBeUndefined();
    const customer = data!.customer;
    expect(customer.id).toBe(customerId);
    expect(customer.identities).toEqual(
      expect.arrayContaining([
        { system: 'ECOMMERCE', localId: web.localId, franchise: null },
        { system: 'LOYALTY', localId: member.localId, franchise: null },
        { system: 'POS', localId: `card:${card}`, franchise: null },
      ]),
    );
    expect(customer.links).toHaveLength(customer.identities.length);
    // The card is tied to the member by its number: one of the two links says so, pointing at the other.
    const cardLink = customer.links.find((l: any) => l.identity.localId === `card:${card}`);
    const memberLink = customer.links.find((l: any) => l.identity.localId === member.localId);
    expect(cardLink).toMatchObject({ linkedBy: 'sync', linkedAt: expect.stringMatching(/Z$/) });
    const [explained, other] = cardLink.rule === 'CARD_NUMBER' ? [cardLink, memberLink] : [memberLink, cardLink];
    expect(explained).toMatchObject({
      rule: 'CARD_NUMBER',
      matchedWith: { system: other.identity.system, localId: other.identity.localId },
      evidence: [{ field: 'CARD_NUMBER', value: card }],
      explanation: expect.stringContaining(`CARD_NUMBER: card number ${card} shared with`),
    });
    expect(customer.links.filter((l: any) => l.rule === 'ORIGIN')).toHaveLength(1);
    for (const link of customer.links) {
      if (link.rule === 'ORIGIN') expect(link.matchedWith).toBeNull();
      else expect(link.explanation).toMatch(new RegExp(`^${link.rule}: `));
    }
    expect(customer.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
  });

  test('resolves the same customer by any of its identifiers, typed any way', async () => {
    const { customerId, web, member, card } = wellKnownCustomer();
    const spaced = `  ${member.email!.toUpperCase()} `;
    const national = `0${member.phone!.slice(3)}`.replace(/(\d{2})(?=\d)/g, '$1 ');
    const { data, errors } = await query(
      `query ($email: String, $phone: String, $card: String, $web: ID, $member: ID) {
        byEmail: customer(by: { email: $email }) { id }
        byPhone: customer(by: { phone: $phone }) { id }
        byCard: customer(by: { cardNumber: $card }) { id }
        byWeb: customer(by: { webAccountId: $web }) { id }
        byMember: customer(by: { loyaltyMemberId: $member }) { id }
      }`,
      { email: spaced, phone: national, card, web: web.localId, member: member.localId },
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({ byEmail: { id: customerId }, byPhone: { id: customerId }, byCard: { id: customerId }, byWeb: { id: customerId }, byMember: { id: customerId } });
  });

  test('an unknown identifier is null, not an error', async () => {
    const { data, errors } = await query('{ a: customer(by: { webAccountId: "99999999" }) { id } b: customer(by: { email: "nobody@nowhere.fr" }) { id } c: customer(id: "cus_unknown") { id } }');
    expect(errors).toBeUndefined();
    expect(data).toEqual({ a: null, b: null, c: null });
  });

  test('the family landline leads to several customers: refused by customer(by:), listed by customers(by:), each a candidate of the others', async () => {
    const byPhone = new Map<string, Set<string>>();
    for (const [id, record] of records) {
      if (record.phone && !isPersonalLine(record.phone)) byPhone.set(record.phone, (byPhone.get(record.phone) ?? new Set()).add(customerOf.get(id)!));
    }
    const [landline, holders] = [...byPhone].find(([, customers]) => customers.size >= 2)!;
    const one = await query('query ($p: String) { customer(by: { phone: $p }) { id } }', { p: landline });
    expect(one.data!.customer).toBeNull();
    expect(one.errors![0]).toMatchObject({ message: `customer: by.phone "${landline}" identifies ${holders.size} customers; customers(by:) lists them`, extensions: { code: 'BAD_USER_INPUT' } });
    const all = await query(`query ($p: String!) { customers(by: { phone: $p }) { ...C } } ${CUSTOMER}`, { p: landline });
    expect(all.data!.customers.map((c: any) => c.id)).toEqual([...holders].sort());
    const [first] = all.data!.customers;
    const others = first.candidates.filter((c: any) => c.evidence.some((e: any) => e.field === 'PHONE' && e.value === landline));
    expect(others.length).toBeGreaterThan(0);
    for (const candidate of others) {
      expect(holders.has(candidate.customer.id)).toBe(true);
      expect(candidate.customer.id).not.toBe(first.id);
      expect(['SHARED_LINE', 'NAME_DIFFERS']).toContain(candidate.reason);
    }
  });

  test('refuses malformed lookups with BAD_USER_INPUT, showing the value', async () => {
    const cases: [string, string][] = [
      ['{ customer { id } }', 'customer: give exactly one of id and by, got neither'],
      ['{ customer(id: "x", by: { email: "a@b.fr" }) { id } }', 'customer: give exactly one of id and by, got both'],
      ['{ customer(by: {}) { id } }', 'customer: by takes exactly one of email, phone, cardNumber, webAccountId, loyaltyMemberId, got none'],
      ['{ customers(by: { email: "a@b.fr", phone: "0612345678" }) { id } }', 'customers: by takes exactly one of email, phone, cardNumber, webAccountId, loyaltyMemberId, got email, phone'],
      ['{ customer(by: { email: "not an address" }) { id } }', 'by.email must be an email address such as name@example.com, got "not an address"'],
      ['{ customer(by: { phone: "call me" }) { id } }', 'by.phone must be a phone number (06 12 34 56 78, +33 6 12 34 56 78), got "call me"'],
      ['{ customer(by: { cardNumber: "2900001234560" }) { id } }', 'by.cardNumber must be 13 digits starting with 29 with a valid check digit, got "2900001234560"'],
      ['{ customer(by: { webAccountId: "W12" }) { id } }', 'by.webAccountId must be a positive whole number, got "W12"'],
    ];
    for (const [text, message] of cases) {
      const { errors } = await query(text);
      expect(errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  test('shows the surviving name, email and phone, each with the record it comes from and the policy that chose it', async () => {
    const { customerId } = wellKnownCustomer();
    const { data } = await query(`query ($id: ID!) { customer(id: $id) { ...C } } ${CUSTOMER}`, { id: customerId });
    const customer = data!.customer;
    const mine = [...customerOf].filter(([, c]) => c === customerId).map(([id]) => records.get(id)!);
    expect(customer.displayName).toMatchObject({ policy: 'TRUSTED_SOURCE', source: { system: 'LOYALTY' } });
    const member = mine.find((r) => r.system === 'LOYALTY')!;
    expect(customer.displayName.source.localId).toBe(member.localId);
    const newest = mine.filter((r) => r.email).sort((a, b) => Date.parse(b.updatedAt!) - Date.parse(a.updatedAt!))[0]!;
    expect(customer.email).toMatchObject({ value: newest.email, policy: 'MOST_RECENT', source: { localId: newest.localId } });
    expect(customer.email.values).toHaveLength(mine.filter((r) => r.email).length);
    expect(customer.phone.policy).toBe('PERSONAL_LINE');
    expect(isPersonalLine(customer.phone.value)).toBe(true);
    expect(customer.phone.value).toMatch(/^\+33\d{9}$/);
  });

  test('resolves Customer entities through _entities: unknown ids to null, merged-away ids to the survivor, in one store query', async () => {
    const ids = [...new Set(customerOf.values())].slice(0, 50);
    await running.store.db.query('INSERT INTO customer_redirect (from_id, to_id, merged_at) VALUES ($1, $2, now())', ['cus_mergedaway000001', ids[0]]);
    const spy = jest.spyOn(running.store, 'customers');
    const linksSpy = jest.spyOn(running.store, 'linksOfCustomers');
    try {
      const representations = [...ids.map((id) => ({ __typename: 'Customer', id })), { __typename: 'Customer', id: 'cus_unknown' }, { __typename: 'Customer', id: 'cus_mergedaway000001' }];
      const { data, errors } = await query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id identities { system localId } } } }', { r: representations });
      expect(errors).toBeUndefined();
      expect(data!._entities.slice(0, 50).map((c: any) => c.id)).toEqual(ids);
      expect(data!._entities[50]).toBeNull();
      expect(data!._entities[51].id).toBe(ids[0]);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(linksSpy).toHaveBeenCalledTimes(1);
      const merged = await query('query ($id: ID!) { customer(id: $id) { mergedIds } }', { id: ids[0] });
      expect(merged.data!.customer.mergedIds).toEqual(['cus_mergedaway000001']);
    } finally {
      spy.mockRestore();
      linksSpy.mockRestore();
      await running.store.db.query('DELETE FROM customer_redirect WHERE from_id = $1', ['cus_mergedaway000001']);
    }
  });

  test('reports the quality of the customer data: duplicates, shared contact points, undecided pairs', async () => {
    const { data, errors } = await query(`{ identityQuality {
      customers singleRecordCustomers records { system kind records } linksByRule { rule links } candidatesByReason { reason pairs }
      duplicateWebAccounts sharedPhones sharedEmails recordsWithoutContact unusableValues { source values } } }`);
    expect(errors).toBeUndefined();
    const report = data!.identityQuality;
    const all = [...records.values()];
    const customers = new Set(customerOf.values());
    const sizes = new Map<string, number>();
    for (const c of customerOf.values()) sizes.set(c, (sizes.get(c) ?? 0) + 1);
    expect(report.customers).toBe(customers.size);
    expect(report.singleRecordCustomers).toBe([...sizes.values()].filter((n) => n === 1).length);
    expect(report.records).toEqual([
      { system: 'ECOMMERCE', kind: null, records: generated.estate.ecommerce.customers.length },
      { system: 'LOYALTY', kind: null, records: generated.estate.loyalty.members.length },
      { system: 'POS', kind: 'card', records: all.filter((r) => r.localId.startsWith('card:')).length },
      { system: 'POS', kind: 'client', records: generated.estate.pos.clients.length },
      { system: 'POS', kind: 'phone', records: all.filter((r) => r.localId.startsWith('phone:')).length },
    ]);
    expect(report.linksByRule.find((r: any) => r.rule === 'ORIGIN').links).toBe(customers.size);
    expect(report.linksByRule.reduce((n: number, r: any) => n + r.links, 0)).toBe(records.size);
    // The generator made duplicate web accounts; every one typed with the same email is found.
    const webPerCustomer = new Map<string, number>();
    for (const [id, c] of customerOf) if (id.startsWith('ECOMMERCE')) webPerCustomer.set(c, (webPerCustomer.get(c) ?? 0) + 1);
    expect(report.duplicateWebAccounts).toBe([...webPerCustomer.values()].filter((n) => n > 1).length);
    expect(report.duplicateWebAccounts).toBeGreaterThanOrEqual(generated.stats.duplicateWebAccountsSameEmail);
    const holders = new Map<string, Set<string>>();
    for (const [id, r] of records) if (r.phone) holders.set(r.phone, (holders.get(r.phone) ?? new Set()).add(customerOf.get(id)!));
    expect(report.sharedPhones).toBe([...holders.values()].filter((s) => s.size > 1).length);
    expect(report.sharedPhones).toBeGreaterThan(0);
    expect(report.candidatesByReason.reduce((n: number, r: any) => n + r.pairs, 0)).toBe((await running.store.allCandidates()).length);
    expect(report.recordsWithoutContact).toBe(all.filter((r) => r.system !== 'POS' && !r.email && !r.phone).length);
    expect(report.unusableValues).toEqual([
      { source: 'ECOMMERCE', values: 0 },
      { source: 'LOYALTY', values: 0 },
      { source: 'POS', values: 0 },
    ]);
  });

  test('reports how far each system was read, and the last runs', async () => {
    const { data, errors } = await query('{ identitySync { sources { source lastRunAt lastFullAt lastError } runs(last: 1) { kind status resolved customersCreated } } }');
    expect(errors).toBeUndefined();
    expect(data!.identitySync.sources.map((s: any) => s.source)).toEqual(['ECOMMERCE', 'LOYALTY', 'POS']);
    for (const source of data!.identitySync.sources) expect(source).toMatchObject({ lastFullAt: expect.stringMatching(/Z$/), lastError: null });
    expect(data!.identitySync.runs).toEqual([{ kind: 'FULL', status: 'SUCCEEDED', resolved: records.size, customersCreated: new Set(customerOf.values()).size }]);
  });
});
