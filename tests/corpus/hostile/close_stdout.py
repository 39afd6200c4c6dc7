# expect: full marks
# base: ../activations/correct_np_where
# %% start
import os, sys
os.close(1)
os.close(2)
sys.stdout.close()
sys.stderr.close()
