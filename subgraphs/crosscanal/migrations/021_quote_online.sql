-- A store quote finished online: the crosswalk records the request before it writes anything
-- (the web order, then the quote's mark in its franchise's tills), applies it step by step
-- until each system has acknowledged, and keeps who asked. One row per quote: a quote is
-- finished once.
CREATE TABLE quote_conversion (
  quote_number text PRIMARY KEY,
  -- The caller's key, and what was asked (account, lines sold online, lines left out, fulfilment).
  idempotency_key text NOT NULL,
  fingerprint text NOT NULL,
  request jsonb NOT NULL,
  -- RECORDED: nothing written yet; ORDER_CREATED: the web order exists; QUOTE_MARKED: the tills
  -- know; DONE: attributed. MARK_REFUSED: the web order exists but the tills refused the mark
  -- (the quote changed meanwhile), for a steward.
  state text NOT NULL CHECK (state IN ('RECORDED', 'ORDER_CREATED', 'QUOTE_MARKED', 'DONE', 'MARK_REFUSED')),
  customer_id text NOT NULL,
  account_id text NOT NULL,
  web_order_number text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  actor text NOT NULL,
  role text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quote_conversion_due ON quote_conversion (next_attempt_at) WHERE state IN ('RECORDED', 'ORDER_CREATED', 'QUOTE_MARKED');

-- Online sales a store started: a quote finished online (rule QUOTE), or a web order placed
-- soon after the customer was served in the store (rule SERVED_IN_STORE, with its evidence).
CREATE TABLE online_sale_attribution (
  web_order_number text PRIMARY KEY,
  rule text NOT NULL CHECK (rule IN ('QUOTE', 'SERVED_IN_STORE')),
  store_code text NOT NULL,
  franchise text NOT NULL,
  seller_code text,
  seller_name text,
  quote_number text UNIQUE,
  customer_id text,
  placed_at timestamptz NOT NULL,
  currency text NOT NULL,
  order_total integer NOT NULL,
  -- The quote's total, and what of it the web shop could not sell (left out, said to the customer).
  quote_total integer,
  left_out_total integer NOT NULL DEFAULT 0,
  evidence jsonb NOT NULL DEFAULT '{}',
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by text NOT NULL
);
CREATE INDEX online_sale_attribution_store ON online_sale_attribution (store_code, placed_at);

-- How far the rule SERVED_IN_STORE has read the web shop's order feed.
CREATE TABLE attribution_feed (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  -- Orders placed before never count.
  counts_from timestamptz NOT NULL,
  watermark timestamptz
);
