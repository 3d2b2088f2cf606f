import type { DirectoryData, FranchiseEntry, StoreEntry } from './records.js';

/**
 * The POS directory (`pos_directory.franchises` and `.stores`): which franchise, hence which
 * schema and layout, holds a store's records. Receipt, return and quote numbers embed their
 * store's code as one of their dash-separated parts (`NRD01-0004711`, `Q-SUD01-000007`,
 * `OUE01-RB-0001`), which is how a number is routed without asking every franchise.
 */
export class Directory {
  private readonly franchisesByCode: ReadonlyMap<string, FranchiseEntry>;
  private readonly storesByCode: ReadonlyMap<string, StoreEntry>;
  private readonly longestStoreParts: number;

  constructor(readonly data: DirectoryData) {
    this.franchisesByCode = new Map(data.franchises.map((f) => [f.code, f]));
    this.storesByCode = new Map(data.stores.map((s) => [s.code, s]));
    this.longestStoreParts = Math.max(1, ...data.stores.map((s) => s.code.split('-').length));
  }

  get franchises(): readonly FranchiseEntry[] {
    return this.data.franchises;
  }

  get stores(): readonly StoreEntry[] {
    return this.data.stores;
  }

  franchise(code: string): FranchiseEntry | undefined {
    return this.franchisesByCode.get(code);
  }

  store(code: string): StoreEntry | undefined {
    return this.storesByCode.get(code);
  }

  storesOf(franchiseCode: string): StoreEntry[] {
    return this.data.stores.filter((s) => s.franchise === franchiseCode);
  }

  /** The franchise that runs the store, if the directory knows both. */
  franchiseOfStore(storeCode: string): FranchiseEntry | undefined {
    const store = this.storesByCode.get(storeCode);
    return store ? this.franchisesByCode.get(store.franchise) : undefined;
  }

  /** The franchise whose till issued a receipt, return or quote number; undefined when no known store code is in it. */
  franchiseOfNumber(number: string): FranchiseEntry | undefined {
    const parts = number.split('-');
    for (let start = 0; start < parts.length; start++) {
      for (let end = start + 1; end <= Math.min(parts.length, start + this.longestStoreParts); end++) {
        const franchise = this.franchiseOfStore(parts.slice(start, end).join('-'));
        if (franchise) return franchise;
      }
    }
    return undefined;
  }

  /** The country a store's national phone numbers belong to (the stores' own, France when unknown). */
  countryOf(storeCode: string): string {
    return this.storesByCode.get(storeCode)?.country ?? 'FR';
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads the directory statement's answer (`{ franchises: [...], stores: [...] }` with the
 * tables' own column names). Throws a RangeError on anything it cannot use, such as a schema
 * name that is not a plain SQL identifier (it is spliced into statements).
 */
export function directoryFromRow(value: unknown): DirectoryData {
  const { franchises, stores } = (value ?? {}) as { franchises?: unknown; stores?: unknown };
  if (!Array.isArray(franchises) || !Array.isArray(stores)) {
    throw new RangeError(`directory: expected franchises and stores, got ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return {
    franchises: franchises.map((f: Record<string, unknown>) => {
      const schema = String(f.schema_name ?? '');
      if (!IDENTIFIER.test(schema)) throw new RangeError(`directory: franchise ${JSON.stringify(f.code)} has schema ${JSON.stringify(f.schema_name)}, not a plain SQL identifier`);
      return { code: text(f.code, 'franchises.code'), name: text(f.name, 'franchises.name'), schema, layout: text(f.layout, 'franchises.layout') };
    }),
    stores: stores.map((s: Record<string, unknown>) => ({
      code: text(s.store_code, 'stores.store_code'),
      franchise: text(s.franchise_code, 'stores.franchise_code'),
      name: text(s.name, 'stores.name'),
      city: text(s.city, 'stores.city'),
      postcode: text(s.postcode, 'stores.postcode'),
      country: text(s.country, 'stores.country'),
      clickAndCollect: s.click_and_collect === true,
      location:
        typeof s.latitude === 'number' && typeof s.longitude === 'number' ? { latitude: s.latitude, longitude: s.longitude } : null,
    })),
  };
}

function text(value: unknown, column: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new RangeError(`directory: ${column} must be a non-empty text, got ${JSON.stringify(value)}`);
  return value.trim();
}
