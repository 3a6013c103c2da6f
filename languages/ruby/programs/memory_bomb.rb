blocks = []
loop { blocks << "x" * (16 * 1024 * 1024) }
