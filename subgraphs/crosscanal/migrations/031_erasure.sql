-- The right to erasure (GDPR art. 17): a request is recorded first, with one receipt per system
-- record that holds the person, then sent to each system until it acknowledges, after restarts
-- too (docs/contact.md). One open request per customer: asking again answers it.
CREATE TABLE erasure_request (
  id text PRIMARY KEY,
  customer_id text NOT NULL,
  reason text NOT NULL,
  requested_at timestamptz NOT NULL,
  actor text NOT NULL,
  role text NOT NULL,
  -- PENDING until every receipt is DONE (or one FAILED, for a person).
  state text NOT NULL CHECK (state IN ('PENDING', 'DONE', 'FAILED')),
  completed_at timestamptz
);
CREATE UNIQUE INDEX erasure_request_open ON erasure_request (customer_id) WHERE state = 'PENDING';
CREATE INDEX erasure_request_customer ON erasure_request (customer_id, requested_at DESC);

CREATE TABLE erasure_receipt (
  request_id text NOT NULL REFERENCES erasure_request (id),
  -- ECOMMERCE <account id>, LOYALTY <member id>, POS tills (every franchise, by the identities in `target_detail`).
  system text NOT NULL CHECK (system IN ('ECOMMERCE', 'LOYALTY', 'POS')),
  target text NOT NULL,
  target_detail jsonb NOT NULL DEFAULT '{}',
  state text NOT NULL CHECK (state IN ('PENDING', 'DONE', 'FAILED')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claimed_until timestamptz,
  last_error text,
  erased_at timestamptz,
  -- What the system answered (its receipt: counts, a duplicate flag).
  answer jsonb,
  PRIMARY KEY (request_id, system, target)
);
CREATE INDEX erasure_receipt_due ON erasure_receipt (next_attempt_at) WHERE state = 'PENDING';
