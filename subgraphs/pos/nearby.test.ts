import type DataLoader from 'dataloader';
import { productAvailability } from './availability.js';
import { Directory } from './directory.js';
import type { PosLoaders } from './loaders.js';
import { nearestStores } from './nearby.js';
import type { AvailabilityRecord, StoreEntry } from './records.js';

// The directory the stand-in loads always has coordinates; a real one may not: these cases
// are checked on a directory built here.
const store = (code: string, location: [number, number] | null, clickAndCollect = true): StoreEntry => ({
  code,
  franchise: code.slice(0, 3),
  name: code,
  city: code,
  postcode: code.startsWith('NRD') ? '59000' : '13001',
  country: 'FR',
  clickAndCollect,
  location: location && { latitude: location[0], longitude: location[1] },
});

const directory = new Directory({
  franchises: [
    { code: 'NRD', name: 'Nord', schema: 'franchise_nrd', layout: 'nrd_cents' },
    { code: 'SUD', name: 'Sud', schema: 'franchise_sud', layout: 'sud_euros_local_time' },
  ],
  stores: [store('NRD01', [50.6365, 3.0635]), store('NRD09', null), store('SUD01', [43.2975, 5.381], false), store('SUD09', null)],
});

test('storesNear leaves out the stores without coordinates; a postcode is placed by those that have them', () => {
  const found = nearestStores(directory, { latitude: 50.63, longitude: 3.06 }, { first: 50 });
  expect(found.map((s) => s.store.code)).toEqual(['NRD01', 'SUD01']);
  expect(nearestStores(directory, { latitude: 50.63, longitude: 3.06 }, { first: 50, clickAndCollect: false }).map((s) => s.store.code)).toEqual(['SUD01']);
});

test('availability lists the stores without coordinates after the others, with no distance', async () => {
  const rows: AvailabilityRecord[] = ['SUD09', 'NRD09', 'SUD01', 'NRD01', 'XXX01'].map((storeCode) => ({ storeCode, code: 'L0001', quantity: 1, updatedAt: '2026-06-01T00:00:00.000Z' }));
  const loaders = {
    directory: async () => directory,
    availability: { load: async () => rows } as unknown as DataLoader<string, AvailabilityRecord[]>,
  } as unknown as PosLoaders;
  const answer = await productAvailability(
    { gtin: null, aliases: [{ kind: 'POS_LOCAL_CODE', value: 'L0001', franchise: 'NRD' }], webAvailable: true },
    { near: { postcode: '59800' } },
    { loaders, principal: { role: 'anonymous', actor: null } },
  );
  // XXX01 is in no directory: nowhere to show it.
  expect(answer.stores.map((s) => [s.store.code, s.distanceMetres])).toEqual([
    ['NRD01', 0],
    ['SUD01', expect.any(Number)],
    ['NRD09', null],
    ['SUD09', null],
  ]);
});
