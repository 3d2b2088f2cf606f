import Keyv from 'keyv';
import type { PosData, PosPromotion } from '../../legacy/generator/model.js';
import { EAN } from '../../legacy/pos/fixture.js';
import { toGtin14, withCheckDigit } from '../../utilities/gtin.js';
import type { Promotion } from '../shared/promotions.js';
import { LegacySource } from '../shared/source.js';
import { PosClient } from './client.js';
import { HeldDirectory } from './heldDirectory.js';
import { createLoaders, storePricingKey, type PosLoaders } from './loaders.js';
import type { FranchiseEntry, PriceSheetCursor, PriceSheetEntry, StorePricingRecord } from './records.js';
import { posTestData, startPosStack, type PosStack } from './testStack.js';

/**
 * What the crosswalk's price engine reads of the tills: the `storePricing` loader (an item's
 * prices, stock and promotions per store) and the client's franchise price sheet, against the
 * stand-in, with the statements they cost.
 */

/** Items priced in one store of each franchise, to show a batch costs the same whatever its size. */
const BULK = Array.from({ length: 80 }, (_, i) => withCheckDigit(`200000${String(i).padStart(6, '0')}`));

const promotion = (fields: Pick<PosPromotion, 'franchise' | 'promo_id' | 'store_code' | 'kind' | 'value' | 'eans'>): PosPromotion => ({
  label: fields.promo_id,
  starts_at: '2026-04-01T00:00:00.000Z',
  ends_at: '2026-05-01T00:00:00.000Z',
  ...fields,
});

function pricingData(): PosData {
  const data = posTestData();
  const priced = (store: string, i: number) => ({ store_code: store, ean: BULK[i]!, local_code: null, price_cents: 1000 + i, valid_from: '2026-01-01T00:00:00.000Z', valid_to: null });
  return {
    ...data,
    stock: [...data.stock, ...BULK.flatMap((ean, i) => (i % 2 === 0 ? [{ store_code: 'NRD02', ean, local_code: null, quantity: i, updated_at: '2026-06-01T00:00:00.000Z' }] : []))],
    prices: [
      ...data.prices,
      ...BULK.flatMap((_, i) => [priced('NRD01', i), priced('SUD01', i), priced('OUE01', i)]),
      // L0001 is NRD's code of one product and SUD's of another (testStack's LOCAL_STOCK).
      { store_code: 'NRD02', ean: null, local_code: 'L0001', price_cents: 1290, valid_from: '2026-01-01T00:00:00.000Z', valid_to: null },
      { store_code: 'SUD03', ean: null, local_code: 'L0001', price_cents: 990, valid_from: '2026-01-01T00:00:00.000Z', valid_to: null },
    ],
    promotions: [
      ...data.promotions,
      // A 3-for-2 of NRD02 on a bulk item and on an item NRD keeps under its own code.
      promotion({ franchise: 'NRD', promo_id: 'P-NRD-LOT', store_code: 'NRD02', kind: 'MULTIBUY', value: 3, eans: [BULK[0]!, 'L0001'] }),
      // SUD writes its multibuy LOT, in numeric(10,2).
      promotion({ franchise: 'SUD', promo_id: 'PROMO-LOT', store_code: null, kind: 'MULTIBUY', value: 2, eans: [BULK[1]!] }),
      // A kind the subgraph does not know: OTHER, shown and never applied.
      promotion({ franchise: 'NRD', promo_id: 'P-NRD-BOGO', store_code: null, kind: 'BOGO' as PosPromotion['kind'], value: 1, eans: [BULK[2]!] }),
    ],
  };
}

let stack: PosStack;
let data: PosData;
const clients: PosClient[] = [];

