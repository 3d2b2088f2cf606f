import type { Resolvers } from '../generated/types.js';
import { GraphQLError } from 'graphql';
import { badUserInput } from '../../shared/errors.js';
import { loggerFor } from '../../shared/logger.js';
import { accessDenied, type Principal } from '../../shared/principal.js';
import type { Context } from '../context.js';
import { audiencePage } from './audience.js';
import { personalDataOf } from '../privacy/access.js';
import { customerFeedback } from '../feedback/resolvers.js';
import type { ErasureReceipt, Erasures } from '../privacy/erasure.js';
import type { CopyRow } from './copies.js';
import { contactability, formatPlace, parsePlace, type ContactChannel, type ContactDecision, type ContactPreference, type ContactPurpose } from './model.js';
import { oppositionStatus } from './opposition.js';
import type { ContactService, CustomerContact } from './service.js';

const audit = loggerFor('audit');
/** A capturedAt this far ahead of our clock is a clock's drift, not the future. */
const SKEW_MS = 60_000;
/** How long a mutation waits for the systems to take a decision before answering with the copies pending. */
const APPLY_WAIT_MS = 3_000;

function erasures(context: Context): Erasures {
  if (!context.erasures) {
    throw new GraphQLError('erasure: the systems that hold customers are not configured here', { extensions: { code: 'SOURCE_UNAVAILABLE' } });
  }
  return context.erasures;
}

function service(context: Context): ContactService {
  if (!context.contact) {
    throw new GraphQLError('contact choices: the crosswalk keeps none here (no system configured)', { extensions: { code: 'SOURCE_UNAVAILABLE' } });
  }
  return context.contact;
}

/** The customer a request may read or write the choices of; null when unknown. A customer token names itself only. */
async function customerFor(customerId: string, principal: Principal, context: Context): Promise<string | null> {
  const customer = await context.loaders.customer.load(customerId);
  if (!customer) return null;
  if (principal.role === 'customer' && principal.customerId !== customer.id && principal.customerId !== customerId) {
    throw accessDenied(principal, 'a customer reads and records their own contact choices only');
  }
  return customer.id;
}

/**
 * Where a decision was given, from who records it: an associate at their store, customer
 * service on the phone, a customer on the web (or the app, when they say so). An admin says
 * where, and a store must be one the tills know.
 */
async function placeOf(principal: Principal, given: string | null | undefined, context: Context): Promise<string> {
  const asked = given === null || given === undefined || given.trim() === '' ? null : parsePlace(given);
  if (given && given.trim() !== '' && asked === null) throw badUserInput(`place must be WEB, APP, CALLCENTER or STORE:<store code>, got ${JSON.stringify(given)}`, 'place');
  const own = principal.role === 'associate' && principal.store ? `STORE:${principal.store}` : principal.role === 'service' ? 'CALLCENTER' : null;
  if (own !== null) {
    if (asked !== null && formatPlace(asked) !== own) throw accessDenied(principal, `${principal.role === 'associate' ? 'an associate' : 'customer service'} records choices given ${own}, not ${formatPlace(asked)}`);
    return own;
  }
  if (principal.role === 'customer') {
    if (asked !== null && asked.kind !== 'WEB' && asked.kind !== 'APP') throw accessDenied(principal, `a customer records their choices on the web or in the app, not ${formatPlace(asked)}`);
    return asked ? formatPlace(asked) : 'WEB';
  }
  if (principal.role !== 'admin') throw accessDenied(principal, `recording a contact choice needs the customer, associate or service role; the request acts as ${principal.role}`);
  if (asked === null) throw badUserInput('place: say where the choice was given (WEB, APP, CALLCENTER or STORE:<store code>)', 'place');
  if (asked.kind === 'STORE') {
    const store = await context.estate().pos?.store.load(asked.storeCode!);
    if (!store) throw badUserInput(`place: no store ${asked.storeCode} is known to the tills`, 'place');
  }
  return formatPlace(asked);
}

function capturedAtOf(given: string | null | undefined): string {
  if (given === null || given === undefined) return new Date().toISOString();
  const at = Date.parse(given);
  if (at > Date.now() + SKEW_MS) throw badUserInput(`capturedAt ${given} is in the future: a choice is recorded once made`, 'capturedAt');
  return new Date(at).toISOString();
}

