import { parseRecordId, type RecordKey } from '../matching/records.js';
import type { Context } from '../context.js';
import { recordsOf } from '../orders/resolvers.js';
import { feedbackOf } from '../feedback/resolvers.js';

/**
 * The right of access (GDPR art. 15): everything the graph holds on a customer, in one
 * document, and which systems hold it (art. 19: the recipients a rectification or erasure must
 * reach). Each system is read live through the crosswalk's own loaders, as the graph's views
 * read it; a system that cannot be read is named in `unavailable` rather than leaving a silent
 * hole in the export.
 */

export interface PersonalDataRecipient {
  system: 'ECOMMERCE' | 'LOYALTY' | 'POS' | 'CROSSCANAL';
  localId: string | null;
  franchise: string | null;
}

export interface PersonalDataExport {
  customerId: string;
  generatedAt: string;
  recipients: PersonalDataRecipient[];
  unavailable: Array<'ECOMMERCE' | 'LOYALTY' | 'POS'>;
  /** The document itself, as JSON. */
  document: string;
}

const settledValue = async <T>(work: Promise<T>): Promise<T | Error> => work.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));

export async function personalDataOf(customerId: string, context: Context): Promise<PersonalDataExport> {
  const { store } = context;
  const links = (await store.linksOfCustomers([customerId])).get(customerId) ?? [];
  const keys: RecordKey[] = links.map((link) => parseRecordId(link.record));
  const [records, events, merged, contact, orders, feedback] = await Promise.all([
    store.records(links.map((link) => link.record)),
    store.events(customerId),
    store.mergedInto([customerId]),
    context.contact ? context.contact.contactOf([customerId], { fresh: false }).then((m) => m.get(customerId) ?? null) : Promise.resolve(null),
    recordsOf(keys, context),
    feedbackOf(keys, context),
  ]);
  const unavailable = new Set<'ECOMMERCE' | 'LOYALTY' | 'POS'>([...(orders.unavailable as Array<'ECOMMERCE' | 'POS'>), ...feedback.unavailable]);
  const { ecommerce, loyalty } = context.estate();
  const accountIds = keys.filter((k) => k.system === 'ECOMMERCE').map((k) => k.localId);
  const memberIds = keys.filter((k) => k.system === 'LOYALTY').map((k) => k.localId);

  const web = await Promise.all(
    accountIds.map(async (id) => {
      if (!ecommerce) return { id, unavailable: true };
      const [account, addresses] = await Promise.all([settledValue(ecommerce.account.load(id)), settledValue(ecommerce.addresses.load(id))]);
      if (account instanceof Error || addresses instanceof Error) unavailable.add('ECOMMERCE');
      return { id, account: account instanceof Error ? null : account, addresses: addresses instanceof Error ? null : addresses };
    }),
  );
  const programme = await Promise.all(
    memberIds.map(async (id) => {
      if (!loyalty) return { id, unavailable: true };
      const [member, movements, consents] = await Promise.all([settledValue(loyalty.members.load(id)), settledValue(loyalty.movements.load(id)), settledValue(loyalty.freshConsents.load(id))]);
      if ([member, movements, consents].some((v) => v instanceof Error)) unavailable.add('LOYALTY');
      const value = <T>(v: T | Error) => (v instanceof Error ? null : v);
      return { id, member: value(member), pointsMovements: value(movements), consents: value(consents) };
    }),
  );

  const generatedAt = new Date().toISOString();
  const document = {
    customer: { id: customerId, mergedIds: merged.get(customerId) ?? [], generatedAt },
    crosswalk: {
      records: [...records.values()],
      links: links.map((link) => ({ record: link.record, rule: link.rule, evidence: link.evidence, linkedAt: link.linkedAt, linkedBy: link.linkedBy })),
      linkHistory: events,
      contactDecisions: contact?.history ?? [],
      contactCopies: contact?.copies ?? [],
      preferredChannel: contact?.preferred ?? null,
    },
    ecommerce: { accounts: web, orders: orders.webOrders },
    loyalty: { members: programme },
    pos: { receipts: orders.sales, returns: orders.returns },
    feedback: feedback.items,
  };
  const recipients: PersonalDataRecipient[] = [
    { system: 'CROSSCANAL', localId: customerId, franchise: null },
    ...keys.map((key) => ({ system: key.system, localId: key.localId, franchise: key.franchise ?? null })),
  ];
  return { customerId, generatedAt, recipients, unavailable: [...unavailable].sort(), document: JSON.stringify(document) };
}
