import type { Resolvers } from './generated/types.js';
import DataLoader from 'dataloader';
import { badUserInput } from '../shared/errors.js';
import type { Context } from './context.js';
import { parseRecordId } from './matching/records.js';
import type { StewardshipEvent } from './store/stewardshipStore.js';
import {
  linkIdentity,
  mergeCustomers,
  releaseIdentity,
  stewardOf,
  unlinkIdentity,
  unmergeCustomer,
  type CustomerOutcome,
  type IdentityArgument,
  type Steward,
  type StewardshipOutcome,
} from './stewardship.js';

interface DecisionArgs {
  reason: string;
  preview?: boolean | null;
}

/** The stewardship part of the crosscanal resolvers; `resolvers.ts` merges it in. */
export const stewardshipResolvers = {
  Mutation: {
    linkIdentity: (_: unknown, args: DecisionArgs & { customerId: string; identity: IdentityArgument }, context: Context) =>
      decide(context, 'linkIdentity', args, (options) => linkIdentity(context.store, args, options)),
    unlinkIdentity: (_: unknown, args: DecisionArgs & { identity: IdentityArgument }, context: Context) =>
      decide(context, 'unlinkIdentity', args, (options) => unlinkIdentity(context.store, args, options)),
    releaseIdentity: (_: unknown, args: DecisionArgs & { identity: IdentityArgument }, context: Context) =>
      decide(context, 'releaseIdentity', args, (options) => releaseIdentity(context.store, args, options)),
    mergeCustomers: (_: unknown, args: DecisionArgs & { survivorId: string; mergedIds: string[] }, context: Context) =>
      decide(context, 'mergeCustomers', args, (options) => mergeCustomers(context.store, args, options)),
    unmergeCustomer: (_: unknown, args: DecisionArgs & { customerId: string }, context: Context) =>
      decide(context, 'unmergeCustomer', args, (options) => unmergeCustomer(context.store, args, options)),
  },

  Query: {
    async stewardshipLog(_: unknown, { customerId, actor, last }: { customerId?: string | null; actor?: string | null; last: number }, context: Context) {
      if (!Number.isInteger(last) || last < 1 || last > 500) throw badUserInput(`stewardshipLog: last must be from 1 to 500, got ${last}`, 'last');
      let customerIds: string[] | undefined;
      if (customerId != null) {
        const live = await context.loaders.customer.load(customerId);
        customerIds = live ? [live.id, ...(await context.loaders.mergedIds.load(live.id))] : [customerId];
      }
      return context.store.stewardship.events({ customerIds, actor: actor?.trim() || undefined, limit: last });
    },
  },

  Customer: {
    history: (customer: { id: string }, _: unknown, context: Context) => historyLoader(context).load(customer.id),
  },

  StewardshipResult: {
    customer: (result: StewardshipOutcome, _: unknown, context: Context) => (result.applied ? context.loaders.customer.load(result.customerId) : null),
  },

  CustomerOutcome: {
    id: (outcome: CustomerOutcome) => outcome.customerId,
    identities: (outcome: CustomerOutcome) => outcome.links.map((link) => identity(link.record)),
    displayName: (outcome: CustomerOutcome) => outcome.survivors.displayName,
    firstName: (outcome: CustomerOutcome) => outcome.survivors.firstName,
    lastName: (outcome: CustomerOutcome) => outcome.survivors.lastName,
    email: (outcome: CustomerOutcome) => outcome.survivors.email,
    phone: (outcome: CustomerOutcome) => outcome.survivors.phone,
  },

  StewardshipEvent: {
    id: (event: StewardshipEvent) => String(event.id),
    identity: (event: StewardshipEvent) => (event.record === null ? null : identity(event.record)),
    reverses: (event: StewardshipEvent) => (event.reverses === null ? null : String(event.reverses)),
  },
} satisfies Resolvers;

/** Checks who acts, takes the decision, and forgets what this request loaded before it. */
async function decide(
  context: Context,
  operation: string,
  args: DecisionArgs,
  take: (options: { steward: Steward; reason: string; preview: boolean }) => Promise<StewardshipOutcome>,
): Promise<StewardshipOutcome> {
  const steward = stewardOf(context.principal, operation);
  const outcome = await take({ steward, reason: args.reason, preview: args.preview ?? false });
  if (outcome.applied) for (const loader of Object.values(context.loaders)) loader.clearAll();
  return outcome;
}

const historyLoaders = new WeakMap<Context, DataLoader<string, StewardshipEvent[]>>();

/** A customer's history by live golden id, through the ids merged into it; one query per request batch. */
function historyLoader(context: Context): DataLoader<string, StewardshipEvent[]> {
  let loader = historyLoaders.get(context);
  if (!loader) {
    loader = new DataLoader<string, StewardshipEvent[]>(async (ids) => {
      const aliases = await context.loaders.mergedIds.loadMany(ids);
      const idsOf = ids.map((id, i) => {
        const merged = aliases[i];
        return [id, ...(Array.isArray(merged) ? merged : [])];
      });
      const found = await context.store.stewardship.eventsConcerning(idsOf.flat());
      return idsOf.map((own) => {
        const events = new Map(own.flatMap((id) => found.get(id) ?? []).map((event) => [event.id, event]));
        return [...events.values()].sort((x, y) => x.id - y.id);
      });
    });
    historyLoaders.set(context, loader);
  }
  return loader;
}

function identity(record: string) {
  const key = parseRecordId(record);
  return { system: key.system, localId: key.localId, franchise: key.franchise };
}
