import type { GeoInput } from '../../utilities/geo.js';
import { isValidGtin, toGtin14 } from '../../utilities/gtin.js';
import { loggerFor } from '../shared/logger.js';
import type { Principal } from '../shared/principal.js';
import { availabilityKey, type LocalCode, type PosLoaders } from './loaders.js';
import { checkNear, metresTo, nearFirst, originOf } from './nearby.js';
import type { StoreEntry } from './records.js';
import { ownStoreRows } from './scope.js';

const log = loggerFor('subgraph-pos');

/**
 * `Product.availability`: the product's stock in the stores, under its GTIN or under the local
 * codes the catalogue lists for each franchise (handed over by the planner, `@requires`), and
 * whether the web shop sells it (`webAvailable`, also handed over).
 */

/** One alias of the product, as the catalogue serves it. */
export interface AliasInput {
  kind?: string | null;
  value?: string | null;
  franchise?: string | null;
}

/** A `Product` as the planner hands it to the POS: its key, and for `availability` what it requires. */
export interface ProductRepresentation {
  gtin: string | null;
  aliases?: AliasInput[] | null;
  webAvailable?: boolean | null;
}

/** The franchise codes among the aliases: kind POS_LOCAL_CODE, with their franchise. */
export function localCodesOf(aliases: readonly (AliasInput | null)[] | null | undefined): LocalCode[] {
  const codes: LocalCode[] = [];
  for (const alias of aliases ?? []) {
    if (alias?.kind !== 'POS_LOCAL_CODE' || typeof alias.franchise !== 'string' || typeof alias.value !== 'string') continue;
    const code = alias.value.trim();
    if (code !== '') codes.push({ franchise: alias.franchise, code });
  }
  return codes;
}

export interface StoreAvailability {
  store: StoreEntry;
  quantity: number;
  distanceMetres: number | null;
  updatedAt: string;
  code: string;
}

export interface ProductAvailability {
  web: boolean | null;
  stores: StoreAvailability[];
}

/**
 * The availability of the product: the stores holding it, nearest first from `near` (the
 * stores without coordinates after the others), else by store code; at most `first`. A partner
 * sees its own franchise's stores only.
 */
export async function productAvailability(
  product: ProductRepresentation,
  { near, first }: { near?: GeoInput | null; first?: number | null },
  { loaders, principal }: { loaders: PosLoaders; principal: Principal },
): Promise<ProductAvailability> {
  const limit = nearFirst(first);
  if (near) checkNear(near);
  const web = typeof product.webAvailable === 'boolean' ? product.webAvailable : null;
  const gtin14 = typeof product.gtin === 'string' && isValidGtin(product.gtin) ? toGtin14(product.gtin) : null;
  const localCodes = localCodesOf(product.aliases);
  const directory = await loaders.directory();
  const origin = near ? originOf(near, directory) : null;
  if (gtin14 === null && localCodes.length === 0) return { web, stores: [] };

  const rows = await ownStoreRows(principal, loaders, await loaders.availability.load(availabilityKey(gtin14, localCodes)));
  // Read again after the rows: a row of a store the held copy did not know had it read again.
  const placed = await loaders.directory();
  const stores: StoreAvailability[] = [];
  for (const row of rows) {
    // A stock row of a store the directory does not list, even read again, is left out of this
    // list and logged, where `storeStock` and `storePrices` answer SOURCE_BAD_RESPONSE for it.
    // The two are asked for different things: those are facts about named stores, asked by the
    // people who run them, and a store they cannot name is a broken contract to report; this is
    // where a shopper can buy the product, nearest first, and a store with no address nor
    // opening in the directory is nowhere a shopper can go, while the other stores still are.
    const store = placed.store(row.storeCode);
    if (!store) {
      log.warn({ store: row.storeCode, code: row.code }, 'availability: a stock row names a store the POS directory does not list; left out');
      continue;
    }
    stores.push({ store, quantity: row.quantity, updatedAt: row.updatedAt, code: row.code, distanceMetres: origin ? metresTo(origin, store) : null });
  }
  const byCode = (a: StoreAvailability, b: StoreAvailability) => a.store.code.localeCompare(b.store.code) || a.code.localeCompare(b.code);
  const byDistance = (a: StoreAvailability, b: StoreAvailability) =>
    (a.distanceMetres ?? Number.POSITIVE_INFINITY) - (b.distanceMetres ?? Number.POSITIVE_INFINITY) || byCode(a, b);
  return { web, stores: stores.sort(origin ? byDistance : byCode).slice(0, limit) };
}
