import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { WireCustomer } from '../../ecommerce/client.js';
import { recordId } from '../matching/records.js';
import { CrosswalkStore } from '../store/crosswalkStore.js';
import { createContactCopies, type ContactCopies } from './copies.js';

/**
 * The copies' sends against a web shop whose answers get lost, on the crosswalk's own tables
 * (PGlite): the order of what lands, fails and is retried is set by the test, not by chance.
 */

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** A web shop of one account (each test its own), stamped by the test's clock; each call does what the next step says. */
function webShop(id: number, clock: () => number) {
  const account: WireCustomer = {
    id, email: 'a@example.org', first_name: 'A', last_name: 'B', phone: null,
    newsletter_opt_in: false, newsletter_opt_in_at: at(-86_400_000), created_at: at(-86_400_000), updated_at: at(-86_400_000),
  };
  const steps: Array<'land' | 'land, answer lost' | 'lost before landing'> = [];
  const calls: boolean[] = [];
  return {
    account,
    steps,
    calls,
    customersByIds: async () => [{ ...account }],
    setNewsletter: async (_id: number, optIn: boolean) => {
      calls.push(optIn);
      const step = steps.shift() ?? 'land';
      if (step === 'lost before landing') throw new Error('socket hang up');
      account.newsletter_opt_in = optIn;
      account.newsletter_opt_in_at = at(clock() + 300);
      if (step === 'land, answer lost') throw new Error('timeout waiting for the answer');
      return { ...account };
    },
  };
}

