-- helper.sql makes the table this file reads.
.read helper.sql
SELECT 'hello from ' || who FROM greeting;
