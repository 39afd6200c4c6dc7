# expect: full marks
# base: ../activations/correct_np_where
# %% start
import os, shutil
for name in os.listdir("."):
    if os.path.isdir(name):
        shutil.rmtree(name)
    else:
        os.remove(name)
