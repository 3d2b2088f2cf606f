import type { Estate } from '../legacy/generator/model.js';
import type { RunningStack } from '../scripts/stack.js';
import { LoyaltyClient } from '../subgraphs/loyalty/client.js';
import { exportAudience, parseAudienceArgs, UsageError } from '../scripts/audience.js';
import { LegacySource } from '../subgraphs/shared/source.js';
import { createErasures } from '../subgraphs/crosscanal/privacy/erasure.js';
import { graphql } from './graphql.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// One contact choice per customer: what every system holds, resolved into one answer per
// channel and purpose; a decision given through the gateway recorded first, then copied to
// the programme's consents and the web shop's newsletter until each acknowledges it; an
// audience that never holds a customer who refused.
let tiny: TinyStack;
let stack: RunningStack;
let estate: Estate;
const tokens: Record<string, string> = {};
let programme: LoyaltyClient;

const ask = (query: string, variables: Record<string, unknown> = {}, role = 'service') => graphql(stack.gateway.url, query, variables, tokens[role]);

beforeAll(async () => {
  tiny = await startTinyStack('contact');
  ({ stack, estate } = tiny);
  tokens.service = await stack.tokens.sign({ role: 'service', actor: 'agent-12' });
  tokens.associate = await stack.tokens.sign({ role: 'associate', store: 'NRD01', actor: 'seller-4' });
  tokens.marketing = await stack.tokens.sign({ role: 'marketing', actor: 'campaigns' });
  tokens.admin = await stack.tokens.sign({ role: 'admin', actor: 'ops' });
  programme = new LoyaltyClient(stack.estate.loyalty.endpoint, new LegacySource('loyalty', { retries: 0 }));
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
});

const PREFERENCES = /* GraphQL */ `
  query ($id: ID!) {
    customer(id: $id) {
      contactPreferences {
        preferredChannel
        preferences {
          channel purpose status conflict
          decision { system localId status capturedAt source place { kind store { code } } }
          decisions { system localId status capturedAt }
          copies { system localId state attempts lastError appliedAt }
        }
      }
    }
  }
`;

const SET = /* GraphQL */ `
  mutation ($input: ContactPreferenceInput!) {
    setContactPreference(input: $input) {
      created current
      decision { system status capturedAt source place { kind store { code } } }
      preference { channel purpose status conflict decision { system status capturedAt } copies { system localId state } }
    }
  }
`;

const CONTACTABLE = /* GraphQL */ `
  query ($id: ID!, $channel: ContactChannel!, $purpose: ContactPurpose!) {
    customer(id: $id) { contactable(channel: $channel, purpose: $purpose) { contactable reason decision { system status } } }
  }
`;

interface Holder {
  customerId: string;
  memberIds: string[];
  accountIds: string[];
}

/** Customers found through the graph with the systems they are known to: the n-th with a member and a web account, or a web account only. */
async function holders(): Promise<{ both: Holder[]; webOnly: Holder[] }> {
  const both: Holder[] = [];
  const webOnly: Holder[] = [];
  for (const account of estate.ecommerce.customers.slice(0, 60)) {
    const answer = await ask('query ($id: ID!) { customer(by: { webAccountId: $id }) { id identities { system localId } } }', { id: String(account.id) });
    const customer = answer.data?.customer as { id: string; identities: { system: string; localId: string }[] } | null;
    if (!customer) continue;
    const of = (system: string) => customer.identities.filter((i) => i.system === system).map((i) => i.localId).sort();
    const holder = { customerId: customer.id, memberIds: of('LOYALTY'), accountIds: of('ECOMMERCE') };
    if (holder.memberIds.length === 1 && holder.accountIds.length === 1) both.push(holder);
    if (holder.memberIds.length === 0 && holder.accountIds.length === 1) webOnly.push(holder);
  }
  return { both, webOnly };
}

let people: { both: Holder[]; webOnly: Holder[] };
beforeAll(async () => {
  people = await holders();
  expect(people.both.length).toBeGreaterThanOrEqual(6);
  expect(people.webOnly.length).toBeGreaterThanOrEqual(2);
}, 60_000);

async function webAccount(id: string): Promise<{ newsletter_opt_in: boolean; newsletter_opt_in_at: string | null }> {
  const response = await fetch(`${stack.estate.ecommerce.url}/api/v1/customers/${id}`);
  return ((await response.json()) as { data: { newsletter_opt_in: boolean; newsletter_opt_in_at: string | null } }).data;
}

async function programmeConsent(memberId: string, channel: string): Promise<{ status: string; capturedAt: string; source: string } | undefined> {
  const answer = await programme.getConsents([memberId]);
  return answer.records.find((c) => c.memberId === memberId && c.channel === channel);
}

