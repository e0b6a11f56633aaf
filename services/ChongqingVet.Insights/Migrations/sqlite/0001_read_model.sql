-- The read model: the latest state of every resource the four change feeds published, as the feed sent it
-- (protobuf JSON, no names or ID numbers), one row per source service and resource name. A change is applied only
-- when its sequence is newer than the row's, so re-applying an event changes nothing.
CREATE TABLE insight_resources (
    source         VARCHAR(32)  NOT NULL,
    resource_name  VARCHAR(400) NOT NULL,
    resource_type  VARCHAR(200) NOT NULL,
    kind           VARCHAR(32)  NOT NULL,
    sequence       BIGINT       NOT NULL,
    change_time    BIGINT       NOT NULL,
    state_json     TEXT         NOT NULL,
    PRIMARY KEY (source, resource_name)
);

CREATE INDEX ix_insight_resources_type ON insight_resources (resource_type);

-- One durable cursor per source service, written in the same transaction as the changes it covers.
CREATE TABLE insight_cursors (
    source        VARCHAR(32)  NOT NULL PRIMARY KEY,
    cursor_token  VARCHAR(512) NOT NULL,
    sequence      BIGINT       NOT NULL,
    applied_at    BIGINT       NOT NULL
);
