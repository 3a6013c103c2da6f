-- The arguments (args: one row per argument, rowid = position).
SELECT group_concat(arg, ' ') FROM (SELECT arg FROM args ORDER BY rowid);
