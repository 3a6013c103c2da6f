import os
import time

import numpy  # noqa: F401  (what every run of this language loads)
import pandas  # noqa: F401

time.sleep(0.3)  # long enough for another run in this environment, if there were one, to show
runs = [name for name in os.listdir("/tmp") if name.startswith("glimpse-run-")]
print(os.readlink("/proc/self/ns/pid"), len(runs))
