-- Certificate numbers unique by construction (DOMAIN.md §8).
-- 1. Evaluation-body (4 digits) and site (6 digits) codes of the national number are assigned from this table, one
--    per owner (the body's unified social credit code; the site's name), never derived from a hash: the unique
--    index makes two owners with one code impossible.
CREATE TABLE certificate_number_codes (
    kind   VARCHAR(8)   NOT NULL,
    owner  VARCHAR(200) NOT NULL,
    code   VARCHAR(6)   NOT NULL,
    PRIMARY KEY (kind, owner)
);
CREATE UNIQUE INDEX ux_certificate_number_codes_code ON certificate_number_codes (kind, code);

-- One row per code kind: the next code to assign. Assigners lock the row first, so assignments queue; the 'prefix'
-- row is the lock taken when a number prefix gets its first serial counter row.
CREATE TABLE certificate_code_counters (
    kind       VARCHAR(8) NOT NULL PRIMARY KEY,
    next_code  BIGINT     NOT NULL
);
INSERT INTO certificate_code_counters (kind, next_code) VALUES ('body', 1);
INSERT INTO certificate_code_counters (kind, next_code) VALUES ('site', 1);
INSERT INTO certificate_code_counters (kind, next_code) VALUES ('prefix', 0);

-- 2. Serials are allocated per number prefix (everything but the 6-digit serial: for MOHRSS types body + province +
--    site + year + level, shared by every type of the body; for other types TYPECODE-YYYY-), never per type.
CREATE TABLE certificate_serials (
    prefix       VARCHAR(64) NOT NULL PRIMARY KEY,
    next_serial  BIGINT      NOT NULL
);
-- Continue after every number already issued, so no new number can equal an old one.
INSERT INTO certificate_serials (prefix, next_serial)
SELECT substr(certificate_number, 1, length(certificate_number) - 6), MAX(CAST(substr(certificate_number, length(certificate_number) - 5) AS INTEGER)) + 1
FROM certificates
GROUP BY substr(certificate_number, 1, length(certificate_number) - 6);

DROP TABLE certificate_counters;
