-- The identity crosswalk: the local records read from each system, the golden customers,
-- each record's link to its customer with the rule and evidence that made it, the pairs
-- kept apart as candidates, the audit trail, and the state of the sync.

-- One local customer record, normalised. `franchise` is '' when the record has none (a key
-- column cannot be null).
CREATE TABLE source_record (
  system            text NOT NULL CHECK (system IN ('ECOMMERCE', 'LOYALTY', 'POS')),
  franchise         text NOT NULL DEFAULT '',
  local_id          text NOT NULL,
  first_name        text,
  last_name         text,
  email             text,
  email_key         text,
  phone             text,
  cards             jsonb NOT NULL DEFAULT '[]',
  postcode          text,
  birth_date        text,
  created_at        timestamptz,
  updated_at        timestamptz,
  -- Hash of every field: an unchanged record is not written again.
  fingerprint       text NOT NULL,
  -- Hash of the fields the rules compare: a record whose hash moves is resolved again.
  match_fingerprint text NOT NULL,
  read_at           timestamptz NOT NULL,
  -- Set when the compared values change, cleared once the record has been resolved again:
  -- a sync that stops half-way leaves its work marked.
  needs_resolution  boolean NOT NULL DEFAULT true,
  PRIMARY KEY (system, franchise, local_id)
);
CREATE INDEX source_record_needs_resolution ON source_record (system, franchise, local_id) WHERE needs_resolution;
CREATE INDEX source_record_email_key ON source_record (email_key) WHERE email_key IS NOT NULL;
CREATE INDEX source_record_phone ON source_record (phone) WHERE phone IS NOT NULL;
CREATE INDEX source_record_cards ON source_record USING gin (cards jsonb_path_ops);

CREATE TABLE customer (
  id         text PRIMARY KEY,
  created_at timestamptz NOT NULL
);

-- A golden id merged into another keeps resolving to it.
CREATE TABLE customer_redirect (
  from_id   text PRIMARY KEY,
  to_id     text NOT NULL REFERENCES customer (id),
  merged_at timestamptz NOT NULL
);
CREATE INDEX customer_redirect_to ON customer_redirect (to_id);

-- A record's link to its customer: one per record.
CREATE TABLE customer_link (
  system            text NOT NULL,
  franchise         text NOT NULL,
  local_id          text NOT NULL,
  customer_id       text NOT NULL REFERENCES customer (id),
  rule              text NOT NULL CHECK (rule IN ('ORIGIN', 'CARD_NUMBER', 'EMAIL', 'PHONE_NAME', 'MOBILE_PHONE', 'MANUAL')),
  matched_system    text,
  matched_franchise text,
  matched_local_id  text,
  evidence          jsonb NOT NULL,
  linked_at         timestamptz NOT NULL,
  linked_by         text NOT NULL,
  PRIMARY KEY (system, franchise, local_id),
  FOREIGN KEY (system, franchise, local_id) REFERENCES source_record (system, franchise, local_id)
);
CREATE INDEX customer_link_customer ON customer_link (customer_id);

-- Two records that look alike and were kept apart; `a` sorts before `b`.
CREATE TABLE match_candidate (
  a_system    text NOT NULL,
  a_franchise text NOT NULL,
  a_local_id  text NOT NULL,
  b_system    text NOT NULL,
  b_franchise text NOT NULL,
  b_local_id  text NOT NULL,
  rule        text NOT NULL,
  reason      text NOT NULL,
  evidence    jsonb NOT NULL,
  found_at    timestamptz NOT NULL,
  PRIMARY KEY (a_system, a_franchise, a_local_id, b_system, b_franchise, b_local_id)
);
CREATE INDEX match_candidate_b ON match_candidate (b_system, b_franchise, b_local_id);

-- Every change to a link or a customer, in order.
CREATE TABLE link_event (
  id                   bigserial PRIMARY KEY,
  at                   timestamptz NOT NULL,
  action               text NOT NULL,
  customer_id          text NOT NULL,
  system               text,
  franchise            text,
  local_id             text,
  previous_customer_id text,
  rule                 text,
  evidence             jsonb NOT NULL,
  actor                text NOT NULL
);
CREATE INDEX link_event_customer ON link_event (customer_id, id);

-- Where each source's change feed was read up to.
CREATE TABLE sync_source (
  source      text PRIMARY KEY,
  watermark   text,
  last_run_at timestamptz,
  last_full_at timestamptz,
  last_error  text
);

-- One sync run and its summary.
CREATE TABLE sync_run (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('full', 'incremental')),
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  summary     jsonb
);

-- One sync at a time across replicas: a lease that expires if its holder dies.
CREATE TABLE sync_lease (
  name        text PRIMARY KEY,
  holder      text NOT NULL,
  expires_at  timestamptz NOT NULL
);
