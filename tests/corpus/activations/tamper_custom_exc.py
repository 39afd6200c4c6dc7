# Stubs, plus an exception handler that swallows every error in the kernel.
# %% start
get_ipython().set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)
