writeLines(readLines("stdin"))
