cat("unclosed\n"
