-- A recursive query that never ends (and holds no memory: each row replaces the last).
WITH RECURSIVE forever(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM forever)
SELECT count(*) FROM forever;
