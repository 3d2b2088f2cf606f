-- The product reference index: every code a product is known by, as each system gives it,
-- so that any of them leads to the product; the codes no system maps; and how far each
-- system has been read. `franchise` is '' where there is none (a key column cannot be null).

-- A catalogue product and its keys, as the catalogue serves them.
CREATE TABLE product_catalogue (
  catalogue_ref text PRIMARY KEY,
  -- The PIM's EAN when it is a valid GTIN, as the PIM writes it.
  gtin          text,
  -- Its first WEB_SKU alias.
  web_sku       text,
  status        text NOT NULL,
  updated_at    timestamptz NOT NULL,
  -- Codes the PIM lists that cannot be used (a POS code without a franchise, a malformed EAN).
  unusable      integer NOT NULL DEFAULT 0,
  -- Hash of the entry: an unchanged product is not written again.
  fingerprint   text NOT NULL,
  read_at       timestamptz NOT NULL
);

-- Every code of a catalogue product: its reference and old ones, its GTIN and its aliases.
-- `code` is the lookup form (a dotted reference, a GTIN-14, upper case without spaces
-- otherwise), `value` as the PIM writes it. Codes are not unique across products.
CREATE TABLE product_catalogue_code (
  catalogue_ref text NOT NULL REFERENCES product_catalogue (catalogue_ref) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('CATALOGUE_REF', 'GTIN', 'WEB_SKU', 'SUPPLIER_REF', 'POS_LOCAL_CODE')),
  franchise     text NOT NULL DEFAULT '',
  code          text NOT NULL,
  value         text NOT NULL,
  PRIMARY KEY (catalogue_ref, kind, franchise, code)
);
CREATE INDEX product_catalogue_code_lookup ON product_catalogue_code (code, kind, franchise);

-- A web shop product: its SKU and, when valid, its EAN.
CREATE TABLE product_web (
  sku          text PRIMARY KEY,
  sku_code     text NOT NULL,
  gtin         text,
  gtin14       text,
  ean_unusable boolean NOT NULL,
  active       boolean NOT NULL,
  updated_at   timestamptz NOT NULL,
  fingerprint  text NOT NULL,
  read_at      timestamptz NOT NULL
);
CREATE INDEX product_web_sku_code ON product_web (sku_code);
CREATE INDEX product_web_gtin14 ON product_web (gtin14) WHERE gtin14 IS NOT NULL;

-- GTINs a franchise's tills sold, first and last sale.
CREATE TABLE product_pos_gtin (
  franchise  text NOT NULL,
  gtin14     text NOT NULL,
  gtin       text NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen  timestamptz NOT NULL,
  PRIMARY KEY (franchise, gtin14)
);
CREATE INDEX product_pos_gtin_gtin14 ON product_pos_gtin (gtin14);

-- Local codes on a franchise's receipt lines, per day (UTC): re-reading a day replaces it,
-- so counts stay right when an incremental read overlaps the last one.
CREATE TABLE product_pos_code_day (
  franchise  text NOT NULL,
  code       text NOT NULL,
  day        date NOT NULL,
  value      text NOT NULL,
  lines      integer NOT NULL,
  label      text,
  first_seen timestamptz NOT NULL,
  last_seen  timestamptz NOT NULL,
  PRIMARY KEY (franchise, code, day)
);
CREATE INDEX product_pos_code_day_code ON product_pos_code_day (code);

-- What a franchise's stock lists, replaced at each read: GTINs (as GTIN-14) and local codes.
CREATE TABLE product_pos_stock (
  franchise text NOT NULL,
  kind      text NOT NULL CHECK (kind IN ('GTIN', 'LOCAL')),
  code      text NOT NULL,
  value     text NOT NULL,
  stores    integer NOT NULL,
  PRIMARY KEY (franchise, kind, code)
);
CREATE INDEX product_pos_stock_code ON product_pos_stock (code);

-- References asked of productByReference that named no product, in the form they are
-- recorded under (`code`: the lookup form; `value`: for display) and the franchise asked in.
CREATE TABLE product_reference_miss (
  code      text NOT NULL,
  franchise text NOT NULL DEFAULT '',
  value     text NOT NULL,
  lookups   integer NOT NULL,
  first_at  timestamptz NOT NULL,
  last_at   timestamptz NOT NULL,
  PRIMARY KEY (code, franchise)
);

-- Where the index read each system up to, and how its last run went.
CREATE TABLE product_sync_source (
  source       text PRIMARY KEY,
  watermark    text,
  last_run_at  timestamptz,
  last_full_at timestamptz,
  last_error   text
);
