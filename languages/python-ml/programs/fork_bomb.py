# numpy (and its OpenBLAS) loaded first: every child carries it.
import os

import numpy as np

total = np.arange(10).sum()
while True:
    try:
        os.fork()
    except OSError:
        pass
