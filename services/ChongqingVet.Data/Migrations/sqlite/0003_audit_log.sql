-- Hash-chained audit log (docs/AUDIT.md). Append-only: the service inserts rows and the retention job deletes the
-- oldest; nothing updates a row. Each row carries the hash of the one before it; audit_head (one row) holds the
-- chain head (last sequence and hash), the anchor the kept chain continues from after retention, and a seal over
-- both. Appends serialise on the head row. No personal data (ID numbers, names) is ever stored here.
CREATE TABLE audit_log (
    sequence       BIGINT       NOT NULL PRIMARY KEY,
    occurred_at    BIGINT       NOT NULL,
    client_id      VARCHAR(200) NOT NULL,
    subject        VARCHAR(200) NOT NULL,
    method         VARCHAR(200) NOT NULL,
    resource       VARCHAR(400) NOT NULL,
    outcome        VARCHAR(40)  NOT NULL,
    trace_id       VARCHAR(32)  NOT NULL,
    previous_hash  BLOB         NOT NULL,
    hash           BLOB         NOT NULL
);
CREATE INDEX ix_audit_log_resource ON audit_log (resource, sequence);
CREATE INDEX ix_audit_log_subject ON audit_log (subject, sequence);

CREATE TABLE audit_head (
    id               SMALLINT NOT NULL PRIMARY KEY CHECK (id = 1),
    last_sequence    BIGINT   NOT NULL,
    last_hash        BLOB     NOT NULL,
    anchor_sequence  BIGINT   NOT NULL,
    anchor_hash      BLOB     NOT NULL,
    seal             BLOB     NOT NULL
);
-- The empty chain: nothing appended, the first record links to 32 zero bytes; the first append seals the head.
INSERT INTO audit_head (id, last_sequence, last_hash, anchor_sequence, anchor_hash, seal)
VALUES (1, 0, X'0000000000000000000000000000000000000000000000000000000000000000', 1, X'0000000000000000000000000000000000000000000000000000000000000000', X'');
