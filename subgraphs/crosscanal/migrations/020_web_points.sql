-- Web orders earn loyalty points: the crosswalk finds them in the web shop's order feed,
-- records each one owed before anything is sent (an outbox), and credits it to the
-- customer's loyalty member until the programme acknowledges it. The programme credits a
-- transaction id once, so a credit sent again after a crash is answered, not doubled.

CREATE TABLE web_points_feed (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  -- Orders placed before this instant never earn: the programme began crediting web orders then.
  earning_from timestamptz NOT NULL,
  -- How far the order feed has been read (its updated_at), null before the first read.
  watermark timestamptz,
  last_run_at timestamptz,
  last_error text
);

CREATE TABLE web_points (
  order_number text PRIMARY KEY,
  -- What the programme knows the credit by: `web:<order number>`.
  transaction_id text NOT NULL UNIQUE,
  account_id text NOT NULL,
  amount text NOT NULL,
  currency text NOT NULL,
  placed_at timestamptz NOT NULL,
  -- PENDING: owed, not acknowledged yet; CREDITED: acknowledged; NO_MEMBER: the customer has no
  -- loyalty member yet (tried again each run); CANCELLED: the order was cancelled before its
  -- credit; REFUSED: the programme refused it (see last_error), for a steward.
  state text NOT NULL CHECK (state IN ('PENDING', 'CREDITED', 'NO_MEMBER', 'CANCELLED', 'REFUSED')),
  member_id text,
  points integer,
  movement_id text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  credited_at timestamptz,
  -- Who credited it: the crosswalk's earning job, as the audit names it.
  credited_by text
);

CREATE INDEX web_points_due ON web_points (next_attempt_at) WHERE state IN ('PENDING', 'NO_MEMBER');
