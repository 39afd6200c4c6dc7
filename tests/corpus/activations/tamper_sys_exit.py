# Stubs, plus sys.exit() in a cell.
# %% end
import sys
sys.exit(0)
