# Hello world through numpy and pandas: every run of this language imports them.
import numpy as np
import pandas as pd

words = pd.Series(np.array(["Hello,", "World!"]))
print(words.str.cat(sep=" "))
