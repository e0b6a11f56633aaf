-- SQL Server only: audit client ids and subjects become NVARCHAR (see the sqlserver script). Text here is Unicode already.
SELECT 1;
