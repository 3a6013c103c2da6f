# 3 GB at once: the address-space backstop refuses it (NoMemoryError).
region = "\0" * (3 << 30)
puts region.bytesize
