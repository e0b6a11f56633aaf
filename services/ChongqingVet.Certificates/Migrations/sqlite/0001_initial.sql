CREATE TABLE certificate_types (
    code                      VARCHAR(32)  NOT NULL PRIMARY KEY,
    name                      VARCHAR(200) NOT NULL,
    kind                      INTEGER      NOT NULL,
    organisation_name         VARCHAR(200) NOT NULL,
    organisation_credit_code  VARCHAR(18)  NOT NULL,
    validity_months           INTEGER      NOT NULL,
    active                    SMALLINT     NOT NULL,
    version                   BIGINT       NOT NULL,
    created_at                BIGINT       NOT NULL,
    updated_at                BIGINT       NOT NULL
);

CREATE TABLE certificate_type_skills (
    type_code    VARCHAR(32) NOT NULL REFERENCES certificate_types (code),
    level        INTEGER     NOT NULL,
    skill_code   VARCHAR(32) NOT NULL,
    skill_level  INTEGER     NOT NULL,
    PRIMARY KEY (type_code, level, skill_code)
);
CREATE INDEX ix_certificate_type_skills_skill ON certificate_type_skills (skill_code, skill_level);

CREATE TABLE certificate_counters (
    type_code    VARCHAR(32) NOT NULL REFERENCES certificate_types (code),
    year         INTEGER     NOT NULL,
    next_serial  BIGINT      NOT NULL,
    PRIMARY KEY (type_code, year)
);

CREATE TABLE certificates (
    certificate_number    VARCHAR(64)  NOT NULL PRIMARY KEY,
    type_code             VARCHAR(32)  NOT NULL REFERENCES certificate_types (code),
    level                 INTEGER      NOT NULL,
    learner_id            VARCHAR(64)  NOT NULL,
    holder_name_enc       BLOB         NOT NULL,
    holder_name_index     BLOB         NOT NULL,
    holder_id_enc         BLOB         NOT NULL,
    holder_id_index       BLOB         NOT NULL,
    holder_id_masked      VARCHAR(18)  NOT NULL,
    issuing_organisation  VARCHAR(200) NOT NULL,
    issue_date            VARCHAR(10)  NOT NULL,
    expire_date           VARCHAR(10)  NULL,
    status                INTEGER      NOT NULL,
    revocation_reason     VARCHAR(500) NULL,
    revoked_at            BIGINT       NULL,
    version               BIGINT       NOT NULL,
    created_at            BIGINT       NOT NULL
);
CREATE INDEX ix_certificates_learner ON certificates (learner_id, certificate_number);
CREATE INDEX ix_certificates_type ON certificates (type_code, certificate_number);
-- One active certificate per holder, type and level.
CREATE UNIQUE INDEX ux_certificates_active_holder ON certificates (holder_id_index, type_code, level) WHERE status = 1;
