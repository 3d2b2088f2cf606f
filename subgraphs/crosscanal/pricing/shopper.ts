import { parseRecordId } from '../matching/records.js';
import type { Context } from '../context.js';
import type { LoyaltyTier, SalesChannel } from '../../shared/promotions.js';
import type { MembershipRecord } from '../../loyalty/mappers.js';
import type { Shopper } from './engine.js';

/** One consent decision, from whichever system recorded it. */
export interface MarketingDecision {
  channel: string;
  status: 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'PENDING';
  capturedAt: string | null;
}

/**
 * Whether the customer accepts marketing on some channel: per channel the most recent decision
 * any system recorded wins (an undated one loses to a dated one), and a PENDING one is no yes.
 */
export function acceptsMarketing(decisions: readonly MarketingDecision[]): boolean {
  const latest = new Map<string, MarketingDecision>();
  for (const decision of decisions) {
    const known = latest.get(decision.channel);
    const at = (d: MarketingDecision) => (d.capturedAt === null ? -Infinity : Date.parse(d.capturedAt));
    if (!known || at(decision) > at(known)) latest.set(decision.channel, decision);
  }
  return [...latest.values()].some((d) => d.status === 'SUBSCRIBED');
}

/** The customer's local ids per system, from the crosswalk's links. */
export async function identitiesOf(customerId: string, context: Context): Promise<{ memberIds: string[]; webAccountIds: string[] }> {
  const links = await context.loaders.links.load(customerId);
  const keys = links.map((link) => parseRecordId(link.record));
  return {
    memberIds: keys.filter((k) => k.system === 'LOYALTY').map((k) => k.localId),
    webAccountIds: keys.filter((k) => k.system === 'ECOMMERCE').map((k) => k.localId),
  };
}

const TIER_RANK: Record<LoyaltyTier, number> = { BRONZE: 0, SILVER: 1, GOLD: 2 };

/** The customer's loyalty members the programme knows, the highest tier first (then by id). */
export async function heldMembersOf(customerId: string, context: Context): Promise<MembershipRecord[]> {
  const { memberIds } = await identitiesOf(customerId, context);
  const { loyalty } = context.estate();
  const members = loyalty ? (await loyalty.members.loadMany(memberIds)).map(unwrap) : [];
  const held = members.filter((m): m is MembershipRecord => m !== null);
  return held.sort((a, b) => TIER_RANK[b.tier as LoyaltyTier] - TIER_RANK[a.tier as LoyaltyTier] || a.memberId.localeCompare(b.memberId));
}

/**
 * The customer as the promotions see them: their loyalty membership (the highest tier when
 * they hold several), their orders in the channel (web orders; store sales are not counted,
 * no store promotion asks for a first order), and whether they accept marketing, from the
 * programme's consents and the web accounts' newsletter choice, read fresh. A system that
 * cannot be reached makes the whole answer an error rather than a guess.
 *
 * The programme and the web shop are read side by side, and the web accounts and their orders
 * together: only the consents wait, for the members they belong to. One round trip to the web
 * shop and two to the programme, where reading them one after the other made four.
 */
export async function shopperOf(customerId: string, channel: SalesChannel, context: Context): Promise<{ shopper: Shopper; memberIds: string[] }> {
  const { webAccountIds } = await identitiesOf(customerId, context);
  const { loyalty, ecommerce } = context.estate();
  const programme = (async () => {
    const held = await heldMembersOf(customerId, context);
    const decisions: MarketingDecision[] = [];
    if (loyalty) for (const list of (await loyalty.freshConsents.loadMany(held.map((m) => m.memberId))).map(unwrap)) decisions.push(...list);
    return { held, decisions };
  })();
  const shop = (async () => {
    const decisions: MarketingDecision[] = [];
    let webOrders = 0;
    if (ecommerce && webAccountIds.length > 0) {
      const [accounts, orders] = await Promise.all([
        ecommerce.account.loadMany(webAccountIds),
        channel === 'WEB' ? ecommerce.ordersByAccount.loadMany(webAccountIds) : Promise.resolve([]),
      ]);
      for (const account of accounts.map(unwrap)) if (account) decisions.push(account.newsletter);
      for (const list of orders.map(unwrap)) webOrders += list.length;
    }
    return { decisions, webOrders };
  })();
  const [{ held, decisions: programmeDecisions }, { decisions: shopDecisions, webOrders }] = await Promise.all([programme, shop]);
  const best = held[0] ?? null;
  return {
    shopper: {
      memberId: best?.memberId ?? null,
      tier: (best?.tier as LoyaltyTier | undefined) ?? null,
      ordersInChannel: channel === 'WEB' ? webOrders : null,
      // The programme's decisions first, as they were read before: on a tie the first one stands.
      acceptsMarketing: acceptsMarketing([...programmeDecisions, ...shopDecisions]),
    },
    memberIds: held.map((m) => m.memberId),
  };
}

function unwrap<T>(value: T | Error): T {
  if (value instanceof Error) throw value;
  return value;
}
