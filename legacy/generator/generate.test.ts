import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isValidGtin } from '../../utilities/gtin.js';
import { readEstate, readGroundTruth, readManifest, readPos, writeEstate } from './files.js';
import { formatPhone, generateEstate, type Generated } from './generate.js';
import { PRICE_INCOHERENCE_CAUSES, type CatalogueCampaign, type CatalogueProduct, type LocalRecord, type PriceIncoherenceCause } from './model.js';

const national = (phone: string) => phone.replace(/\D/g, '').replace(/^33/, '0');
const recordKey = (r: LocalRecord) =>
  r.system === 'ecommerce' || r.system === 'loyalty' ? `${r.system}:${r.id}` : r.system === 'pos' ? `pos:${r.franchise}:${r.clientId}` : `pos-phone:${r.franchise}:${r.phone}`;

let demo: Generated;
beforeAll(() => {
  demo = generateEstate({ scale: 'demo', seed: 'test-seed' });
});

describe('generateEstate', () => {
  test('is deterministic: the same seed gives the same data, another seed other data', () => {
    const a = generateEstate({ scale: 'tiny', seed: 7 });
    const b = generateEstate({ scale: 'tiny', seed: 7 });
    const c = generateEstate({ scale: 'tiny', seed: 8 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(c.estate.ecommerce.customers[0]).not.toEqual(a.estate.ecommerce.customers[0]);
  });

  test('refuses a bad scale or date, naming the value', () => {
    expect(() => generateEstate({ scale: { people: 0, products: 1, visitsPerShopper: 1 } })).toThrow(/people, products and visitsPerShopper above 0/);
    expect(() => generateEstate({ asOf: 'yesterday' })).toThrow('asOf must be an ISO 8601 date, got "yesterday"');
  });

  test('writes phones in the three ways people key them', () => {
    expect(formatPhone('+33612345678', 'spaced')).toBe('06 12 34 56 78');
    expect(formatPhone('+33612345678', 'dotted')).toBe('06.12.34.56.78');
    expect(formatPhone('+33612345678', 'compact')).toBe('0612345678');
    expect(formatPhone('+33612345678', 'international')).toBe('+33 6 12 34 56 78');
  });

  test('has the mess a real estate has, recounted from the data', () => {
    const { ecommerce, loyalty, pos } = demo.estate;
    const messyEmails = ecommerce.customers.filter((c) => c.email !== c.email.trim().toLowerCase()).length;
    expect(messyEmails).toBeGreaterThan(ecommerce.customers.length * 0.08);

    const phoneShapes = new Set(
      [...ecommerce.customers.map((c) => c.phone), ...loyalty.members.map((m) => m.phone)]
        .filter((p): p is string => p !== null)
        .map((p) => (p.startsWith('+') ? 'international' : p.includes('.') ? 'dotted' : p.includes(' ') ? 'spaced' : 'compact')),
    );
    expect([...phoneShapes].sort()).toEqual(['compact', 'dotted', 'international', 'spaced']);

    // People with two web accounts: the same person behind two customer ids.
    const webAccountsPerPerson = demo.truth.persons.map((p) => p.records.filter((r) => r.system === 'ecommerce').length);
    expect(webAccountsPerPerson.filter((n) => n >= 2).length).toBe(demo.stats.duplicateWebAccounts);
    expect(demo.stats.duplicateWebAccounts).toBeGreaterThan(20);

    // A family sharing a landline: two different people whose records carry the same number.
    const phoneOwners = new Map<string, Set<string>>();
    const personOf = new Map<string, string>();
    for (const p of demo.truth.persons) for (const r of p.records) personOf.set(recordKey(r), p.personId);
    for (const m of loyalty.members) {
      if (!m.phone) continue;
      const owners = phoneOwners.get(national(m.phone)) ?? new Set();
      owners.add(personOf.get(`loyalty:${m.member_id}`)!);
      phoneOwners.set(national(m.phone), owners);
    }
    const sharedInLoyalty = [...phoneOwners.values()].filter((o) => o.size >= 2).length;
    expect(sharedInLoyalty).toBeGreaterThan(5);
    expect(demo.stats.sharedLandlineHouseholds).toBeGreaterThanOrEqual(sharedInLoyalty);

    const anonymous = pos.receipts.filter((r) => !r.card_number && !r.phone && r.client_id === null).length;
    expect(anonymous).toBe(demo.stats.anonymousReceipts);
    expect(anonymous / pos.receipts.length).toBeGreaterThan(0.2);

    const catalogueEans = new Set(demo.estate.catalogue.products.map((p) => p.ean));
    const knownLocalCodes = new Set(demo.estate.catalogue.products.flatMap((p) => p.aliases.filter((a) => a.type === 'POS_CODE').map((a) => `${a.franchise}|${a.value}`)));
    const franchiseOnlyLines = pos.receipts.flatMap((r) => r.lines.filter((l) => l.ean === null && !knownLocalCodes.has(`${r.franchise}|${l.local_code}`)));
    expect(franchiseOnlyLines.length).toBeGreaterThan(0);
    expect(pos.receipts.flatMap((r) => r.lines).filter((l) => l.ean !== null && !catalogueEans.has(l.ean))).toEqual([]);

    expect(ecommerce.products.filter((p) => p.ean === null).length).toBe(demo.stats.webSkusWithoutEan);
    expect(demo.stats.webSkusWithoutEan).toBeGreaterThan(5);
    const catalogueBySku = new Map(demo.estate.catalogue.products.flatMap((p) => p.aliases.filter((a) => a.type === 'WEB_SKU').map((a) => [a.value, p])));
    const renamed = ecommerce.products.filter((p) => catalogueBySku.has(p.sku) && catalogueBySku.get(p.sku)!.name.fr !== p.title).length;
    expect(renamed).toBe(demo.stats.productsNamedDifferentlyOnWeb);
    expect(renamed).toBeGreaterThan(50);

    // Deliveries: mostly to the account holder, on their own number; some to a relative or,
    // as a gift, to someone else, whose name differs from the account's.
    const folded = (name: string) => name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
    const accounts = new Map(ecommerce.customers.map((c) => [c.id, c]));
    const toSomeoneElse = ecommerce.orders.filter((o) => {
      const account = accounts.get(o.customer_id)!;
      return folded(o.delivery.first_name) !== folded(account.first_name) || o.delivery.last_name !== account.last_name;
    }).length;
    expect(demo.stats.giftOrders).toBeGreaterThan(ecommerce.orders.length * 0.01);
    expect(toSomeoneElse).toBeGreaterThanOrEqual(demo.stats.giftOrders);
    expect(toSomeoneElse).toBeLessThan(ecommerce.orders.length * 0.12);
    const withPhone = ecommerce.orders.filter((o) => o.delivery.phone !== null);
    const ownNumber = withPhone.filter((o) => {
      const own = accounts.get(o.customer_id)!.phone;
      return own !== null && national(own) === national(o.delivery.phone!);
    }).length;
    expect(withPhone.length).toBeGreaterThan(ecommerce.orders.length * 0.9);
    expect(ownNumber).toBeGreaterThan(withPhone.length * 0.8);
  });

  test('uses valid codes: GTINs, loyalty cards in the 29 range, unique ids', () => {
    const { catalogue, loyalty, ecommerce, pos } = demo.estate;
    expect(catalogue.products.every((p) => p.ean !== null && isValidGtin(p.ean))).toBe(true);
    expect(loyalty.cards.every((c) => c.card_number.startsWith('29') && isValidGtin(c.card_number))).toBe(true);
    expect(/^\d{3}\.\d{3}\.\d{2}$/.test(catalogue.products[0]!.ref)).toBe(true);
    const unique = <T>(values: T[]) => new Set(values).size === values.length;
    expect(unique(catalogue.products.map((p) => p.ref))).toBe(true);
    expect(unique(ecommerce.products.map((p) => p.sku))).toBe(true);
    expect(unique(loyalty.cards.map((c) => c.card_number))).toBe(true);
    expect(unique(ecommerce.orders.map((o) => o.number))).toBe(true);
    expect(unique(pos.receipts.map((r) => r.receipt_no))).toBe(true);
    expect(pos.stores).toHaveLength(8);
    expect(new Set(pos.stores.map((s) => s.franchise)).size).toBe(3);
    for (const receipt of pos.receipts.slice(0, 500)) {
      expect(receipt.total_cents).toBe(receipt.lines.reduce((s, l) => s + l.quantity * l.unit_price_cents - l.discount_cents, 0));
    }
    expect(ecommerce.orders.some((o) => o.quote_number !== null)).toBe(true);
    expect(ecommerce.orders.some((o) => o.fulfilment.type === 'click_and_collect')).toBe(true);
    expect(pos.returns.some((r) => r.web_order_number !== null)).toBe(true);
    expect(pos.clients.length).toBeGreaterThan(0);
  });

  test('a quote finished online names the web order that carries its number, and only such a quote names one', () => {
    const { ecommerce, pos } = demo.estate;
    const orderOfQuote = new Map(ecommerce.orders.filter((o) => o.quote_number !== null).map((o) => [o.quote_number!, o.number]));
    expect(orderOfQuote.size).toBeGreaterThan(5);
    for (const quote of pos.quotes) {
      expect(quote.web_order_number).toBe(quote.status === 'CONVERTED_ONLINE' ? (orderOfQuote.get(quote.quote_no) ?? null) : null);
    }
    // Every order that finishes a quote is recorded at the till.
    const recorded = new Set(pos.quotes.map((q) => q.web_order_number).filter((n) => n !== null));
    expect([...orderOfQuote.values()].filter((number) => !recorded.has(number))).toEqual([]);
  });

  test('ground truth names each local record once, and every record it names exists', () => {
    const { ecommerce, loyalty, pos } = demo.estate;
    const keys = demo.truth.persons.flatMap((p) => p.records.map(recordKey));
    expect(new Set(keys).size).toBe(keys.length);
    const customerIds = new Set(ecommerce.customers.map((c) => `ecommerce:${c.id}`));
    const memberIds = new Set(loyalty.members.map((m) => `loyalty:${m.member_id}`));
    const clientIds = new Set(pos.clients.map((c) => `pos:${c.franchise}:${c.client_id}`));
    expect(keys.filter((k) => k.startsWith('ecommerce:')).sort()).toEqual([...customerIds].sort());
    expect(keys.filter((k) => k.startsWith('loyalty:')).sort()).toEqual([...memberIds].sort());
    expect(keys.filter((k) => k.startsWith('pos:')).sort()).toEqual([...clientIds].sort());
    const receipts = new Map(pos.receipts.map((r) => [`${r.franchise}:${r.receipt_no}`, r]));
    const truthReceipts = demo.truth.persons.flatMap((p) => p.receipts.map((r) => `${r.franchise}:${r.receiptNo}`));
    expect(truthReceipts.length).toBe(demo.stats.identifiedReceipts);
    expect(truthReceipts.every((k) => receipts.has(k))).toBe(true);
    // The landline trap: no phone-only till record stands for two people.
    const phoneRecords = keys.filter((k) => k.startsWith('pos-phone:'));
    expect(new Set(phoneRecords).size).toBe(phoneRecords.length);
    expect(demo.truth.products.filter((p) => p.catalogueRef === null && p.ean === null).length).toBe(demo.stats.franchiseOnlyProducts);
  });
});

describe('estate files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosscanal-estate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('round-trips through JSON Lines, with the ground truth apart', async () => {
    const tiny = generateEstate({ scale: 'tiny', seed: 'files' });
    const out = join(dir, 'tiny');
    expect(await readManifest(out)).toBeNull();
    const manifest = await writeEstate(out, tiny);
    expect(manifest.counts.pos!.receipts).toBe(tiny.estate.pos.receipts.length);
    expect(await readEstate(out)).toEqual(tiny.estate);
    expect(await readGroundTruth(out)).toEqual(tiny.truth);
  });

  test('says what is wrong with a missing or corrupt estate', async () => {
    await expect(readPos(join(dir, 'nothing'))).rejects.toThrow(/no generated estate in .*nothing \(manifest.json missing\)/);
    const out = join(dir, 'corrupt');
    await writeEstate(out, generateEstate({ scale: 'tiny', seed: 'x' }));
    await writeFile(join(out, 'pos', 'stores.jsonl'), '{"code": "NRD01"}\nnot json\n');
    await expect(readPos(out)).rejects.toThrow(/stores\.jsonl:2 is not a JSON record: not json/);
  });
});

