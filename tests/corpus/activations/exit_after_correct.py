# A correct solution whose last cell kills the kernel: the functions still earn their points.
# base: correct_np_where
# %% end
import os
os._exit(1)
