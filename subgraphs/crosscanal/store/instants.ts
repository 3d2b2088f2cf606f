/** An instant as a driver hands it back (a Date from pg, a string from PGlite), in ISO 8601 UTC. */
export const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();

/** {@link iso}, with SQL's NULL kept as null. */
export const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));
