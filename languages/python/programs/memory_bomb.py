blocks = []
while True:
    blocks.append(b"x" * (16 * 1024 * 1024))
