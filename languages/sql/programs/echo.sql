-- The input, line by line (stdin: one row per line, rowid = line number).
SELECT line FROM stdin ORDER BY rowid;
