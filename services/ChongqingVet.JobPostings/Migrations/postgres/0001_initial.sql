CREATE TABLE skills (
    code            VARCHAR(32)  NOT NULL PRIMARY KEY,
    name_zh         VARCHAR(200) NOT NULL,
    name_en         VARCHAR(200) NOT NULL,
    category        VARCHAR(100) NOT NULL,
    cluster         VARCHAR(100) NOT NULL,
    deprecated      SMALLINT     NOT NULL,
    successor_code  VARCHAR(32)  NULL,
    created_at      BIGINT       NOT NULL
);
CREATE INDEX ix_skills_category ON skills (category, code);
CREATE INDEX ix_skills_cluster ON skills (cluster, code);

CREATE TABLE skill_occupations (
    skill_code       VARCHAR(32) NOT NULL REFERENCES skills (code),
    occupation_code  VARCHAR(10) NOT NULL,
    PRIMARY KEY (skill_code, occupation_code)
);
CREATE INDEX ix_skill_occupations_occupation ON skill_occupations (occupation_code, skill_code);

CREATE TABLE occupations (
    code            VARCHAR(10)  NOT NULL PRIMARY KEY,
    name            VARCHAR(200) NOT NULL,
    digital         SMALLINT     NOT NULL,
    green           SMALLINT     NOT NULL,
    allowed_levels  VARCHAR(20)  NOT NULL
);

CREATE TABLE employers (
    credit_code    VARCHAR(18)  NOT NULL PRIMARY KEY,
    name           VARCHAR(200) NOT NULL,
    district_code  VARCHAR(10)  NOT NULL,
    created_at     BIGINT       NOT NULL
);
CREATE INDEX ix_employers_district ON employers (district_code, credit_code);

CREATE TABLE job_postings (
    id                    VARCHAR(36)  NOT NULL PRIMARY KEY,
    title                 VARCHAR(200) NOT NULL,
    occupation_code       VARCHAR(10)  NOT NULL,
    employer_credit_code  VARCHAR(18)  NOT NULL REFERENCES employers (credit_code),
    district_code         VARCHAR(10)  NOT NULL,
    cluster               VARCHAR(100) NOT NULL,
    salary_min            INTEGER      NOT NULL,
    salary_max            INTEGER      NOT NULL,
    headcount             INTEGER      NOT NULL,
    valid_through         BIGINT       NOT NULL,
    status                INTEGER      NOT NULL,
    total_weight          DOUBLE PRECISION NOT NULL,
    essential_count       INTEGER      NOT NULL,
    version               BIGINT       NOT NULL,
    created_at            BIGINT       NOT NULL,
    updated_at            BIGINT       NOT NULL
);
CREATE INDEX ix_job_postings_employer ON job_postings (employer_credit_code, id);
CREATE INDEX ix_job_postings_district ON job_postings (district_code, id);
CREATE INDEX ix_job_postings_occupation ON job_postings (occupation_code, id);
CREATE INDEX ix_job_postings_cluster ON job_postings (cluster, id);

-- One row per requirement, carrying the posting's matching attributes so that matching reads one covering index
-- and never the postings table: open_until is valid_through while the posting is open and 0 once it is closed.
CREATE TABLE posting_requirements (
    posting_id       VARCHAR(36)      NOT NULL REFERENCES job_postings (id),
    skill_code       VARCHAR(32)      NOT NULL REFERENCES skills (code),
    min_level        INTEGER          NOT NULL,
    weight           DOUBLE PRECISION NOT NULL,
    essential        SMALLINT         NOT NULL,
    ordinal          INTEGER          NOT NULL,
    open_until       BIGINT           NOT NULL,
    created_at       BIGINT           NOT NULL,
    total_weight     DOUBLE PRECISION NOT NULL,
    essential_count  INTEGER          NOT NULL,
    district_code    VARCHAR(10)      NOT NULL,
    occupation_code  VARCHAR(10)      NOT NULL,
    cluster          VARCHAR(100)     NOT NULL,
    PRIMARY KEY (posting_id, skill_code)
);
CREATE INDEX ix_posting_requirements_match ON posting_requirements
    (skill_code, open_until, posting_id, min_level, weight, essential, created_at, total_weight, essential_count,
     district_code, occupation_code, cluster);

-- Scratch rows of one match request, written and rolled back inside the request's transaction.
CREATE TABLE match_skills (
    match_id     VARCHAR(36) NOT NULL,
    skill_code   VARCHAR(32) NOT NULL,
    skill_level  INTEGER     NOT NULL,
    PRIMARY KEY (match_id, skill_code)
);

CREATE TABLE placements (
    id                    VARCHAR(36) NOT NULL PRIMARY KEY,
    learner_id            VARCHAR(64) NOT NULL,
    employer_credit_code  VARCHAR(18) NOT NULL REFERENCES employers (credit_code),
    posting_id            VARCHAR(36) NULL REFERENCES job_postings (id),
    start_date            VARCHAR(10) NOT NULL,
    end_date              VARCHAR(10) NOT NULL,
    status                INTEGER     NOT NULL,
    created_at            BIGINT      NOT NULL
);
CREATE INDEX ix_placements_learner ON placements (learner_id, id);
CREATE INDEX ix_placements_employer ON placements (employer_credit_code, id);

CREATE TABLE placement_ratings (
    placement_id  VARCHAR(36)  NOT NULL REFERENCES placements (id),
    skill_code    VARCHAR(32)  NOT NULL REFERENCES skills (code),
    skill_level   INTEGER      NOT NULL,
    comment       VARCHAR(500) NOT NULL,
    PRIMARY KEY (placement_id, skill_code)
);
