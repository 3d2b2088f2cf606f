-- The full link build out of memory (store/linkBuildStore.ts): each full build numbers every
-- record 0..N-1, writes the blocking keys each record carries, and from them the pairs of
-- numbers that must be resolved together (one email, phone or card between them, under the
-- rules' caps; one customer; one steward decision), so that the sync can cut the estate into
-- independent batches without holding the records. Working tables, rewritten by each full
-- build under the sync's lease: unlogged, as nothing in them outlives a build.
CREATE UNLOGGED TABLE link_build_record (
  n         integer PRIMARY KEY,
  system    text NOT NULL,
  franchise text NOT NULL,
  local_id  text NOT NULL
);

-- One row per record and value it can be matched on, the value prefixed by its kind:
-- `e:` an email as compared, `p:` a phone, `c:` a card number, `u:` a customer it is linked
-- to or held in, `j:` a steward's join. `named`: a web account or a loyalty member (the
-- records the email and phone rules compare with each other).
CREATE UNLOGGED TABLE link_build_key (
  key   text NOT NULL,
  n     integer NOT NULL,
  named boolean NOT NULL
);
CREATE INDEX link_build_key_key ON link_build_key (key, n);

-- The emails and phones carried by more records than the rules' cap: no evidence, so no pair.
-- `named` counts the web accounts and members carrying it, `total` adds the tills'.
CREATE UNLOGGED TABLE link_build_group (
  key   text PRIMARY KEY,
  named integer NOT NULL,
  total integer NOT NULL
);

-- `root` is the smallest record number sharing a blocking key with `n` (a star per key):
-- every record of a key reaches every other through its root.
CREATE UNLOGGED TABLE link_build_edge (
  n    integer NOT NULL,
  root integer NOT NULL
);
CREATE INDEX link_build_edge_n ON link_build_edge (n);

-- An incremental sync finds the till record of a card by its local id (`card:<number>`), in
-- any franchise: without this the lookup reads every POS record, and the sync grows with the estate.
CREATE INDEX source_record_pos_local_id ON source_record (local_id) WHERE system = 'POS';
