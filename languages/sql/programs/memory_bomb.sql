-- The in-memory database grows by a megabyte a row, without end.
CREATE TABLE hoard(chunk BLOB);
WITH RECURSIVE forever(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM forever)
INSERT INTO hoard SELECT randomblob(1048576) FROM forever;