describe('contact copies to a web shop that loses answers', () => {
  let store: CrosswalkStore;
  beforeAll(async () => {
    store = await CrosswalkStore.open();
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  let customer = 0;
  const setUp = () => {
    let clock = 0;
    customer += 1;
    const shop = webShop(100 + customer, () => clock);
    const customerId = `C-copies-${customer}`;
    const links = new Map([[customerId, [{ customerId, record: recordId({ system: 'ECOMMERCE', franchise: null, localId: String(shop.account.id) }) }]]]);
    const copies: ContactCopies = createContactCopies({
      store: { db: store.db, linksOfCustomers: async () => links as never },
      systems: { loyalty: null, ecommerce: shop },
      now: () => new Date(T0 + clock),
      retryBaseMs: 1_000,
    });
    const decide = (status: 'SUBSCRIBED' | 'UNSUBSCRIBED', capturedAt: number) =>
      copies.record({ customerId, channel: 'EMAIL', purpose: 'MARKETING', status, capturedAt: at(capturedAt), place: 'WEB', actor: 'test', role: 'service' });
    const state = async () => (await copies.copiesOf([customerId])).get(customerId)![0]!.state;
    return { shop, copies, customerId, decide, state, tick: (ms: number) => (clock += ms) };
  };

  test('a send that landed with its answer lost, then a newer decision whose first send is lost before landing: the newer decision lands', async () => {
    const { shop, copies, customerId, decide, state, tick } = setUp();
    await decide('SUBSCRIBED', 0);
    shop.steps.push('land, answer lost');
    tick(1_000);
    expect(await copies.applyForCustomer(customerId)).toMatchObject({ retried: 1 });
    expect(shop.account.newsletter_opt_in).toBe(true);
    // Captured before the first send landed: the shop's stamp is later than this decision.
    await decide('UNSUBSCRIBED', 1_100);
    shop.steps.push('lost before landing');
    tick(500);
    expect(await copies.applyForCustomer(customerId)).toMatchObject({ retried: 1 });
    tick(5_000);
    expect(await copies.applyForCustomer(customerId)).toMatchObject({ applied: 1, superseded: 0 });
    expect(shop.account.newsletter_opt_in).toBe(false);
    expect(await state()).toBe('APPLIED');
    expect(shop.calls).toEqual([true, false, false]);
  });

  test("the customer's own choice on the web after the decision is kept, even when it is a status we sent long before", async () => {
    const { shop, copies, customerId, decide, state, tick } = setUp();
    await decide('SUBSCRIBED', 0);
    tick(1_000);
    expect(await copies.applyForCustomer(customerId)).toMatchObject({ applied: 1 });
    // An hour later the customer, having unsubscribed on the web, subscribes there again (the shop keeps the last) ...
    shop.account.newsletter_opt_in = true;
    shop.account.newsletter_opt_in_at = at(3_720_000);
    // ... while a decision to unsubscribe, taken at a till in between, reaches us after.
    tick(3_780_000);
    await decide('UNSUBSCRIBED', 3_660_000);
    expect(await copies.applyForCustomer(customerId)).toMatchObject({ superseded: 1, applied: 0 });
    expect(await state()).toBe('SUPERSEDED');
    expect(shop.account.newsletter_opt_in).toBe(true);
    expect(shop.calls).toEqual([true]);
  });
});

/**
 * Decisions of one choice given at the same moment, on PostgreSQL (several connections, each
 * transaction its own): whatever order they come in, the copy ends naming the one captured
 * last, and an earlier one is answered as current only when it came first.
 */
(process.env.DATABASE_URL ? describe : describe.skip)('decisions of one choice given at once, on PostgreSQL', () => {
  const schema = `cc_copies_${process.pid}_${Date.now().toString(36)}`;
  let store: CrosswalkStore;
  beforeAll(async () => {
    store = await CrosswalkStore.open({ databaseUrl: process.env.DATABASE_URL, schema });
  }, 60_000);
  afterAll(async () => {
    await store?.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await store?.close();
  });

  test('an earlier-captured decision committing first does not keep the later one from its copy', async () => {
    const customers = Array.from({ length: 40 }, (_, i) => ({ customerId: `C-race-${i}`, account: 500 + i }));
    const links = new Map(customers.map(({ customerId, account }) => [customerId, [{ customerId, record: recordId({ system: 'ECOMMERCE', franchise: null, localId: String(account) }) }]]));
    const unused = async () => {
      throw new Error('nothing is sent here');
    };
    const copies = createContactCopies({
      store: { db: store.db, linksOfCustomers: async (ids: readonly string[]) => new Map(ids.map((id) => [id, links.get(id)!])) as never },
      systems: { loyalty: null, ecommerce: { customersByIds: unused, setNewsletter: unused } },
    });
    const decide = (customerId: string, status: 'SUBSCRIBED' | 'UNSUBSCRIBED', capturedAt: number) =>
      copies.record({ customerId, channel: 'EMAIL', purpose: 'MARKETING', status, capturedAt: at(capturedAt), place: 'WEB', actor: 'test', role: 'service' });
    // Each copy first names an old decision; then an earlier and a later one arrive together.
    for (const { customerId } of customers) await decide(customerId, 'SUBSCRIBED', 0);
    const given = await Promise.all(customers.map(({ customerId }) => Promise.all([decide(customerId, 'UNSUBSCRIBED', 1_000), decide(customerId, 'SUBSCRIBED', 2_000)])));

    const held = await copies.copiesOf(customers.map((c) => c.customerId));
    const wrong = customers.flatMap(({ customerId }, i) => {
      const [earlier, later] = given[i]!;
      const copy = held.get(customerId)![0]!;
      // The earlier one was current when it was recorded only if it was recorded first.
      const earlierFirst = BigInt(earlier.decision.id) < BigInt(later.decision.id);
      return copy.decisionId === later.decision.id && later.current && earlier.current === earlierFirst
        ? []
        : [`${customerId}: copy names ${copy.decisionId === earlier.decision.id ? 'the earlier' : copy.decisionId === later.decision.id ? 'the later' : 'the first'} decision; current: earlier ${earlier.current}, later ${later.current}`];
    });
    expect(wrong).toEqual([]);
  }, 60_000);
});
