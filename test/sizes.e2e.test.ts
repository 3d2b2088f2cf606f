import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEstate, readLoyalty } from '../legacy/generator/files.js';
import type { Estate, LoyaltyMember } from '../legacy/generator/model.js';
import { LOYALTY_FOLDER } from '../legacy/loyalty/config.js';
import { startLoyalty, type RunningLoyalty } from '../legacy/loyalty/server.js';
import { arg, soapClient } from '../legacy/loyalty/testClient.js';
import { ANY_PORTS, type RunningStack } from '../scripts/stack.js';
import { startTestStack } from './support/testDatabase.js';
import { graphql, type GraphQLAnswer } from './graphql.js';
import { TEST_INTERNAL_SECRET } from './support/grant.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

// Clienteling at the till, through the gateway on a generated estate: a store associate
// recognises a customer by the loyalty card they present, records the sizes they give, reads
// them back through the customer, and the programme keeps them across a restart of its
// service. A bad size and a role that may not write are refused without reaching it.
let dir: string;
let stack: RunningStack;
let estate: Estate;
let gateway: string;
/** A second gateway over the same subgraphs without safelists, so that a partner meets the role check itself. */
let open: TestGateway;
/** What the associate's first recording answered. */
let recorded: { memberId: string; updatedAt: string; sizeProfile: Record<string, string | null> };
/** The loyalty service started again on the stack's folder and port; the stack stops the first one. */
let restarted: RunningLoyalty | undefined;
const tokens: Record<'associate' | 'service' | 'customer' | 'partner', string> = { associate: '', service: '', customer: '', partner: '' };

/** The card the customer presents, the member it belongs to, and the golden customer the crosswalk made. */
let pick: { card: string; member: LoyaltyMember; customerId: string };

const ask = (query: string, variables: Record<string, unknown>, token: string) => graphql(gateway, query, variables, token);

const RECOGNISE = /* GraphQL */ `
  query Recognise($card: String!) {
    customer(by: { cardNumber: $card }) {
      id
      loyalty { memberId cardNumber sizeProfile { shoeSize topSize bottomSize } }
    }
  }
`;

const RECORD = /* GraphQL */ `
  mutation RecordSizes($memberId: ID!, $sizes: LoyaltySizesInput!) {
    recordLoyaltySizes(memberId: $memberId, sizes: $sizes) {
      memberId
      updatedAt
      sizeProfile { shoeSize topSize bottomSize }
    }
  }
`;

/** The member's sizes as the graph shows them, from the records the generator wrote. */
const profileOf = (sizes: LoyaltyMember['sizes']) =>
  sizes.shoe === null && sizes.top === null && sizes.bottom === null ? null : { shoeSize: sizes.shoe, topSize: sizes.top, bottomSize: sizes.bottom };

const calls = (loyalty: RunningLoyalty) => loyalty.counter.snapshot().byOperation.UpdateSizes ?? 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crosscanal-sizes-'));
  stack = await startTestStack({
    dataDir: dir,
    scale: 'tiny',
    ...ANY_PORTS,
    internalSecret: TEST_INTERNAL_SECRET,
    gatewayEnv: { GATEWAY_RATE_LIMIT_PER_MINUTE: '0' },
  });
  open = await startTestGateway(stack.subgraphUrls, { env: { GATEWAY_SAFELISTS_BY_CLIENT: '{}', GATEWAY_SAFELISTS_BY_ROLE: '{}', GATEWAY_RATE_LIMIT_PER_MINUTE: '0' } });
  estate = await readEstate(dir);
  gateway = stack.gateway.url;
  tokens.associate = await stack.tokens.sign({ role: 'associate', actor: 'seller-nrd01-7', store: 'NRD01', franchise: 'NRD' });
  tokens.service = await stack.tokens.sign({ role: 'service', actor: 'agent-7' });
  tokens.partner = await stack.tokens.sign({ role: 'partner', actor: 'nrd-erp', franchise: 'NRD' });

  // A member with a shoe and a top size on record and no bottom size, holding one ACTIVE card,
  // whose customer's `loyalty` is that membership (a customer may hold several).
  const active = (memberId: string) => estate.loyalty.cards.filter((card) => card.member_id === memberId && card.status === 'ACTIVE');
  const candidates = estate.loyalty.members.filter((m) => m.sizes.shoe !== null && m.sizes.top !== null && m.sizes.bottom === null && active(m.member_id).length === 1);
  for (const member of candidates) {
    const card = active(member.member_id)[0]!.card_number;
    const found = await ask('query ($card: String!) { customer(by: { cardNumber: $card }) { id loyalty { memberId } } }', { card }, tokens.service);
    if (found.data?.customer?.loyalty?.memberId !== member.member_id) continue;
    pick = { card, member, customerId: found.data.customer.id };
    break;
  }
  if (!pick) throw new Error('the tiny estate has no member with a shoe and a top size, no bottom size and one active card that is their customer\'s loyalty');
  tokens.customer = await stack.tokens.sign({ role: 'customer', customerId: pick.customerId });
}, 180_000);

