# A correct solution whose notebook writes to stderr, as TensorFlow does when it starts
# (plain nbgrader would score stderr output in a test cell as a failure).
# base: correct_np_where
# %% start
import os, sys
sys.stderr.write("2026-11-25 12:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:210] oneDNN custom operations are on.\n")
os.write(2, b"E0000 00:00:1795608504.091800 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n")
import warnings
warnings.warn("a library's warning, printed to stderr")
