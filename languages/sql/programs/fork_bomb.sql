-- SQL starts no processes (safe mode refuses .shell and .system): its fork bomb is a query whose
-- every row begets two, without end, until time or memory runs out.
WITH RECURSIVE bomb(generation) AS (
    SELECT 0
    UNION ALL
    SELECT generation + 1 FROM bomb, (SELECT 1 UNION ALL SELECT 2)
)
SELECT count(*) FROM bomb;
