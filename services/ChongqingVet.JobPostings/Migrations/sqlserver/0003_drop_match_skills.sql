-- The match scratch table is unused: matching scores in memory (MatchScorer) and writes no rows.
DROP TABLE match_skills;
