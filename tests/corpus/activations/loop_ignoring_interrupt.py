# Correct, then a cell that loops forever and swallows the grader's interrupt.
# base: correct_np_where
# %% end
import time
while True:
    try:
        time.sleep(0.1)
    except KeyboardInterrupt:
        pass
