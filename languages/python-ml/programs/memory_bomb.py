import numpy as np

blocks = []
while True:
    blocks.append(np.ones(2 * 1024 * 1024))  # 16 MB of float64, each page written
