-- Two numbers on the first line of the input; a negative first number: a program that never ends.
CREATE TABLE numbers AS
SELECT CAST(substr(pair, 1, instr(pair, ' ') - 1) AS INTEGER) AS a,
       CAST(substr(pair, instr(pair, ' ') + 1) AS INTEGER) AS b
FROM (SELECT trim(line) AS pair FROM stdin WHERE rowid = 1);
WITH RECURSIVE forever(i) AS (SELECT 1 FROM numbers WHERE a < 0 UNION ALL SELECT i FROM forever)
SELECT i FROM forever WHERE i = 0;  -- no row: it prints nothing, or never ends
SELECT a + b FROM numbers;
