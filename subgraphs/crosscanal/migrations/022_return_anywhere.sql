-- A return taken at any store's till, of a web order or of another franchise's receipt: the
-- crosswalk records the request (its lines checked against the order and its earlier returns,
-- the refund worked out, the instant fixed) before it writes the return into the tills of the
-- store taking it back; the tills find a repeat by store, order and instant, so a retry never
-- records two returns.
CREATE TABLE return_request (
  idempotency_key text PRIMARY KEY,
  fingerprint text NOT NULL,
  request jsonb NOT NULL,
  -- RECORDED: not in the tills yet; DONE: the tills answered with the return number.
  state text NOT NULL CHECK (state IN ('RECORDED', 'DONE')),
  order_number text NOT NULL,
  store_code text NOT NULL,
  returned_at timestamptz NOT NULL,
  return_number text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  actor text NOT NULL,
  role text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX return_request_due ON return_request (next_attempt_at) WHERE state = 'RECORDED';
