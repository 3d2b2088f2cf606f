import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readGroundTruth } from '../legacy/generator/files.js';
import type { Estate, GroundTruth } from '../legacy/generator/model.js';
import type { RunningStack } from '../scripts/stack.js';
import { graphql } from './graphql.js';
import { startTinyStack, type TinyStack } from './support/tinyStack.js';

// One price story, through the gateway, on a tiny estate generated as of now (the loyalty
// programme lists the offers valid by its own clock): the price of a product in each channel
// with every kind of promotion, what a customer may use, and the coherence report, which must
// find exactly the incoherences the generator planted.
let tiny: TinyStack;
let stack: RunningStack;
let estate: Estate;
let truth: GroundTruth;
let asOf: string;
let steward: string;
let service: string;

const ask = (query: string, variables: Record<string, unknown> = {}, token?: string) => graphql(stack.gateway.url, query, variables, token);

beforeAll(async () => {
  tiny = await startTinyStack('pricing', { asOf: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString() });
  ({ stack, estate } = tiny);
  truth = await readGroundTruth(tiny.dir);
  asOf = truth.prices.asOf;
  steward = await stack.tokens.sign({ role: 'steward' });
  service = await stack.tokens.sign({ role: 'service' });
}, 180_000);

afterAll(async () => {
  await tiny?.stop();
});

const OFFER_FIELDS = /* GraphQL */ `
  available basePrice { amount currency } basePriceSource unitPrice { amount } lineTotal { amount } saving { amount } rounding
  applied { promotion { id kind stage } amount { amount } }
  excluded { promotion { id } reason }
  benefits { id kind pointsMultiplier }
`;

interface OfferAnswer {
  available: boolean;
  basePrice: { amount: number } | null;
  basePriceSource: string | null;
  unitPrice: { amount: number } | null;
  lineTotal: { amount: number } | null;
  applied: { promotion: { id: string; kind: string; stage: string }; amount: { amount: number } }[];
  excluded: { promotion: { id: string }; reason: string }[];
  benefits: { id: string; kind: string; pointsMultiplier: number | null }[];
}

async function offer(ref: string, args: string, token?: string): Promise<OfferAnswer> {
  const answer = await ask(`query ($ref: String!, $at: DateTime) { product(catalogueRef: $ref) { offer(${args}, at: $at) { ${OFFER_FIELDS} } } }`, { ref, at: asOf }, token);
  expect(answer.errors).toBeUndefined();
  return answer.data!.product.offer as OfferAnswer;
}

const cents = (decimal: string) => Math.round(Number(decimal) * 100);
const listOf = (ref: string) => cents(estate.catalogue.products.find((p) => p.ref === ref)!.list_price!.amount);
const clean = (ref: string) => !truth.products.some((p) => p.catalogueRef === ref && truth.prices.incoherences.some((i) => i.productId === p.productId));
const inCategory = (path: string) => estate.catalogue.products.filter((p) => p.category.join(' > ').startsWith(path) && p.list_price);

/** The golden id of the customer holding a loyalty member's card. */
async function customerOfMember(memberId: string): Promise<string> {
  const card = estate.loyalty.cards.find((c) => c.member_id === memberId && c.status === 'ACTIVE')!;
  const answer = await ask(`query ($card: String!) { customer(by: { cardNumber: $card }) { id } }`, { card: card.card_number }, service);
  expect(answer.errors).toBeUndefined();
  return answer.data!.customer.id as string;
}

