import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, SignJWT } from 'jose';
import { readEstate } from '../legacy/generator/files.js';
import type { Estate, PosReceipt } from '../legacy/generator/model.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import type { Role } from '../subgraphs/shared/principal.js';
import { graphql, type GraphQLAnswer } from './graphql.js';
import { grantHeaders, TEST_INTERNAL_SECRET } from './support/grant.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

// Who may read what, through the gateway, on a generated estate: every role against a set of
// queries and mutations, each expected allowed, refused before planning, or answered with the
// rows the role may not see left out (null with FORBIDDEN, or filtered lists). The matrix runs
// on a gateway without safelists, so that the fields' roles and the subgraphs' scopes are what
// is tested; the safelists are tested on their own below, on the stack's own gateway.

type Who = Role | 'anonymous';
const WHO: readonly Who[] = ['anonymous', 'customer', 'associate', 'service', 'partner', 'marketing', 'steward', 'admin'];

let dir: string;
let stack: RunningStack;
let open: TestGateway;
let estate: Estate;
const tokens = new Map<Who, string | undefined>();

/** What the matrix reads of the estate, each value chosen from the generated files. */
interface Picks {
  customer: { id: string; card: string; memberId: string; accountId: string; webOrders: string[]; receipts: string[] };
  other: { id: string };
  receipt: { nrd01: PosReceipt; nrd02: PosReceipt; sud: PosReceipt };
  quoteSud: string;
  clickAndCollect: { nrd01: string; elsewhere: string };
  gtin: string;
}
let picks: Picks;

/** Members with an active card used at a till, whose email also owns web accounts with orders. */
function customersWithEverything(e: Estate) {
  const used = new Set(e.pos.receipts.map((r) => r.card_number).filter((c): c is string => c !== null));
  const ordersOf = new Map<number, string[]>();
  for (const order of e.ecommerce.orders) ordersOf.set(order.customer_id, [...(ordersOf.get(order.customer_id) ?? []), order.number]);
  const found = [];
  for (const card of e.loyalty.cards) {
    if (card.status !== 'ACTIVE' || !used.has(card.card_number)) continue;
    const member = e.loyalty.members.find((m) => m.member_id === card.member_id)!;
    const key = member.email?.trim().toLowerCase();
    const account = e.ecommerce.customers.find((c) => key && c.email.trim().toLowerCase() === key && (ordersOf.get(c.id)?.length ?? 0) > 0);
    if (account) found.push({ card: card.card_number, memberId: member.member_id, account, orders: ordersOf.get(account.id)! });
  }
  return found;
}

