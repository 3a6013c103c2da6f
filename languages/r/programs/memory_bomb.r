blocks <- list()
repeat blocks[[length(blocks) + 1L]] <- numeric(2 * 1024^2)  # 16 MB each, zero-filled
