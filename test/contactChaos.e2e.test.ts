import type { RunningStack } from '../scripts/stack.js';
import { createContactCopies, type ContactSystems } from '../subgraphs/crosscanal/contact/copies.js';
import { EcommerceClient } from '../subgraphs/ecommerce/client.js';
import { LoyaltyClient } from '../subgraphs/loyalty/client.js';
import { LegacySource } from '../subgraphs/shared/source.js';
import type { Estate } from '../legacy/generator/model.js';
import { graphql } from './graphql.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// Nothing lost, nothing reverted: a few hundred contact choices given through the gateway,
// sent in shuffled order, while the programme and the web shop fail 30 % of their calls and
// go down now and then, and the crosswalk's copy sender dies mid-way (some of its sends
// landed unacknowledged, some never left) and another takes over. In the end every system
// holds, for every customer and channel, the decision captured last.
let tiny: TinyStack;
let stack: RunningStack;
let estate: Estate;
let service: string;

const CHANNELS = ['EMAIL', 'SMS', 'PHONE', 'POST'] as const;
const CHANGES = 300;

beforeAll(async () => {
  tiny = await startTinyStack('contact-chaos');
  ({ stack, estate } = tiny);
  service = await stack.tokens.sign({ role: 'service', actor: 'agent-chaos' });
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
});

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
}

interface Person {
  customerId: string;
  memberIds: string[];
  accountIds: string[];
}

async function people(): Promise<Person[]> {
  const found = new Map<string, Person>();
  const lookups = [
    ...estate.ecommerce.customers.slice(0, 40).map((c) => ({ webAccountId: String(c.id) })),
    ...estate.loyalty.members.slice(0, 25).map((m) => ({ loyaltyMemberId: m.member_id })),
  ];
  for (const by of lookups) {
    const answer = await graphql(stack.gateway.url, 'query ($by: CustomerLookup!) { customer(by: $by) { id identities { system localId } } }', { by }, service);
    const customer = answer.data?.customer as { id: string; identities: { system: string; localId: string }[] } | null;
    if (!customer || found.has(customer.id)) continue;
    const of = (system: string) => customer.identities.filter((i) => i.system === system).map((i) => i.localId);
    found.set(customer.id, { customerId: customer.id, memberIds: of('LOYALTY'), accountIds: of('ECOMMERCE') });
  }
  return [...found.values()].filter((p) => p.memberIds.length + p.accountIds.length > 0);
}

const SET = 'mutation ($input: ContactPreferenceInput!) { setContactPreference(input: $input) { created } }';

/**
 * Gives one change through the gateway until it is recorded (a retry is the same decision).
 * Refused for the client's rate (300 changes and their retries from one agent go past the
 * gateway's 1,200 a minute), it waits the second the refusal asks for, as a client should.
 */
async function give(input: Record<string, unknown>): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const answer = await graphql(stack.gateway.url, SET, { input }, service);
    if (!answer.errors) return;
    const limited = answer.errors.some((e) => e.extensions?.code === 'RATE_LIMITED');
    await new Promise((resolve) => setTimeout(resolve, limited ? 1000 : 50));
  }
  throw new Error(`could not record ${JSON.stringify(input)}`);
}

async function giveAll(changes: Array<Record<string, unknown>>, concurrency = 4): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < changes.length) await give(changes[next++]!);
  }));
}

/** Systems that die with the sender: after `lives` calls, a call hangs forever, sent (and landed) or not. */
function dying(systems: Required<{ [K in keyof ContactSystems]: NonNullable<ContactSystems[K]> }>, lives: number): ContactSystems {
  let calls = 0;
  const never = new Promise<never>(() => undefined);
  const wrap = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    calls += 1;
    if (calls <= lives) return call(...args);
    // Half the dead sends reach the system before the process dies; no answer ever comes back.
    if (calls % 2 === 0) await call(...args).catch(() => undefined);
    return never;
  };
  return {
    loyalty: { updateConsent: wrap((u) => systems.loyalty.updateConsent(u)) },
    ecommerce: { customersByIds: (ids) => systems.ecommerce.customersByIds(ids), setNewsletter: wrap((id, optIn) => systems.ecommerce.setNewsletter(id, optIn)) },
  };
}