// ------------------------------------------------------------------ prices
//
// The price ground truth, worked out again from the estate alone, the simple way: every place
// of every product priced for an anonymous shopper buying one item with no coupon at asOf
// (docs/pricing.md), compared with the product's reference.

interface PriceCheck {
  /** What is wrong; none when the truth is exactly the estate's incoherences. */
  problems: string[];
  /** Deviating places found, per cause. */
  causes: Record<PriceIncoherenceCause, number>;
  places: number;
}

/** Whether the campaign covers the product: by its ref, or a category at or above the product's. */
const covers = (c: CatalogueCampaign, p: CatalogueProduct) =>
  c.product_refs.includes(p.ref) || c.categories.some((path) => `${p.category.join(' > ')} > `.startsWith(`${path} > `));

function checkPrices({ estate, truth, asOf }: Pick<Generated, 'estate' | 'truth' | 'asOf'>): PriceCheck {
  const at = Date.parse(asOf);
  const runs = (from: string, to: string | null) => Date.parse(from) <= at && (to === null || at < Date.parse(to));
  const cents = (decimal: string) => Math.round(Number(decimal) * 100);
  const halfUp = (numerator: number, denominator: number) => Math.floor((2 * numerator + denominator) / (2 * denominator));
  const { catalogue, ecommerce, pos } = estate;
  const byRef = new Map(catalogue.products.map((p) => [p.ref, p]));
  const bySku = new Map(ecommerce.products.map((p) => [p.sku, p]));
  const campaigns = catalogue.campaigns.filter((c) => runs(c.starts_at, c.ends_at));
  const afterCampaign = (c: CatalogueCampaign, price: number) =>
    c.kind === 'PERCENT' ? price - halfUp(price * Number(c.value), 100) : c.kind === 'AMOUNT' ? Math.max(0, price - cents(c.value)) : Math.min(price, cents(c.value));
  const channelCause = (c: CatalogueCampaign): PriceIncoherenceCause | null =>
    c.channels.length === 2 ? null : c.channels[0] === 'WEB' ? 'WEB_ONLY_PROMOTION' : 'STORE_ONLY_PROMOTION';
  /** The best of the deals, each a price and the cause it brings (null: none). */
  const best = (base: number, deals: [number, PriceIncoherenceCause | null][]) =>
    deals.reduce<[number, PriceIncoherenceCause | null]>((b, d) => (d[0] < b[0] ? d : b), [base, null]);

  const problems: string[] = [];
  const found = new Map<string, PriceIncoherenceCause[]>();
  const counts = Object.fromEntries(PRICE_INCOHERENCE_CAUSES.map((c) => [c, 0])) as Record<PriceIncoherenceCause, number>;
  let placeCount = 0;
  for (const product of truth.products) {
    const catalogued = product.catalogueRef === null ? undefined : byRef.get(product.catalogueRef);
    const list = catalogued?.list_price ? cents(catalogued.list_price.amount) : null;
    const running = catalogued ? campaigns.filter((c) => covers(c, catalogued)) : [];
    const places: { place: string; price: number | null; base: number | null; causes: PriceIncoherenceCause[] }[] = [];
    const baseCause = (where: 'WEB' | 'STORE', base: number): PriceIncoherenceCause[] =>
      list === null || base === list ? [] : [`${where}_PRICE_${base > list ? 'ABOVE' : 'BELOW'}_LIST`];

    const web = product.webSku === null ? undefined : bySku.get(product.webSku);
    if (web?.active) {
      const base = cents(web.price);
      let [price, cause] = best(base, running.filter((c) => c.channels.includes('WEB')).map((c) => [afterCampaign(c, base), channelCause(c)]));
      const causes = [...baseCause('WEB', base), ...(cause ? [cause] : [])];
      const rules = ecommerce.cartRules
        .filter((r) => r.code === null && r.type !== 'free_shipping' && runs(r.starts_at, r.ends_at) && (r.scope.skus === null || r.scope.skus.includes(web.sku)))
        .sort((a, b) => a.priority - b.priority || a.id - b.id);
      for (const rule of rules) {
        if (rule.scope.min_subtotal !== null && price < cents(rule.scope.min_subtotal)) continue;
        price -= rule.type === 'percent' ? halfUp(price * Number(rule.value), 100) : Math.min(price, cents(rule.value!));
        causes.push('WEB_ONLY_PROMOTION');
        if (!rule.stackable) break;
      }
      places.push({ place: 'WEB', price, base, causes });
    }

    for (const store of pos.stores) {
      const local = product.posCodes.find((p) => p.franchise === store.franchise)?.code ?? null;
      const mine = (row: { store_code: string; ean: string | null; local_code: string | null }) =>
        row.store_code === store.code && ((row.ean !== null && row.ean === product.ean) || (row.local_code !== null && row.local_code === local));
      const rows = pos.prices.filter((row) => mine(row) && runs(row.valid_from, row.valid_to));
      if (rows.length === 0 && !pos.stock.some(mine)) continue;
      rows.sort((a, b) => Number(b.valid_to !== null) - Number(a.valid_to !== null) || Date.parse(b.valid_from) - Date.parse(a.valid_from));
      const base = rows[0]?.price_cents ?? list;
      if (base === null) {
        places.push({ place: store.code, price: null, base: null, causes: ['MISSING_PRICE'] });
        continue;
      }
      const deals: [number, PriceIncoherenceCause | null][] = running.filter((c) => c.channels.includes('STORE')).map((c) => [afterCampaign(c, base), channelCause(c)]);
      for (const promotion of pos.promotions) {
        const here = promotion.franchise === store.franchise && (promotion.store_code === null || promotion.store_code === store.code);
        if (!here || !runs(promotion.starts_at, promotion.ends_at) || product.ean === null || !promotion.eans.includes(product.ean)) continue;
        if (promotion.kind === 'PERCENT') deals.push([base - halfUp(base * promotion.value, 100), 'STORE_PROMOTION']);
        if (promotion.kind === 'AMOUNT') deals.push([Math.max(0, base - promotion.value), 'STORE_PROMOTION']);
      }
      const [price, cause] = best(base, deals);
      places.push({ place: store.code, price, base, causes: [...(rows.length > 0 ? baseCause('STORE', base) : []), ...(cause ? [cause] : [])] });
    }

    placeCount += places.length;
    let reference = list === null ? null : best(list, running.filter((c) => c.channels.length === 2).map((c) => [afterCampaign(c, list), null]))[0];
    if (reference === null) {
      const asked = new Map<number, number>();
      for (const { price } of places) if (price !== null) asked.set(price, (asked.get(price) ?? 0) + 1);
      reference = [...asked].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? null;
    }
    for (const { place, price, base, causes } of places) {
      const where = `${product.productId} at ${place}`;
      if (price !== null && price === reference) {
        if (causes.length > 0) problems.push(`${where}: causes ${causes.join(', ')} but the reference price ${reference}`);
        continue;
      }
      if (price !== null && reference !== null && Math.abs(price - reference) * 100 < 3 * reference) {
        problems.push(`${where}: ${price} is off the reference ${reference} by less than 3 %`);
      }
      if (list !== null && base !== null && base !== list && Math.abs(base - list) * 100 < 3 * list) {
        problems.push(`${where}: base price ${base} is off the list price ${list} by less than 3 %`);
      }
      if (causes.length === 0) problems.push(`${where}: ${price} differs from the reference ${reference} with no cause`);
      const sorted = [...new Set(causes)].sort();
      found.set(`${product.productId}|${place}`, sorted);
      for (const cause of sorted) counts[cause] += 1;
    }
  }

  const recorded = new Map(truth.prices.incoherences.map((i) => [`${i.productId}|${i.place}`, i.causes]));
  if (recorded.size !== truth.prices.incoherences.length) problems.push('the truth names a place twice');
  for (const [key, causes] of found) {
    const truthCauses = recorded.get(key);
    if (!truthCauses) problems.push(`${key} deviates (${causes.join(', ')}) but is not in the truth`);
    else if (truthCauses.join() !== causes.join()) problems.push(`${key}: the truth says ${truthCauses.join(', ')}, the estate ${causes.join(', ')}`);
  }
  for (const key of recorded.keys()) if (!found.has(key)) problems.push(`${key} is in the truth but asks the reference price`);
  if (truth.prices.asOf !== asOf) problems.push(`the truth is at ${truth.prices.asOf}, the estate at ${asOf}`);
  return { problems, causes: counts, places: placeCount };
}

