-- The teaching school's unified social credit code (GB 32100); NULL on courses created before it existed.
ALTER TABLE courses ADD COLUMN owner_credit_code VARCHAR(18) NULL;
