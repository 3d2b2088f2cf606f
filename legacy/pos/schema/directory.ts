/**
 * The shared directory: which franchise's schema serves which store, and in which layout.
 * It also holds the load marker, so a restart does not reload a dataset already in place.
 */
export const directoryTables = (s: string): string => /* SQL */ `
  CREATE SCHEMA ${s};
  CREATE TABLE ${s}.franchises (
    code text PRIMARY KEY, name text NOT NULL, schema_name text NOT NULL UNIQUE, layout text NOT NULL);
  CREATE TABLE ${s}.stores (
    store_code text PRIMARY KEY, franchise_code text NOT NULL REFERENCES ${s}.franchises (code),
    name text NOT NULL, city text NOT NULL, postcode text NOT NULL, country char(2) NOT NULL,
    click_and_collect boolean NOT NULL, latitude double precision, longitude double precision);
  CREATE INDEX stores_franchise_code ON ${s}.stores (franchise_code);
  CREATE TABLE ${s}.load_marker (
    fingerprint text NOT NULL, row_counts jsonb NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now());
`;