/** A client and fresh loaders over the stand-in, with a cache of their own; the directory already read. */
async function open(): Promise<{ client: PosClient; source: LegacySource; directory: HeldDirectory; loaders: PosLoaders }> {
  const source = new LegacySource('pos', { cache: new Keyv(), timeoutMs: 2000, retryBaseMs: 1 });
  const client = new PosClient(source, { url: stack.pos.url, schemaPrefix: stack.schemaPrefix, timeoutMs: 2000, poolSize: 4 });
  clients.push(client);
  const directory = new HeldDirectory(client);
  const loaders = createLoaders(client, source, directory);
  await loaders.directory();
  return { client, source, directory, loaders };
}

/** Statements the stand-in ran since the last reset. */
const statements = () => stack.pos.counter.snapshot().total;

beforeAll(async () => {
  data = pricingData();
  stack = await startPosStack(data);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await stack?.stop();
});

/** A store's answer, as the tests compare it. */
const summary = (records: StorePricingRecord[]) =>
  Object.fromEntries(
    records.map((r) => [
      r.storeCode,
      { franchise: r.franchise, prices: r.prices.map((p) => p.price.amount), stocked: r.stocked, promotions: r.promotions.map((p) => p.id) },
    ]),
  );

describe('storePricing loader', () => {
  test('an item by GTIN in every franchise and by a local code in its own: prices past and future, stock, the promotions of each store', async () => {
    const { loaders } = await open();
    const records = await loaders.storePricing.load(storePricingKey(toGtin14(EAN.trailShoe), [{ franchise: 'NRD', code: 'L0001' }], null));
    expect(summary(records)).toEqual({
      NRD01: { franchise: 'NRD', prices: [9990, 8990], stocked: true, promotions: ['pos:NRD:P-NRD-2026-03'] },
      // Stocked under its EAN (0) and under NRD's code, priced under NRD's code; NRD02's own 3-for-2 lists the code.
      NRD02: { franchise: 'NRD', prices: [1290], stocked: true, promotions: ['pos:NRD:P-NRD-2026-03', 'pos:NRD:P-NRD-LOT'] },
      OUE01: { franchise: 'OUE', prices: [8990], stocked: true, promotions: [] },
      // SUD03's L0001 is another product: a local code only matches within its franchise.
      SUD01: { franchise: 'SUD', prices: [8490], stocked: true, promotions: [] },
    });
    const nrd01 = records.find((r) => r.storeCode === 'NRD01')!;
    expect(nrd01.prices[0]).toEqual({
      storeCode: 'NRD01',
      gtin14: toGtin14(EAN.trailShoe),
      localCode: null,
      price: { amount: 9990, currency: 'EUR' },
      validFrom: '2025-09-01T00:00:00.000Z',
      validTo: '2026-02-28T23:00:00.000Z',
    });
    expect(records.find((r) => r.storeCode === 'NRD02')!.prices[0]).toMatchObject({ gtin14: null, localCode: 'L0001' });
    // Promotions come whole: the canonical model, every item they list.
    expect(nrd01.promotions[0]).toMatchObject({
      kind: 'PERCENT_OFF',
      percentOff: 2000,
      channels: ['STORE'],
      stage: 'PRODUCT',
      stackable: false,
      scope: { franchise: 'NRD', storeCodes: [], gtins: [EAN.trailShoe, EAN.rainJacket].sort() },
    });
    expect(records.find((r) => r.storeCode === 'NRD02')!.promotions[1]).toMatchObject({
      kind: 'BUY_N_PAY_M',
      buyQuantity: 3,
      payQuantity: 2,
      scope: { franchise: 'NRD', storeCodes: ['NRD02'], gtins: [BULK[0], 'L0001'].sort() },
    });
  });

  test('only the stores asked for; an item known by a local code alone; every layout\'s promotion kinds', async () => {
    const { loaders } = await open();
    const [sud, nothing, lot, bogo] = await Promise.all([
      loaders.storePricing.load(storePricingKey(null, [{ franchise: 'SUD', code: 'L0001' }], ['SUD03', 'NRD02'])),
      loaders.storePricing.load(storePricingKey(null, [{ franchise: 'OUE', code: 'L0001' }], null)),
      loaders.storePricing.load(storePricingKey(toGtin14(BULK[1]!), [], ['SUD01'])),
      loaders.storePricing.load(storePricingKey(toGtin14(BULK[2]!), [], ['NRD01', 'NRD03'])),
    ]);
    expect(summary(sud)).toEqual({ SUD03: { franchise: 'SUD', prices: [990], stocked: true, promotions: [] } });
    expect(nothing).toEqual([]);
    expect(summary(lot)).toEqual({ SUD01: { franchise: 'SUD', prices: [1001], stocked: false, promotions: ['pos:SUD:PROMO-LOT'] } });
    expect(lot[0]!.promotions[0]).toMatchObject({ kind: 'BUY_N_PAY_M', buyQuantity: 2, payQuantity: 1, scope: { franchise: 'SUD', storeCodes: [], gtins: [BULK[1]] } });
    // NRD03 neither stocks nor prices it: not a store where it is sold.
    expect(summary(bogo)).toEqual({ NRD01: { franchise: 'NRD', prices: [1002], stocked: false, promotions: ['pos:NRD:P-NRD-BOGO'] } });
    expect(bogo[0]!.promotions[0]).toMatchObject({ kind: 'OTHER', percentOff: null, amountOff: null, buyQuantity: null, stage: 'PRODUCT' });
  });

  test('one statement per franchise per batch, whatever the number of items, and none once cached', async () => {
    const keys = (count: number) => [
      ...BULK.slice(0, count).map((ean) => storePricingKey(toGtin14(ean), [], null)),
      storePricingKey(toGtin14(EAN.trailShoe), [{ franchise: 'NRD', code: 'L0001' }, { franchise: 'SUD', code: 'SUD-000731' }], null),
    ];

    const few = await open();
    stack.pos.counter.reset();
    const three = await few.loaders.storePricing.loadMany(keys(3));
    expect(three.every((answer) => Array.isArray(answer))).toBe(true);
    expect(statements()).toBe(3);

    const many = await open();
    stack.pos.counter.reset();
    const all = (await many.loaders.storePricing.loadMany(keys(BULK.length))) as StorePricingRecord[][];
    expect(statements()).toBe(3);
    expect(all).toHaveLength(BULK.length + 1);
    expect(summary(all[4]!)).toEqual({
      NRD01: { franchise: 'NRD', prices: [1004], stocked: false, promotions: [] },
      NRD02: { franchise: 'NRD', prices: [], stocked: true, promotions: [] },
      OUE01: { franchise: 'OUE', prices: [1004], stocked: false, promotions: [] },
      SUD01: { franchise: 'SUD', prices: [1004], stocked: false, promotions: [] },
    });
    expect(Object.keys(summary(all[BULK.length]!))).toEqual(['NRD01', 'NRD02', 'OUE01', 'SUD01', 'SUD03']);

    // Stores asked for: only their franchises are asked.
    const some = await open();
    stack.pos.counter.reset();
    await some.loaders.storePricing.loadMany(BULK.map((ean) => storePricingKey(toGtin14(ean), [], ['NRD01', 'NRD02'])));
    expect(statements()).toBe(1);

    // The same keys from the same cache, in a new request: nothing.
    stack.pos.counter.reset();
    const again = createLoaders(many.client, many.source, many.directory);
    await again.directory();
    stack.pos.counter.reset();
    expect(await again.storePricing.loadMany(keys(BULK.length))).toEqual(all);
    expect(statements()).toBe(0);
  });
});

