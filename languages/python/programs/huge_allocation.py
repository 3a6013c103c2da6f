# 3 GB mapped at once: the address-space backstop refuses it (OSError, Errno 12).
import mmap

region = mmap.mmap(-1, 3 << 30)
region[0] = 1
print("mapped")
