CREATE TABLE greeting(who TEXT);
INSERT INTO greeting VALUES ('two files');
