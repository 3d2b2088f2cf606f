import DataLoader from 'dataloader';
import type { CustomerLink } from './matching/plan.js';
import type { SourceRecord } from './matching/records.js';
import type { CrosswalkStore, StoredCandidate, StoredCustomer } from './store/crosswalkStore.js';
import { survivors, type Survivors } from './survivorship.js';

/** The per-request loaders over the crosswalk store: N keys, one query. Unknown keys give null. */
export interface Loaders {
  /** A customer by golden id, following merges. */
  customer: DataLoader<string, StoredCustomer | null>;
  /** A customer's links, by live golden id. */
  links: DataLoader<string, CustomerLink[]>;
  /** A local record by record id. */
  record: DataLoader<string, SourceRecord | null>;
  /** The customer a record is linked to, by record id. */
  customerOfRecord: DataLoader<string, string | null>;
  /** The candidate pairs a record is part of, by record id. */
  candidates: DataLoader<string, StoredCandidate[]>;
  /** Golden ids merged into a customer. */
  mergedIds: DataLoader<string, string[]>;
  /** A customer's displayed values, computed once per request. */
  survivors: DataLoader<string, Survivors>;
  /** Records by email key, E.164 phone or loyalty card number: the lookups of `customer(by:)`. */
  recordsByEmailKey: DataLoader<string, string[]>;
  recordsByPhone: DataLoader<string, string[]>;
  recordsByCard: DataLoader<string, string[]>;
}

/** A loader over a store read that answers a map by key; a key it does not hold gives `empty`. */
function mapLoader<V>(read: (keys: readonly string[]) => Promise<Map<string, V>>, empty: V): DataLoader<string, V> {
  return new DataLoader<string, V>(async (keys) => {
    const found = await read(keys);
    return keys.map((key) => found.get(key) ?? empty);
  });
}

export function createLoaders(store: CrosswalkStore): Loaders {
  const customer = new DataLoader<string, StoredCustomer | null>(async (ids) => {
    const found = await store.customers(ids);
    return ids.map((id) => found.get(id) ?? null);
  });
  const links = new DataLoader<string, CustomerLink[]>(async (ids) => {
    const found = await store.linksOfCustomers(ids);
    return ids.map((id) => found.get(id) ?? []);
  });
  const record = new DataLoader<string, SourceRecord | null>(async (ids) => {
    const found = await store.records(ids);
    return ids.map((id) => found.get(id) ?? null);
  });
  const customerOfRecord = new DataLoader<string, string | null>(async (ids) => {
    const found = await store.customerIdsOfRecords(ids);
    return ids.map((id) => found.get(id) ?? null);
  });
  const candidates = new DataLoader<string, StoredCandidate[]>(async (ids) => {
    const found = await store.candidatesOfRecords(ids);
    return ids.map((id) => found.filter((c) => c.a === id || c.b === id));
  });
  const mergedIds = new DataLoader<string, string[]>(async (ids) => {
    const found = await store.mergedInto(ids);
    return ids.map((id) => found.get(id) ?? []);
  });
  const survivorsOf = new DataLoader<string, Survivors>(async (ids) =>
    Promise.all(
      ids.map(async (id) => {
        const own = await links.load(id);
        const records = await record.loadMany(own.map((link) => link.record));
        return survivors(records.filter((r): r is SourceRecord => r !== null && !(r instanceof Error)));
      }),
    ),
  );
  return {
    customer,
    links,
    record,
    customerOfRecord,
    candidates,
    mergedIds,
    survivors: survivorsOf,
    recordsByEmailKey: mapLoader((keys) => store.recordIdsByEmailKeys(keys), []),
    recordsByPhone: mapLoader((phones) => store.recordIdsByPhones(phones), []),
    recordsByCard: mapLoader((cards) => store.recordIdsByCards(cards), []),
  };
}
