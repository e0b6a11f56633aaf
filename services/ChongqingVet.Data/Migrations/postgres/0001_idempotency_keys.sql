-- request_id -> first response of a write (AIP-155), written in the same transaction as the write.
CREATE TABLE idempotency_keys (
    operation     VARCHAR(100) NOT NULL,
    request_id    VARCHAR(36)  NOT NULL,
    request_hash  BYTEA        NOT NULL,
    response      BYTEA        NOT NULL,
    created_at    BIGINT       NOT NULL,
    PRIMARY KEY (operation, request_id)
);
CREATE INDEX ix_idempotency_keys_created_at ON idempotency_keys (created_at);
