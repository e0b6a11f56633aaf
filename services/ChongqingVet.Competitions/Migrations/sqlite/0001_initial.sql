CREATE TABLE competitions (
    id             VARCHAR(36)  NOT NULL PRIMARY KEY,
    name           VARCHAR(200) NOT NULL,
    series         VARCHAR(100) NOT NULL,
    tier           INTEGER      NOT NULL,
    year           INTEGER      NOT NULL,
    organiser      VARCHAR(200) NOT NULL,
    district_code  VARCHAR(16)  NOT NULL,
    start_date     VARCHAR(10)  NOT NULL,
    end_date       VARCHAR(10)  NOT NULL,
    status         INTEGER      NOT NULL,
    version        BIGINT       NOT NULL,
    created_at     BIGINT       NOT NULL,
    updated_at     BIGINT       NOT NULL
);
CREATE INDEX ix_competitions_start ON competitions (start_date, id);

CREATE TABLE competition_events (
    competition_id  VARCHAR(36)  NOT NULL REFERENCES competitions (id),
    code            VARCHAR(32)  NOT NULL,
    name            VARCHAR(200) NOT NULL,
    event_group     INTEGER      NOT NULL,
    participation   INTEGER      NOT NULL,
    min_team_size   INTEGER      NOT NULL,
    max_team_size   INTEGER      NOT NULL,
    award_scheme    INTEGER      NOT NULL,
    created_at      BIGINT       NOT NULL,
    PRIMARY KEY (competition_id, code)
);

CREATE TABLE event_skills (
    competition_id  VARCHAR(36) NOT NULL,
    event_code      VARCHAR(32) NOT NULL,
    skill_code      VARCHAR(32) NOT NULL,
    skill_level     INTEGER     NOT NULL,
    PRIMARY KEY (competition_id, event_code, skill_code),
    FOREIGN KEY (competition_id, event_code) REFERENCES competition_events (competition_id, code)
);
CREATE INDEX ix_event_skills_skill ON event_skills (skill_code, competition_id, event_code);

CREATE TABLE competition_results (
    id              VARCHAR(36)  NOT NULL PRIMARY KEY,
    competition_id  VARCHAR(36)  NOT NULL,
    event_code      VARCHAR(32)  NOT NULL,
    team_name       VARCHAR(200) NOT NULL,
    award_grade     INTEGER      NOT NULL,
    ranking         INTEGER      NOT NULL,
    score           REAL     NULL,
    version         BIGINT       NOT NULL,
    created_at      BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL,
    FOREIGN KEY (competition_id, event_code) REFERENCES competition_events (competition_id, code)
);
CREATE INDEX ix_competition_results_event ON competition_results (competition_id, event_code, id);

CREATE TABLE result_participants (
    result_id       VARCHAR(36) NOT NULL REFERENCES competition_results (id),
    competition_id  VARCHAR(36) NOT NULL,
    event_code      VARCHAR(32) NOT NULL,
    learner_id      VARCHAR(64) NOT NULL,
    role            INTEGER     NOT NULL,
    PRIMARY KEY (result_id, learner_id)
);
-- One learner appears at most once in one event's results.
CREATE UNIQUE INDEX ux_result_participants_event_learner ON result_participants (competition_id, event_code, learner_id);
CREATE INDEX ix_result_participants_learner ON result_participants (learner_id, result_id);

-- Award rules: the skill level (SkillLevel enum value; 0 = no credit) a (tier, award grade) credits.
CREATE TABLE award_rules (
    tier            INTEGER NOT NULL,
    award_grade     INTEGER NOT NULL,
    credited_level  INTEGER NOT NULL,
    version         BIGINT  NOT NULL,
    PRIMARY KEY (tier, award_grade)
);

INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 1, 5, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 2, 4, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 3, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 4, 5, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 5, 4, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 6, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 7, 5, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 8, 5, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 9, 5, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 10, 4, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (1, 11, 0, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 1, 4, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 2, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 3, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 4, 4, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 5, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 6, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 7, 4, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 8, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 9, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 10, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (2, 11, 0, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 1, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 2, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 3, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 4, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 5, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 6, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 7, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 8, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 9, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 10, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (3, 11, 0, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 1, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 2, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 3, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 4, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 5, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 6, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 7, 3, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 8, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 9, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 10, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (4, 11, 0, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 1, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 2, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 3, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 4, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 5, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 6, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 7, 2, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 8, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 9, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 10, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (5, 11, 0, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 1, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 2, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 3, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 4, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 5, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 6, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 7, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 8, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 9, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 10, 1, 1);
INSERT INTO award_rules (tier, award_grade, credited_level, version) VALUES (6, 11, 0, 1);
