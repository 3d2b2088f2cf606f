import type { EcommerceClient, WireOrder } from '../../ecommerce/client.js';
import { lookupKey, lookupsOf } from '../../pos/identities.js';
import type { PosLoaders } from '../../pos/loaders.js';
import type { StoreSaleRecord } from '../../pos/records.js';
import { parseRecordId, recordId } from '../matching/records.js';
import type { CrosswalkStore } from '../store/crosswalkStore.js';
import { syncRunner, type SyncRunner } from '../syncRunner.js';
import { QuoteConversions } from './quoteOnline.js';

/**
 * Attribution by rule, when no quote says who started an online sale: a web order placed
 * within `windowDays` after its customer was served in a store is credited to that store and
 * the seller of the latest such receipt (rule SERVED_IN_STORE), with the receipt and the delay
 * as evidence. Orders that finish a quote are the quote's (rule QUOTE) and are left alone.
 * Reads the web shop's order feed from its own watermark, and each customer's receipts live.
 */

export interface ServedInStoreOptions {
  store: CrosswalkStore;
  ecommerce: Pick<EcommerceClient, 'changedOrders'>;
  /** A fresh set of POS loaders per run (batched, cached reads of the tills). */
  pos: () => PosLoaders | null;
  /** Default 14. */
  windowDays?: number;
  /** Orders placed before never count. Default: the first run's instant. */
  from?: string;
  now?: () => Date;
}

export interface ServedInStoreSummary {
  read: number;
  attributed: number;
}

const PAID = new Set(['paid', 'shipped', 'delivered', 'ready_for_pickup', 'collected']);

export function createServedInStore(options: ServedInStoreOptions): SyncRunner<ServedInStoreSummary> {
  const { store } = options;
  const db = store.db;
  const windowMs = (options.windowDays ?? 14) * 86_400_000;
  const now = options.now ?? (() => new Date());

  async function customerSales(accountId: string, pos: PosLoaders): Promise<StoreSaleRecord[]> {
    const account = recordId({ system: 'ECOMMERCE', franchise: null, localId: accountId });
    const customerId = (await store.customerIdsOfRecords([account])).get(account);
    if (!customerId) return [];
    const links = (await store.linksOfCustomers([customerId])).get(customerId) ?? [];
    const lookups = lookupsOf(links.map((link) => parseRecordId(link.record)).filter((key) => key.system === 'POS')).map(lookupKey);
    const lists = await pos.salesFor.loadMany(lookups);
    const failed = lists.find((list): list is Error => list instanceof Error);
    if (failed) throw failed;
    return (lists as StoreSaleRecord[][]).flat();
  }

  async function attribute(order: WireOrder, pos: PosLoaders, conversions: QuoteConversions): Promise<boolean> {
    if (order.quote_number || !PAID.has(order.status)) return false;
    const placed = Date.parse(order.placed_at);
    const served = (await customerSales(String(order.customer_id), pos))
      .filter((sale) => Date.parse(sale.placedAt) <= placed && placed - Date.parse(sale.placedAt) <= windowMs)
      .sort((a, b) => b.placedAt.localeCompare(a.placedAt))[0];
    if (!served) return false;
    const customerId = (await store.customerIdsOfRecords([recordId({ system: 'ECOMMERCE', franchise: null, localId: String(order.customer_id) })])).values().next().value ?? null;
    return conversions.attribute({
      webOrderNumber: order.number,
      rule: 'SERVED_IN_STORE',
      storeCode: served.storeCode,
      franchise: served.franchise,
      sellerCode: served.seller?.code ?? null,
      sellerName: served.seller?.name ?? null,
      quoteNumber: null,
      customerId,
      placedAt: order.placed_at,
      currency: order.currency,
      orderTotal: Math.round(Number(order.total) * 100),
      quoteTotal: null,
      leftOutTotal: 0,
      evidence: { receipt: served.number, servedAt: served.placedAt, hours: Math.round((placed - Date.parse(served.placedAt)) / 3_600_000), windowDays: windowMs / 86_400_000 },
      recordedBy: 'crosscanal:attribution',
    });
  }

  return syncRunner(async () => {
    const pos = options.pos();
    const summary: ServedInStoreSummary = { read: 0, attributed: 0 };
    if (!pos) return summary;
    await db.query('INSERT INTO attribution_feed (id, counts_from) VALUES (true, $1) ON CONFLICT (id) DO NOTHING', [options.from ?? now().toISOString()]);
    const [feed] = await db.query<{ counts_from: unknown; watermark: unknown }>('SELECT counts_from, watermark FROM attribution_feed');
    const countsFrom = new Date(String(feed!.counts_from instanceof Date ? feed!.counts_from.toISOString() : feed!.counts_from)).toISOString();
    const since = feed!.watermark ? new Date(String(feed!.watermark instanceof Date ? feed!.watermark.toISOString() : feed!.watermark)).toISOString() : countsFrom;
    const conversions = new QuoteConversions(store);
    for (let page = 1; ; page++) {
      const answer = await options.ecommerce.changedOrders(since, page, 200);
      summary.read += answer.records.length;
      let newest: string | null = null;
      for (const order of answer.records) {
        if (newest === null || Date.parse(order.updated_at) > Date.parse(newest)) newest = order.updated_at;
        if (Date.parse(order.placed_at) < Date.parse(countsFrom)) continue;
        if (await attribute(order, pos, conversions)) summary.attributed += 1;
      }
      if (newest !== null) await db.query('UPDATE attribution_feed SET watermark = GREATEST(COALESCE(watermark, $1::timestamptz), $1::timestamptz)', [newest]);
      if (!answer.hasMore) break;
    }
    return summary;
  });
}
