-- The organising institution's unified social credit code (GB 32100); NULL on competitions created before it existed.
ALTER TABLE competitions ADD COLUMN organiser_credit_code VARCHAR(18) NULL;
