import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { isValidGtin } from '../../utilities/gtin.js';
import { toE164 } from '../../utilities/phone.js';
import { GraphQLError } from 'graphql';
import { badUserInput } from '../shared/errors.js';
import { accessDenied } from '../shared/principal.js';
import { DateTime } from '../shared/scalars.js';
import type { Context } from './context.js';
import { explainLink } from './explain.js';
import { emailKey } from './matching/keys.js';
import type { CustomerLink } from './matching/plan.js';
import { parseRecordId, recordId, type RecordKey, type SourceRecord } from './matching/records.js';
import { journeyResolvers } from './journeys/resolvers.js';
import { orderResolvers } from './orders/resolvers.js';
import { productReferenceQueries } from './products/resolvers.js';
import { pricingResolvers } from './pricing/resolvers.js';
import { contactResolvers } from './contact/resolvers.js';
import { promotionResolvers } from '../shared/promotions.js';
import type { StoredCustomer, SyncRunKind, SyncRunStatus } from './store/crosswalkStore.js';
import type { IdentitySyncKind, IdentitySyncStatus, Resolvers, SourceSystem } from './generated/types.js';
import { stewardshipResolvers } from './stewardshipResolvers.js';
import type { Survivor, Survivors } from './survivorship.js';

interface CustomerLookup {
  email?: string | null;
  phone?: string | null;
  cardNumber?: string | null;
  webAccountId?: string | null;
  loyaltyMemberId?: string | null;
}

/**
 * The customer a customer token names. One merged away since the token was issued is refused
 * with the surviving id: the token still names the old id, which every subgraph checks.
 */
async function signedInCustomer(context: Context): Promise<StoredCustomer | null> {
  const { principal } = context;
  if (principal.role !== 'customer' || !principal.customerId) throw accessDenied(principal, 'me answers a customer token only');
  const customer = await context.loaders.customer.load(principal.customerId);
  if (customer !== null && customer.id !== principal.customerId) {
    throw new GraphQLError(`the token names customer ${principal.customerId}, merged into ${customer.id} since: sign in again`, {
      extensions: { code: 'CUSTOMER_MERGED', mergedInto: customer.id },
    });
  }
  return customer;
}

/** A customer as resolvers pass it on: its live golden id. */
export type CustomerParent = Pick<StoredCustomer, 'id'> & Partial<StoredCustomer>;

/** IdentitySync's fields read the store themselves: its parent carries nothing. */
export type IdentitySyncParent = Record<PropertyKey, never>;

const SOURCE_SYSTEM: Readonly<Record<string, SourceSystem>> = { ecommerce: 'ECOMMERCE', loyalty: 'LOYALTY', pos: 'POS', catalogue: 'CATALOGUE' };

/** The graph's name of a source the sync reads: a source it cannot name breaks the SourceSystem enum. */
function sourceSystem(source: string): SourceSystem {
  const system = SOURCE_SYSTEM[source];
  if (system === undefined) throw new GraphQLError(`identity sync: source ${JSON.stringify(source)} is none of the systems the graph names (SourceSystem)`);
  return system;
}

const RUN_KIND = { full: 'FULL', incremental: 'INCREMENTAL' } as const satisfies Record<SyncRunKind, IdentitySyncKind>;
const RUN_STATUS = { running: 'RUNNING', succeeded: 'SUCCEEDED', failed: 'FAILED' } as const satisfies Record<SyncRunStatus, IdentitySyncStatus>;

/**
 * A customer a parent names by id, live. `Customer!` fields cannot answer null: a customer
 * gone since the parent was read (unlinked by a steward meanwhile) is CUSTOMER_NOT_FOUND.
 */
async function liveCustomer(id: string, context: Context): Promise<StoredCustomer> {
  const customer = await context.loaders.customer.load(id);
  if (customer === null) throw new GraphQLError(`customer ${id} is no longer in the crosswalk`, { extensions: { code: 'CUSTOMER_NOT_FOUND' } });
  return customer;
}

