import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readEstate } from '../legacy/generator/files.js';
import type { Estate } from '../legacy/generator/model.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { isPersonalLine } from '../subgraphs/crosscanal/matching/keys.js';
import { parseRecordId, type SourceRecord } from '../subgraphs/crosscanal/matching/records.js';
import { graphql, type GraphQLAnswer } from './graphql.js';

// Stewardship through the gateway, as a steward's tool would drive it: who acts is the subject
// of the steward's bearer token, which the gateway verifies; each decision is checked against the crosswalk afterwards,
// against the sync run full and incremental, and against the audit trail.
let dir: string;
let stack: RunningStack;
let estate: Estate;

/** The subject of the steward's token: the actor every decision records. */
const STEWARD = 'alice.steward';
let steward: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-stewardship-'));
  stack = await startTestStack({ dataDir: dir, scale: 'tiny', ...ANY_PORTS });
  estate = await readEstate(dir);
  steward = await stack.tokens.sign({ role: 'steward', actor: STEWARD });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Asks the gateway with the steward's token, another one, or none (`null`). */
function ask(query: string, variables: Record<string, unknown> = {}, token: string | null = steward): Promise<GraphQLAnswer> {
  return graphql(stack.gateway.url, query, variables, token ?? undefined);
}

const RESULT = /* GraphQL */ `
  fragment Result on StewardshipResult {
    applied
    customer { id identities { system localId franchise } links { identity { system localId } rule linkedBy explanation } mergedIds }
    customers { id mergedInto identities { system localId } displayName { value source { system localId } policy } }
    event {
      id action at actor role reason reverses customerIds
      identity { system localId franchise }
      before { customerId mergedInto links { identity { system localId } rule } }
      after { customerId mergedInto links { identity { system localId } rule linkedBy } }
    }
  }
`;
const UNLINK = /* GraphQL */ `mutation ($identity: IdentityInput!, $reason: String!) { unlinkIdentity(identity: $identity, reason: $reason) { ...Result } } ${RESULT}`;
const LINK = /* GraphQL */ `mutation ($customerId: ID!, $identity: IdentityInput!, $reason: String!) { linkIdentity(customerId: $customerId, identity: $identity, reason: $reason) { ...Result } } ${RESULT}`;
const RELEASE = /* GraphQL */ `mutation ($identity: IdentityInput!, $reason: String!) { releaseIdentity(identity: $identity, reason: $reason) { ...Result } } ${RESULT}`;
const MERGE = /* GraphQL */ `mutation ($survivorId: ID!, $mergedIds: [ID!]!, $reason: String!, $preview: Boolean) {
  mergeCustomers(survivorId: $survivorId, mergedIds: $mergedIds, reason: $reason, preview: $preview) { ...Result } } ${RESULT}`;
const UNMERGE = /* GraphQL */ `mutation ($customerId: ID!, $reason: String!) { unmergeCustomer(customerId: $customerId, reason: $reason) { ...Result } } ${RESULT}`;
const CUSTOMER = /* GraphQL */ `query ($id: ID!) { customer(id: $id) { id identities { system localId franchise } links { identity { localId } rule } mergedIds } }`;

/** A customer's local ids through the gateway, sorted. */
async function identitiesOf(id: string): Promise<{ id: string; localIds: string[] }> {
  const answer = await ask(CUSTOMER, { id });
  expect(answer.errors).toBeUndefined();
  const customer = answer.data!.customer;
  return { id: customer.id, localIds: customer.identities.map((i: { system: string; localId: string }) => `${i.system}:${i.localId}`).sort() };
}

/** What the crosswalk holds, to pick customers to work on (every decision then goes through the gateway). */
async function crosswalk() {
  const records = new Map((await stack.crosscanal.store.allRecords()).map((r) => [`${r.system}|${r.franchise ?? ''}|${r.localId}`, r]));
  const byCustomer = new Map<string, SourceRecord[]>();
  for (const [id, link] of await stack.crosscanal.store.allLinks()) byCustomer.set(link.customerId, [...(byCustomer.get(link.customerId) ?? []), records.get(id)!]);
  return byCustomer;
}

const identity = (r: Pick<SourceRecord, 'system' | 'localId' | 'franchise'>) => ({ system: r.system, localId: r.localId, franchise: r.franchise });
const tag = (r: Pick<SourceRecord, 'system' | 'localId'>) => `${r.system}:${r.localId}`;

/** A sync run full, then incremental: both must leave the customers as they are. */
async function syncBoth(): Promise<void> {
  const full = await stack.crosscanal.sync.full();
  expect(full).toMatchObject({ customersCreated: 0, customersMerged: 0, linksChanged: 0 });
  const incremental = await stack.crosscanal.sync.incremental();
  expect(incremental.linksChanged).toBe(0);
}

