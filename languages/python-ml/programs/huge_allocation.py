# 3 GB in one array: the address-space backstop refuses it (numpy's _ArrayMemoryError, a MemoryError).
import numpy as np

region = np.empty(3 << 30, dtype=np.uint8)
region[0] = 1
print("allocated")
