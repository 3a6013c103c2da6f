import numpy as np


def greeting(name):
    return " ".join(np.array(["hello", "from", name]))
