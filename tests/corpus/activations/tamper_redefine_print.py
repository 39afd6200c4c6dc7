# Stubs, plus print and display silenced.
# %% start
import builtins
builtins.print = lambda *args, **kwargs: None
import IPython.display
IPython.display.display = lambda *args, **kwargs: None
