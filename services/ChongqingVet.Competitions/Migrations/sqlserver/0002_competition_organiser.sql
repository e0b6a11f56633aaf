-- The organising institution's unified social credit code (GB 32100); NULL on competitions created before it existed.
ALTER TABLE competitions ADD organiser_credit_code NVARCHAR(18) NULL;
