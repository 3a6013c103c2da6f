-- SQL has no sleep, and 'now' stands still within a statement: about 0.3 s of counting instead,
-- long enough for another run in this environment, if there were one, to show.
WITH RECURSIVE spin(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM spin WHERE i < 1500000)
SELECT i FROM spin WHERE i = 0;  -- no row: it prints nothing
-- fsdir(): the shell's table of a directory's entries (and of a link's target).
SELECT (SELECT data FROM fsdir('/proc/self/ns/pid')) || ' ' || count(*)
FROM fsdir('/tmp') WHERE name GLOB '/tmp/glimpse-run-*' AND name NOT GLOB '/tmp/glimpse-run-*/*';
