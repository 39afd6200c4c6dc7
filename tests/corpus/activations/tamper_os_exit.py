# Stubs, plus os._exit() in a cell.
# %% end
import os
os._exit(0)
