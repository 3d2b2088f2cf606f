import type { FranchiseCode, PosData } from '../generator/model.js';
import type { FranchiseRecords } from './franchiseLayout.js';

/** Sorts the estate's POS records into one set per franchisee database. */
export function splitByFranchise(data: PosData): Map<FranchiseCode, FranchiseRecords> {
  const byCode = new Map<FranchiseCode, FranchiseRecords>();
  for (const franchise of data.franchises) {
    if (byCode.has(franchise.code)) throw new Error(`PosData.franchises lists ${franchise.code} twice`);
    byCode.set(franchise.code, {
      franchise,
      stores: [],
      sellers: [],
      clients: [],
      receipts: [],
      returns: [],
      quotes: [],
      stock: [],
      prices: [],
      promotions: [],
      ratings: [],
    });
  }
  const of = (code: FranchiseCode, what: string): FranchiseRecords => {
    const records = byCode.get(code);
    if (!records) throw new Error(`${what} belongs to franchise ${JSON.stringify(code)}, which PosData.franchises does not list`);
    return records;
  };
  const storeFranchise = new Map<string, FranchiseCode>();
  for (const store of data.stores) {
    of(store.franchise, `store ${store.code}`).stores.push(store);
    storeFranchise.set(store.code, store.franchise);
  }
  const ofStore = (storeCode: string, what: string): FranchiseRecords => {
    const code = storeFranchise.get(storeCode);
    if (!code) throw new Error(`${what} names store ${JSON.stringify(storeCode)}, which PosData.stores does not list`);
    return of(code, what);
  };
  for (const seller of data.sellers) ofStore(seller.store_code, `seller ${seller.code}`).sellers.push(seller);
  for (const client of data.clients) of(client.franchise, `client ${client.client_id}`).clients.push(client);
  for (const receipt of data.receipts) of(receipt.franchise, `receipt ${receipt.receipt_no}`).receipts.push(receipt);
  for (const ret of data.returns) of(ret.franchise, `return ${ret.return_no}`).returns.push(ret);
  for (const quote of data.quotes) of(quote.franchise, `quote ${quote.quote_no}`).quotes.push(quote);
  for (const stock of data.stock) ofStore(stock.store_code, 'a stock record').stock.push(stock);
  for (const price of data.prices) ofStore(price.store_code, 'a price').prices.push(price);
  for (const promotion of data.promotions) of(promotion.franchise, `promotion ${promotion.promo_id}`).promotions.push(promotion);
  for (const rating of data.ratings ?? []) of(rating.franchise, `rating of ${rating.receipt_no}`).ratings.push(rating);
  return byCode;
}
