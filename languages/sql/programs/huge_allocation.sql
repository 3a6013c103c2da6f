-- A gigabyte asked for at once (SQLite's largest value is 1e9 bytes): the address-space backstop
-- refuses it, and SQLite says "out of memory".
SELECT length(randomblob(1000000000));
