"""The environment the grader hands down to its workers, kernels, services and pods, each variable named here once:
the numeric libraries' and TensorFlow's thread pools, TensorFlow's GPU memory, and this Python's tools on PATH.
(TensorFlow's log level is ``quiet.py``'s.)"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# numpy's BLAS and TensorFlow's own pools: each grading worker's kernels get their share of the cores
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "TF_NUM_INTRAOP_THREADS")
INTEROP_THREADS = "TF_NUM_INTEROP_THREADS"
# several kernels share a GPU: each takes memory as it needs it, not all of it up front
GPU_MEMORY_GROWTH = {"TF_FORCE_GPU_ALLOW_GROWTH": "true"}
OWN_BIN = Path(sys.executable).parent


def with_own_bin(path: str) -> str:
    """A ``PATH`` value with this Python's environment's tools first, as in an activated virtualenv: nbgrader runs
    ``alembic`` from PATH, the hub ``configurable-http-proxy`` and the services' commands."""
    return os.pathsep.join([str(OWN_BIN), path]) if path else str(OWN_BIN)