async function asService(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer> {
  const answer = await graphql(open.url, query, variables, tokens.get('service'));
  expect(answer.errors).toBeUndefined();
  return answer;
}

async function goldenId(card: string): Promise<string> {
  const { data } = await asService('query ($card: String!) { customer(by: { cardNumber: $card }) { id } }', { card });
  return data!.customer.id as string;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-access-'));
  stack = await startTestStack({
    dataDir: dir,
    scale: 'tiny',
    ...ANY_PORTS,
    internalSecret: TEST_INTERNAL_SECRET,
    gatewayEnv: { GATEWAY_RATE_LIMIT_PER_MINUTE: '0' },
  });
  estate = await readEstate(dir);
  open = await startTestGateway(stack.subgraphUrls, { env: { GATEWAY_SAFELISTS_BY_CLIENT: '{}', GATEWAY_SAFELISTS_BY_ROLE: '{}', GATEWAY_RATE_LIMIT_PER_MINUTE: '0' } });
  tokens.set('service', await open.tokens.sign({ role: 'service', actor: 'agent-7' }));

  const [first, second] = customersWithEverything(estate);
  if (!first || !second) throw new Error('the tiny estate has fewer than two customers with a card, receipts and web orders');
  const receipts = estate.pos.receipts.filter((r) => r.card_number === first.card).map((r) => r.receipt_no);
  const withContact = (r: PosReceipt) => r.card_number !== null || r.phone !== null;
  const receipt = (store: (code: string) => boolean) => estate.pos.receipts.find((r) => store(r.store_code) && withContact(r))!;
  const cc = (store: (code: string | null) => boolean) =>
    estate.ecommerce.orders.find((o) => o.fulfilment.type === 'click_and_collect' && store(o.fulfilment.store_code))!.number;
  const gtins = (franchise: string) => new Set(estate.pos.stock.filter((s) => s.ean && s.store_code.startsWith(franchise)).map((s) => s.ean!));
  const nrdGtins = gtins('NRD');
  picks = {
    customer: { id: await goldenId(first.card), card: first.card, memberId: first.memberId, accountId: String(first.account.id), webOrders: first.orders, receipts },
    other: { id: await goldenId(second.card) },
    receipt: { nrd01: receipt((s) => s === 'NRD01'), nrd02: receipt((s) => s === 'NRD02'), sud: receipt((s) => s.startsWith('SUD')) },
    quoteSud: estate.pos.quotes.find((q) => q.store_code.startsWith('SUD'))!.quote_no,
    clickAndCollect: { nrd01: cc((s) => s === 'NRD01'), elsewhere: cc((s) => s !== null && s !== 'NRD01') },
    gtin: [...gtins('SUD')].find((g) => nrdGtins.has(g))!,
  };
  const sign = (role: Role, claims: Record<string, string> = {}) => open.tokens.sign({ role, actor: `a-${role}`, ...claims });
  tokens.set('anonymous', undefined);
  tokens.set('customer', await sign('customer', { customerId: picks.customer.id }));
  tokens.set('associate', await sign('associate', { store: 'NRD01', franchise: 'NRD' }));
  tokens.set('partner', await sign('partner', { franchise: 'NRD' }));
  for (const role of ['marketing', 'steward', 'admin'] as const) tokens.set(role, await sign(role));
}, 180_000);

