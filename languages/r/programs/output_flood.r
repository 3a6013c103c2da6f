repeat cat(strrep("flood ", 100), "\n", sep = "")
