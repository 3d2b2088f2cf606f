import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The operations the benchmark sends, over identifiers picked from the estate where there is
 * data. Issue 14 names five workloads; the graph has no "a franchise's receipts of a day" field,
 * so the partner day asks for that day's receipts by number, one aliased root field each.
 */

/** One franchise's day: its receipts' numbers, in order, with their line counts. */
export interface PartnerDay {
  franchise: string;
  day: string;
  receipts: string[];
  receiptLines: number[];
}

/**
 * Identifiers from the estate that lead to data: a pool per workload, the richest first, so that
 * concurrent requests ask for different things (identical ones would let a gateway that merges
 * identical in-flight subgraph fetches skip most of the work, which real traffic does not allow).
 */
export interface Picks {
  /** Loyalty cards of the people with the most orders across channels. */
  cards: string[];
  /** Catalogue products stocked in the most stores, with a web SKU, and a postcode of a store that stocks each. */
  products: Array<{ catalogueRef: string; postcode: string }>;
  /** The categories with the most products. */
  categories: string[];
  /** The busiest franchise days. */
  partnerDays: PartnerDay[];
}

/** Lines the partner day asks for, as issue 14 puts it: its receipts are taken until they hold this many. */
export const PARTNER_DAY_LINES = 1000;

export interface Workload {
  name: string;
  title: string;
  /** What it fetches, for the report. */
  description: string;
  /** How many different requests it has (its pool of identifiers). */
  variants: number;
  /**
   * Connections under load at most: a heavy operation takes seconds under 16 at once on a small
   * machine, so that few or none would complete within a cell.
   */
  maxConnections?: number;
  /** The operation and variables at the nominal size, for the `variant`-th identifier of its pool (modulo its size). */
  body(variant?: number): { query: string; variables: Record<string, unknown> };
  /** The first identifier's operation asking for `items` items of its main list, clamped to what the graph accepts. */
  sized(items: number): { query: string; variables: Record<string, unknown>; effective: number };
}

export const CUSTOMER_360 = /* GraphQL */ `
  query Customer360($card: String!, $first: Int!) {
    customer(by: { cardNumber: $card }) {
      id
      displayName { value }
      identities { system localId franchise }
      loyalty { cardNumber tier pointsBalance }
      orders(first: $first) {
        totalCount
        edges {
          node {
            __typename number channel placedAt total { amount currency }
            lines { quantity label product { name } }
          }
        }
      }
      eligiblePromotions(channel: STORE) { id title kind }
    }
  }
`;

export const PRODUCT_PAGE = /* GraphQL */ `
  query ProductPage($ref: String!, $postcode: String!, $first: Int!) {
    product(catalogueRef: $ref) {
      catalogueRef gtin name(locale: FR) listPrice { amount currency }
      webPrice { amount currency }
      storePrices { store { code } price { amount currency } }
      webAvailable storeAvailability(near: { postcode: $postcode }, first: $first) { store { code name } quantity distanceMetres }
      campaigns { id title kind }
      webPromotions { id title kind }
      storePromotions { id title kind }
    }
  }
`;

export const CATEGORY_PAGE = /* GraphQL */ `
  query CategoryPage($category: String!, $first: Int!) {
    productsByCategory(category: $category, first: $first) {
      nodes { catalogueRef name listPrice { amount currency } webPrice { amount currency } campaigns { title kind } }
    }
  }
`;

const RECEIPT_FIELDS = 'number placedAt store { code } total { amount currency } lines { lineNumber quantity label lineTotal { amount currency } product { name } }';

/** Receipts by number, one aliased root field each: the graph has no "a franchise's receipts for a day" field. */
export function partnerQuery(count: number): string {
  const fields = Array.from({ length: count }, (_, i) => `r${i}: storeSale(number: $n${i}) { ${RECEIPT_FIELDS} }`).join('\n    ');
  const variables = Array.from({ length: count }, (_, i) => `$n${i}: ID!`).join(', ');
  return `query PartnerDay(${variables}) {\n    ${fields}\n  }`;
}

const clamp = (n: number, max: number) => Math.max(1, Math.min(n, max));

/** The receipts of a partner day that hold `lines` lines (all of the day's when it has fewer). */
export function partnerDayReceipts(day: PartnerDay, lines = PARTNER_DAY_LINES): { count: number; lines: number } {
  let count = 0;
  let held = 0;
  while (count < day.receipts.length && held < lines) held += day.receiptLines[count++] ?? 0;
  return { count, lines: held };
}

/**
 * Operation limits the Crosscanal gateway needs to take the partner day: one root field and one
 * alias per receipt, and the tokens and cost that go with them. The other gateways have no
 * such limits; the Crosscanal gateway still computes them on every request.
 */
