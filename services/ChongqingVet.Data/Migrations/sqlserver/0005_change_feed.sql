-- Transactional outbox behind WatchChanges (docs/CHANGE_FEEDS.md). Every write appends one row per changed resource
-- in its own transaction: the resource, the kind of change and its new state (protobuf JSON without personal data).
-- Sequences come from change_head (one row): an append takes that row's lock and the next number, and holds the lock
-- until it commits, so changes commit in sequence order and the committed sequence has no gaps — a reader that has
-- seen sequence n has seen every change before it. pruned_through is the last sequence retention deleted: a cursor
-- older than it has expired. Readers should run under READ_COMMITTED_SNAPSHOT so they never wait for a writer.
CREATE TABLE changes (
    sequence       BIGINT         NOT NULL CONSTRAINT pk_changes PRIMARY KEY,
    resource_type  VARCHAR(100)   NOT NULL,
    resource_name  VARCHAR(300)   NOT NULL,
    kind           VARCHAR(40)    NOT NULL,
    state          NVARCHAR(MAX)  NOT NULL,
    occurred_at    BIGINT         NOT NULL
);
CREATE INDEX ix_changes_resource_type ON changes (resource_type, sequence);
CREATE INDEX ix_changes_occurred_at ON changes (occurred_at);

CREATE TABLE change_head (
    id              SMALLINT NOT NULL CONSTRAINT pk_change_head PRIMARY KEY CONSTRAINT ck_change_head_one_row CHECK (id = 1),
    last_sequence   BIGINT   NOT NULL,
    pruned_through  BIGINT   NOT NULL
);
INSERT INTO change_head (id, last_sequence, pruned_through) VALUES (1, 0, 0);