describe('franchise price sheet', () => {
  const franchise = async (code: string): Promise<FranchiseEntry> => {
    const { loaders } = await open();
    return (await loaders.franchise.load(code))!;
  };

  /** Every (item code, store) the franchise keeps a stock or price row under, in the data. */
  const expectedPairs = (code: string): string[] => {
    const stores = new Set(data.stores.filter((s) => s.franchise === code).map((s) => s.code));
    const pairs = new Set<string>();
    for (const row of [...data.stock, ...data.prices]) {
      const item = row.ean ?? row.local_code;
      if (stores.has(row.store_code) && item !== null) pairs.add(`${item} ${row.store_code}`);
    }
    return [...pairs].sort();
  };

  /** Reads a whole sheet page by page; the statements each page cost. */
  async function readSheet(client: PosClient, entry: FranchiseEntry, limit: number) {
    const entries: PriceSheetEntry[] = [];
    const costs: number[] = [];
    let promotions: Promotion[] | null = null;
    let after: PriceSheetCursor | null = null;
    let pages = 0;
    do {
      stack.pos.counter.reset();
      const page = await client.priceSheetPage(entry, { after, limit });
      costs.push(statements());
      expect(page.entries.length).toBeLessThanOrEqual(limit);
      expect(page.franchise).toBe(entry.code);
      if (pages === 0) promotions = page.promotions;
      else expect(page.promotions).toBeNull();
      entries.push(...page.entries);
      after = page.next;
      pages += 1;
    } while (after !== null && pages < 100);
    return { entries, costs, promotions: promotions as Promotion[] | null };
  }

  test.each(['NRD', 'SUD', 'OUE'])('%s: every (store, item code), page by page, each page one statement, the first one more for the promotions', async (code) => {
    const { client } = await open();
    const entry = await franchise(code);
    const { entries, costs, promotions } = await readSheet(client, entry, 25);
    const pairs = entries.map((e) => `${e.itemCode} ${e.storeCode}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect([...pairs].sort()).toEqual(expectedPairs(code));
    expect(costs[0]).toBe(2);
    expect(costs.slice(1).every((cost) => cost === 1)).toBe(true);
    expect(costs.length).toBe(Math.ceil(expectedPairs(code).length / 25));
    expect(promotions!.map((p) => p.id).sort()).toEqual(data.promotions.filter((p) => p.franchise === code).map((p) => `pos:${code}:${p.promo_id}`).sort());
    for (const p of promotions!) {
      const source = data.promotions.find((d) => `pos:${code}:${d.promo_id}` === p.id)!;
      expect(p.scope.gtins).toEqual([...new Set(source.eans)].sort());
    }
  });

  test('an entry carries every price row of the pair, past and future, and whether it is stocked', async () => {
    const { client } = await open();
    const { entries } = await readSheet(client, await franchise('NRD'), 500);
    const at = (item: string, store: string) => entries.find((e) => e.itemCode === item && e.storeCode === store);
    expect(at(EAN.trailShoe, 'NRD01')).toMatchObject({ gtin14: toGtin14(EAN.trailShoe), stocked: true, prices: [{ price: { amount: 9990 } }, { price: { amount: 8990 } }] });
    expect(at(EAN.trailShoe, 'NRD02')).toMatchObject({ stocked: true, prices: [] });
    expect(at('L0001', 'NRD02')).toMatchObject({ gtin14: null, stocked: true, prices: [{ localCode: 'L0001', price: { amount: 1290, currency: 'EUR' }, validTo: null }] });
    expect(at(BULK[3]!, 'NRD01')).toMatchObject({ stocked: false, prices: [{ price: { amount: 1003 } }] });
    const sud = await readSheet(client, await franchise('SUD'), 500);
    expect(sud.entries.find((e) => e.itemCode === EAN.trailShoe && e.storeCode === 'SUD01')).toMatchObject({
      stocked: true,
      prices: [{ price: { amount: 8490, currency: 'EUR' }, validFrom: '2026-01-01T00:00:00.000Z', validTo: null }],
    });
  });

  test('refuses a page size out of bounds', async () => {
    const { client } = await open();
    const entry = await franchise('NRD');
    await expect(client.priceSheetPage(entry, { limit: 0 })).rejects.toThrow(RangeError);
    await expect(client.priceSheetPage(entry, { limit: 5001 })).rejects.toThrow(RangeError);
  });
});