describe('Product.offer, one kind of promotion at a time', () => {
  it('takes a national percentage off in both channels (PERCENT_OFF), rounded half up', async () => {
    const product = inCategory('Chaussures > Running').find((p) => clean(p.ref) && estate.ecommerce.products.some((w) => w.sku === p.aliases.find((a) => a.type === 'WEB_SKU')?.value && w.active))!;
    const list = listOf(product.ref);
    const expected = list - Math.floor((list * 2000 * 2 + 10_000) / 20_000);
    for (const args of ['channel: WEB', 'channel: STORE']) {
      const o = await offer(product.ref, args);
      expect(o).toMatchObject({ available: true, basePrice: { amount: list }, unitPrice: { amount: expected }, rounding: 'HALF_UP' });
      expect(o.applied.map((a) => [a.promotion.id, a.promotion.kind, a.promotion.stage])).toEqual([['catalogue:CMP-RUN-AUTUMN', 'PERCENT_OFF', 'PRODUCT']]);
    }
  });

  it('takes an amount off on the web only (AMOUNT_OFF), and says why not in a store', async () => {
    const jacket = inCategory('Vêtements > Vestes').find((p) => p.aliases.some((a) => a.type === 'WEB_SKU') && estate.ecommerce.products.some((w) => w.sku === p.aliases.find((a) => a.type === 'WEB_SKU')!.value && w.active && cents(w.price) === cents(p.list_price!.amount)))!;
    const web = await offer(jacket.ref, 'channel: WEB');
    expect(web.applied.map((a) => [a.promotion.id, a.promotion.kind, a.amount.amount])).toEqual([['catalogue:CMP-WEB-JACKETS', 'AMOUNT_OFF', 1000]]);
    expect(web.unitPrice!.amount).toBe(listOf(jacket.ref) - 1000);
    const store = await offer(jacket.ref, 'channel: STORE');
    expect(store.applied).toEqual([]);
    expect(store.excluded).toContainEqual({ promotion: { id: 'catalogue:CMP-WEB-JACKETS' }, reason: 'OTHER_CHANNEL' });
  });

  it('sells at a fixed price (FIXED_PRICE)', async () => {
    const campaign = estate.catalogue.campaigns.find((c) => c.kind === 'FIXED_PRICE')!;
    const o = await offer(campaign.product_refs[0]!, 'channel: STORE');
    expect(o.applied.map((a) => [a.promotion.id, a.promotion.kind])).toEqual([['catalogue:CMP-PRIX-CHOC', 'FIXED_PRICE']]);
    expect(o.unitPrice!.amount).toBe(cents(campaign.value));
  });

  it('gives the cheapest of three free at a till running 3 pour 2 (BUY_N_PAY_M), from three items only', async () => {
    const at = Date.parse(asOf);
    const promo = estate.pos.promotions.find((p) => p.kind === 'MULTIBUY' && Date.parse(p.starts_at) <= at && at < Date.parse(p.ends_at))!;
    const stores = estate.pos.stores.filter((s) => s.franchise === promo.franchise && (promo.store_code === null || s.code === promo.store_code));
    let found: { ref: string; store: string } | null = null;
    for (const ean of promo.eans) {
      const product = estate.catalogue.products.find((p) => p.ean === ean && p.list_price);
      const store = product && stores.find((s) => estate.pos.stock.some((st) => st.store_code === s.code && st.ean === ean));
      if (product && store) {
        found = { ref: product.ref, store: store.code };
        break;
      }
    }
    expect(found).not.toBeNull();
    const one = await offer(found!.ref, `channel: STORE, storeCode: "${found!.store}", quantity: 2`);
    expect(one.excluded).toContainEqual({ promotion: { id: `pos:${promo.franchise}:${promo.promo_id}` }, reason: 'QUANTITY_NOT_MET' });
    const three = await offer(found!.ref, `channel: STORE, storeCode: "${found!.store}", quantity: 3`);
    const unit = three.basePrice!.amount;
    expect(three.applied.map((a) => [a.promotion.id, a.promotion.kind, a.amount.amount])).toEqual([[`pos:${promo.franchise}:${promo.promo_id}`, 'BUY_N_PAY_M', unit]]);
    expect(three.lineTotal!.amount).toBe(2 * unit);
  });

  it('applies a coupon only when it is given, after the product promotions, and lists free delivery once the basket reaches it', async () => {
    const rule = estate.ecommerce.cartRules.find((r) => r.code === 'RUN15')!;
    const sku = rule.scope.skus!.find((s) => estate.catalogue.products.some((p) => p.aliases.some((a) => a.type === 'WEB_SKU' && a.value === s) && clean(p.ref)))!;
    const ref = estate.catalogue.products.find((p) => p.aliases.some((a) => a.type === 'WEB_SKU' && a.value === sku))!.ref;
    const without = await offer(ref, 'channel: WEB');
    expect(without.excluded).toContainEqual({ promotion: { id: 'web:3' }, reason: 'COUPON_REQUIRED' });
    const withCode = await offer(ref, 'channel: WEB, couponCodes: [" run15 "], quantity: 2');
    expect(withCode.applied.map((a) => a.promotion.id)).toEqual(['catalogue:CMP-RUN-AUTUMN', 'web:3']);
    const basket = withCode.applied[0]!.amount.amount;
    expect(withCode.applied[1]!.amount.amount).toBe(Math.floor(((2 * listOf(ref) - basket) * 1500 * 2 + 10_000) / 20_000));
    const delivery = estate.ecommerce.cartRules.find((r) => r.type === 'free_shipping')!;
    expect(cents(delivery.scope.min_subtotal!)).toBeLessThanOrEqual(2 * listOf(ref) - basket);
    expect(withCode.benefits.map((b) => [b.id, b.kind])).toEqual([[`web:${delivery.id}`, 'FREE_DELIVERY']]);
  });

  it('prices for a member: points doubled for GOLD (POINTS_MULTIPLIER), tier offers only from their tier', async () => {
    const gold = estate.loyalty.members.find((m) => m.tier === 'GOLD' && estate.loyalty.cards.some((c) => c.member_id === m.member_id && c.status === 'ACTIVE'))!;
    const goldCustomer = await customerOfMember(gold.member_id);
    const silverOffer = estate.loyalty.offers.find((o) => o.offer_id === 'OF-SILVER15')!;
    const ref = silverOffer.product_refs.find((r) => clean(r) && estate.catalogue.products.find((p) => p.ref === r)!.list_price)!;
    const forGold = await offer(ref, `channel: STORE, customerId: "${goldCustomer}"`, service);
    expect(forGold.benefits.map((b) => [b.id, b.kind, b.pointsMultiplier])).toContainEqual(['loyalty:OF-GOLD2X', 'POINTS_MULTIPLIER', 200]);
    expect(forGold.applied.map((a) => a.promotion.id)).toContain('loyalty:OF-SILVER15');

    const bronze = estate.loyalty.members.find((m) => m.tier === 'BRONZE' && estate.loyalty.cards.some((c) => c.member_id === m.member_id && c.status === 'ACTIVE'))!;
    const forBronze = await offer(ref, `channel: STORE, customerId: "${await customerOfMember(bronze.member_id)}"`, service);
    // The programme lists a member the offers of their tier and below only: a BRONZE member never gets it.
    expect(forBronze.applied.map((a) => a.promotion.id)).not.toContain('loyalty:OF-SILVER15');
    const anonymous = await offer(ref, 'channel: STORE');
    expect(anonymous.applied.map((a) => a.promotion.id)).not.toContain('loyalty:OF-SILVER15');
  });

  it('keeps the first-order coupon from a customer who has ordered on the web', async () => {
    const order = estate.ecommerce.orders.find((o) => o.customer_id !== null)!;
    const answer = await ask(`query ($id: ID!) { customers(by: { webAccountId: $id }) { id } }`, { id: String(order.customer_id) }, service);
    const customerId = (answer?.data?.customers?.[0]?.id as string | undefined) ?? null;
    const ref = estate.catalogue.products.find((p) => clean(p.ref) && p.list_price && cents(p.list_price.amount) >= 3000 && p.aliases.some((a) => a.type === 'WEB_SKU' && estate.ecommerce.products.some((w) => w.sku === a.value && w.active)))!.ref;
    const anonymous = await offer(ref, 'channel: WEB, couponCodes: ["BIENVENUE10"]');
    expect(anonymous.applied.map((a) => a.promotion.id)).toContain('web:1');
    if (customerId === null) throw new Error(`no customer found for web account ${order.customer_id}: ${JSON.stringify(answer)}`);
    const returning = await offer(ref, `channel: WEB, couponCodes: ["BIENVENUE10"], customerId: "${customerId}"`, service);
    expect(returning.excluded).toContainEqual({ promotion: { id: 'web:1' }, reason: 'NOT_FIRST_ORDER' });
  });

  it("finds a store's price kept under its franchise's own local code, and the product by its web SKU in any case", async () => {
    const at = Date.parse(asOf);
    const franchiseOf = (store: string) => estate.pos.stores.find((s) => s.code === store)!.franchise;
    const valid = (p: Estate['pos']['prices'][number]) => Date.parse(p.valid_from) <= at && (p.valid_to === null || at < Date.parse(p.valid_to));
    const row = estate.pos.prices.find(
      (p) =>
        p.local_code !== null &&
        valid(p) &&
        estate.pos.prices.filter((q) => q.store_code === p.store_code && q.local_code === p.local_code && valid(q)).length === 1 &&
        estate.catalogue.products.some((c) => c.list_price && c.aliases.some((a) => a.type === 'POS_CODE' && a.value === p.local_code && a.franchise === franchiseOf(p.store_code))),
    )!;
    expect(row).toBeDefined();
    const product = estate.catalogue.products.find((c) => c.aliases.some((a) => a.type === 'POS_CODE' && a.value === row.local_code && a.franchise === franchiseOf(row.store_code)))!;
    const o = await offer(product.ref, `channel: STORE, storeCode: "${row.store_code}"`);
    expect(o).toMatchObject({ available: true, basePriceSource: 'STORE', basePrice: { amount: row.price_cents } });
    const carried = await ask(`query ($ref: String!) { product(catalogueRef: $ref) { here: offer(channel: STORE, storeCode: "${row.store_code}") { carried } national: offer(channel: STORE) { carried basePriceSource } } }`, { ref: product.ref });
    expect(carried.data!.product).toEqual({ here: { carried: true }, national: { carried: null, basePriceSource: 'LIST' } });

    const sku = product.aliases.find((a) => a.type === 'WEB_SKU')?.value ?? estate.catalogue.products.find((c) => c.aliases.some((a) => a.type === 'WEB_SKU'))!.aliases.find((a) => a.type === 'WEB_SKU')!.value;
    const lower = await ask(`query ($sku: String!, $at: DateTime) { product(webSku: $sku) { webSku offer(channel: WEB, at: $at) { available basePriceSource } } }`, { sku: sku.toLowerCase(), at: asOf });
    expect(lower.errors).toBeUndefined();
    expect(lower.data!.product.webSku).toBe(sku);
  });

  it('refuses bad input and callers who may not price for a customer, with codes', async () => {
    const ref = estate.catalogue.products[0]!.ref;
    const codeOf = async (args: string, token?: string) => {
      const answer = await ask(`query ($ref: String!) { product(catalogueRef: $ref) { catalogueRef offer(${args}) { available } } }`, { ref }, token);
      if (answer.data?.product?.catalogueRef !== ref) throw new Error(JSON.stringify(answer)); // the rest of the product still arrives
      return answer.errors?.map((e) => e.extensions?.code);
    };
    expect(await codeOf('channel: WEB, quantity: 0')).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf('channel: WEB, quantity: 1000')).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf('channel: STORE, storeCode: "XXX99"')).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf('channel: WEB, storeCode: "NRD01"')).toEqual(['BAD_USER_INPUT']);
    expect(await codeOf('channel: WEB, couponCodes: ["A","B","C","D","E","F"]')).toEqual(['BAD_USER_INPUT']);
    // A malformed instant is refused at the gateway, before anything is fetched.
    const badInstant = await ask(`{ product(catalogueRef: "${ref}") { offer(channel: WEB, at: "yesterday") { available } } }`);
    expect(badInstant.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', expect.stringContaining('Product.offer(at:)')]]);
    expect(await codeOf('channel: WEB, customerId: "C-anyone"')).toEqual(['UNAUTHENTICATED']);
    const someone = await customerOfMember(estate.loyalty.members[1]!.member_id);
    const other = await stack.tokens.sign({ role: 'customer', customerId: 'C-not-them' });
    expect(await codeOf(`channel: WEB, customerId: "${someone}"`, other)).toEqual(['FORBIDDEN']);
    expect(await codeOf(`channel: WEB, customerId: "no-such-customer"`, service)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('one promotion model', () => {
  it('reads every promotion of the four systems with a precise kind, none as OTHER', async () => {
    const gold = estate.loyalty.members.find((m) => m.tier === 'GOLD')!;
    const personal = estate.loyalty.offers.find((o) => o.member_id !== null)!;
    const answer = await ask(
      `query ($at: DateTime, $gold: ID!, $personal: ID!) {
        webPromotions { id kind }
        campaigns(activeAt: $at) { id kind }
        stores { promotions { id kind buyQuantity payQuantity } }
        gold: loyaltyMember(memberId: $gold) { offers { id kind } }
        personal: loyaltyMember(memberId: $personal) { offers { id kind } }
      }`,
      { at: asOf, gold: gold.member_id, personal: personal.member_id },
      service,
    );
    expect(answer.errors).toBeUndefined();
    const { webPromotions, campaigns, stores, gold: g, personal: p } = answer.data!;
    const all = [...webPromotions, ...campaigns, ...stores.flatMap((s: { promotions: unknown[] }) => s.promotions), ...g.offers, ...p.offers] as { id: string; kind: string }[];
    expect(webPromotions).toHaveLength(estate.ecommerce.cartRules.length);
    expect(new Set(stores.flatMap((s: { promotions: { id: string }[] }) => s.promotions.map((x) => x.id)))).toEqual(new Set(estate.pos.promotions.map((x) => `pos:${x.franchise}:${x.promo_id}`)));
    expect(all.filter((x) => x.kind === 'OTHER')).toEqual([]);
    expect(new Set(all.map((x) => x.kind))).toEqual(new Set(['PERCENT_OFF', 'AMOUNT_OFF', 'FIXED_PRICE', 'BUY_N_PAY_M', 'FREE_DELIVERY', 'POINTS_MULTIPLIER']));
    const multibuy = stores.flatMap((s: { promotions: { kind: string; buyQuantity: number; payQuantity: number }[] }) => s.promotions).find((x: { kind: string }) => x.kind === 'BUY_N_PAY_M');
    expect(multibuy).toMatchObject({ buyQuantity: 3, payQuantity: 2 });
  });
});

describe('Customer.eligiblePromotions', () => {
  it('lists what the customer may use now, and no marketing offer once they withdraw from marketing', async () => {
    const personal = estate.loyalty.offers.find((o) => o.member_id !== null && o.marketing)!;
    const customerId = await customerOfMember(personal.member_id!);
    const eligible = async (channel: string, store?: string) => {
      const answer = await ask(
        `query ($id: ID!) { customer(id: $id) { eligiblePromotions(channel: ${channel}${store ? `, storeCode: "${store}"` : ''}) { id system channels conditions { couponCode marketingOnly } } } }`,
        { id: customerId },
        service,
      );
      expect(answer.errors).toBeUndefined();
      return (answer.data!.customer.eligiblePromotions as { id: string; system: string; channels: string[]; conditions: { couponCode: string | null; marketingOnly: boolean } }[]);
    };
    const consents = estate.loyalty.consents.filter((c) => c.member_id === personal.member_id && c.status === 'OPT_IN');
    expect(consents.length).toBeGreaterThan(0);
    const web = await eligible('WEB');
    expect(web.map((p) => p.id)).toEqual(expect.arrayContaining([`loyalty:${personal.offer_id}`, 'web:1', 'catalogue:CMP-RUN-AUTUMN']));
    expect(web.every((p) => p.channels.includes('WEB'))).toBe(true);
    expect(web.find((p) => p.id === 'web:1')!.conditions.couponCode).toBe('BIENVENUE10');
    expect(web.map((p) => p.id)).not.toContain('catalogue:CMP-SPRING-2026'); // ended

    const store = await eligible('STORE', 'NRD01');
    expect(store.some((p) => p.system === 'ECOMMERCE')).toBe(false);
    const at = Date.now();
    const running = estate.pos.promotions.filter((p) => p.franchise === 'NRD' && (p.store_code === null || p.store_code === 'NRD01') && Date.parse(p.starts_at) <= at && at < Date.parse(p.ends_at));
    expect(store.filter((p) => p.system === 'POS').map((p) => p.id).sort()).toEqual(running.map((p) => `pos:NRD:${p.promo_id}`).sort());

    // The withdrawal, on the phone, of every channel the programme holds an opt-in for: the
    // crosswalk records it, then writes the programme's consents (and, for EMAIL, the web
    // shop's newsletter) before answering, so the offers must be gone at once.
    for (const channel of new Set(consents.map((c) => c.channel))) {
      const written = await ask(
        `mutation ($input: ContactPreferenceInput!) { setContactPreference(input: $input) { preference { copies { system localId state } } } }`,
        { input: { customerId, channel, purpose: 'MARKETING', status: 'UNSUBSCRIBED', place: 'CALLCENTER' } },
        service,
      );
      expect(written.errors).toBeUndefined();
      const copies = written.data!.setContactPreference.preference.copies as { system: string; localId: string; state: string }[];
      expect(copies).toContainEqual({ system: 'LOYALTY', localId: personal.member_id, state: 'APPLIED' });
      expect({ channel, states: [...new Set(copies.map((c) => c.state))] }).toEqual({ channel, states: ['APPLIED'] });
    }
    const after = await eligible('WEB');
    expect(after.map((p) => p.id)).not.toContain(`loyalty:${personal.offer_id}`);
    expect(after.some((p) => p.conditions.marketingOnly)).toBe(false);
    expect(after.map((p) => p.id)).toContain('web:1');
  });

  it('answers a customer for themself only', async () => {
    const customerId = await customerOfMember(estate.loyalty.members[2]!.member_id);
    const other = await stack.tokens.sign({ role: 'customer', customerId: 'C-not-them' });
    const answer = await ask(`query ($id: ID!) { customer(id: $id) { eligiblePromotions(channel: WEB) { id } } }`, { id: customerId }, other);
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

describe('priceCoherence', () => {
  const REPORT = /* GraphQL */ `
    query ($at: DateTime, $tolerance: Float, $franchise: String, $after: String) {
      priceCoherence(at: $at, tolerance: $tolerance, franchise: $franchise) {
        at tolerance franchise productsChecked placesChecked incoherentProducts endCursor byCause { cause places }
        products(first: 40, after: $after) { cursor tillRef product { catalogueRef webSku } reference { amount } deviations { storeCode channel causes price { amount } difference { amount } } }
      }
    }
  `;

  /** A partner integration runs the safelisted operation, by id. */
  async function asPartner(variables: Record<string, unknown>, token: string) {
    const manifest = JSON.parse(await readFile(fileURLToPath(new URL('../gateway/safelists/partner.json', import.meta.url)), 'utf8')) as { operations: { id: string; name: string }[] };
    const id = manifest.operations.find((o) => o.name === 'FranchisePriceCoherence')!.id;
    const response = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: id } }, variables: { ...variables, first: 40 } }),
    });
    return (await response.json()) as Awaited<ReturnType<typeof ask>>;
  }

  /** Every page of the report, as `productId|place|causes` lines comparable with the ground truth. */
  async function reportLines(variables: Record<string, unknown>, token = steward, partner = false): Promise<{ lines: string[]; report: Record<string, any> }> {
    const productId = (p: { catalogueRef: string | null; webSku: string | null; tillRef: string | null }) =>
      truth.products.find((t) =>
        p.catalogueRef ? t.catalogueRef === p.catalogueRef : p.webSku ? t.catalogueRef === null && t.webSku === p.webSku : t.posCodes.some((c) => `${c.franchise}:${c.code}` === p.tillRef),
      )?.productId ?? `unknown ${JSON.stringify(p)}`;
    const lines: string[] = [];
    let after: string | null = null;
    let report: Record<string, any> = {};
    for (let page = 0; page < 50; page++) {
      const answer = partner ? await asPartner({ ...variables, after }, token) : await ask(REPORT, { ...variables, after }, token);
      expect(answer.errors).toBeUndefined();
      report = answer.data!.priceCoherence;
      for (const product of report.products) {
        for (const d of product.deviations) lines.push(`${productId({ catalogueRef: null, webSku: null, ...product.product, tillRef: product.tillRef })}|${d.storeCode ?? 'WEB'}|${[...d.causes].sort().join(',')}`);
      }
      if (report.products.length < 40) break;
      after = report.products.at(-1).cursor;
    }
    return { lines: lines.sort(), report };
  }

  const truthLines = (keep: (place: string) => boolean = () => true) =>
    truth.prices.incoherences.filter((i) => keep(i.place)).map((i) => `${i.productId}|${i.place}|${[...i.causes].sort().join(',')}`).sort();

  it('finds every incoherence the generator planted, and nothing else, for head office', async () => {
    const { lines, report } = await reportLines({ at: asOf, tolerance: 1 });
    expect(lines).toEqual(truthLines());
    const causes = new Set(truth.prices.incoherences.flatMap((i) => i.causes));
    expect(causes.size).toBe(8);
    expect(report).toMatchObject({ at: asOf, tolerance: 1, franchise: null });
    expect(report.byCause.map((c: { cause: string }) => c.cause).sort()).toEqual([...causes].sort());
    // The tolerance is honoured: every planted deviation is at least 3 %, so 2.5 % finds the same.
    expect((await reportLines({ at: asOf, tolerance: 2.5 })).lines).toEqual(truthLines());
  });

  it("gives a franchise its own stores, and a partner its own franchise's only", async () => {
    const nrd = (place: string) => place.startsWith('NRD');
    expect((await reportLines({ at: asOf, franchise: 'NRD' })).lines).toEqual(truthLines(nrd));
    const partner = await stack.tokens.sign({ role: 'partner', franchise: 'NRD', client: 'nrd-integration' });
    const own = await reportLines({ at: asOf }, partner, true);
    expect(own.lines).toEqual(truthLines(nrd));
    expect(own.report.franchise).toBe('NRD');
    // A partner runs its safelisted operations only, which name no franchise: another's report cannot even be asked.
    const open = await stack.tokens.sign({ role: 'partner', franchise: 'NRD' });
    const refused = await ask(REPORT, { at: asOf, franchise: 'SUD' }, open);
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    const bad = await ask(REPORT, { at: asOf, tolerance: -1 }, steward);
    expect(bad.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const customer = await stack.tokens.sign({ role: 'customer', customerId: 'C-1' });
    expect((await ask(REPORT, { at: asOf }, customer)).errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

describe('the cost of a product page', () => {
  it('prices a page of products on the web and in three stores with the same legacy calls for 10 products as for 50', async () => {
    const refs = estate.catalogue.products.filter((p) => p.list_price).map((p) => p.ref);
    const PAGE = /* GraphQL */ `
      query ($refs: [String!]!, $at: DateTime) {
        products(catalogueRefs: $refs) {
          catalogueRef listPrice { amount }
          web: offer(channel: WEB, at: $at) { unitPrice { amount } applied { promotion { id } } }
          nrd: offer(channel: STORE, storeCode: "NRD01", at: $at) { unitPrice { amount } applied { promotion { id } } }
          sud: offer(channel: STORE, storeCode: "SUD01", at: $at) { unitPrice { amount } applied { promotion { id } } }
          oue: offer(channel: STORE, storeCode: "OUE01", at: $at) { unitPrice { amount } applied { promotion { id } } }
        }
      }
    `;
    const { ecommerce, pos, catalogue, loyalty } = stack.estate;
    const calls = async (page: string[]) => {
      for (const system of [ecommerce, pos, catalogue, loyalty]) system.counter.reset();
      const answer = await ask(PAGE, { refs: page, at: asOf });
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.products.every((p: { nrd: { unitPrice: unknown } }) => p.nrd.unitPrice !== null)).toBe(true);
      return Object.fromEntries([['ecommerce', ecommerce], ['pos', pos], ['catalogue', catalogue], ['loyalty', loyalty]].map(([name, s]) => [name, (s as typeof pos).counter.snapshot().total]));
    };
    await calls(refs.slice(0, 1)); // the lists every page shares (campaigns, cart rules, the store directory) are then cached
    const ten = await calls(refs.slice(1, 11));
    const fifty = await calls(refs.slice(11, 61));
    expect(fifty).toEqual(ten);
    expect(ten.loyalty).toBe(0);
    expect(ten.catalogue + ten.ecommerce + ten.pos).toBeLessThanOrEqual(8);
  });
});