/** After a system was down: waits until the crosswalk reads it again (its breaker closes within seconds). */
async function recovered(customerId: string): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt++) {
    if (!(await ask(PREFERENCES, { id: customerId })).errors) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the crosswalk did not read the systems again');
}

describe('contact preferences', () => {
  test('one answer per channel and purpose from what the programme and the web shop hold, the most recent winning', async () => {
    const holder = people.both[0]!;
    const answer = await ask(PREFERENCES, { id: holder.customerId });
    expect(answer.errors).toBeUndefined();
    const preferences = answer.data!.customer.contactPreferences.preferences as Array<Record<string, any>>;
    expect(preferences).toHaveLength(15);
    expect(preferences.map((p) => `${p.channel}/${p.purpose}`).slice(0, 3)).toEqual(['EMAIL/MARKETING', 'EMAIL/SERVICE', 'EMAIL/PARTNERS']);
    // What the estate holds: the programme's consents (most recent per channel) and the newsletter choice.
    const consents = estate.loyalty.consents.filter((c) => c.member_id === holder.memberIds[0]);
    const account = estate.ecommerce.customers.find((c) => String(c.id) === holder.accountIds[0])!;
    for (const channel of ['EMAIL', 'SMS', 'PHONE', 'POST']) {
      const held = consents.filter((c) => c.channel === channel).sort((a, b) => b.captured_at.localeCompare(a.captured_at));
      const candidates = [
        ...(held[0] ? [{ status: { OPT_IN: 'SUBSCRIBED', OPT_OUT: 'UNSUBSCRIBED', PENDING: 'PENDING' }[held[0].status], at: held[0].captured_at, system: 'LOYALTY' }] : []),
        ...(channel === 'EMAIL' && account.newsletter_opt_in_at ? [{ status: account.newsletter_opt_in ? 'SUBSCRIBED' : 'UNSUBSCRIBED', at: account.newsletter_opt_in_at, system: 'ECOMMERCE' }] : []),
      ].sort((a, b) => b.at.localeCompare(a.at));
      const preference = preferences.find((p) => p.channel === channel && p.purpose === 'MARKETING')!;
      expect({ channel, status: preference.status, system: preference.decision?.system ?? null }).toEqual({ channel, status: candidates[0]?.status ?? null, system: candidates[0]?.system ?? null });
      expect(preference.decisions).toHaveLength(candidates.length);
      expect(preference.conflict).toBe(new Set(candidates.map((c) => c.status)).size > 1);
    }
    // Nobody decided anything for service messages or partners yet.
    expect(preferences.filter((p) => p.purpose !== 'MARKETING').every((p) => p.status === null && p.decisions.length === 0)).toBe(true);
  });

  test('a decision at the till is recorded, copied to the programme and the web shop, and wins everywhere', async () => {
    const holder = people.both[1]!;
    const answer = await ask(SET, { input: { customerId: holder.customerId, channel: 'EMAIL', purpose: 'MARKETING', status: 'UNSUBSCRIBED' } }, 'associate');
    expect(answer.errors).toBeUndefined();
    const result = answer.data!.setContactPreference;
    expect(result).toMatchObject({ created: true, current: true, decision: { system: 'CROSSCANAL', status: 'UNSUBSCRIBED', source: 'STORE:NRD01', place: { kind: 'STORE', store: { code: 'NRD01' } } } });
    expect(result.preference).toMatchObject({ status: 'UNSUBSCRIBED', decision: { system: 'CROSSCANAL' }, conflict: false });
    expect(result.preference.copies.map((c: any) => [c.system, c.localId, c.state])).toEqual([
      ['ECOMMERCE', holder.accountIds[0], 'APPLIED'],
      ['LOYALTY', holder.memberIds[0], 'APPLIED'],
    ]);
    // The systems hold it, each in its own words.
    expect(await programmeConsent(holder.memberIds[0]!, 'EMAIL')).toMatchObject({ status: 'OPT_OUT', source: 'STORE:NRD01' });
    expect((await programmeConsent(holder.memberIds[0]!, 'EMAIL'))!.capturedAt.slice(0, 19)).toBe(result.decision.capturedAt.slice(0, 19));
    expect((await webAccount(holder.accountIds[0]!)).newsletter_opt_in).toBe(false);
    const contactable = await ask(CONTACTABLE, { id: holder.customerId, channel: 'EMAIL', purpose: 'MARKETING' }, 'marketing');
    expect(contactable.data!.customer.contactable).toEqual({ contactable: false, reason: 'REFUSED', decision: { system: 'CROSSCANAL', status: 'UNSUBSCRIBED' } });
    // A service message is still allowed: the refusal was of marketing.
    const service = await ask(CONTACTABLE, { id: holder.customerId, channel: 'EMAIL', purpose: 'SERVICE' }, 'marketing');
    expect(service.data!.customer.contactable).toMatchObject({ contactable: true, reason: 'SERVICE_MESSAGE' });
  });

  test('a retry is the same decision; another status at the same instant is refused; an older decision given late changes nothing', async () => {
    const holder = people.both[2]!;
    const capturedAt = new Date(Date.now() - 60_000).toISOString();
    const input = { customerId: holder.customerId, channel: 'SMS', purpose: 'MARKETING', status: 'SUBSCRIBED', capturedAt };
    const first = await ask(SET, { input });
    const again = await ask(SET, { input });
    expect(first.data!.setContactPreference.created).toBe(true);
    expect(again.data!.setContactPreference).toMatchObject({ created: false, current: true, decision: { capturedAt, status: 'SUBSCRIBED', source: 'CALLCENTER' } });
    const conflict = await ask(SET, { input: { ...input, status: 'UNSUBSCRIBED' } });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('CONTACT_DECISION_CONFLICT');
    const older = await ask(SET, { input: { ...input, status: 'UNSUBSCRIBED', capturedAt: new Date(Date.now() - 3_600_000).toISOString() } });
    expect(older.data!.setContactPreference).toMatchObject({ created: true, current: false, preference: { status: 'SUBSCRIBED' } });
    expect(await programmeConsent(holder.memberIds[0]!, 'SMS')).toMatchObject({ status: 'OPT_IN' });
  });

  test('bad input and the wrong caller get coded refusals and record nothing', async () => {
    const holder = people.both[3]!;
    const base = { customerId: holder.customerId, channel: 'POST', purpose: 'MARKETING', status: 'UNSUBSCRIBED' };
    const cases: Array<[Record<string, unknown>, string, string, string?]> = [
      [{ ...base, status: 'PENDING' }, 'service', 'BAD_USER_INPUT'],
      [{ ...base, capturedAt: new Date(Date.now() + 3_600_000).toISOString() }, 'service', 'BAD_USER_INPUT'],
      [{ ...base, capturedAt: 'yesterday' }, 'service', 'BAD_USER_INPUT'],
      [{ ...base, place: 'the shop on the corner' }, 'service', 'BAD_USER_INPUT'],
      [{ ...base, place: 'STORE:NRD02' }, 'associate', 'FORBIDDEN'],
      [{ ...base, place: 'STORE:ZZZ99' }, 'admin', 'BAD_USER_INPUT'],
      [base, 'admin', 'BAD_USER_INPUT'],
      [{ ...base, customerId: 'C-NOPE' }, 'service', 'CUSTOMER_NOT_FOUND'],
      [base, 'marketing', 'FORBIDDEN'],
      [{ ...base, channel: 'FAX' }, 'service', 'BAD_USER_INPUT'],
    ];
    for (const [input, role, code] of cases) {
      const answer = await ask(SET, { input }, role);
      expect({ input, role, code: answer.errors?.[0]?.extensions?.code }).toEqual({ input, role, code });
    }
    const after = await ask(PREFERENCES, { id: holder.customerId });
    const post = (after.data!.customer.contactPreferences.preferences as any[]).find((p) => p.channel === 'POST' && p.purpose === 'MARKETING');
    expect(post.decisions.filter((d: any) => d.system === 'CROSSCANAL')).toEqual([]);
    const anonymous = await graphql(stack.gateway.url, SET, { input: base });
    expect(anonymous.errors?.[0]?.extensions?.code).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
  });

  test('a web-only customer records a phone consent and a preferred channel; nothing to copy', async () => {
    const holder = people.webOnly[0]!;
    const answer = await ask(SET, { input: { customerId: holder.customerId, channel: 'PUSH', purpose: 'MARKETING', status: 'SUBSCRIBED' } });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.setContactPreference.preference).toMatchObject({ status: 'SUBSCRIBED', copies: [] });
    const preferred = await ask('mutation ($id: ID!) { setPreferredContactChannel(customerId: $id, channel: PUSH) { preferredChannel } }', { id: holder.customerId });
    expect(preferred.data!.setPreferredContactChannel).toEqual({ preferredChannel: 'PUSH' });
    const push = await ask(CONTACTABLE, { id: holder.customerId, channel: 'PUSH', purpose: 'MARKETING' }, 'marketing');
    expect(push.data!.customer.contactable).toMatchObject({ contactable: true, reason: 'CONSENTED' });
    // Partners' offers need their own opt-in.
    const partners = await ask(CONTACTABLE, { id: holder.customerId, channel: 'PUSH', purpose: 'PARTNERS' }, 'marketing');
    expect(partners.data!.customer.contactable).toMatchObject({ contactable: false, reason: 'NO_DECISION' });
  });

  test('the programme down: the decision is recorded, its copy pending with the reason, then applied by the schedule', async () => {
    const holder = people.both[4]!;
    stack.estate.loyalty.faults.set({ down: true });
    let answer;
    try {
      answer = await ask(SET, { input: { customerId: holder.customerId, channel: 'PHONE', purpose: 'MARKETING', status: 'UNSUBSCRIBED' } });
    } finally {
      stack.estate.loyalty.faults.set({ down: false });
    }
    expect(answer.errors).toBeUndefined();
    const pending = await ask(PREFERENCES, { id: holder.customerId });
    const copy = (pending.data!.customer.contactPreferences.preferences as any[]).find((p) => p.channel === 'PHONE' && p.purpose === 'MARKETING').copies[0];
    expect(answer.data!.setContactPreference.preference.copies).toEqual([{ system: 'LOYALTY', localId: holder.memberIds[0], state: 'PENDING' }]);
    expect(copy).toMatchObject({ state: 'PENDING', attempts: 1 });
    expect(copy.lastError).toBeTruthy();
    // The schedule sends it again once it is due.
    await recovered(holder.customerId);
    // Due a second ago: the runs compare with the process's clock, in milliseconds, where now() has
    // microseconds, so a row due "now" could still be a fraction of a millisecond ahead of it.
    await stack.crosscanal.store.db.query("UPDATE contact_copy SET next_attempt_at = now() - interval '1 second' WHERE state = 'PENDING'");
    await stack.crosscanal.contact!.copies.incremental();
    expect(await programmeConsent(holder.memberIds[0]!, 'PHONE')).toMatchObject({ status: 'OPT_OUT', source: 'CALLCENTER' });
    const after = await ask(PREFERENCES, { id: holder.customerId });
    const phone = (after.data!.customer.contactPreferences.preferences as any[]).find((p) => p.channel === 'PHONE' && p.purpose === 'MARKETING');
    expect(phone.copies).toEqual([expect.objectContaining({ system: 'LOYALTY', state: 'APPLIED', attempts: 2, lastError: null })]);
    expect(phone.conflict).toBe(false);
  });

  test("the customer's own later choice on the web is kept: the pending copy is superseded, never written over it", async () => {
    const holder = people.webOnly[1]!;
    stack.estate.ecommerce.faults.set({ down: true });
    let answer;
    try {
      answer = await ask(SET, { input: { customerId: holder.customerId, channel: 'EMAIL', purpose: 'MARKETING', status: 'SUBSCRIBED', capturedAt: new Date(Date.now() - 5_000).toISOString() } });
    } finally {
      stack.estate.ecommerce.faults.set({ down: false });
    }
    expect(answer.data!.setContactPreference.preference.copies).toEqual([{ system: 'ECOMMERCE', localId: holder.accountIds[0], state: 'PENDING' }]);
    // Then the customer, on the web shop itself, subscribes and changes their mind, before the
    // copy is sent again (the shop stamps a change only: a choice equal to the flag leaves no trace).
    for (const optIn of [true, false]) {
      const patched = await fetch(`${stack.estate.ecommerce.url}/api/v1/customers/${holder.accountIds[0]}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ newsletter_opt_in: optIn }) });
      expect(patched.status).toBe(200);
    }
    await recovered(holder.customerId);
    await stack.crosscanal.store.db.query("UPDATE contact_copy SET next_attempt_at = now() - interval '1 second' WHERE state = 'PENDING'");
    await stack.crosscanal.contact!.copies.incremental();
    expect((await webAccount(holder.accountIds[0]!)).newsletter_opt_in).toBe(false);
    const after = await ask(PREFERENCES, { id: holder.customerId });
    const email = (after.data!.customer.contactPreferences.preferences as any[]).find((p) => p.channel === 'EMAIL' && p.purpose === 'MARKETING');
    expect(email).toMatchObject({ status: 'UNSUBSCRIBED', conflict: true, decision: { system: 'ECOMMERCE' }, copies: [{ system: 'ECOMMERCE', state: 'SUPERSEDED' }] });
    expect(email.copies[0].lastError).toMatch(/later choice of its own/);
  });

  test('a customer reads and records their own choices only', async () => {
    const [mine, other] = [people.both[5]!, people.both[0]!];
    const token = await stack.tokens.sign({ role: 'customer', customerId: mine.customerId, actor: 'web-user' });
    const own = await graphql(stack.gateway.url, SET, { input: { customerId: mine.customerId, channel: 'EMAIL', purpose: 'PARTNERS', status: 'SUBSCRIBED', place: 'APP' } }, token);
    expect(own.errors).toBeUndefined();
    expect(own.data!.setContactPreference.decision).toMatchObject({ source: 'APP', place: { kind: 'APP' } });
    const read = await graphql(stack.gateway.url, 'query { me { contactPreferences { preferences { channel purpose status copies { system state } } } } }', {}, token);
    expect(read.errors).toBeUndefined();
    expect(read.data!.me.contactPreferences.preferences.find((p: any) => p.channel === 'EMAIL' && p.purpose === 'PARTNERS')).toEqual({ channel: 'EMAIL', purpose: 'PARTNERS', status: 'SUBSCRIBED', copies: [] });
    const theirs = await graphql(stack.gateway.url, SET, { input: { customerId: other.customerId, channel: 'EMAIL', purpose: 'PARTNERS', status: 'SUBSCRIBED' } }, token);
    expect(theirs.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const store = await graphql(stack.gateway.url, SET, { input: { customerId: mine.customerId, channel: 'EMAIL', purpose: 'PARTNERS', status: 'SUBSCRIBED', place: 'STORE:NRD01' } }, token);
    expect(store.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('right of access', () => {
  const EXPORT = 'query ($id: ID!) { customer(id: $id) { personalData { customerId generatedAt recipients { system localId franchise } unavailable document } } }';

  test('one document holds what every system keeps on the customer, and names the systems that hold it', async () => {
    const holder = people.both[1]!;
    const answer = await ask(EXPORT, { id: holder.customerId });
    expect(answer.errors).toBeUndefined();
    const data = answer.data!.customer.personalData;
    expect(data.unavailable).toEqual([]);
    expect(data.recipients).toEqual(expect.arrayContaining([
      { system: 'CROSSCANAL', localId: holder.customerId, franchise: null },
      { system: 'ECOMMERCE', localId: holder.accountIds[0], franchise: null },
      { system: 'LOYALTY', localId: holder.memberIds[0], franchise: null },
    ]));
    const document = JSON.parse(data.document);
    const account = estate.ecommerce.customers.find((c) => String(c.id) === holder.accountIds[0])!;
    expect(document.ecommerce.accounts[0].account.emailKey).toBe(account.email.trim().toLowerCase());
    expect(document.ecommerce.orders.length).toBe(estate.ecommerce.orders.filter((o) => String(o.customer_id) === holder.accountIds[0]).length);
    expect(document.loyalty.members[0].member.memberId).toBe(holder.memberIds[0]);
    expect(document.loyalty.members[0].pointsMovements.length).toBe(estate.loyalty.movements.filter((m) => m.member_id === holder.memberIds[0]).length);
    // The choice recorded at the till earlier in this file, with its copies.
    expect(document.crosswalk.contactDecisions).toEqual([expect.objectContaining({ channel: 'EMAIL', purpose: 'MARKETING', status: 'UNSUBSCRIBED', place: 'STORE:NRD01', actor: 'seller-4' })]);
    expect(document.crosswalk.contactCopies.map((c: any) => c.state)).toEqual(['APPLIED', 'APPLIED']);
    expect(document.crosswalk.links.length).toBe(data.recipients.length - 1);
  });

  test('a customer gets their own export only; marketing none', async () => {
    const [mine, other] = [people.both[5]!, people.both[0]!];
    const token = await stack.tokens.sign({ role: 'customer', customerId: mine.customerId });
    const own = await graphql(stack.gateway.url, 'query { me { personalData { customerId recipients { system } } } }', {}, token);
    expect(own.errors).toBeUndefined();
    expect(own.data!.me.personalData.customerId).toBe(mine.customerId);
    const theirs = await graphql(stack.gateway.url, EXPORT, { id: other.customerId }, token);
    expect(theirs.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const marketing = await ask(EXPORT, { id: other.customerId }, 'marketing');
    expect(marketing.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('voice of the customer', () => {
  test("one timeline of a customer's reviews, tickets and store ratings, newest first; marketing gets no free text", async () => {
    const reviews = estate.ecommerce.reviews ?? [];
    const contacts = estate.ecommerce.serviceContacts ?? [];
    // A web account with reviews and tickets both.
    const accountId = [...new Set(reviews.map((r) => r.customer_id))].find((id) => contacts.some((c) => c.customer_id === id));
    expect(accountId).toBeDefined();
    const found = await ask('query ($id: ID!) { customer(by: { webAccountId: $id }) { id identities { system localId } } }', { id: String(accountId) });
    const customerId = found.data!.customer.id as string;
    const accounts = (found.data!.customer.identities as { system: string; localId: string }[]).filter((i) => i.system === 'ECOMMERCE').map((i) => Number(i.localId));
    const FEEDBACK = 'query ($id: ID!) { customer(id: $id) { feedback(first: 100) { items { kind system at rating text reference storeCode status } unavailable } } }';
    const answer = await ask(FEEDBACK, { id: customerId });
    expect(answer.errors).toBeUndefined();
    const { items, unavailable } = answer.data!.customer.feedback as { items: any[]; unavailable: string[] };
    expect(unavailable).toEqual([]);
    expect(items.filter((i) => i.kind === 'PRODUCT_REVIEW').map((i) => i.reference).sort()).toEqual(reviews.filter((r) => accounts.includes(r.customer_id)).map((r) => r.sku).sort());
    expect(items.filter((i) => i.kind === 'SERVICE_CONTACT').map((i) => i.reference).sort()).toEqual(contacts.filter((c) => accounts.includes(c.customer_id)).map((c) => c.ticket_number).sort());
    expect(items.map((i) => i.at)).toEqual([...items.map((i) => i.at)].sort().reverse());
    expect(items.some((i) => i.text)).toBe(true);
    const marketing = await ask(FEEDBACK.replace('text ', ''), { id: customerId }, 'marketing');
    expect(marketing.errors).toBeUndefined();
    const withText = await ask(FEEDBACK, { id: customerId }, 'marketing');
    expect(withText.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test("a product's published reviews and their average, for anyone; a store's ratings normalised to five, for its own staff", async () => {
    const published = (estate.ecommerce.reviews ?? []).filter((r) => r.status === 'published');
    const sku = [...new Set(published.map((r) => r.sku))].sort((a, b) => published.filter((r) => r.sku === b).length - published.filter((r) => r.sku === a).length)[0]!;
    const mine = published.filter((r) => r.sku === sku);
    const product = await graphql(stack.gateway.url, 'query ($sku: String!) { product(webSku: $sku) { reviewSummary { count average } reviews(first: 50) { rating } } }', { sku });
    expect(product.errors).toBeUndefined();
    expect(product.data!.product.reviewSummary.count).toBe(mine.length);
    expect(product.data!.product.reviewSummary.average).toBeCloseTo(mine.reduce((sum, r) => sum + r.rating, 0) / mine.length, 2);
    expect(product.data!.product.reviews).toHaveLength(mine.length);
    const ratings = (estate.pos.ratings ?? []).filter((r) => r.store_code === 'NRD01');
    expect(ratings.length).toBeGreaterThan(0);
    const store = await ask('{ store(code: "NRD01") { ratings { count average recent(first: 3) { rating scale normalised } } } }', {}, 'associate');
    expect(store.errors).toBeUndefined();
    expect(store.data!.store.ratings.count).toBe(ratings.length);
    expect(store.data!.store.ratings.average).toBeCloseTo(ratings.reduce((sum, r) => sum + r.score, 0) / ratings.length, 1);
    const elsewhere = await ask('{ store(code: "SUD01") { ratings { count } } }', {}, 'associate');
    expect(elsewhere.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('right to erasure', () => {
  const ERASE = 'mutation ($id: ID!, $reason: String!) { requestErasure(customerId: $id, reason: $reason) { created request { id state completedAt receipts { system target state attempts lastError erasedAt answer } } } }';

  /** Customers not used by the other tests, with a card seen at a till, a member and a web account. */
  async function erasable(count: number): Promise<Array<Holder & { card: string }>> {
    const used = new Set([...people.both, ...people.webOnly].map((h) => h.customerId));
    const found: Array<Holder & { card: string }> = [];
    for (const card of [...new Set(estate.pos.receipts.map((r) => r.card_number).filter((c): c is string => c !== null))]) {
      const answer = await ask('query ($card: String!) { customer(by: { cardNumber: $card }) { id identities { system localId } } }', { card });
      const customer = answer.data?.customer as { id: string; identities: { system: string; localId: string }[] } | null;
      if (!customer || used.has(customer.id)) continue;
      used.add(customer.id);
      const of = (system: string) => customer.identities.filter((i) => i.system === system).map((i) => i.localId);
      if (of('ECOMMERCE').length === 1 && of('LOYALTY').length === 1) found.push({ customerId: customer.id, memberIds: of('LOYALTY'), accountIds: of('ECOMMERCE'), card });
      if (found.length === count) return found;
    }
    throw new Error('not enough customers to erase');
  }

  test('every system erases the person and answers a receipt; the crosswalk then forgets its copy', async () => {
    const [person] = await erasable(1);
    const before = JSON.parse((await ask('query ($id: ID!) { customer(id: $id) { personalData { document } } }', { id: person!.customerId })).data!.customer.personalData.document);
    expect(before.pos.receipts.length).toBeGreaterThan(0);
    const answer = await ask(ERASE, { id: person!.customerId, reason: 'asked by letter of 2 December' });
    expect(answer.errors).toBeUndefined();
    const { created, request } = answer.data!.requestErasure;
    expect(created).toBe(true);
    expect(request.state).toBe('DONE');
    expect(request.receipts.map((r: any) => [r.system, r.state])).toEqual([['ECOMMERCE', 'DONE'], ['LOYALTY', 'DONE'], ['POS', 'DONE']]);
    expect(JSON.parse(request.receipts.find((r: any) => r.system === 'POS').answer).reduce((sum: number, f: any) => sum + f.receipts, 0)).toBeGreaterThan(0);
    // The web shop and the programme hold no one any more; the consents are all refusals.
    const account = (await (await fetch(`${stack.estate.ecommerce.url}/api/v1/customers/${person!.accountIds[0]}`)).json()) as { data: { email: string; erased_at: string | null } };
    expect(account.data).toMatchObject({ email: `erased-${person!.accountIds[0]}@erased.invalid`, erased_at: expect.any(String) });
    const consents = await programme.getConsents([person!.memberIds[0]!]);
    expect(consents.records.every((c) => c.status === 'OPT_OUT')).toBe(true);
    // The tills no longer know the card, and the crosswalk kept nothing of the person's values.
    const after = JSON.parse((await ask('query ($id: ID!) { customer(id: $id) { personalData { document } } }', { id: person!.customerId })).data!.customer.personalData.document);
    expect(after.pos.receipts).toEqual([]);
    expect(after.crosswalk.records.every((r: any) => r.email === null && r.phone === null && r.lastName === null)).toBe(true);
    // Asking again: a new request, every system answering it as done already.
    const again = await ask(ERASE, { id: person!.customerId, reason: 'asked again' });
    expect(again.data!.requestErasure.request.receipts.every((r: any) => r.state === 'DONE')).toBe(true);
  });

  test("a request's receipts are sent at once when the crosswalk's clock runs behind the database's", async () => {
    // Two hosts' clocks minutes apart: the receipts are due by the clock of the run that sends them.
    const [person] = await erasable(1);
    const asked: string[] = [];
    const erasedAt = new Date().toISOString();
    const erasures = createErasures({
      store: stack.crosscanal.store,
      systems: {
        ecommerce: { eraseCustomer: async (id) => (asked.push(`ECOMMERCE ${id}`), { erasedAt }) },
        loyalty: { eraseMember: async (memberId) => (asked.push(`LOYALTY ${memberId}`), { erasedAt, duplicate: false }) },
        pos: { eraseCustomer: async () => (asked.push('POS'), { erased: 0 }) },
      },
      now: () => new Date(Date.now() - 5 * 60_000),
    });
    const { request } = await erasures.request({ customerId: person!.customerId, reason: 'clock check', actor: 'test', role: 'service' });
    await erasures.applyRequest(request.id);
    expect(asked.sort()).toEqual([`ECOMMERCE ${person!.accountIds[0]}`, `LOYALTY ${person!.memberIds[0]}`, 'POS']);
    const done = (await erasures.requestsOf(person!.customerId)).find((r) => r.id === request.id);
    expect(done).toMatchObject({ state: 'DONE', receipts: [{ state: 'DONE' }, { state: 'DONE' }, { state: 'DONE' }] });
  });

  test('a system down leaves its receipt pending, sent again once it is back; only service and the customer ask', async () => {
    const [person, other] = await erasable(2);
    stack.estate.loyalty.faults.set({ down: true });
    let answer;
    try {
      answer = await ask(ERASE, { id: person!.customerId, reason: 'phone call' });
    } finally {
      stack.estate.loyalty.faults.set({ down: false });
    }
    expect(answer.errors).toBeUndefined();
    const loyalty = answer.data!.requestErasure.request.receipts.find((r: any) => r.system === 'LOYALTY');
    expect(loyalty).toMatchObject({ state: 'PENDING', attempts: 1 });
    expect(answer.data!.requestErasure.request.state).toBe('PENDING');
    // Asking again while it is open answers the same request.
    const open = await ask(ERASE, { id: person!.customerId, reason: 'phone call, again' });
    expect(open.data!.requestErasure).toMatchObject({ created: false, request: { id: answer.data!.requestErasure.request.id } });
    await recovered(person!.customerId).catch(() => undefined);
    await stack.crosscanal.store.db.query("UPDATE erasure_receipt SET next_attempt_at = now() - interval '1 second' WHERE state = 'PENDING'");
    await stack.crosscanal.erasures!.incremental();
    const requests = await ask('query ($id: ID!) { customer(id: $id) { erasureRequests { state receipts { system state } } } }', { id: person!.customerId });
    expect(requests.data!.customer.erasureRequests[0]).toEqual({ state: 'DONE', receipts: [{ system: 'ECOMMERCE', state: 'DONE' }, { system: 'LOYALTY', state: 'DONE' }, { system: 'POS', state: 'DONE' }] });
    // Who may ask.
    const token = await stack.tokens.sign({ role: 'customer', customerId: other!.customerId });
    const theirs = await graphql(stack.gateway.url, ERASE, { id: person!.customerId, reason: 'not mine' }, token);
    expect(theirs.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const role of ['marketing', 'associate']) expect((await ask(ERASE, { id: other!.customerId, reason: 'no' }, role)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await ask(ERASE, { id: other!.customerId, reason: '  ' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('audience', () => {
  const AUDIENCE = /* GraphQL */ `
    query ($channel: ContactChannel!, $purpose: ContactPurpose!, $first: Int, $after: String) {
      audience(channel: $channel, purpose: $purpose, first: $first, after: $after) { members { customer { id } address } endCursor hasNextPage scanned }
    }
  `;

  async function everyone(channel: string, purpose: string, first = 50): Promise<Array<{ id: string; address: string | null }>> {
    const members: Array<{ id: string; address: string | null }> = [];
    let after: string | null = null;
    for (let page = 0; page < 200; page++) {
      const answer = await ask(AUDIENCE, { channel, purpose, first, after }, 'marketing');
      expect(answer.errors).toBeUndefined();
      const { members: got, endCursor, hasNextPage } = answer.data!.audience;
      members.push(...got.map((m: any) => ({ id: m.customer.id, address: m.address })));
      if (!hasNextPage) return members;
      after = endCursor;
    }
    throw new Error('the audience did not end');
  }

  test('holds exactly the customers contactable says yes for, each once, with an address; never one who refused', async () => {
    const email = await everyone('EMAIL', 'MARKETING');
    expect(email.length).toBeGreaterThan(0);
    expect(new Set(email.map((m) => m.id)).size).toBe(email.length);
    expect(email.every((m) => m.address !== null && m.address.includes('@'))).toBe(true);
    // The customer who refused at the till is out; the whole audience agrees with contactable, one by one for a sample.
    expect(email.map((m) => m.id)).not.toContain(people.both[1]!.customerId);
    for (const member of email.slice(0, 10)) {
      const answer = await ask(CONTACTABLE, { id: member.id, channel: 'EMAIL', purpose: 'MARKETING' }, 'marketing');
      expect(answer.data!.customer.contactable.contactable).toBe(true);
    }
    // Paging does not change the answer.
    expect((await everyone('EMAIL', 'MARKETING', 7)).map((m) => m.id)).toEqual(email.map((m) => m.id));
  });

  test('the export command writes the same audience as the pages, as CSV or JSON Lines', async () => {
    const paged = await everyone('SMS', 'MARKETING');
    let csv = '';
    const count = await exportAudience({ gatewayUrl: stack.gateway.url, token: tokens.marketing!, channel: 'SMS', purpose: 'MARKETING', format: 'csv', page: 3 }, (chunk) => {
      csv += chunk;
    });
    expect(count).toBe(paged.length);
    expect(csv.trimEnd().split('\n')).toEqual(['customer_id,address', ...paged.map((m) => `${m.id},${m.address}`)]);
    expect(paged.every((m) => /^\+33[67]\d{8}$/.test(m.address ?? ''))).toBe(true);
    let jsonl = '';
    await exportAudience({ gatewayUrl: stack.gateway.url, token: tokens.marketing!, channel: 'SMS', purpose: 'MARKETING', format: 'jsonl', page: 500 }, (chunk) => {
      jsonl += chunk;
    });
    expect(jsonl.trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line).customerId)).toEqual(paged.map((m) => m.id));
    // A token the graph refuses stops the export with the graph's code.
    await expect(exportAudience({ gatewayUrl: stack.gateway.url, token: tokens.service!, channel: 'SMS', purpose: 'MARKETING', format: 'csv', page: 10 }, () => undefined)).rejects.toThrow(/FORBIDDEN/);
    expect(() => parseAudienceArgs(['--channel', 'FAX', '--purpose', 'MARKETING'])).toThrow(UsageError);
    expect(() => parseAudienceArgs(['--channel', 'sms', '--purpose', 'MARKETING', '--page', '0'])).toThrow('--page must be a whole number from 1 to 500, got "0"');
    expect(parseAudienceArgs(['--channel', 'sms', '--purpose', 'marketing'])).toEqual({ channel: 'SMS', purpose: 'MARKETING', format: 'csv', out: null, page: 500 });
  });

  test('refuses a bad cursor and a page too large, and is for marketing only', async () => {
    const bad = await ask(AUDIENCE, { channel: 'EMAIL', purpose: 'MARKETING', after: 'not-a-cursor' }, 'marketing');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await ask(AUDIENCE, { channel: 'EMAIL', purpose: 'MARKETING', first: 501 }, 'marketing');
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const service = await ask(AUDIENCE, { channel: 'EMAIL', purpose: 'MARKETING' }, 'service');
    expect(service.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