export const resolvers: GraphQLResolverMap<Context> = {
  DateTime,

  Mutation: { ...stewardshipResolvers.Mutation, ...journeyResolvers.Mutation, ...contactResolvers.Mutation },
  ContactPreference: contactResolvers.ContactPreference,
  ContactDecision: contactResolvers.ContactDecision,
  ContactCopy: contactResolvers.ContactCopy,
  AudienceMember: contactResolvers.AudienceMember,
  ErasureReceipt: contactResolvers.ErasureReceipt,
  OnlineSaleAttribution: journeyResolvers.OnlineSaleAttribution,
  Store: journeyResolvers.Store,
  StoreSeller: journeyResolvers.StoreSeller,
  AssistedOnlineSales: journeyResolvers.AssistedOnlineSales,
  RecordReturnResult: journeyResolvers.RecordReturnResult,
  StewardshipResult: stewardshipResolvers.StewardshipResult,
  CustomerOutcome: stewardshipResolvers.CustomerOutcome,
  StewardshipEvent: stewardshipResolvers.StewardshipEvent,

  OrderLookup: orderResolvers.OrderLookup,
  WebOrder: orderResolvers.WebOrder,
  Order: orderResolvers.Order,

  Product: pricingResolvers.Product,
  ProductOffer: pricingResolvers.ProductOffer,
  PriceCoherenceReport: pricingResolvers.PriceCoherenceReport,
  ProductPriceIncoherence: pricingResolvers.ProductPriceIncoherence,
  PriceDeviation: pricingResolvers.PriceDeviation,
  ...promotionResolvers,

  Query: {
    ...productReferenceQueries,
    ...orderResolvers.Query,
    ...pricingResolvers.Query,
    ...contactResolvers.Query,
    async customer(_: unknown, { id, by }: { id?: string | null; by?: CustomerLookup | null }, context: Context) {
      if ((id == null) === (by == null)) {
        throw badUserInput(`customer: give exactly one of id and by, got ${id == null ? 'neither' : 'both'}`);
      }
      const { principal } = context;
      if (principal.role === 'customer') {
        if (id !== principal.customerId) throw accessDenied(principal, 'a customer token reads its own customer only: ask for me');
        return signedInCustomer(context);
      }
      if (principal.role === 'associate') {
        const presented = by?.cardNumber != null || by?.phone != null || by?.email != null;
        if (!presented) throw accessDenied(principal, 'an associate finds a customer by what they present at the till: by.cardNumber, by.phone or by.email');
      }
      if (id != null) return context.loaders.customer.load(id);
      const [field, value] = lookupField(by!, 'customer');
      const ids = await customersFor(field, value, context);
      if (ids.length > 1) {
        throw badUserInput(`customer: by.${field} ${JSON.stringify(value)} identifies ${ids.length} customers; customers(by:) lists them`, `by.${field}`);
      }
      return ids.length === 0 ? null : context.loaders.customer.load(ids[0]!);
    },

    async customers(_: unknown, { by }: { by: CustomerLookup }, context: Context) {
      const [field, value] = lookupField(by, 'customers');
      const ids = await customersFor(field, value, context);
      const found = await context.loaders.customer.loadMany(ids);
      return found.filter((c): c is StoredCustomer => c !== null && !(c instanceof Error));
    },

    me: (_: unknown, __: unknown, context: Context) => signedInCustomer(context),

    identitySync: (): IdentitySyncParent => ({}),
    ...stewardshipResolvers.Query,

    async identityQuality(_: unknown, __: unknown, context: Context) {
      const [report, states] = await Promise.all([context.store.quality(), context.store.syncStates()]);
      return {
        ...report,
        unusableValues: [...states.values()].flatMap((state) =>
          state.unusableValues === null ? [] : [{ source: sourceSystem(state.source), values: state.unusableValues }],
        ),
      };
    },
  },

  Customer: {
    ...orderResolvers.Customer,
    ...pricingResolvers.Customer,
    ...contactResolvers.Customer,
    __resolveReference: (reference: { id: string }, context: Context) => context.loaders.customer.load(reference.id),
    identities: async (customer: CustomerParent, _: unknown, context: Context) =>
      (await context.loaders.links.load(customer.id)).map((link) => identity(link.record)),
    links: (customer: CustomerParent, _: unknown, context: Context) => context.loaders.links.load(customer.id),
    displayName: (customer: CustomerParent, _: unknown, context: Context) => survivor(customer, context, 'displayName'),
    firstName: (customer: CustomerParent, _: unknown, context: Context) => survivor(customer, context, 'firstName'),
    lastName: (customer: CustomerParent, _: unknown, context: Context) => survivor(customer, context, 'lastName'),
    email: (customer: CustomerParent, _: unknown, context: Context) => survivor(customer, context, 'email'),
    phone: (customer: CustomerParent, _: unknown, context: Context) => survivor(customer, context, 'phone'),
    async candidates(customer: CustomerParent, _: unknown, context: Context) {
      const own = (await context.loaders.links.load(customer.id)).map((link) => link.record);
      const mine = new Set(own);
      const pairs = (await context.loaders.candidates.loadMany(own)).flatMap((list) => (list instanceof Error ? [] : list));
      const unique = new Map(pairs.map((pair) => [`${pair.a}\n${pair.b}`, pair]));
      const answers = await Promise.all(
        [...unique.values()].map(async (pair) => {
          const [ours, theirs] = mine.has(pair.a) ? [pair.a, pair.b] : [pair.b, pair.a];
          const other = await context.loaders.customerOfRecord.load(theirs);
          if (other === null || other === customer.id) return null;
          return {
            customer: { id: other },
            identity: identity(ours),
            matchedWith: identity(theirs),
            rule: pair.rule,
            reason: pair.reason,
            evidence: pair.evidence,
            foundAt: pair.foundAt,
          };
        }),
      );
      return answers.filter((a) => a !== null);
    },
    mergedIds: (customer: CustomerParent, _: unknown, context: Context) => context.loaders.mergedIds.load(customer.id),
    createdAt: async (customer: CustomerParent, _: unknown, context: Context) => customer.createdAt ?? (await liveCustomer(customer.id, context)).createdAt,
    ...stewardshipResolvers.Customer,
  },

  CustomerCandidate: {
    customer: (candidate: { customer: { id: string } }, _: unknown, context: Context) => liveCustomer(candidate.customer.id, context),
  },

  CustomerLink: {
    identity: (link: CustomerLink) => identity(link.record),
    matchedWith: (link: CustomerLink) => (link.matchedWith === null ? null : identity(link.matchedWith)),
    explanation: (link: CustomerLink) => explainLink(link),
  },

  SurvivingValue: {
    source: (value: Survivor) => identityOf(value.record),
    values: (value: Survivor) => value.values.map((v) => ({ value: v.value, source: identityOf(v.record), updatedAt: v.record.updatedAt })),
  },

  IdentitySync: {
    async sources(_: unknown, __: unknown, context: Context) {
      const states = await context.store.syncStates();
      return [...states.values()].map((state) => ({
        source: sourceSystem(state.source),
        lastRunAt: state.lastRunAt,
        lastFullAt: state.lastFullAt,
        lastError: state.lastError,
        unusableValues: state.unusableValues,
      }));
    },
    async runs(_: unknown, { last }: { last: number }, context: Context) {
      if (!Number.isInteger(last) || last < 1 || last > 100) throw badUserInput(`runs: last must be from 1 to 100, got ${last}`, 'last');
      const runs = await context.store.runs(last);
      return runs.map((run) => {
        const summary = (run.summary ?? {}) as Record<string, unknown>;
        const count = (name: string) => (typeof summary[name] === 'number' ? summary[name] : null);
        return {
          kind: RUN_KIND[run.kind],
          status: RUN_STATUS[run.status],
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          resolved: count('resolved'),
          customersCreated: count('customersCreated'),
          customersMerged: count('customersMerged'),
          linksChanged: count('linksChanged'),
        };
      });
    },
  },
} satisfies Resolvers;

