import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isValidGtin } from '../../utilities/gtin.js';
import { readEstate, readGroundTruth, readManifest, readPos, writeEstate } from './files.js';
import { formatPhone, generateEstate, type Generated } from './generate.js';
import type { LocalRecord } from './model.js';

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
