-- stdin_text: the whole input as one value; its length in bytes.
SELECT length(CAST(text AS BLOB)) FROM stdin_text;
