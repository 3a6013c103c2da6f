wc -c
