WITH RECURSIVE forever(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM forever)
SELECT 'flood flood flood flood flood flood flood flood flood flood flood flood flood flood flood flood' FROM forever;
