-- Bitstring Status List 1.0 revocation of signed credentials (docs/CREDENTIALS.md).
-- One row per status list: 'size' entries (bits); new entries go to the newest list until 'allocated' reaches the fill
-- limit, then a new list starts. 'version' changes whenever a bit is set (the published list's ETag follows it).
CREATE TABLE credential_status_lists (
    list_id     BIGINT   NOT NULL PRIMARY KEY,
    size        INTEGER  NOT NULL,
    allocated   INTEGER  NOT NULL,
    version     BIGINT   NOT NULL,
    updated_at  BIGINT   NOT NULL
);

-- One row per certificate that has been given a credential: its random index in a list, drawn once and kept (so the
-- same certificate and key always give the same credential); revoked = 1 is the bit set in the published list.
CREATE TABLE credential_status_entries (
    certificate_number  VARCHAR(64)  NOT NULL PRIMARY KEY REFERENCES certificates (certificate_number),
    list_id             BIGINT       NOT NULL REFERENCES credential_status_lists (list_id),
    list_index          INTEGER      NOT NULL,
    revoked             SMALLINT     NOT NULL
);
-- No two certificates share an index of a list.
CREATE UNIQUE INDEX ux_credential_status_entries_slot ON credential_status_entries (list_id, list_index);