export function partnerDayLimits(picks: Picks): Record<string, string> {
  const count = Math.max(1000, ...picks.partnerDays.map((d) => partnerDayReceipts(d).count));
  return {
    GATEWAY_MAX_ROOT_FIELDS: String(count),
    GATEWAY_MAX_ALIASES: String(count),
    GATEWAY_MAX_TOKENS: String(count * 60 + 1000),
    GATEWAY_MAX_COST: String(count * 1000),
  };
}

const at = <T>(pool: T[], variant = 0): T => pool[((variant % pool.length) + pool.length) % pool.length]!;

function receiptsQuery(day: PartnerDay, count: number) {
  const numbers = day.receipts.slice(0, clamp(count, day.receipts.length));
  return { query: partnerQuery(numbers.length), variables: Object.fromEntries(numbers.map((n, i) => [`n${i}`, n])), effective: numbers.length };
}

export function workloads(picks: Picks): Workload[] {
  const first = { card: picks.cards[0]!, product: picks.products[0]!, category: picks.categories[0]!, day: picks.partnerDays[0]! };
  const day = partnerDayReceipts(first.day);
  const lines = picks.partnerDays.map((d) => partnerDayReceipts(d).lines);
  const pool = (n: number, what: string) => (n > 1 ? ` (and ${n - 1} more ${what}, in turn)` : '');
  return [
    {
      name: 'customer360',
      title: 'customer 360',
      description: `customer by card, identities, loyalty, last 20 orders across channels with lines and product names, eligible promotions: card ${first.card}${pool(picks.cards.length, 'of the people with the most orders')}`,
      variants: picks.cards.length,
      body: (variant) => ({ query: CUSTOMER_360, variables: { card: at(picks.cards, variant), first: 20 } }),
      // orders takes `first` from 0 to 100.
      sized: (items) => ({ query: CUSTOMER_360, variables: { card: first.card, first: clamp(items, 100) }, effective: clamp(items, 100) }),
    },
    {
      name: 'productPage',
      title: 'product page',
      description: `product by catalogue ref, names, list, web and store prices, stock in the 10 stores nearest a postcode, campaigns, web and store promotions: ${first.product.catalogueRef} near ${first.product.postcode}${pool(picks.products.length, 'products stocked in the most stores')}`,
      variants: picks.products.length,
      body: (variant) => {
        const product = at(picks.products, variant);
        return { query: PRODUCT_PAGE, variables: { ref: product.catalogueRef, postcode: product.postcode, first: 10 } };
      },
      // storesNear and storeAvailability take `first` from 1 to 50.
      sized: (items) => ({ query: PRODUCT_PAGE, variables: { ref: first.product.catalogueRef, postcode: first.product.postcode, first: clamp(items, 50) }, effective: clamp(items, 50) }),
    },
    {
      name: 'categoryPage',
      title: 'category page',
      description: `50 products of a category with list and web prices and campaign badges: "${first.category}"${pool(picks.categories.length, 'of the largest categories')}`,
      variants: picks.categories.length,
      body: (variant) => ({ query: CATEGORY_PAGE, variables: { category: at(picks.categories, variant), first: 50 } }),
      // productsByCategory takes `first` from 1 to 500.
      sized: (items) => ({ query: CATEGORY_PAGE, variables: { category: first.category, first: clamp(items, 500) }, effective: clamp(items, 500) }),
    },
    {
      name: 'partnerDay',
      title: 'partner day',
      description:
        `one franchise's receipts of a day with their lines and products' names, by number (one aliased \`storeSale\` each), until they hold ${PARTNER_DAY_LINES} lines: ` +
        `${day.count} receipts of ${first.day.franchise} on ${first.day.day}, ${day.lines} lines${pool(picks.partnerDays.length, 'of the busiest franchise days')}; ${Math.min(...lines)} to ${Math.max(...lines)} lines each`,
      variants: picks.partnerDays.length,
      maxConnections: 4,
      body: (variant) => {
        const chosen = at(picks.partnerDays, variant);
        const { query, variables } = receiptsQuery(chosen, partnerDayReceipts(chosen).count);
        return { query, variables };
      },
      sized: (items) => receiptsQuery(first.day, items),
    },
    {
      name: 'typename',
      title: '{ __typename }',
      description: 'the gateway alone: no subgraph is asked',
      variants: 1,
      body: () => ({ query: '{ __typename }', variables: {} }),
      sized: () => ({ query: '{ __typename }', variables: {}, effective: 0 }),
    },
  ];
}

async function* lines(path: string): AsyncGenerator<Record<string, unknown>> {
  const input = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of input) if (line.trim() !== '') yield JSON.parse(line) as Record<string, unknown>;
}

/** The `n` keys with the highest score, highest first, ties by key. */
function top<K extends string | number>(scores: Map<K, number>, n: number): K[] {
  return [...scores]
    .sort((x, y) => y[1] - x[1] || String(x[0]).localeCompare(String(y[0])))
    .slice(0, n)
    .map(([key]) => key);
}

