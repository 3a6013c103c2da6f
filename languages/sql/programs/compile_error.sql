SELECT 'unclosed;
