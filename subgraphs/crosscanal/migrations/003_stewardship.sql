-- Stewardship: the decisions a steward takes about the links (link, unlink, release, merge,
-- unmerge), each an event with who, when, why and the links before and after; the records a
-- steward placed, which the rules then leave where they are; and the records a merge declared
-- one customer, which the rules keep together.

-- One decision. `before` and `after` hold, for every customer the decision concerned, its
-- links just before and just after (identities and rules, no personal values).
CREATE TABLE stewardship_event (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL,
  action      text NOT NULL CHECK (action IN ('LINK', 'UNLINK', 'RELEASE', 'MERGE', 'UNMERGE')),
  actor       text NOT NULL,
  role        text NOT NULL,
  reason      text NOT NULL CHECK (reason <> ''),
  -- The record decided about (link, unlink, release); null for a merge or an unmerge.
  system      text,
  franchise   text,
  local_id    text,
  -- The customer decided about: where the record ends up, the survivor, the customer restored.
  customer_id text NOT NULL,
  before      jsonb NOT NULL,
  after       jsonb,
  -- An unmerge: the merge it reversed.
  reverses    bigint REFERENCES stewardship_event (id)
);
CREATE INDEX stewardship_event_actor ON stewardship_event (actor, id);

-- Every customer an event concerns, to find a customer's history (and through the ids merged
-- into it, the history of those).
CREATE TABLE stewardship_event_customer (
  customer_id text NOT NULL,
  event_id    bigint NOT NULL REFERENCES stewardship_event (id),
  PRIMARY KEY (customer_id, event_id)
);

-- A record a steward placed: it stays with `customer_id` (an id merged away stands for its
-- survivor) whatever the rules say, and the rules join nobody through it, until released.
CREATE TABLE steward_hold (
  system      text NOT NULL,
  franchise   text NOT NULL,
  local_id    text NOT NULL,
  customer_id text NOT NULL,
  event_id    bigint NOT NULL REFERENCES stewardship_event (id),
  PRIMARY KEY (system, franchise, local_id),
  FOREIGN KEY (system, franchise, local_id) REFERENCES source_record (system, franchise, local_id)
);

-- The records a merge declared one customer, each with the customer it came from, so that an
-- unmerge takes its own back out. The rules keep a merge's records together.
CREATE TABLE steward_join (
  event_id         bigint NOT NULL REFERENCES stewardship_event (id),
  system           text NOT NULL,
  franchise        text NOT NULL,
  local_id         text NOT NULL,
  from_customer_id text NOT NULL,
  PRIMARY KEY (event_id, system, franchise, local_id),
  FOREIGN KEY (system, franchise, local_id) REFERENCES source_record (system, franchise, local_id)
);
CREATE INDEX steward_join_record ON steward_join (system, franchise, local_id);

-- A customer a steward merged away, and the unmerge that restored it, if any.
CREATE TABLE steward_merge (
  event_id    bigint NOT NULL REFERENCES stewardship_event (id),
  merged_id   text NOT NULL,
  survivor_id text NOT NULL,
  reversed_by bigint REFERENCES stewardship_event (id),
  PRIMARY KEY (event_id, merged_id)
);
CREATE INDEX steward_merge_open ON steward_merge (merged_id) WHERE reversed_by IS NULL;