/** A sale rung up at an NRD till after everything else, with a phone keyed in national format. */
async function ringUpWithPhone(phone: string, receiptNo: string): Promise<void> {
  const model = estate.pos.receipts.filter((r) => r.franchise === 'NRD').sort((a, b) => (a.sold_at < b.sold_at ? 1 : -1))[0]!;
  const client = new pg.Client({ connectionString: stack.estate.pos.url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO ${stack.estate.pos.schemas.franchises.NRD}.receipts (receipt_no, store_code, seller_code, sold_at, card_number, phone, currency, total_cents)
       VALUES ($1, $2, $3, $4, NULL, $5, 'EUR', 1990)`,
      [receiptNo, model.store_code, model.seller_code, new Date(Date.parse(model.sold_at) + 3_600_000).toISOString(), `0${phone.slice(3)}`],
    );
  } finally {
    await client.end();
  }
}

describe('stewardship through the gateway', () => {
  /** Ana: a customer whose web account (with a French mobile) a rule joined to another record of hers. */
  let ana: { customerId: string; account: SourceRecord; others: SourceRecord[] };
  let alone: string;

  test('a mutation without an actor is UNAUTHENTICATED, without the steward role FORBIDDEN, and changes nothing', async () => {
    for (const [customerId, records] of await crosswalk()) {
      const account = records.find((r) => r.system === 'ECOMMERCE' && r.phone?.startsWith('+336') && isPersonalLine(r.phone) && r.email);
      if (account && records.some((r) => r.system === 'LOYALTY')) {
        ana = { customerId, account, others: records.filter((r) => r !== account) };
        break;
      }
    }
    expect(ana).toBeDefined();
    const before = await identitiesOf(ana.customerId);
    const variables = { identity: identity(ana.account), reason: 'test' };
    const anonymous = await ask(UNLINK, variables, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(anonymous.errors?.[0]?.message).toMatch(/sign in/);
    // The headers the gateway once passed on are nobody's word now.
    const forged = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-crosscanal-actor': 'mallory', 'x-crosscanal-role': 'steward' },
      body: JSON.stringify({ query: UNLINK, variables }),
    });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as GraphQLAnswer).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const service = await ask(UNLINK, variables, await stack.tokens.sign({ role: 'service', actor: 'bob' }));
    expect(service.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(service.errors?.[0]?.message).toMatch(/the service role may not read Mutation.unlinkIdentity/);
    expect(await identitiesOf(ana.customerId)).toEqual(before);
  });

  test('unlinkIdentity detaches the web account into a customer of its own, and says who, when, why, before and after', async () => {
    const reason = 'the account is her son\u2019s: same email, different person';
    const answer = await ask(UNLINK, { identity: identity(ana.account), reason });
    expect(answer.errors).toBeUndefined();
    const result = answer.data!.unlinkIdentity;
    alone = result.customer.id;
    expect(alone).not.toBe(ana.customerId);
    expect(result.applied).toBe(true);
    expect(result.customer.identities).toEqual([identity(ana.account)]);
    expect(result.customer.links).toEqual([
      { identity: { system: 'ECOMMERCE', localId: ana.account.localId }, rule: 'MANUAL', linkedBy: STEWARD, explanation: `linked by ${STEWARD}` },
    ]);
    expect(result.event).toMatchObject({ action: 'UNLINK', actor: STEWARD, role: 'steward', reason, identity: identity(ana.account) });
    expect(Math.abs(Date.parse(result.event.at) - Date.now())).toBeLessThan(60_000);
    expect(result.event.customerIds.slice(0, 2)).toEqual([alone, ana.customerId]);
    const beforeAna = result.event.before.find((s: { customerId: string }) => s.customerId === ana.customerId);
    expect(beforeAna.links.map((l: { identity: { localId: string } }) => l.identity.localId)).toContain(ana.account.localId);
    const afterAna = result.event.after.find((s: { customerId: string }) => s.customerId === ana.customerId);
    expect(afterAna.links.map((l: { identity: { localId: string } }) => l.identity.localId)).not.toContain(ana.account.localId);
    expect((await identitiesOf(ana.customerId)).localIds).toEqual(ana.others.map(tag).sort());
  });

  test('the sync leaves it as the steward set it: incremental after a sale keyed with its phone, then full', async () => {
    await ringUpWithPhone(ana.account.phone!, 'NRD-STEWARD-0001');
    const incremental = await stack.crosscanal.sync.incremental();
    expect(incremental.sources.pos!.added).toBe(1);
    // The account's phone put it in the incremental scope; it stayed apart all the same.
    expect(incremental.resolved).toBeGreaterThan(1);
    expect(await identitiesOf(alone)).toEqual({ id: alone, localIds: [tag(ana.account)] });
    await syncBoth();
    expect(await identitiesOf(alone)).toEqual({ id: alone, localIds: [tag(ana.account)] });
  });

  let other: string;
  test('linkIdentity moves it to another customer with rule MANUAL; the emptied customer resolves there; the sync keeps it', async () => {
    const customers = await crosswalk();
    other = [...customers.keys()].find((id) => id !== ana.customerId && id !== alone && customers.get(id)!.length >= 2)!;
    const answer = await ask(LINK, { customerId: other, identity: identity(ana.account), reason: 'the son has a card: his account goes with it' });
    expect(answer.errors).toBeUndefined();
    const result = answer.data!.linkIdentity;
    expect(result.customer.id).toBe(other);
    expect(result.customer.links).toEqual(
      expect.arrayContaining([{ identity: { system: 'ECOMMERCE', localId: ana.account.localId }, rule: 'MANUAL', linkedBy: STEWARD, explanation: expect.any(String) }]),
    );
    expect(result.customers.find((c: { id: string }) => c.id === alone)).toMatchObject({ mergedInto: other, identities: [] });
    expect((await identitiesOf(alone)).id).toBe(other);
    await syncBoth();
    expect((await identitiesOf(other)).localIds).toContain(tag(ana.account));
  });

  test('releaseIdentity hands it back to the rules: it rejoins Ana', async () => {
    const answer = await ask(RELEASE, { identity: identity(ana.account), reason: 'checked at the desk: it is hers after all' });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.releaseIdentity.customer.id).toBe(ana.customerId);
    const link = answer.data!.releaseIdentity.customer.links.find((l: { identity: { localId: string } }) => l.identity.localId === ana.account.localId);
    expect(link.rule).not.toBe('MANUAL');
    expect(link.linkedBy).toBe('sync');
    // With the till record of the sale keyed with her mobile, which the rules join to her.
    expect((await identitiesOf(ana.customerId)).localIds).toEqual([...ana.others, ana.account, { system: 'POS' as const, localId: `phone:${ana.account.phone}` }].map(tag).sort());
    await syncBoth();
  });

  let survivor: string;
  let merged: string;
  let mergeEventId: string;
  test('mergeCustomers with preview shows the merged identities and displayed values, and writes nothing', async () => {
    const customers = await crosswalk();
    const withOrders = new Set(estate.ecommerce.orders.map((o) => String(o.customer_id)));
    const shoppers = [...customers].filter(([id, records]) => id !== ana.customerId && id !== other && records.some((r) => r.system === 'ECOMMERCE' && withOrders.has(r.localId)));
    [[survivor], [merged]] = shoppers;
    const expected = [...customers.get(survivor)!, ...customers.get(merged)!].map(tag).sort();
    const answer = await ask(MERGE, { survivorId: survivor, mergedIds: [merged], reason: 'same person, two web accounts', preview: true });
    expect(answer.errors).toBeUndefined();
    const result = answer.data!.mergeCustomers;
    expect(result).toMatchObject({ applied: false, customer: null, event: null });
    expect(result.customers[0].id).toBe(survivor);
    expect(result.customers[0].identities.map(tag).sort()).toEqual(expected);
    expect(result.customers[0].displayName).toMatchObject({ value: expect.any(String), policy: 'TRUSTED_SOURCE' });
    expect(result.customers[1]).toMatchObject({ id: merged, mergedInto: survivor, identities: [] });
    expect((await identitiesOf(merged)).id).toBe(merged);
    const log = await ask('query ($id: ID!) { stewardshipLog(customerId: $id) { id } }', { id: merged });
    expect(log.data!.stewardshipLog).toEqual([]);
  });

  test('mergeCustomers keeps the survivor id; the merged id resolves to it, with both accounts\u2019 orders; the sync keeps them together', async () => {
    const answer = await ask(MERGE, { survivorId: survivor, mergedIds: [merged], reason: 'same person, two web accounts' });
    expect(answer.errors).toBeUndefined();
    const result = answer.data!.mergeCustomers;
    mergeEventId = result.event.id;
    expect(result.customer).toMatchObject({ id: survivor, mergedIds: [merged] });
    expect(result.event).toMatchObject({ action: 'MERGE', identity: null, customerIds: [survivor, merged] });
    expect(result.event.after.find((s: { customerId: string }) => s.customerId === merged)).toMatchObject({ mergedInto: survivor, links: [] });

    const accounts = result.customer.identities.filter((i: { system: string }) => i.system === 'ECOMMERCE').map((i: { localId: string }) => Number(i.localId));
    const orders = await ask('query ($id: ID!) { customer(id: $id) { id webOrders(first: 200) { number } } }', { id: merged });
    expect(orders.errors).toBeUndefined();
    expect(orders.data!.customer.id).toBe(survivor);
    const expectedOrders = estate.ecommerce.orders.filter((o) => accounts.includes(o.customer_id)).map((o) => o.number);
    expect(orders.data!.customer.webOrders.map((o: { number: string }) => o.number).sort()).toEqual(expectedOrders.sort());

    await syncBoth();
    expect((await identitiesOf(merged)).id).toBe(survivor);
  });

  test('unmergeCustomer restores the merged customer with its records; its id answers itself again', async () => {
    const before = (await crosswalk()).get(survivor)!;
    const answer = await ask(UNMERGE, { customerId: merged, reason: 'two people after all' });
    expect(answer.errors).toBeUndefined();
    const result = answer.data!.unmergeCustomer;
    expect(result.event).toMatchObject({ action: 'UNMERGE', reverses: mergeEventId });
    expect(result.customer.id).toBe(merged);
    const restored = await identitiesOf(merged);
    expect(restored.id).toBe(merged);
    expect(restored.localIds.length).toBeGreaterThan(0);
    expect([...restored.localIds, ...(await identitiesOf(survivor)).localIds].sort()).toEqual(before.map(tag).sort());
    await syncBoth();
    expect((await identitiesOf(merged)).id).toBe(merged);
  });

  test('Customer.history and stewardshipLog show every decision with actor, time, reason, before and after', async () => {
    const history = await ask(
      'query ($id: ID!) { customer(id: $id) { history { action actor role reason at before { customerId } after { customerId mergedInto } } } }',
      { id: survivor },
    );
    expect(history.errors).toBeUndefined();
    expect(history.data!.customer.history.map((e: { action: string }) => e.action)).toEqual(['MERGE', 'UNMERGE']);
    for (const event of history.data!.customer.history) {
      expect(event).toMatchObject({ actor: STEWARD, role: 'steward', reason: expect.any(String), at: expect.any(String) });
      expect(event.before.length).toBeGreaterThan(0);
    }
    const anas = await ask('query ($id: ID!) { stewardshipLog(customerId: $id) { action identity { localId } } }', { id: ana.customerId });
    expect(anas.data!.stewardshipLog.map((e: { action: string }) => e.action)).toEqual(['RELEASE', 'UNLINK']);
    const byAlice = await ask('query ($actor: String) { stewardshipLog(actor: $actor) { action } }', { actor: STEWARD });
    expect(byAlice.data!.stewardshipLog.map((e: { action: string }) => e.action)).toEqual(['UNMERGE', 'MERGE', 'RELEASE', 'LINK', 'UNLINK']);
  });

  test.each<[string, string, Record<string, unknown>, RegExp]>([
    ['an unknown customer', LINK, { customerId: 'cus_nobody', identity: { system: 'LOYALTY', localId: 'L-0' }, reason: 'x' }, /customerId "cus_nobody" is not a customer/],
    ['an identity not in the crosswalk', UNLINK, { identity: { system: 'ECOMMERCE', localId: '999999999' }, reason: 'x' }, /identity ECOMMERCE "999999999" .* is not in the crosswalk/],
    ['merging a customer with itself', MERGE, { survivorId: 'SELF', mergedIds: ['SELF'], reason: 'x' }, /cannot merge a customer with itself/],
    ['an empty reason', MERGE, { survivorId: 'SELF', mergedIds: ['OTHER'], reason: ' ' }, /reason must say why/],
  ])('refuses %s with BAD_USER_INPUT and changes nothing', async (_, mutation, variables, message) => {
    const known = (await crosswalk()).keys();
    const [self, second] = [known.next().value!, known.next().value!];
    const filled = JSON.parse(JSON.stringify(variables).replaceAll('"SELF"', JSON.stringify(self)).replaceAll('"OTHER"', JSON.stringify(second)));
    if (filled.customerId === 'cus_nobody') filled.identity = identity(parseRecordId([...(await stack.crosscanal.store.allLinks()).keys()][0]!));
    const links = await stack.crosscanal.store.allLinks();
    const log = await ask('{ stewardshipLog(last: 500) { id } }');
    const answer = await ask(mutation, filled);
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toMatch(message);
    expect(await stack.crosscanal.store.allLinks()).toEqual(links);
    expect(await ask('{ stewardshipLog(last: 500) { id } }')).toEqual(log);
  });
});