/**
 * Reads the estate's files (streamed: the bench scale has a million receipt lines) and picks
 * up to `poolSize` identifiers per workload with data behind them. Deterministic for one estate.
 */
export async function pickIdentifiers(dataDir: string, poolSize = 64): Promise<Picks> {
  const file = (system: string, table: string) => join(dataDir, system, `${table}.jsonl`);

  // The people with the most orders across channels who have a web account and a loyalty card.
  const ordersByAccount = new Map<number, number>();
  for await (const order of lines(file('ecommerce', 'orders'))) {
    const id = order.customer_id as number;
    ordersByAccount.set(id, (ordersByAccount.get(id) ?? 0) + 1);
  }
  const ordersByMember = new Map<string, number>();
  for await (const person of lines(join(dataDir, 'ground-truth', 'persons.jsonl'))) {
    const records = person.records as Array<{ system: string; id: string | number }>;
    const member = records.find((r) => r.system === 'loyalty')?.id;
    const accounts = records.filter((r) => r.system === 'ecommerce').map((r) => r.id as number);
    if (!member || accounts.length === 0) continue;
    ordersByMember.set(String(member), (person.receipts as unknown[]).length + accounts.reduce((n, id) => n + (ordersByAccount.get(id) ?? 0), 0));
  }
  const cardOf = new Map<string, string>();
  for await (const card of lines(file('loyalty', 'cards'))) {
    if (card.status === 'ACTIVE') cardOf.set(card.member_id as string, card.card_number as string);
  }
  for (const member of ordersByMember.keys()) if (!cardOf.has(member)) ordersByMember.delete(member);
  const cards = top(ordersByMember, poolSize).map((member) => cardOf.get(member)!);
  if (cards.length === 0) throw new Error(`no person in ${dataDir} has a web account and an active loyalty card`);

  // The products stocked in the most stores, among those sold on the web.
  const storesByEan = new Map<string, Set<string>>();
  for await (const row of lines(file('pos', 'stock'))) {
    if (typeof row.ean !== 'string') continue;
    let stores = storesByEan.get(row.ean);
    if (!stores) storesByEan.set(row.ean, (stores = new Set()));
    stores.add(row.store_code as string);
  }
  const stocked = new Map<string, number>();
  const storesOf = new Map<string, Set<string>>();
  const categoryCounts = new Map<string, number>();
  for await (const p of lines(file('catalogue', 'products'))) {
    const path = p.category as string[];
    for (let depth = 1; depth <= path.length; depth += 1) {
      const name = path.slice(0, depth).join(' > ');
      categoryCounts.set(name, (categoryCounts.get(name) ?? 0) + 1);
    }
    const aliases = (p.aliases as Array<{ type: string }>) ?? [];
    const stores = typeof p.ean === 'string' ? storesByEan.get(p.ean) : undefined;
    if (!stores || !aliases.some((a) => a.type === 'WEB_SKU') || p.status !== 'ACTIVE') continue;
    stocked.set(p.ref as string, stores.size);
    storesOf.set(p.ref as string, stores);
  }
  const refs = top(stocked, poolSize);
  if (refs.length === 0) throw new Error(`no catalogue product in ${dataDir} is stocked in a store and sold on the web`);
  const postcodeOf = new Map<string, string>();
  for await (const store of lines(file('pos', 'stores'))) postcodeOf.set(store.code as string, store.postcode as string);
  const products = refs.map((ref) => ({ catalogueRef: ref, postcode: postcodeOf.get([...storesOf.get(ref)!].sort()[0]!) ?? '75001' }));
  // Those with a full page (50 products) when there are any.
  const full = new Map([...categoryCounts].filter(([, count]) => count >= 50));
  const categories = top(full.size > 0 ? full : categoryCounts, poolSize);

  // The busiest franchise days.
  const byDay = new Map<string, Array<[string, number]>>();
  for await (const receipt of lines(file('pos', 'receipts'))) {
    const key = `${receipt.franchise as string} ${(receipt.sold_at as string).slice(0, 10)}`;
    const entry: [string, number] = [receipt.receipt_no as string, (receipt.lines as unknown[] | undefined)?.length ?? 0];
    const list = byDay.get(key);
    if (list) list.push(entry);
    else byDay.set(key, [entry]);
  }
  const partnerDays = top(new Map([...byDay].map(([key, list]) => [key, list.length])), poolSize).map((key) => {
    const receipts = byDay.get(key)!.sort((a, b) => a[0].localeCompare(b[0]));
    const [franchise, day] = key.split(' ') as [string, string];
    return { franchise, day, receipts: receipts.map(([number]) => number), receiptLines: receipts.map(([, count]) => count) };
  });
  return { cards, products, categories, partnerDays };
}
