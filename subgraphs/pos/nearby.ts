import { checkGeoInput, GeoInputError, haversineMetres, locate, type GeoInput, type LatLng } from '../../utilities/geo.js';
import { badUserInput } from '../shared/errors.js';
import type { Directory } from './directory.js';
import type { StoreEntry } from './records.js';

/**
 * Stores by distance: the `near` and `first` arguments of `storesNear` and
 * `Product.availability`, checked before anything is read, and the point `near` names, placed
 * with the directory's stores (`utilities/geo.ts`).
 */

export const NEAR_FIRST = { min: 1, max: 50, default: 10 } as const;

/** `first` of a nearest-first list: 1 to 50, 10 when omitted. */
export function nearFirst(first: number | null | undefined): number {
  const value = first ?? NEAR_FIRST.default;
  if (!Number.isInteger(value) || value < NEAR_FIRST.min || value > NEAR_FIRST.max) {
    throw badUserInput(`first must be from ${NEAR_FIRST.min} to ${NEAR_FIRST.max}, got ${first}`, 'first');
  }
  return value;
}

function refused<T>(attempt: () => T): T {
  try {
    return attempt();
  } catch (error) {
    if (error instanceof GeoInputError) throw badUserInput(`near: ${error.message}`, 'near');
    throw error;
  }
}

/** Refuses a malformed `near` (not exactly one of a coordinate pair or a postcode) before anything is read. */
export function checkNear(near: GeoInput): void {
  refused(() => checkGeoInput(near));
}

/** The point `near` names: coordinates as given, a postcode placed by the directory's stores or the table; BAD_USER_INPUT otherwise. */
export function originOf(near: GeoInput, directory: Directory): LatLng {
  return refused(() => locate(near, directory.stores).point);
}

/** Whole metres from `origin` to the store; null for a store the directory gives no coordinates. */
export function metresTo(origin: LatLng, store: StoreEntry): number | null {
  return store.location === null ? null : Math.round(haversineMetres(origin, store.location));
}

export interface StoreDistance {
  store: StoreEntry;
  distanceMetres: number;
}

export interface NearestOptions {
  first: number;
  clickAndCollect?: boolean | null;
  franchise?: string | null;
}

/** The stores with coordinates, nearest first (by store code at equal distance), at most `first`. */
export function nearestStores(directory: Directory, origin: LatLng, { first, clickAndCollect, franchise }: NearestOptions): StoreDistance[] {
  const found: StoreDistance[] = [];
  for (const store of directory.stores) {
    if (clickAndCollect !== null && clickAndCollect !== undefined && store.clickAndCollect !== clickAndCollect) continue;
    if (franchise !== null && franchise !== undefined && store.franchise !== franchise) continue;
    const distanceMetres = metresTo(origin, store);
    if (distanceMetres !== null) found.push({ store, distanceMetres });
  }
  return found.sort((a, b) => a.distanceMetres - b.distanceMetres || a.store.code.localeCompare(b.store.code)).slice(0, first);
}
