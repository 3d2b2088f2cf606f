import type { Resolvers } from '../generated/types.js';
import type { Money } from '../../../utilities/money.js';
import { badUserInput } from '../../shared/errors.js';
import { accessDenied } from '../../shared/principal.js';
import type { Context } from '../context.js';
import { finishQuoteOnline, QuoteConversions, type AttributionRow, type FinishQuoteInput } from './quoteOnline.js';
import { recordReturn, type RecordReturnRequest, type RecordReturnResult } from './returnAnywhere.js';

const MAX_SALES = 200;
const MAX_PERIOD_MS = 366 * 86_400_000;
const money = (amount: number, currency: string): Money => ({ amount, currency });

function explanation(row: AttributionRow): string {
  if (row.rule === 'QUOTE') {
    const leftOut = row.leftOutTotal > 0 ? `, without ${(row.leftOutTotal / 100).toFixed(2)} ${row.currency} of lines the web shop does not sell` : '';
    return `finished quote ${row.quoteNumber} prepared in ${row.storeCode}${row.sellerCode ? ` by seller ${row.sellerCode}` : ''}${leftOut}`;
  }
  const { receipt, hours } = row.evidence as { receipt?: string; hours?: number };
  return `ordered online ${hours ?? '?'} h after being served in ${row.storeCode}${row.sellerCode ? ` by seller ${row.sellerCode}` : ''} (receipt ${receipt ?? '?'})`;
}

interface Period {
  from: string;
  to: string;
}

/** A store's or a seller's online sales over a period, with the attribution rows `sales` pages through. */
export interface AssistedSales {
  orders: number;
  total: Money;
  quoteOrders: number;
  servedOrders: number;
  bySeller: { sellerCode: string; sellerName: string | null; orders: number; total: Money }[];
  rows: AttributionRow[];
}

/** A store's online sales over a period, or one seller's of them; scoped as the principal may see. */
async function assistedSales(storeCode: string, sellerCode: string | null, { from, to }: Period, context: Context): Promise<AssistedSales> {
  if (!(Date.parse(from) < Date.parse(to))) throw badUserInput(`from (${from}) must be before to (${to})`, 'from');
  if (Date.parse(to) - Date.parse(from) > MAX_PERIOD_MS) throw badUserInput('a period is at most 366 days', 'to');
  const { principal } = context;
  if (principal.role === 'associate' && principal.store !== storeCode) throw accessDenied(principal, `an associate sees their own store's online sales, not ${storeCode}'s`);
  if (principal.role === 'partner') {
    const entry = await context.estate().pos?.store.load(storeCode);
    if (!entry || entry.franchise !== principal.franchise) throw accessDenied(principal, `store ${storeCode} is not one of ${principal.franchise}'s`);
  }
  const rows = (await new QuoteConversions(context.store).ofStores([storeCode], from, to)).filter((row) => sellerCode === null || row.sellerCode === sellerCode);
  const currency = rows[0]?.currency ?? 'EUR';
  const sellers = new Map<string, { sellerCode: string; sellerName: string | null; orders: number; amount: number }>();
  for (const row of rows) {
    if (!row.sellerCode) continue;
    const seller = sellers.get(row.sellerCode) ?? { sellerCode: row.sellerCode, sellerName: row.sellerName, orders: 0, amount: 0 };
    seller.orders += 1;
    seller.amount += row.orderTotal;
    sellers.set(row.sellerCode, seller);
  }
  return {
    orders: rows.length,
    total: money(rows.reduce((sum, row) => sum + row.orderTotal, 0), currency),
    quoteOrders: rows.filter((row) => row.rule === 'QUOTE').length,
    servedOrders: rows.filter((row) => row.rule === 'SERVED_IN_STORE').length,
    bySeller: [...sellers.values()]
      .sort((a, b) => b.amount - a.amount || a.sellerCode.localeCompare(b.sellerCode))
      .map((s) => ({ sellerCode: s.sellerCode, sellerName: s.sellerName, orders: s.orders, total: money(s.amount, currency) })),
    rows,
  };
}

export const journeyResolvers = {
  Mutation: {
    finishQuoteOnline: (_: unknown, { input }: { input: FinishQuoteInput }, context: Context) => finishQuoteOnline(input, context, context.journeys),
    recordReturn: (_: unknown, { input }: { input: RecordReturnRequest }, context: Context) => recordReturn(input, context, context.journeys.returns),
  },

  RecordReturnResult: {
    storeReturn: (result: RecordReturnResult) => (result.returnNumber ? { __typename: 'StoreReturn', id: result.returnNumber, number: result.returnNumber } : null),
    refundChannel: () => 'STORE',
  },

  OnlineSaleAttribution: {
    webOrder: (row: AttributionRow) => ({ number: row.webOrderNumber }),
    store: (row: AttributionRow) => ({ code: row.storeCode }),
    quote: (row: AttributionRow) => (row.quoteNumber ? { number: row.quoteNumber } : null),
    orderTotal: (row: AttributionRow) => money(row.orderTotal, row.currency),
    quoteTotal: (row: AttributionRow) => (row.quoteTotal === null ? null : money(row.quoteTotal, row.currency)),
    leftOut: (row: AttributionRow) => money(row.leftOutTotal, row.currency),
    explanation,
  },

  Store: {
    __resolveReference: ({ code }: { code: string }) => (typeof code === 'string' ? { code } : null),
    assistedOnlineSales: (store: { code: string }, period: Period, context: Context) => assistedSales(store.code, null, period, context),
  },

  StoreSeller: {
    __resolveReference: ({ storeCode, code }: { storeCode: string; code: string }) => (typeof storeCode === 'string' && typeof code === 'string' ? { storeCode, code } : null),
    assistedOnlineSales: (seller: { storeCode: string; code: string }, period: Period, context: Context) => assistedSales(seller.storeCode, seller.code, period, context),
  },

  AssistedOnlineSales: {
    sales: (sales: AssistedSales, { first }: { first: number }) => {
      if (!Number.isInteger(first) || first < 1 || first > MAX_SALES) throw badUserInput(`first must be from 1 to ${MAX_SALES}, got ${first}`, 'first');
      return sales.rows.slice(0, first);
    },
  },
} satisfies Resolvers;