afterAll(async () => {
  await open?.stop();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** How one role's answer to one operation must look. */
type Outcome =
  /** Answered, no error. */
  | 'allowed'
  /** Refused by the gateway before planning: no data at all. */
  | 'refused'
  /** Planned, but the owning subgraph said no: the root field is null (or, non-null, the data) with FORBIDDEN. */
  | 'forbidden';

interface Case {
  name: string;
  query: () => string;
  variables?: () => Record<string, unknown>;
  expect: Record<Who, Outcome>;
}

const ALL_ALLOWED: Record<Who, Outcome> = { anonymous: 'allowed', customer: 'allowed', associate: 'allowed', service: 'allowed', partner: 'allowed', marketing: 'allowed', steward: 'allowed', admin: 'allowed' };
const ONLY = (outcomes: Partial<Record<Who, Outcome>>): Record<Who, Outcome> => ({
  anonymous: 'refused', customer: 'refused', associate: 'refused', service: 'refused', partner: 'refused', marketing: 'refused', steward: 'refused', admin: 'allowed', ...outcomes,
});

const CASES: Case[] = [
  { name: 'a product page', query: () => `{ product(gtin: "${picks.gtin}") { gtin name listPrice { amount currency } campaigns { id } } }`, expect: ALL_ALLOWED },
  { name: 'the store directory', query: () => '{ franchises { code stores { code city location { latitude } } } }', expect: ALL_ALLOWED },
  { name: 'me', query: () => '{ me { id displayName { value } } }', expect: ONLY({ customer: 'allowed', admin: 'forbidden' }) },
  {
    name: 'a customer by id (their own, for the customer)',
    query: () => `{ customer(id: "${picks.customer.id}") { id displayName { value } createdAt } }`,
    expect: ONLY({ customer: 'allowed', associate: 'forbidden', service: 'allowed', marketing: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'another customer by id',
    query: () => `{ customer(id: "${picks.other.id}") { id } }`,
    expect: ONLY({ customer: 'forbidden', associate: 'forbidden', service: 'allowed', marketing: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'a customer by the card presented at the till, with history',
    query: () => `{ customer(by: { cardNumber: "${picks.customer.card}" }) { id loyalty { tier sizeProfile { shoeSize } } storeSales(first: 5) { number } webOrders(first: 5) { number } } }`,
    // Sizes are not for marketing.
    expect: ONLY({ customer: 'forbidden', associate: 'allowed', service: 'allowed', marketing: 'refused', steward: 'allowed' }),
  },
  {
    name: "a customer's email and phone (the crosswalk holds no consent)",
    query: () => `{ customer(id: "${picks.customer.id}") { email { value } phone { value } } }`,
    expect: ONLY({ customer: 'allowed', associate: 'forbidden', service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'how the crosswalk linked a customer',
    query: () => `{ customer(id: "${picks.customer.id}") { links { rule evidence { field value } } candidates { reason } mergedIds } }`,
    expect: ONLY({ service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'a web account by its sequential id',
    query: () => `{ webAccount(id: "${picks.customer.accountId}") { email phone addresses { city } } }`,
    expect: ONLY({ service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'a loyalty member by member id',
    query: () => `{ loyaltyMember(memberId: "${picks.customer.memberId}") { memberId birthDate } }`,
    expect: ONLY({ service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'a receipt of NRD01, with the card and phone its till recorded',
    query: () => `{ storeSale(number: "${picks.receipt.nrd01.receipt_no}") { number cardNumber phone seller { code } store { code } } }`,
    expect: ONLY({ associate: 'allowed', partner: 'allowed', service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'a receipt of NRD02 (same franchise, another store)',
    query: () => `{ storeSale(number: "${picks.receipt.nrd02.receipt_no}") { number cardNumber } }`,
    expect: ONLY({ associate: 'forbidden', partner: 'allowed', service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'a receipt of another franchise',
    query: () => `{ storeSale(number: "${picks.receipt.sud.receipt_no}") { number cardNumber phone } }`,
    expect: ONLY({ associate: 'forbidden', partner: 'forbidden', service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'a quote of another franchise',
    query: () => `{ quote(number: "${picks.quoteSud}") { number total { amount } } }`,
    expect: ONLY({ associate: 'forbidden', partner: 'forbidden', service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'a click-and-collect order collected at NRD01',
    query: () => `{ webOrder(number: "${picks.clickAndCollect.nrd01}") { number status fulfilment { store { code } } } }`,
    expect: ONLY({ associate: 'allowed', service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'a click-and-collect order collected elsewhere',
    query: () => `{ webOrder(number: "${picks.clickAndCollect.elsewhere}") { number } }`,
    expect: ONLY({ associate: 'forbidden', service: 'allowed', steward: 'allowed' }),
  },
  {
    name: 'the till codes no system maps',
    query: () => '{ unmappedProductCodes(first: 50) { system franchise code } }',
    expect: ONLY({ partner: 'allowed', steward: 'allowed' }),
  },
  {
    name: "another franchise's till codes",
    query: () => '{ unmappedProductCodes(franchise: "SUD", first: 50) { code } }',
    expect: ONLY({ partner: 'forbidden', steward: 'allowed' }),
  },
  {
    name: 'the data-quality report',
    query: () => '{ identityQuality { customers sharedPhones } referenceQuality { catalogueProducts } }',
    expect: ONLY({ steward: 'allowed' }),
  },
  { name: 'the audit trail', query: () => '{ stewardshipLog(last: 5) { id actor } }', expect: ONLY({ steward: 'allowed' }) },
  {
    name: 'a merge, previewed',
    query: () => `mutation { mergeCustomers(survivorId: "${picks.customer.id}", mergedIds: ["${picks.other.id}"], reason: "matrix", preview: true) { applied } }`,
    expect: ONLY({ steward: 'allowed' }),
  },
];

/** One line per case and role, so that a failure names both. */
const MATRIX = CASES.flatMap((c) => WHO.map((who) => [c.name, who, c] as const));

describe('the role × operation matrix', () => {
  test.each(MATRIX)('%s, as %s', async (_, who, c) => {
    const expected = c.expect[who];
    const response = await fetch(open.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(tokens.get(who) ? { authorization: `Bearer ${tokens.get(who)}` } : {}) },
      body: JSON.stringify({ query: c.query(), variables: c.variables?.() ?? {} }),
    });
    const answer = (await response.json()) as GraphQLAnswer;
    const codes = (answer.errors ?? []).map((e) => e.extensions?.code);
    if (expected === 'allowed') {
      expect({ status: response.status, errors: answer.errors ?? [] }).toEqual({ status: 200, errors: [] });
      expect(Object.values(answer.data!).every((value) => value !== null)).toBe(true);
    } else if (expected === 'refused') {
      expect(response.status).toBe(who === 'anonymous' ? 401 : 403);
      expect(answer.data ?? null).toBeNull();
      expect(codes).toEqual([who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN']);
    } else {
      // A non-null root field refused nulls the whole answer; a nullable one is null alone.
      expect(response.status).toBe(200);
      expect(answer.data === null || Object.values(answer.data!).every((value) => value === null)).toBe(true);
      expect(codes).toContain('FORBIDDEN');
    }
  });
});

async function ask(who: Who, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer> {
  return graphql(open.url, query, variables, tokens.get(who));
}

describe('a customer sees themselves, every system of theirs', () => {
  test('me gives their web orders, their store receipts and their card', async () => {
    const { data, errors } = await ask('customer', '{ me { id webOrders(first: 100) { number } storeSales(first: 100) { number } loyalty { cardNumber memberId } } }');
    expect(errors).toBeUndefined();
    expect(data!.me.id).toBe(picks.customer.id);
    expect(data!.me.webOrders.map((o: { number: string }) => o.number)).toEqual(expect.arrayContaining(picks.customer.webOrders));
    expect(data!.me.storeSales.map((s: { number: string }) => s.number)).toEqual(expect.arrayContaining(picks.customer.receipts));
    expect(data!.me.loyalty.memberId).toBe(picks.customer.memberId);
  });

  test("another customer's id in the token reads that customer, never a guessed one", async () => {
    const otherToken = await open.tokens.sign({ role: 'customer', customerId: picks.other.id });
    const { data } = await graphql(open.url, '{ me { id } }', {}, otherToken);
    expect(data!.me.id).toBe(picks.other.id);
    const guessed = await graphql(open.url, `{ customer(id: "${picks.customer.id}") { id } }`, {}, otherToken);
    expect(guessed.data).toEqual({ customer: null });
    expect(guessed.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});

describe('a partner sees its own franchise, by any path', () => {
  test('an alias batch of receipts answers its own and refuses the others one by one', async () => {
    const sud = estate.pos.receipts.filter((r) => r.store_code.startsWith('SUD')).slice(0, 3);
    const own = estate.pos.receipts.filter((r) => r.store_code.startsWith('NRD')).slice(0, 2);
    const aliases = [...own, ...sud].map((r, i) => `r${i}: storeSale(number: "${r.receipt_no}") { number cardNumber }`).join('\n');
    const { data, errors } = await ask('partner', `{ ${aliases} }`);
    expect(own.map((_, i) => data![`r${i}`]?.number)).toEqual(own.map((r) => r.receipt_no));
    expect(sud.map((_, i) => data![`r${own.length + i}`])).toEqual(sud.map(() => null));
    expect(errors!.map((e) => [e.path?.[0], e.extensions!.code])).toEqual(sud.map((_, i) => [`r${own.length + i}`, 'FORBIDDEN']));
  });

  test("a product's stock and store prices list its own stores only, where anyone else sees every store", async () => {
    const query = `{ product(gtin: "${picks.gtin}") { storeStock { store { code franchise { code } } } storePrices { store { code } } } }`;
    const partner = await ask('partner', query);
    const anonymous = await ask('anonymous', query);
    const franchises = (answer: GraphQLAnswer) => new Set(answer.data!.product.storeStock.map((s: { store: { franchise: { code: string } } }) => s.store.franchise.code));
    expect([...franchises(partner)]).toEqual(['NRD']);
    expect(franchises(anonymous).size).toBeGreaterThan(1);
    expect(partner.data!.product.storePrices.every((p: { store: { code: string } }) => p.store.code.startsWith('NRD'))).toBe(true);
    expect(partner.data!.product.storePrices.length).toBeGreaterThan(0);
  });

  test('its unmapped till codes are its own franchise only', async () => {
    const { data } = await ask('partner', '{ unmappedProductCodes(first: 500) { system franchise code } }');
    expect(data!.unmappedProductCodes.length).toBeGreaterThan(0);
    expect(new Set(data!.unmappedProductCodes.map((c: { system: string; franchise: string }) => `${c.system}:${c.franchise}`))).toEqual(new Set(['POS:NRD']));
  });

  test('reaches no customer at all, however it nests', async () => {
    for (const query of [
      `{ storeSale(number: "${picks.receipt.nrd01.receipt_no}") { number ... on Order { total { amount } } } customer(by: { cardNumber: "${picks.customer.card}" }) { id } }`,
      `{ loyaltyMemberByCard(cardNumber: "${picks.customer.card}") { memberId } }`,
    ]) {
      const answer = await ask('partner', query);
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
  });

  test('`_entities` sent to the POS subgraph directly: refused without the grant, and scoped with one', async () => {
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on StoreSale { number cardNumber } } }';
    const variables = { r: [{ __typename: 'StoreSale', id: picks.receipt.nrd01.receipt_no }, { __typename: 'StoreSale', id: picks.receipt.sud.receipt_no }] };
    const post = async (headers: Record<string, string>) => {
      const response = await fetch(stack.subgraphUrls.pos!, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
      return { status: response.status, answer: (await response.json()) as GraphQLAnswer };
    };
    const bare = await post({});
    expect([bare.status, bare.answer.errors![0]!.extensions!.code]).toEqual([401, 'UNAUTHENTICATED']);
    const forged = await post(await grantHeaders({ role: 'partner', actor: 'p', franchise: 'NRD' }, 'a-secret-that-is-not-the-deployment-one'));
    expect([forged.status, forged.answer.errors![0]!.extensions!.code]).toEqual([401, 'UNAUTHENTICATED']);
    // Even a grant the gateway would sign for a partner gets its own franchise only.
    const granted = await post(await grantHeaders({ role: 'partner', actor: 'p', franchise: 'NRD' }));
    expect(granted.answer.data!._entities).toEqual([{ number: picks.receipt.nrd01.receipt_no, cardNumber: expect.anything() }, null]);
    expect(granted.answer.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
  });
});

describe('marketing sees a contact point only with consent', () => {
  /** The marketing consent in force per member and channel: the latest decision. */
  function consentInForce(memberId: string, channel: string): string | undefined {
    return estate.loyalty.consents
      .filter((c) => c.member_id === memberId && c.channel === channel && c.purpose === 'MARKETING')
      .sort((a, b) => a.captured_at.localeCompare(b.captured_at))
      .at(-1)?.status;
  }

  test("a member's email and mobile resolve with an opt-in, and are null with CONSENT_REQUIRED without one", async () => {
    const withEmail = estate.loyalty.members.filter((m) => m.email && m.mobile);
    const optedIn = withEmail.find((m) => consentInForce(m.member_id, 'EMAIL') === 'OPT_IN' && consentInForce(m.member_id, 'SMS') !== 'OPT_IN')!;
    const refused = withEmail.find((m) => consentInForce(m.member_id, 'EMAIL') !== 'OPT_IN')!;
    expect([optedIn, refused].every(Boolean)).toBe(true);
    // Marketing reaches members through customers (loyaltyMember by id is for service and stewards).
    const ids = await Promise.all([optedIn, refused].map(async (m) => {
      const card = estate.loyalty.cards.find((c) => c.member_id === m.member_id)!.card_number;
      return goldenId(card);
    }));
    const viaCustomers = `{ a: customer(id: "${ids[0]}") { loyaltyMemberships { memberId email mobile } } b: customer(id: "${ids[1]}") { loyaltyMemberships { memberId email } } }`;
    const answer = await ask('marketing', viaCustomers);
    const member = (alias: string, id: string) => answer.data![alias].loyaltyMemberships.find((m: { memberId: string }) => m.memberId === id);
    expect(member('a', optedIn.member_id).email).toBe(optedIn.email!.trim());
    expect(member('a', optedIn.member_id).mobile).toBeNull();
    expect(member('b', refused.member_id).email).toBeNull();
    const consentErrors = answer.errors!.filter((e) => e.extensions!.code === 'CONSENT_REQUIRED').map((e) => e.path!.at(-1));
    expect(consentErrors.sort()).toEqual(['email', 'mobile']);
    // Customer service sees both, consent or not.
    const service = await ask('service', viaCustomers);
    expect(service.errors).toBeUndefined();
    expect(service.data!.b.loyaltyMemberships.find((m: { memberId: string }) => m.memberId === refused.member_id).email).toBe(refused.email!.trim());
  });

  test("a web account's email resolves only for a newsletter subscriber", async () => {
    const subscriber = estate.ecommerce.customers.find((c) => c.newsletter_opt_in)!;
    const other = estate.ecommerce.customers.find((c) => !c.newsletter_opt_in)!;
    const [a, b] = await Promise.all([subscriber, other].map(async (account) => {
      const { data } = await asService('query ($id: ID!) { customer(by: { webAccountId: $id }) { id } }', { id: String(account.id) });
      return data!.customer.id as string;
    }));
    const answer = await ask('marketing', `{ a: customer(id: "${a}") { webAccounts { id email } } b: customer(id: "${b}") { webAccounts { id email } } }`);
    const account = (alias: string, id: number) => answer.data![alias].webAccounts.find((w: { id: string }) => w.id === String(id));
    expect(account('a', subscriber.id).email).not.toBeNull();
    expect(account('b', other.id).email).toBeNull();
    expect(answer.errors!.some((e) => e.extensions!.code === 'CONSENT_REQUIRED' && e.path!.includes('b'))).toBe(true);
  });
});

describe('a contact choice is recorded where and by whom it was given', () => {
  const MUTATION = `mutation ($input: ContactPreferenceInput!) {
    setContactPreference(input: $input) {
      decision { system status source place { kind store { code } } }
      preference { decisions { system localId status source } copies { system localId state } }
    }
  }`;
  /** An SMS marketing refusal for the customer, said to be given at `place` when one is given. */
  const input = (place?: string, customerId = picks.customer.id) => ({ input: { customerId, channel: 'SMS', purpose: 'MARKETING', status: 'UNSUBSCRIBED', ...(place === undefined ? {} : { place }) } });
  /** What the programme holds for the member once the crosswalk copied the decision: the place travels as its `source`. */
  const programme = (answer: GraphQLAnswer) =>
    answer.data!.setContactPreference.preference.decisions.find((d: { system: string; localId: string }) => d.system === 'LOYALTY' && d.localId === picks.customer.memberId);
  const loyaltyCopy = (answer: GraphQLAnswer) =>
    answer.data!.setContactPreference.preference.copies.find((c: { system: string; localId: string }) => c.system === 'LOYALTY' && c.localId === picks.customer.memberId);

  test("an associate records it at their store's till, customer service on the phone, both as far as the programme", async () => {
    const atTill = await ask('associate', MUTATION, input());
    expect(atTill.errors).toBeUndefined();
    expect(atTill.data!.setContactPreference.decision).toEqual({ system: 'CROSSCANAL', status: 'UNSUBSCRIBED', source: 'STORE:NRD01', place: { kind: 'STORE', store: { code: 'NRD01' } } });
    // The place is the programme's too: the crosswalk wrote its consent before answering.
    expect(loyaltyCopy(atTill)).toMatchObject({ state: 'APPLIED' });
    expect(programme(atTill)).toMatchObject({ status: 'UNSUBSCRIBED', source: 'STORE:NRD01' });
    const onPhone = await ask('service', MUTATION, input('callcenter'));
    expect(onPhone.errors).toBeUndefined();
    expect(onPhone.data!.setContactPreference.decision).toMatchObject({ source: 'CALLCENTER', place: { kind: 'CALLCENTER', store: null } });
    expect(programme(onPhone)).toMatchObject({ status: 'UNSUBSCRIBED', source: 'CALLCENTER' });
  });

  test('an admin must say where, at a store the tills know', async () => {
    const unsaid = await ask('admin', MUTATION, input());
    expect([unsaid.data, unsaid.errors![0]!.extensions!.code]).toEqual([{ setContactPreference: null }, 'BAD_USER_INPUT']);
    const unknown = await ask('admin', MUTATION, input('STORE:ZZZ99'));
    expect([unknown.data, unknown.errors![0]!.extensions!.code]).toEqual([{ setContactPreference: null }, 'BAD_USER_INPUT']);
    const said = await ask('admin', MUTATION, input('store:nrd02'));
    expect(said.errors).toBeUndefined();
    expect(said.data!.setContactPreference.decision).toMatchObject({ source: 'STORE:NRD02', place: { kind: 'STORE', store: { code: 'NRD02' } } });
    expect(programme(said)).toMatchObject({ source: 'STORE:NRD02' });
  });

  test('a place that says otherwise is refused and recorded nowhere, a customer records their own choices only, and no other role may write', async () => {
    // What every system holds for the customer's SMS marketing choice, to see that a refusal changed none of it.
    const held = async () => {
      const { data } = await asService('query ($id: ID!) { customer(id: $id) { contactPreferences { preferences { channel purpose decisions { system localId status capturedAt source } } } } }', { id: picks.customer.id });
      return data!.customer.contactPreferences.preferences.find((p: { channel: string; purpose: string }) => p.channel === 'SMS' && p.purpose === 'MARKETING').decisions;
    };
    const before = await held();
    const lie = await ask('associate', MUTATION, input('STORE:SUD01'));
    expect(lie.data).toEqual({ setContactPreference: null });
    expect(lie.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const phoneLie = await ask('service', MUTATION, input('WEB'));
    expect([phoneLie.data, phoneLie.errors![0]!.extensions!.code]).toEqual([{ setContactPreference: null }, 'FORBIDDEN']);
    // Refused before anything was recorded: neither the crosswalk nor the programme holds a new decision.
    expect(await held()).toEqual(before);

    // A customer, on the web: their own choice, never another's, never said to be given at a till.
    const own = await ask('customer', MUTATION, input());
    expect(own.errors).toBeUndefined();
    expect(own.data!.setContactPreference.decision).toMatchObject({ source: 'WEB', place: { kind: 'WEB' } });
    const tillLie = await ask('customer', MUTATION, input('STORE:NRD01'));
    expect([tillLie.data, tillLie.errors![0]!.extensions!.code]).toEqual([{ setContactPreference: null }, 'FORBIDDEN']);
    const another = await ask('customer', MUTATION, input(undefined, picks.other.id));
    expect([another.data, another.errors![0]!.extensions!.code]).toEqual([{ setContactPreference: null }, 'FORBIDDEN']);

    for (const who of ['anonymous', 'partner', 'marketing', 'steward'] as const) {
      const answer = await ask(who, MUTATION, input());
      expect([who, answer.data ?? null, answer.errors![0]!.extensions!.code]).toEqual([who, null, who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN']);
    }
  });
});

describe('tokens the gateway refuses', () => {
  test('garbage, another key, an expired token and a forged grant header', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const claims = { crosscanal_role: 'admin' };
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('crosscanal-dev').setAudience('crosscanal').setSubject('mallory').setExpirationTime('1h').sign(privateKey);
    const expired = await open.tokens.sign({ role: 'admin', ttlSeconds: -60 });
    const post = async (headers: Record<string, string>) => {
      const response = await fetch(open.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ stewardshipLog(last: 1) { id } }' }) });
      return [response.status, ((await response.json()) as GraphQLAnswer).errors![0]!.extensions!.code];
    };
    expect(await post({ authorization: 'Bearer not.a.token' })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await post({ authorization: `Bearer ${foreign}` })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await post({ ...(await grantHeaders({ role: 'admin', actor: 'mallory' })) })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await post({ authorization: `Bearer ${expired}` })).toEqual([401, 'UNAUTHENTICATED']);
  });
});

describe('safelisted clients (on the stack as it starts)', () => {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const post = async (token: string | undefined, body: Record<string, unknown>) => {
    const response = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, answer: (await response.json()) as GraphQLAnswer };
  };
  const manifest = async (name: string) =>
    JSON.parse(await readFile(fileURLToPath(new URL(`../gateway/safelists/${name}.json`, import.meta.url)), 'utf8')) as { operations: Array<{ id: string; name: string; body: string }> };

  test('the mobile app runs its persisted operations by id, and nothing else', async () => {
    const app = await stack.tokens.sign({ role: 'customer', customerId: picks.customer.id, client: 'crosscanal-mobile' });
    const myCard = (await manifest('mobile')).operations.find((o) => o.name === 'MyCard')!;
    const listed = await post(app, { extensions: { persistedQuery: { version: 1, sha256Hash: myCard.id } } });
    expect(listed.answer.errors).toBeUndefined();
    expect(listed.answer.data!.me.loyalty.cardNumber).toBe(picks.customer.card);
    const adHoc = await post(app, { query: '{ me { id } }' });
    expect([adHoc.status, adHoc.answer.errors![0]!.extensions!.code]).toEqual([403, 'PERSISTED_QUERY_NOT_ALLOWED']);
    // Registering an operation as an automatic persisted query is refused too, and leaves nothing behind.
    const novel = '{ me { id displayName { value } } }';
    const register = await post(app, { query: novel, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(novel) } } });
    expect(register.answer.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    const customer = await stack.tokens.sign({ role: 'customer', customerId: picks.customer.id });
    const probe = await post(customer, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(novel) } } });
    expect(probe.answer.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test("a partner runs its integration's operations, scoped to its franchise", async () => {
    const partner = await stack.tokens.sign({ role: 'partner', franchise: 'NRD', actor: 'nrd-erp' });
    const receipt = (await manifest('partner')).operations.find((o) => o.name === 'FranchiseReceipt')!;
    const own = await post(partner, { extensions: { persistedQuery: { version: 1, sha256Hash: receipt.id } }, variables: { number: picks.receipt.nrd01.receipt_no } });
    expect(own.answer.data!.storeSale.number).toBe(picks.receipt.nrd01.receipt_no);
    const other = await post(partner, { query: receipt.body, variables: { number: picks.receipt.sud.receipt_no } });
    expect(other.answer.data).toEqual({ storeSale: null });
    expect(other.answer.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const adHoc = await post(partner, { query: `{ storeSale(number: "${picks.receipt.sud.receipt_no}") { number } }` });
    expect(adHoc.answer.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });

  test('other clients may register automatic persisted queries', async () => {
    const service = await stack.tokens.sign({ role: 'service' });
    const query = `{ customer(id: "${picks.customer.id}") { id } }`;
    const hash = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    expect((await post(service, { extensions: hash })).answer.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(service, { query, extensions: hash })).answer.data!.customer.id).toBe(picks.customer.id);
    expect((await post(service, { extensions: hash })).answer.data!.customer.id).toBe(picks.customer.id);
  });
});

describe('introspection', () => {
  test('is off outside development, for every role, and on where the stack turns it on', async () => {
    const query = '{ __schema { queryType { name } } }';
    for (const who of ['anonymous', 'admin'] as const) {
      const answer = await ask(who, query);
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(answer.errors![0]!.message).toMatch(/introspection is not allowed/i);
    }
    const devStack = await graphql(stack.gateway.url, query);
    expect(devStack.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});
