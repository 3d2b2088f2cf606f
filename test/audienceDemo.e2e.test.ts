import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEstate, readGroundTruth } from '../legacy/generator/files.js';
import type { Estate, GroundTruth } from '../legacy/generator/model.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { parseRecordId, phonesOf } from '../subgraphs/crosscanal/matching/records.js';
import { graphql } from './graphql.js';
import { startTestStack } from './support/testDatabase.js';

// Over the whole demo estate: the marketing audience of every channel, read page by page
// through the gateway, against what the systems' own files say of each customer, worked out
// here from the systems' files (the addresses as the crosswalk holds them). Nobody whose latest decision on the channel is anything
// but an opt-in is in it, nor anybody with a number on the do-not-call list for PHONE; and
// everybody with an opt-in and an address is.
let dir: string;
let stack: RunningStack;
let estate: Estate;
let truth: GroundTruth;
let marketing: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-audience-'));
  stack = await startTestStack({ dataDir: dir, scale: 'demo', ...ANY_PORTS, gatewayEnv: { GATEWAY_RATE_LIMIT_PER_MINUTE: '0' } });
  estate = await readEstate(dir);
  truth = await readGroundTruth(dir);
  marketing = await stack.tokens.sign({ role: 'marketing', actor: 'campaigns' });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

type Channel = 'EMAIL' | 'SMS' | 'PHONE' | 'POST';

/** Per customer: the latest dated decision per channel any of their records holds, and their addresses. */
async function expected(): Promise<Map<string, { latest: Map<Channel, { status: string; at: string }>; emails: number; mobiles: string[]; phones: string[]; postcodes: number }>> {
  const customers = new Map<string, { latest: Map<Channel, { status: string; at: string }>; emails: number; mobiles: string[]; phones: string[]; postcodes: number }>();
  const accounts = new Map(estate.ecommerce.customers.map((c) => [String(c.id), c]));
  const consents = new Map<string, typeof estate.loyalty.consents>();
  for (const consent of estate.loyalty.consents) consents.set(consent.member_id, [...(consents.get(consent.member_id) ?? []), consent]);
  const decide = (latest: Map<Channel, { status: string; at: string }>, channel: Channel, status: string, at: string) => {
    const known = latest.get(channel);
    // The safer status wins a tie, as the graph's rule says.
    if (!known || at > known.at || (at === known.at && status !== 'SUBSCRIBED')) latest.set(channel, { status, at });
  };
  // Addresses as the crosswalk holds them (a web account's delivery phone included); the
  // decisions from the systems' own files.
  const links = await stack.crosscanal.store.allLinks();
  const records = await stack.crosscanal.store.records([...links.keys()]);
  for (const [record, link] of links) {
    const key = parseRecordId(record);
    const customer = customers.get(link.customerId) ?? { latest: new Map<Channel, { status: string; at: string }>(), emails: 0, mobiles: [] as string[], phones: [] as string[], postcodes: 0 };
    customers.set(link.customerId, customer);
    const held = records.get(record);
    if (held?.email) customer.emails += 1;
    if (held?.postcode) customer.postcodes += 1;
    for (const e164 of phonesOf(held ?? { phone: null })) {
      customer.phones.push(e164);
      if (/^\+33[67]/.test(e164)) customer.mobiles.push(e164);
    }
    if (key.system === 'LOYALTY') {
      const byChannel = new Map<string, (typeof estate.loyalty.consents)[number]>();
      for (const c of consents.get(key.localId) ?? []) if (!byChannel.has(c.channel) || c.captured_at > byChannel.get(c.channel)!.captured_at) byChannel.set(c.channel, c);
      for (const c of byChannel.values()) decide(customer.latest, c.channel, { OPT_IN: 'SUBSCRIBED', OPT_OUT: 'UNSUBSCRIBED', PENDING: 'PENDING' }[c.status], new Date(c.captured_at).toISOString());
    } else if (key.system === 'ECOMMERCE') {
      const account = accounts.get(key.localId)!;
      if (account.newsletter_opt_in_at) decide(customer.latest, 'EMAIL', account.newsletter_opt_in ? 'SUBSCRIBED' : 'UNSUBSCRIBED', new Date(account.newsletter_opt_in_at).toISOString());
    }
  }
  return customers;
}

async function audience(channel: Channel): Promise<Map<string, string | null>> {
  const members = new Map<string, string | null>();
  let after: string | null = null;
  for (;;) {
    const answer = await graphql(
      stack.gateway.url,
      'query ($channel: ContactChannel!, $after: String) { audience(channel: $channel, purpose: MARKETING, first: 500, after: $after) { members { customer { id } address } endCursor hasNextPage } }',
      { channel, after },
      marketing,
    );
    expect(answer.errors).toBeUndefined();
    for (const member of answer.data!.audience.members) {
      expect(members.has(member.customer.id)).toBe(false);
      members.set(member.customer.id, member.address);
    }
    if (!answer.data!.audience.hasNextPage) return members;
    after = answer.data!.audience.endCursor;
  }
}

test('every marketing audience holds exactly the customers whose latest decision is an opt-in, with an address, off the do-not-call list for PHONE', async () => {
  const customers = await expected();
  const opposed = new Set(truth.opposition.phones);
  expect(opposed.size).toBeGreaterThan(0);
  let refusedSeen = 0;
  let opposedSeen = 0;
  for (const channel of ['EMAIL', 'SMS', 'PHONE', 'POST'] as const) {
    const members = await audience(channel);
    const want = new Set<string>();
    for (const [id, customer] of customers) {
      const decision = customer.latest.get(channel);
      if (decision && decision.status !== 'SUBSCRIBED') refusedSeen += 1;
      const address = { EMAIL: customer.emails > 0, SMS: customer.mobiles.length > 0, PHONE: customer.phones.length > 0, POST: customer.postcodes > 0 }[channel];
      const onList = channel === 'PHONE' && customer.phones.some((p) => opposed.has(p));
      if (onList && decision?.status === 'SUBSCRIBED') opposedSeen += 1;
      if (decision?.status === 'SUBSCRIBED' && address && !onList) want.add(id);
    }
    // Nobody who refused, or whose opt-in is unconfirmed, or whose number is on the list.
    const wrong = [...members.keys()].filter((id) => !want.has(id));
    expect({ channel, wrong: wrong.map((id) => ({ id, address: members.get(id), ...customers.get(id), latest: [...(customers.get(id)?.latest ?? [])] })) }).toEqual({ channel, wrong: [] });
    // And nobody left out.
    expect({ channel, missing: [...want].filter((id) => !members.has(id)) }).toEqual({ channel, missing: [] });
    if (channel === 'PHONE') for (const number of members.values()) expect(opposed.has(number!)).toBe(false);
    expect(members.size).toBeGreaterThan(0);
  }
  // The estate has refusals and opted-in customers on the list for the audience to leave out.
  expect(refusedSeen).toBeGreaterThan(0);
  expect(opposedSeen).toBeGreaterThan(0);
}, 300_000);