describe('prices', () => {
  let tiny: Generated;
  beforeAll(() => {
    tiny = generateEstate({ scale: 'tiny' });
  });

  test('the truth is exactly the places whose price deviates, each by at least 3 %, with its causes', () => {
    for (const generated of [demo, tiny, generateEstate({ scale: 'tiny', seed: 7 })]) {
      const check = checkPrices(generated);
      expect(check.problems).toEqual([]);
      expect(check.places).toBeGreaterThan(generated.truth.prices.incoherences.length * 3);
    }
  });

  test('plants several of each cause at demo scale, at least one at tiny scale', () => {
    for (const count of Object.values(checkPrices(demo).causes)) expect(count).toBeGreaterThanOrEqual(3);
    for (const count of Object.values(checkPrices(tiny).causes)) expect(count).toBeGreaterThanOrEqual(1);
  });

  test('the check finds a price that moved, a deviation the truth misses and one it invents', () => {
    const copy = (): Generated => structuredClone(tiny);
    const cleanWeb = (g: Generated) => {
      const recorded = new Set(g.truth.prices.incoherences.map((i) => `${i.productId}|${i.place}`));
      const product = g.truth.products.find((p) => p.webSku !== null && p.catalogueRef !== null && !recorded.has(`${p.productId}|WEB`)
        && g.estate.ecommerce.products.find((w) => w.sku === p.webSku)!.active
        && g.estate.catalogue.campaigns.every((c) => !covers(c, g.estate.catalogue.products.find((cp) => cp.ref === p.catalogueRef)!)))!;
      return { product, web: g.estate.ecommerce.products.find((w) => w.sku === product.webSku)! };
    };

    const nudged = copy();
    const { product, web } = cleanWeb(nudged);
    web.price = (Number(web.price) + 0.01).toFixed(2);
    expect(checkPrices(nudged).problems).toEqual([
      expect.stringMatching(new RegExp(`^${product.productId} at WEB: \\d+ is off the reference \\d+ by less than 3 %$`)),
      expect.stringMatching(new RegExp(`^${product.productId} at WEB: base price \\d+ is off the list price \\d+ by less than 3 %$`)),
      `${product.productId}|WEB deviates (WEB_PRICE_ABOVE_LIST) but is not in the truth`,
    ]);

    const forgotten = copy();
    const dropped = forgotten.truth.prices.incoherences.shift()!;
    expect(checkPrices(forgotten).problems).toEqual([`${dropped.productId}|${dropped.place} deviates (${dropped.causes.join(', ')}) but is not in the truth`]);

    const invented = copy();
    const { productId } = cleanWeb(invented).product;
    invented.truth.prices.incoherences.push({ productId, place: 'WEB', causes: ['WEB_PRICE_ABOVE_LIST'] });
    expect(checkPrices(invented).problems).toEqual([`${productId}|WEB is in the truth but asks the reference price`]);
  });

  test('every price the generator did not plant is the list price', () => {
    const { catalogue, ecommerce, pos } = demo.estate;
    const planted = new Set(demo.truth.prices.incoherences.map((i) => i.productId));
    const list = new Map(demo.truth.products.map((p) => [p.productId, p]));
    for (const truth of demo.truth.products) {
      if (planted.has(truth.productId)) continue;
      const product = truth.catalogueRef === null ? undefined : catalogue.products.find((p) => p.ref === truth.catalogueRef);
      const web = truth.webSku === null ? undefined : ecommerce.products.find((w) => w.sku === truth.webSku);
      if (product?.list_price && web) expect([truth.productId, web.price]).toEqual([truth.productId, product.list_price.amount]);
    }
    // A franchise-only article costs the same in every store of its franchise.
    const franchiseOnly = demo.truth.products.filter((p) => p.catalogueRef === null && p.ean === null);
    for (const article of franchiseOnly) {
      const code = article.posCodes[0]!;
      const prices = new Set(pos.prices.filter((row) => row.local_code === code.code && row.store_code.startsWith(code.franchise)).map((row) => row.price_cents));
      expect([article.productId, prices.size]).toEqual([article.productId, 1]);
    }
    expect(list.size).toBe(demo.truth.products.length);
  });

  test('the campaigns and rules the coherence rules lean on', () => {
    const { catalogue, ecommerce, loyalty } = demo.estate;
    const rule = (id: number) => ecommerce.cartRules.find((r) => r.id === id)!;
    expect(rule(1)).toMatchObject({ code: 'BIENVENUE10', scope: { first_order: true } });
    expect(rule(4)).toMatchObject({ name: 'Livraison offerte', type: 'free_shipping', value: null, scope: { skus: null, min_subtotal: '60.00', first_order: false } });
    expect(ecommerce.cartRules.filter((r) => r.scope.first_order).map((r) => r.id)).toEqual([1]);
    const tents = rule(5).scope.skus!;
    expect(tents.length).toBeGreaterThan(5);

    const byRef = new Map(catalogue.products.map((p) => [p.ref, p]));
    const prixChoc = catalogue.campaigns.find((c) => c.id === 'CMP-PRIX-CHOC')!;
    expect(prixChoc).toMatchObject({ kind: 'FIXED_PRICE', channels: ['WEB', 'STORE'], name: { fr: 'Prix choc', en: 'Price hit' } });
    expect(Date.parse(prixChoc.starts_at)).toBeLessThan(Date.parse(demo.asOf));
    expect(Date.parse(prixChoc.ends_at)).toBeGreaterThan(Date.parse(demo.asOf));
    expect(prixChoc.product_refs.length).toBeGreaterThanOrEqual(5);
    expect(prixChoc.product_refs.length).toBeLessThanOrEqual(8);
    expect(prixChoc.value).toMatch(/^\d+\.\d{2}$/);
    for (const ref of prixChoc.product_refs) {
      const list = Number(byRef.get(ref)!.list_price!.amount);
      expect(Number(prixChoc.value)).toBeLessThanOrEqual(list * 0.97);
    }

    // The pick of the month avoids what a single channel promotes, so that its best deal is the same everywhere.
    const selection = catalogue.campaigns.find((c) => c.id === 'CMP-SELECTION')!;
    expect(selection.product_refs.length).toBeGreaterThan(5);
    for (const ref of selection.product_refs) {
      const product = byRef.get(ref)!;
      expect([ref, product.category[0], product.category[1]]).not.toContain('Camping');
      expect([ref, product.category[1]]).not.toEqual([ref, 'Vestes']);
      expect(prixChoc.product_refs).not.toContain(ref);
    }
    expect(catalogue.products.filter((p) => p.list_price === null).length).toBeGreaterThan(0);

    const marketing = loyalty.offers.filter((o) => o.marketing).map((o) => o.offer_id);
    expect(marketing).toContain('OF-NEXT');
    expect(marketing.filter((id) => id !== 'OF-NEXT').every((id) => id.startsWith('OF-P-'))).toBe(true);
    expect(loyalty.offers.filter((o) => o.offer_id.startsWith('OF-P-')).every((o) => o.marketing)).toBe(true);
  });
});