afterAll(async () => {
  await open?.stop();
  await stack?.stop();
  await restarted?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('recording a customer’s sizes at the till', () => {
  test('an associate recognises the customer by their card and sees the sizes on record', async () => {
    const answer = await ask(RECOGNISE, { card: pick.card }, tokens.associate);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.customer).toEqual({
      id: pick.customerId,
      loyalty: { memberId: pick.member.member_id, cardNumber: pick.card, sizeProfile: profileOf(pick.member.sizes) },
    });
  });

  test('records the sizes given, as the programme writes them, and reads them back through the customer', async () => {
    const before = calls(stack.estate.loyalty);
    const answer = await ask(RECORD, { memberId: pick.member.member_id, sizes: { shoeSize: '42,5', topSize: 'xl', bottomSize: '40' } }, tokens.associate);
    expect(answer.errors).toBeUndefined();
    const sizes = { shoeSize: '42.5', topSize: 'XL', bottomSize: '40' };
    expect(answer.data!.recordLoyaltySizes).toMatchObject({ memberId: pick.member.member_id, sizeProfile: sizes });
    expect(Date.parse(answer.data!.recordLoyaltySizes.updatedAt)).toBeGreaterThan(Date.parse(pick.member.updated_at));
    expect(calls(stack.estate.loyalty)).toBe(before + 1);
    recorded = answer.data!.recordLoyaltySizes;

    const atTill = await ask(RECOGNISE, { card: pick.card }, tokens.associate);
    expect(atTill.data!.customer.loyalty.sizeProfile).toEqual(sizes);
    // The customer reads their own.
    const own = await ask('{ me { id loyalty { sizeProfile { shoeSize topSize bottomSize } } } }', {}, tokens.customer);
    expect(own.errors).toBeUndefined();
    expect(own.data!.me).toEqual({ id: pick.customerId, loyalty: { sizeProfile: sizes } });
  });

  test('a retry of the same request leaves the same state: same sizes, same updatedAt', async () => {
    const variables = { memberId: pick.member.member_id, sizes: { shoeSize: '42.5', topSize: 'XL', bottomSize: '40' } };
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await ask(RECORD, variables, tokens.associate)).toEqual({ data: { recordLoyaltySizes: recorded } });
    }
  });

  test('a size out of range is refused with its code and argument, before the programme is asked, and nothing changes', async () => {
    const before = calls(stack.estate.loyalty);
    const answer = await ask(RECORD, { memberId: pick.member.member_id, sizes: { shoeSize: '51', bottomSize: null } }, tokens.associate);
    expect(answer.data).toEqual({ recordLoyaltySizes: null });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0]).toMatchObject({
      message: expect.stringContaining('sizes.shoeSize must be an EU shoe size from 16 to 50'),
      path: ['recordLoyaltySizes'],
      extensions: { code: 'BAD_USER_INPUT', argument: 'sizes.shoeSize' },
    });
    expect(calls(stack.estate.loyalty)).toBe(before);
    const after = await ask(RECOGNISE, { card: pick.card }, tokens.associate);
    expect(after.data!.customer.loyalty.sizeProfile).toEqual({ shoeSize: '42.5', topSize: 'XL', bottomSize: '40' });
  });

  test('the customer themselves and a partner may not record sizes, and never reach the programme', async () => {
    const before = calls(stack.estate.loyalty);
    const variables = { memberId: pick.member.member_id, sizes: { shoeSize: '38' } };
    const customer: GraphQLAnswer = await ask(RECORD, variables, tokens.customer);
    expect(customer.data ?? null).toBeNull();
    expect(customer.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(customer.errors![0]!.message).toContain('Mutation.recordLoyaltySizes');
    // A partner runs the operations of its safelist only, and recording sizes is none of them…
    const partner: GraphQLAnswer = await ask(RECORD, variables, tokens.partner);
    expect(partner.data ?? null).toBeNull();
    expect(partner.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    // …and without the safelist, its role may not write.
    const partnerToken = await open.tokens.sign({ role: 'partner', actor: 'nrd-erp', franchise: 'NRD' });
    const unlisted: GraphQLAnswer = await graphql(open.url, RECORD, variables, partnerToken);
    expect(unlisted.data ?? null).toBeNull();
    expect(unlisted.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(unlisted.errors![0]!.message).toContain('Mutation.recordLoyaltySizes');
    expect(calls(stack.estate.loyalty)).toBe(before);
    const after = await ask(RECOGNISE, { card: pick.card }, tokens.associate);
    expect(after.data!.customer.loyalty.sizeProfile.shoeSize).toBe('42.5');
  });

  test('the sizes survive a restart of the loyalty service', async () => {
    const endpoint = new URL(stack.estate.loyalty.endpoint);
    await stack.estate.loyalty.stop();
    // The same folder (generated records and journal) and the same port, which the loyalty subgraph calls.
    restarted = await startLoyalty({ data: await readLoyalty(dir), journalDir: join(dir, LOYALTY_FOLDER), port: Number(endpoint.port), host: endpoint.hostname });
    expect(restarted.endpoint).toBe(stack.estate.loyalty.endpoint);
    expect(restarted.journal.replayed).toBeGreaterThanOrEqual(1);

    // Asked of the restarted service itself…
    const member = (await soapClient(restarted.endpoint).call('GetMember', arg('memberId', pick.member.member_id))).body.member;
    expect(member.sizes).toEqual({ shoe: '42.5', top: 'XL', bottom: '40' });
    // …and through the gateway: customer service changes the top size on the phone, and the
    // programme's answer (not a cached copy) still holds what the associate recorded before.
    const answer = await ask(RECORD, { memberId: pick.member.member_id, sizes: { topSize: 'L' } }, tokens.service);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.recordLoyaltySizes.sizeProfile).toEqual({ shoeSize: '42.5', topSize: 'L', bottomSize: '40' });
    expect(calls(restarted)).toBe(1);
    const atTill = await ask(RECOGNISE, { card: pick.card }, tokens.associate);
    expect(atTill.data!.customer.loyalty.sizeProfile).toEqual({ shoeSize: '42.5', topSize: 'L', bottomSize: '40' });
  });
});
