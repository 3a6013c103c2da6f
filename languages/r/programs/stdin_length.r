stdin <- file("stdin", "rb")
total <- 0L
repeat {
    chunk <- readBin(stdin, "raw", 65536L)
    if (length(chunk) == 0L) break
    total <- total + length(chunk)
}
close(stdin)
cat(total, "\n", sep = "")