test('every system ends holding the latest decision for every customer and channel', async () => {
  const persons = await people();
  expect(persons.length).toBeGreaterThanOrEqual(20);
  const draw = random(20261205);
  const base = Date.now() - 3_600_000;
  // Each change its own instant; sent in shuffled order, so that many arrive after a later one.
  const changes = Array.from({ length: CHANGES }, (_, i) => {
    const person = persons[Math.floor(draw() * persons.length)]!;
    return {
      customerId: person.customerId,
      channel: CHANNELS[Math.floor(draw() * CHANNELS.length)]!,
      purpose: 'MARKETING',
      status: draw() < 0.5 ? 'SUBSCRIBED' : 'UNSUBSCRIBED',
      capturedAt: new Date(base + i * 1000).toISOString(),
    };
  });
  const shuffled = [...changes].sort(() => draw() - 0.5);

  const fresh = (system: 'loyalty' | 'ecommerce', timeoutMs = 10_000) => new LegacySource(system, { timeoutMs, retries: 0, breaker: { failureThreshold: 1_000, resetAfterMs: 100 } });
  // The senders wait for an answer as long as the crosswalk's own do (10 s). A send given up on
  // sooner could still land at the system after a newer one: a limit of the design, kept out of
  // this test by timeouts shorter than the senders' claims (docs/contact.md, known limits).
  const systems = {
    loyalty: new LoyaltyClient(stack.estate.loyalty.endpoint, fresh('loyalty')),
    ecommerce: new EcommerceClient(stack.estate.ecommerce.url, fresh('ecommerce')),
  };

  for (const system of ['loyalty', 'ecommerce'] as const) stack.estate[system].faults.set({ errorRate: 0.3 });
  try {
    // The first half, with the crosswalk's own sender trying each at once.
    await giveAll(shuffled.slice(0, CHANGES / 2));
    // A sender dies mid-run: what it claimed stays claimed until its lease ends. The lease outlasts
    // a send (12 s against 10 s here, 60 s in production): a send still in flight when another
    // run takes over could otherwise land last.
    const dead = createContactCopies({ store: stack.crosscanal.store, systems: dying(systems, 15), claimMs: 12_000, concurrency: 4 });
    // Due a second ago: the runs compare with the process's clock, in milliseconds, where now() has
    // microseconds, so a row due "now" could still be a fraction of a millisecond ahead of it.
    await stack.crosscanal.store.db.query("UPDATE contact_copy SET next_attempt_at = now() - interval '1 second' WHERE state = 'PENDING'");
    void dead.incremental();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The second half, one system down for a while in the middle of it.
    await giveAll(shuffled.slice(CHANGES / 2, (CHANGES * 3) / 4));
    stack.estate.loyalty.faults.set({ down: true });
    await giveAll(shuffled.slice((CHANGES * 3) / 4, CHANGES - 20));
    stack.estate.loyalty.faults.set({ down: false });
    stack.estate.ecommerce.faults.set({ down: true });
    await giveAll(shuffled.slice(CHANGES - 20));
    stack.estate.ecommerce.faults.set({ down: false });

    // A new sender takes over (the dead one's lease runs out), still against 30 % errors.
    const survivor = createContactCopies({ store: stack.crosscanal.store, systems, retryBaseMs: 10, claimMs: 15_000 });
    const deadline = Date.now() + 90_000;
    for (;;) {
      expect(Date.now()).toBeLessThan(deadline);
      await stack.crosscanal.store.db.query("UPDATE contact_copy SET next_attempt_at = now() - interval '1 second' WHERE state = 'PENDING'");
      await survivor.incremental();
      const [{ n }] = await stack.crosscanal.store.db.query<{ n: string }>("SELECT count(*) AS n FROM contact_copy WHERE state = 'PENDING'");
      if (Number(n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    for (const system of ['loyalty', 'ecommerce'] as const) stack.estate[system].faults.reset();
  }

  // Nothing failed, nothing was taken over by a choice the systems made on their own.
  const states = await stack.crosscanal.store.db.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM contact_copy GROUP BY state');
  expect(Object.fromEntries(states.map((s) => [s.state, Number(s.n)]))).toEqual({ APPLIED: expect.any(Number) });

  // The latest decision per customer and channel, and what each system holds.
  const latest = new Map<string, (typeof changes)[number]>();
  for (const change of changes) latest.set(`${change.customerId}/${change.channel}`, change);
  const byId = new Map(persons.map((p) => [p.customerId, p]));
  const programme = new LoyaltyClient(stack.estate.loyalty.endpoint, new LegacySource('loyalty', { retries: 0 }));
  const consents = await programme.getConsents([...new Set(persons.flatMap((p) => p.memberIds))]);
  const held = new Map(consents.records.map((c) => [`${c.memberId}/${c.channel}`, c]));
  let checked = 0;
  const wrong: string[] = [];
  for (const [key, change] of latest) {
    const person = byId.get(change.customerId)!;
    const want = change.status === 'SUBSCRIBED' ? 'OPT_IN' : 'OPT_OUT';
    for (const member of person.memberIds) {
      const consent = held.get(`${member}/${change.channel}`);
      checked += 1;
      if (consent?.status !== want || Date.parse(consent.capturedAt) !== Date.parse(change.capturedAt)) wrong.push(`${key} loyalty ${member}: ${consent?.status}@${consent?.capturedAt}, want ${want}@${change.capturedAt}`);
    }
    if (change.channel !== 'EMAIL') continue;
    for (const account of person.accountIds) {
      const response = await fetch(`${stack.estate.ecommerce.url}/api/v1/customers/${account}`);
      const { data } = (await response.json()) as { data: { newsletter_opt_in: boolean } };
      checked += 1;
      if (data.newsletter_opt_in !== (change.status === 'SUBSCRIBED')) wrong.push(`${key} web ${account}: ${data.newsletter_opt_in}, want ${change.status}`);
    }
  }
  expect(wrong).toEqual([]);
  expect(checked).toBeGreaterThan(100);

  // The graph says the same: each choice's winner is the latest decision, with no conflict left.
  // (The breakers the storm opened close within seconds of the systems' recovery.)
  const read = async (id: string) => {
    for (let attempt = 0; ; attempt++) {
      const answer = await graphql(
        stack.gateway.url,
        'query ($id: ID!) { customer(id: $id) { contactPreferences { preferences { channel purpose status conflict decision { system capturedAt } } } } }',
        { id },
        service,
      );
      if (!answer.errors || attempt === 40) return answer;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  for (const [key, change] of [...latest].slice(0, 25)) {
    const answer = await read(change.customerId);
    expect(answer.errors).toBeUndefined();
    const preference = (answer.data!.customer.contactPreferences.preferences as any[]).find((p) => p.channel === change.channel && p.purpose === 'MARKETING');
    expect({ key, status: preference.status, conflict: preference.conflict, at: preference.decision.capturedAt }).toEqual({ key, status: change.status, conflict: false, at: change.capturedAt });
  }
}, 240_000);
