import type { FranchiseCode, PosData } from '../generator/model.js';

/** The shared schema that tells clients which franchise schema serves which store. */
export const DIRECTORY_SCHEMA = 'pos_directory';

/** The schema names a POS database uses, prefix included. */
export interface PosSchemas {
  directory: string;
  franchises: Partial<Record<FranchiseCode, string>>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Checks that `name` can be spliced into SQL as an unquoted identifier. */
export function assertIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name) || name.length > 63) {
    throw new Error(`${what} must be a lower-case SQL identifier of at most 63 characters ([a-z_][a-z0-9_]*), got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Names every schema of the dataset with `prefix` in front, so that several test runs can
 * share one real database without colliding.
 */
export function posSchemas(data: Pick<PosData, 'franchises'>, prefix = ''): PosSchemas {
  if (prefix !== '') assertIdentifier(prefix, 'schemaPrefix');
  const franchises: PosSchemas['franchises'] = {};
  for (const franchise of data.franchises) {
    franchises[franchise.code] = assertIdentifier(`${prefix}${franchise.schema}`, `schema of franchise ${franchise.code}`);
  }
  return { directory: assertIdentifier(`${prefix}${DIRECTORY_SCHEMA}`, 'directory schema'), franchises };
}
