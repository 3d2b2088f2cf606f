import Keyv from 'keyv';
import type { LoyaltyData, LoyaltyTier } from '../../legacy/generator/model.js';
import { FIXTURE_NOW, loyaltyFixture } from '../../legacy/loyalty/fixture.js';
import { startLoyalty, type LoyaltyOptions, type RunningLoyalty } from '../../legacy/loyalty/server.js';
import { withCheckDigit } from '../../utilities/gtin.js';
import { grantHeaders, TEST_INTERNAL_SECRET } from '../../test/support/grant.js';
import type { Principal } from '../shared/principal.js';
import { startLoyaltySubgraph, type LoyaltySubgraphOptions, type RunningLoyaltySubgraph } from './server.js';

export { FIXTURE_NOW };

/** Synthetic member ids for batch tests: `M00200001`… */
export function extraMemberId(i: number): string {
  return `M${String(200_001 + i).padStart(8, '0')}`;
}

/** Synthetic card numbers for batch tests, valid EAN-13 with the 29 prefix. */
export function extraCardNumber(i: number): string {
  return withCheckDigit(`2900200${String(i).padStart(5, '0')}`);
}

/**
 * The stand-in's fixture plus what the subgraph's tests need: `extra` synthetic members with
 * a card, a consent and a movement each; a card whose number has a bad check digit (M00100002);
 * a member whose stored instants carry no zone and whose phone and mobile cannot be read (M00100008); a
 * member whose tier breaks the service's own schema (M00100009).
 */
export function subgraphFixture(extra = 150): LoyaltyData {
  const data = loyaltyFixture();
  data.cards.push({ card_number: '2900100042353', member_id: 'M00100002', status: 'LOST', issued_at: '2020-01-01T00:00:00.000Z' });
  data.members.push({
    member_id: 'M00100008',
    first_name: '  Inès ',
    last_name: 'Moreau',
    email: 'not an email',
    phone: 'n/c',
    // Two digits short, as keyed in a hurry.
    mobile: '06 12 34 56',
    birth_date: '1990-02-30',
    postcode: ' ',
    tier: 'SILVER',
    points_balance: 12,
    home_store_code: null,
    enrolled_at: '2024-05-01T08:30:00',
    updated_at: '2026-01-05T10:00:00',
    sizes: { shoe: ' 40 ', top: '', bottom: null },
  });
  data.members.push({
    ...data.members[1]!,
    member_id: 'M00100009',
    email: null,
    phone: null,
    // A tier the WSDL does not list, as a hand-edited row in the programme's database would hold.
    tier: 'PLATINUM' as LoyaltyTier,
    sizes: { shoe: null, top: null, bottom: null },
  });
  for (let i = 0; i < extra; i++) {
    const id = extraMemberId(i);
    data.members.push({
      member_id: id,
      first_name: `First${i}`,
      last_name: `Last${i}`,
      email: `member${i}@example.com`,
      phone: null,
      mobile: null,
      birth_date: null,
      postcode: null,
      tier: 'BRONZE',
      points_balance: i,
      home_store_code: null,
      enrolled_at: '2025-01-01T00:00:00.000Z',
      updated_at: '2025-01-01T00:00:00.000Z',
      sizes: { shoe: null, top: null, bottom: null },
    });
    data.cards.push({ card_number: extraCardNumber(i), member_id: id, status: 'ACTIVE', issued_at: '2025-01-01T00:00:00.000Z' });
    data.consents.push({ member_id: id, channel: 'EMAIL', purpose: 'MARKETING', status: 'OPT_IN', captured_at: '2025-01-01T00:00:00.000Z', source: 'WEB' });
    data.movements.push({ id: 500_000 + i, member_id: id, at: '2025-01-02T00:00:00.000Z', points: i, reason: 'PURCHASE', reference: null });
  }
  return data;
}

export interface Harness {
  legacy: RunningLoyalty;
  subgraph: RunningLoyaltySubgraph;
  cache: Keyv;
  /** POSTs a GraphQL operation to the subgraph and returns the JSON answer. */
  query(query: string, variables?: Record<string, unknown>, principal?: Principal): Promise<GraphQLAnswer>;
  /** SOAP calls the stand-in served since the last {@link resetCalls}. */
  calls(): ReturnType<RunningLoyalty['counter']['snapshot']>;
  resetCalls(): void;
  stop(): Promise<void>;
}

export interface GraphQLAnswer {
  // The tests read whatever shape the query under test asks for.
  data?: any;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

/**
 * Starts the stand-in on its fixture and the subgraph over it, both on port 0, clocks at
 * FIXTURE_NOW; `legacyOptions` (a journal folder, another clock) go to the stand-in.
 */
export async function startHarness(
  options: Partial<LoyaltySubgraphOptions> = {},
  data = subgraphFixture(),
  legacyOptions: Pick<LoyaltyOptions, 'journalDir' | 'now'> = {},
): Promise<Harness> {
  const legacy = await startLoyalty({ data, port: 0, now: () => new Date(FIXTURE_NOW), ...legacyOptions });
  const cache = new Keyv();
  let subgraph: RunningLoyaltySubgraph;
  try {
    subgraph = await startLoyaltySubgraph({
      endpoint: legacy.endpoint,
      internalSecret: TEST_INTERNAL_SECRET,
      port: 0,
      cache,
      now: () => new Date(FIXTURE_NOW),
      ...options,
      source: { retryBaseMs: 1, ...options.source },
    });
  } catch (error) {
    await legacy.stop();
    throw error;
  }
  return {
    legacy,
    subgraph,
    cache,
    async query(query, variables, principal) {
      const response = await fetch(subgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await grantHeaders(principal)) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLAnswer;
    },
    calls: () => legacy.counter.snapshot(),
    resetCalls: () => legacy.counter.reset(),
    async stop() {
      await subgraph.stop();
      await legacy.stop();
    },
  };
}

/** The `_entities` query for a list of representations, with a selection per type. */
export function entitiesQuery(selection: string): string {
  return /* GraphQL */ `
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        __typename
        ${selection}
      }
    }
  `;
}
