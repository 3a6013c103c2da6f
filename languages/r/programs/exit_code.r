cat("about to fail\n")
quit(status = 3)
