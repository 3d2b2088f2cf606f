import type { Generated } from '../../../legacy/generator/generate.js';
import type { EcommerceData, LoyaltyData } from '../../../legacy/generator/model.js';
import { startEcommerce, type RunningEcommerce } from '../../../legacy/ecommerce/server.js';
import { startLoyalty, type RunningLoyalty } from '../../../legacy/loyalty/server.js';
import { startPos, type RunningPos } from '../../../legacy/pos/server.js';

/** The three systems the crosswalk reads, started on free ports over one generated estate. */
export interface StandIns {
  ecommerce: RunningEcommerce;
  loyalty: RunningLoyalty;
  pos: RunningPos;
  /** What `createReaders` needs. */
  sources: { ecommerceUrl: string; loyaltyUrl: string; posUrl: string; posSchemaPrefix: string };
  stop(): Promise<void>;
}

export interface StandInsOptions {
  /** A real PostgreSQL for the POS databases; default PGlite in memory. */
  posDatabaseUrl?: string;
  /** Prefix of the POS schemas on a shared PostgreSQL. */
  posSchemaPrefix?: string;
}

/** Starts the e-commerce, loyalty and POS stand-ins; `pos` may be shared with another set. */
export async function startStandIns(
  estate: Pick<Generated['estate'], 'ecommerce' | 'loyalty' | 'pos'>,
  { posDatabaseUrl, posSchemaPrefix = '' }: StandInsOptions = {},
  shared?: { pos: RunningPos },
): Promise<StandIns> {
  const [ecommerce, loyalty, pos] = await Promise.all([
    startEcommerce({ data: estate.ecommerce }),
    startLoyalty({ data: estate.loyalty }),
    shared ? Promise.resolve(shared.pos) : startPos({ data: estate.pos, databaseUrl: posDatabaseUrl, schemaPrefix: posSchemaPrefix }),
  ]);
  return {
    ecommerce,
    loyalty,
    pos,
    sources: { ecommerceUrl: ecommerce.url, loyaltyUrl: loyalty.endpoint, posUrl: pos.url, posSchemaPrefix },
    async stop() {
      await Promise.all([ecommerce.stop(), loyalty.stop(), shared ? undefined : pos.stop()]);
    },
  };
}

/**
 * The e-commerce and loyalty records as they stood at `cutoff`: only what was last updated
 * before it. Feeding the crosswalk this and then the full data exercises its change feeds.
 */
export function before(estate: Generated['estate'], cutoff: string): { ecommerce: EcommerceData; loyalty: LoyaltyData } {
  const at = Date.parse(cutoff);
  const customers = estate.ecommerce.customers.filter((c) => Date.parse(c.updated_at) < at);
  const kept = new Set(customers.map((c) => c.id));
  const members = estate.loyalty.members.filter((m) => Date.parse(m.updated_at) < at);
  const memberIds = new Set(members.map((m) => m.member_id));
  return {
    ecommerce: {
      ...estate.ecommerce,
      customers,
      addresses: estate.ecommerce.addresses.filter((a) => kept.has(a.customer_id)),
      orders: estate.ecommerce.orders.filter((o) => kept.has(o.customer_id) && Date.parse(o.updated_at) < at),
    },
    loyalty: {
      ...estate.loyalty,
      members,
      cards: estate.loyalty.cards.filter((c) => memberIds.has(c.member_id)),
      movements: estate.loyalty.movements.filter((m) => memberIds.has(m.member_id)),
      consents: estate.loyalty.consents.filter((c) => memberIds.has(c.member_id)),
      offers: estate.loyalty.offers.filter((o) => o.member_id === null || memberIds.has(o.member_id)),
    },
  };
}