/** The preference the resolvers pass on: the model's, with the copies of the crosswalk's latest decision. */
export type PreferenceParent = ContactPreference & { copies: CopyRow[] };

function preferencesOf(contact: CustomerContact): PreferenceParent[] {
  return contact.preferences.map((p) => ({ ...p, copies: contact.copies.filter((c) => c.channel === p.channel && c.purpose === p.purpose) }));
}

/**
 * The customer's contact choices: read fresh once per request through the request's loader
 * (`contactPreferences`, `contactable` and the rest of one query share one read of each
 * system, and an audience-sized batch of customers is one read too); `fresh: false` is the
 * crosswalk's own decisions only.
 */
async function contactOf(customerId: string, context: Context, fresh = true): Promise<CustomerContact> {
  const contact = service(context);
  if (fresh && context.contactLoader) return context.contactLoader.load(customerId);
  return (await contact.contactOf([customerId], { fresh })).get(customerId)!;
}

/** After a write: the systems read fresh, or, when one cannot be read, what the crosswalk holds (the write stands either way). */
async function contactAfterWrite(customerId: string, context: Context): Promise<CustomerContact> {
  // What the request read before the write is stale now.
  context.contactLoader?.clear(customerId);
  try {
    return await contactOf(customerId, context);
  } catch {
    return contactOf(customerId, context, false);
  }
}

