# expect: full marks
# base: ../activations/correct_np_where
# %% start
import os
os._exit(1)
