"""TensorFlow's, absl's and CUDA's start-up lines, kept off the grader's terminal unless asked for.

They read like failures ("failed call to cuInit: ... UNKNOWN ERROR (303)") between the progress
lines. The grader's process never imports TensorFlow (the CNN's evaluator does, in a process of its
own whose stderr is its log), but its workers and the students' kernels inherit its environment, so
the grading processes set TensorFlow's log level here, once, at their start. It hides TensorFlow's
own C++ lines, errors included (the grader reports a real failure as a Python exception).
``dlcourse grade -v`` shows everything.
"""

from __future__ import annotations

import os

LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"  # TensorFlow's: 0 shows everything, 3 hides its info, warnings and errors
QUIET, VERBOSE = "3", "0"
WARNINGS_OFF = "2"  # errors only: students' kernels and the CNN's evaluator, whose log is read when it fails


def settle(verbose: bool = False):
    """Set this process's (and so its workers' and kernels') TensorFlow logging: quiet, unless ``verbose``
    or the environment already names a level (then that level)."""
    if verbose:
        os.environ[LOG_LEVEL] = VERBOSE
    else:
        os.environ.setdefault(LOG_LEVEL, QUIET)
