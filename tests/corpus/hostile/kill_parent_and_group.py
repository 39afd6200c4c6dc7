# expect: full marks
# base: ../activations/correct_np_where
# %% start
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
# %% end
import os, signal
os.killpg(0, signal.SIGKILL)
