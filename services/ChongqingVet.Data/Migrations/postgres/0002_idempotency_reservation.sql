-- Exactly-once writes: a write reserves its request_id first (state 0, pending, visible only inside its own
-- transaction) and completes the row with its response before it commits. Rows written before this script hold an
-- unkeyed SHA-256 of the request (state 1); new rows hold an HMAC-SHA256 under Idempotency:HashKey (state 2).
-- state 1 rows age out with Idempotency:Retention.
ALTER TABLE idempotency_keys ADD COLUMN state SMALLINT NOT NULL DEFAULT 1;