export const contactResolvers = {
  Customer: {
    async contactPreferences(customer: { id: string }, _: unknown, context: Context) {
      if ((await customerFor(customer.id, context.principal, context)) === null) return null;
      const contact = await contactOf(customer.id, context);
      return { preferences: preferencesOf(contact), preferredChannel: contact.preferred?.channel ?? null };
    },
    async personalData(customer: { id: string }, _: unknown, context: Context) {
      const id = await customerFor(customer.id, context.principal, context);
      return id === null ? null : personalDataOf(id, context);
    },
    async feedback(customer: { id: string }, args: Parameters<typeof customerFeedback>[1], context: Context) {
      const id = await customerFor(customer.id, context.principal, context);
      return id === null ? null : customerFeedback({ id }, args, context);
    },
    async erasureRequests(customer: { id: string }, _: unknown, context: Context) {
      const id = await customerFor(customer.id, context.principal, context);
      if (id === null) return null;
      return erasures(context).requestsOf(id);
    },
    async contactable(customer: { id: string }, { channel, purpose }: { channel: ContactChannel; purpose: ContactPurpose }, context: Context) {
      if ((await customerFor(customer.id, context.principal, context)) === null) return null;
      const contact = await contactOf(customer.id, context);
      return contactability(contact.preferences.find((p) => p.channel === channel && p.purpose === purpose)!, contact.points);
    },
  },

  ContactPreference: {
    status: (preference: PreferenceParent) => preference.current?.status ?? null,
    decision: (preference: PreferenceParent) => preference.current,
  },

  ContactDecision: {
    place: (decision: ContactDecision) => (decision.place ? { kind: decision.place.kind, store: decision.place.storeCode ? { code: decision.place.storeCode } : null } : null),
  },

  ContactCopy: {
    nextAttemptAt: (copy: CopyRow) => (copy.state === 'PENDING' ? copy.nextAttemptAt : null),
  },

  AudienceMember: {
    customer: (member: { customerId: string }) => ({ id: member.customerId }),
  },

  ErasureReceipt: {
    answer: (receipt: ErasureReceipt) => (receipt.answer === null ? null : JSON.stringify(receipt.answer)),
  },

  Mutation: {
    async requestErasure(_: unknown, args: { customerId: string; reason: string }, context: Context) {
      const { principal } = context;
      const reason = args.reason.trim();
      if (reason === '' || reason.length > 500) throw badUserInput('reason: say why, in at most 500 characters', 'reason');
      const customerId = await customerFor(args.customerId, principal, context);
      if (customerId === null) throw new GraphQLError(`no customer ${args.customerId}`, { extensions: { code: 'CUSTOMER_NOT_FOUND' } });
      const recorded = await erasures(context).request({ customerId, reason, actor: principal.actor ?? 'anonymous', role: principal.role });
      audit.info({ rid: context.requestId, write: 'requestErasure', actor: principal.actor, role: principal.role, customer: customerId, request: recorded.request.id, created: recorded.created }, 'erasure requested');
      const applying = erasures(context).applyRequest(recorded.request.id).catch(() => undefined);
      await Promise.race([applying, new Promise((resolve) => setTimeout(resolve, APPLY_WAIT_MS).unref())]);
      const [request] = (await erasures(context).requestsOf(customerId)).filter((r) => r.id === recorded.request.id);
      return { request, created: recorded.created };
    },

    async setContactPreference(
      _: unknown,
      { input }: { input: { customerId: string; channel: ContactChannel; purpose: ContactPurpose; status: 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'PENDING'; capturedAt?: string | null; place?: string | null } },
      context: Context,
    ) {
      const { principal } = context;
      const contact = service(context);
      if (input.status === 'PENDING') throw badUserInput('status: record SUBSCRIBED or UNSUBSCRIBED (PENDING is the programme\'s unconfirmed opt-in, not a choice)', 'status');
      const capturedAt = capturedAtOf(input.capturedAt);
      const place = await placeOf(principal, input.place, context);
      const customerId = await customerFor(input.customerId, principal, context);
      if (customerId === null) throw new GraphQLError(`no customer ${input.customerId}`, { extensions: { code: 'CUSTOMER_NOT_FOUND' } });
      const recorded = await contact.copies.record({ customerId, channel: input.channel, purpose: input.purpose, status: input.status, capturedAt, place, actor: principal.actor ?? 'anonymous', role: principal.role });
      audit.info(
        { rid: context.requestId, write: 'setContactPreference', actor: principal.actor, role: principal.role, customer: customerId, channel: input.channel, purpose: input.purpose, status: input.status, capturedAt, place, decision: recorded.decision.id, created: recorded.created },
        'contact choice recorded',
      );
      // The systems are asked now; what they do not take in time stays pending for the schedule.
      const applying = contact.copies.applyForCustomer(customerId).catch(() => undefined);
      await Promise.race([applying, new Promise((resolve) => setTimeout(resolve, APPLY_WAIT_MS).unref())]);
      const held = await contactAfterWrite(customerId, context);
      const decision: ContactDecision = { system: 'CROSSCANAL', localId: null, channel: input.channel, purpose: input.purpose, status: recorded.decision.status, capturedAt: recorded.decision.capturedAt, place: parsePlace(recorded.decision.place), source: recorded.decision.place };
      return {
        decision,
        created: recorded.created,
        current: recorded.current,
        preference: preferencesOf(held).find((p) => p.channel === input.channel && p.purpose === input.purpose)!,
      };
    },

    async setPreferredContactChannel(_: unknown, args: { customerId: string; channel: ContactChannel; capturedAt?: string | null; place?: string | null }, context: Context) {
      const { principal } = context;
      const contact = service(context);
      const capturedAt = capturedAtOf(args.capturedAt);
      const place = await placeOf(principal, args.place, context);
      const customerId = await customerFor(args.customerId, principal, context);
      if (customerId === null) throw new GraphQLError(`no customer ${args.customerId}`, { extensions: { code: 'CUSTOMER_NOT_FOUND' } });
      await contact.setPreferred(customerId, args.channel, { capturedAt, place, actor: principal.actor ?? 'anonymous', role: principal.role });
      audit.info({ rid: context.requestId, write: 'setPreferredContactChannel', actor: principal.actor, role: principal.role, customer: customerId, channel: args.channel, capturedAt, place }, 'preferred channel recorded');
      const held = await contactAfterWrite(customerId, context);
      return { preferences: preferencesOf(held), preferredChannel: held.preferred?.channel ?? null };
    },
  },

  Query: {
    async audience(_: unknown, args: { channel: ContactChannel; purpose: ContactPurpose; first?: number | null; after?: string | null }, context: Context) {
      return audiencePage(context.store, service(context), { channel: args.channel, purpose: args.purpose, first: args.first ?? 100, after: args.after ?? null });
    },
    async oppositionList(_: unknown, __: unknown, context: Context) {
      return oppositionStatus(context.store.db);
    },
  },
} satisfies Resolvers;
