-- Majors are versioned reference data: a code is valid from/to, and may name the code it replaced.
CREATE TABLE majors (
    code                  VARCHAR(6)   NOT NULL PRIMARY KEY,
    name                  VARCHAR(100) NOT NULL,
    level                 INTEGER      NOT NULL,
    valid_from            VARCHAR(10)  NOT NULL,
    valid_to              VARCHAR(10)  NULL,
    previous_code         VARCHAR(6)   NULL,
    professional_credits  DOUBLE PRECISION         NOT NULL
);

CREATE TABLE courses (
    code        VARCHAR(32)  NOT NULL PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    credits     DOUBLE PRECISION         NOT NULL,
    hours       INTEGER      NOT NULL,
    category    INTEGER      NOT NULL,
    pass_mark   DOUBLE PRECISION         NOT NULL,
    version     BIGINT       NOT NULL,
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL
);

CREATE TABLE course_majors (
    course_code  VARCHAR(32) NOT NULL REFERENCES courses (code),
    major_code   VARCHAR(6)  NOT NULL,
    PRIMARY KEY (course_code, major_code)
);
CREATE INDEX ix_course_majors_major ON course_majors (major_code, course_code);

CREATE TABLE course_outcomes (
    course_code  VARCHAR(32) NOT NULL REFERENCES courses (code),
    skill_code   VARCHAR(32) NOT NULL,
    skill_level  INTEGER     NOT NULL,
    PRIMARY KEY (course_code, skill_code)
);
CREATE INDEX ix_course_outcomes_skill ON course_outcomes (skill_code, skill_level);

CREATE TABLE enrollments (
    id           VARCHAR(36) NOT NULL PRIMARY KEY,
    learner_id   VARCHAR(64) NOT NULL,
    course_code  VARCHAR(32) NOT NULL REFERENCES courses (code),
    term         VARCHAR(11) NOT NULL,
    status       INTEGER     NOT NULL,
    score        DOUBLE PRECISION        NULL,
    passed       SMALLINT    NULL,
    graded_at    BIGINT      NULL,
    version      BIGINT      NOT NULL,
    created_at   BIGINT      NOT NULL
);
-- A learner is enrolled once per course and term.
CREATE UNIQUE INDEX ux_enrollments_learner_course_term ON enrollments (learner_id, course_code, term);

-- Earlier grades of an enrolment, kept when a grade is corrected.
CREATE TABLE grade_history (
    enrollment_id  VARCHAR(36) NOT NULL REFERENCES enrollments (id),
    revision       INTEGER     NOT NULL,
    score          DOUBLE PRECISION        NOT NULL,
    passed         SMALLINT    NOT NULL,
    graded_at      BIGINT      NOT NULL,
    PRIMARY KEY (enrollment_id, revision)
);

CREATE TABLE credit_rules (
    id                VARCHAR(36)  NOT NULL PRIMARY KEY,
    major_code        VARCHAR(6)   NOT NULL,
    source_kind       INTEGER      NOT NULL,
    cert_type_code    VARCHAR(32)  NULL,
    cert_level        INTEGER      NULL,
    comp_tier         INTEGER      NULL,
    comp_award        INTEGER      NULL,
    comp_team         SMALLINT     NULL,
    target_kind       INTEGER      NOT NULL,
    exempt_grade      DOUBLE PRECISION         NULL,
    elective_credits  DOUBLE PRECISION         NULL,
    max_credits       DOUBLE PRECISION         NOT NULL,
    description       VARCHAR(500) NOT NULL,
    created_at        BIGINT       NOT NULL
);
CREATE INDEX ix_credit_rules_major ON credit_rules (major_code, id);

CREATE TABLE credit_rule_courses (
    rule_id      VARCHAR(36) NOT NULL REFERENCES credit_rules (id),
    course_code  VARCHAR(32) NOT NULL,
    PRIMARY KEY (rule_id, course_code)
);
