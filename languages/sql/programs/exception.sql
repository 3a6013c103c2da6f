-- A constraint that fails: the statement's error ends the script (-bail).
CREATE TABLE positive(x INTEGER CHECK (x > 0));
INSERT INTO positive VALUES (-1);
SELECT 'not reached';
