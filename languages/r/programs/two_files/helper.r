greeting <- function(name) paste("hello from", name)
