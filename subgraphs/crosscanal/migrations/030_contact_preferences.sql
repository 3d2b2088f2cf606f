-- One contact choice per customer, channel and purpose, owned by the crosswalk: each decision
-- recorded through the graph is a row here before any system is asked, then applied to every
-- system that keeps a copy (the loyalty programme's consents, the web shop's newsletter flag)
-- until each acknowledges. docs/contact.md tells the rules.

CREATE TABLE contact_decision (
  id bigserial PRIMARY KEY,
  customer_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'PHONE', 'POST', 'PUSH')),
  purpose text NOT NULL CHECK (purpose IN ('MARKETING', 'SERVICE', 'PARTNERS')),
  status text NOT NULL CHECK (status IN ('SUBSCRIBED', 'UNSUBSCRIBED')),
  captured_at timestamptz NOT NULL,
  -- Where it was given: WEB, APP, CALLCENTER or STORE:<store code>.
  place text NOT NULL,
  actor text NOT NULL,
  role text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
-- A decision is its customer, channel, purpose and instant: a retry of the same one finds it.
CREATE UNIQUE INDEX contact_decision_instant ON contact_decision (customer_id, channel, purpose, captured_at);

-- One system's copy of a customer's choice for a channel and purpose: the decision it must
-- hold, and how far it is from holding it. A later decision takes the row over, pending or not.
CREATE TABLE contact_copy (
  system text NOT NULL CHECK (system IN ('LOYALTY', 'ECOMMERCE')),
  local_id text NOT NULL,
  channel text NOT NULL,
  purpose text NOT NULL,
  customer_id text NOT NULL,
  decision_id bigint NOT NULL REFERENCES contact_decision (id),
  -- PENDING: not acknowledged yet; APPLIED: the system holds it; FAILED: the system refused it
  -- (last_error says why), for a person; SUPERSEDED: the system holds a later choice of its own.
  state text NOT NULL CHECK (state IN ('PENDING', 'APPLIED', 'FAILED', 'SUPERSEDED')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- Held by the run sending it until then: one send at a time per copy, so that an older
  -- decision never lands after a newer one on a system where the last call wins.
  claimed_until timestamptz,
  last_error text,
  -- When the system acknowledged the decision it holds (the web shop stamps its own clock).
  applied_at timestamptz,
  -- The last status written to the system and when, recorded before the write goes: a write
  -- whose answer was lost is still known as ours, not mistaken for the customer's own choice.
  sent_status text,
  sent_at timestamptz,
  PRIMARY KEY (system, local_id, channel, purpose)
);
CREATE INDEX contact_copy_due ON contact_copy (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX contact_copy_customer ON contact_copy (customer_id);

-- The channel a customer prefers to be reached on, as they last said.
CREATE TABLE contact_preferred_channel (
  customer_id text PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'PHONE', 'POST', 'PUSH')),
  captured_at timestamptz NOT NULL,
  place text NOT NULL,
  actor text NOT NULL,
  role text NOT NULL
);

-- The national do-not-call list (Bloctel in France), as last imported: phone marketing never
-- reaches a number on it.
CREATE TABLE opposition_phone (
  phone text PRIMARY KEY,
  import_id bigint NOT NULL
);

CREATE TABLE opposition_import (
  id bigserial PRIMARY KEY,
  list text NOT NULL,
  file_name text NOT NULL,
  numbers integer NOT NULL,
  rejected integer NOT NULL,
  imported_at timestamptz NOT NULL,
  imported_by text NOT NULL
);
