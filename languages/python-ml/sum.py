import numpy as np

a, b = np.array(input().split(), dtype=np.int64)
while a < 0:  # a negative first number: a program that never ends
    pass
print(a + b)
