-- Client ids and subjects come from the identity provider's tokens and may be any Unicode text: VARCHAR would
-- change non-ASCII characters and the audit chain would then fail verification. (PostgreSQL and SQLite text is
-- Unicode already; their 0004 scripts change nothing.)
DROP INDEX ix_audit_log_subject ON audit_log;
ALTER TABLE audit_log ALTER COLUMN client_id NVARCHAR(200) NOT NULL;
ALTER TABLE audit_log ALTER COLUMN subject NVARCHAR(200) NOT NULL;
CREATE INDEX ix_audit_log_subject ON audit_log (subject, sequence);