async function survivor(customer: CustomerParent, context: Context, field: keyof Survivors): Promise<Survivor | null> {
  return (await context.loaders.survivors.load(customer.id))[field];
}

/** The one field a lookup sets, checked: exactly one, not blank. */
function lookupField(by: CustomerLookup, operation: string): [keyof CustomerLookup, string] {
  const set = (Object.entries(by) as [keyof CustomerLookup, string | null | undefined][]).filter(([, value]) => value != null);
  if (set.length !== 1) {
    throw badUserInput(
      `${operation}: by takes exactly one of email, phone, cardNumber, webAccountId, loyaltyMemberId, got ${set.length === 0 ? 'none' : set.map(([k]) => k).join(', ')}`,
      'by',
    );
  }
  return [set[0]![0], set[0]![1]!];
}

/** The live golden ids an identifier leads to, in id order. */
async function customersFor(field: keyof CustomerLookup, value: string, context: Context): Promise<string[]> {
  const { loaders } = context;
  let records: string[];
  switch (field) {
    case 'email': {
      const key = emailKey(value);
      if (key === null) throw badUserInput(`by.email must be an email address such as name@example.com, got ${JSON.stringify(value)}`, 'by.email');
      records = await loaders.recordsByEmailKey.load(key);
      break;
    }
    case 'phone': {
      const e164 = toE164(value);
      if (e164 === null) throw badUserInput(`by.phone must be a phone number (06 12 34 56 78, +33 6 12 34 56 78), got ${JSON.stringify(value)}`, 'by.phone');
      records = await loaders.recordsByPhone.load(e164);
      break;
    }
    case 'cardNumber': {
      const number = value.trim();
      if (!/^29\d{11}$/.test(number) || !isValidGtin(number)) {
        throw badUserInput(`by.cardNumber must be 13 digits starting with 29 with a valid check digit, got ${JSON.stringify(value)}`, 'by.cardNumber');
      }
      records = await loaders.recordsByCard.load(number);
      break;
    }
    case 'webAccountId': {
      if (!/^[1-9]\d{0,15}$/.test(value.trim())) throw badUserInput(`by.webAccountId must be a positive whole number, got ${JSON.stringify(value)}`, 'by.webAccountId');
      records = [recordId({ system: 'ECOMMERCE', franchise: null, localId: value.trim() })];
      break;
    }
    case 'loyaltyMemberId': {
      if (value.trim() === '') throw badUserInput('by.loyaltyMemberId must not be blank', 'by.loyaltyMemberId');
      records = [recordId({ system: 'LOYALTY', franchise: null, localId: value.trim() })];
      break;
    }
    default:
      throw badUserInput(`by.${String(field)} is not an identifier the crosswalk knows`, 'by');
  }
  const customers = await loaders.customerOfRecord.loadMany(records);
  return [...new Set(customers.filter((c): c is string => typeof c === 'string'))].sort();
}

function identity(record: string) {
  return identityOfKey(parseRecordId(record));
}

function identityOf(record: SourceRecord) {
  return identityOfKey(record);
}

function identityOfKey(key: RecordKey) {
  return { system: key.system, localId: key.localId, franchise: key.franchise };
}
