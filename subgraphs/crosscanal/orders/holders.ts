import type { Holder } from '../../pos/records.js';
import type { Context } from '../context.js';
import { recordId, type RecordKey } from '../matching/records.js';

/** The crosswalk records a till holder can be: the card first, then OUE's client row, then the phone keyed. */
export function holderKeys(holder: Holder, franchise: string): RecordKey[] {
  const keys: RecordKey[] = holder.cards.map((card) => ({ system: 'POS', localId: `card:${card}`, franchise: null }));
  if (holder.clientId !== null) keys.push({ system: 'POS', localId: `client:${holder.clientId}`, franchise });
  if (holder.phone !== null) keys.push({ system: 'POS', localId: `phone:${holder.phone}`, franchise });
  return keys;
}

/** The live golden id of the first record the crosswalk links to a customer; null when none is. */
export async function customerOf(keys: readonly RecordKey[], context: Context): Promise<string | null> {
  const ids = await context.loaders.customerOfRecord.loadMany(keys.map(recordId));
  const found = ids.find((id): id is string => typeof id === 'string');
  if (!found) return null;
  return (await context.loaders.customer.load(found))?.id ?? null;
}

/** The customer a till record's holder is, as the crosswalk links them. */
export function customerOfHolder(holder: Holder, franchise: string, context: Context): Promise<string | null> {
  return customerOf(holderKeys(holder, franchise), context);
}
