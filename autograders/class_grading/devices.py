"""Share the machine among parallel grading workers: CPU threads and GPUs.

Each worker's kernels inherit the worker's environment; the hub's grading service gives each notebook's
kernel its own (``threads_env``). On CPU, a notebook graded beside others computes on one thread (numpy's
BLAS, TensorFlow's pools): the workers are the parallelism. Measured on the five numpy assignments with one
worker on two cores, two BLAS threads per kernel cost 12% more CPU and no less time (their threads spin while
the matrices are small). A notebook graded alone (``whole_machine_env``: an assignment whose grading uses
every core, the CNN's) gets every core's threads. With GPUs, workers are spread over them round-robin through
``CUDA_VISIBLE_DEVICES``, and TensorFlow grows its memory on demand so that several kernels can share one GPU.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from ..process_env import GPU_MEMORY_GROWTH, INTEROP_THREADS, THREAD_VARIABLES


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def visible_gpus(environ=os.environ) -> list[str]:
    """GPU ids the grader may hand out: ``CUDA_VISIBLE_DEVICES`` if set, else what ``nvidia-smi -L`` lists."""
    if "CUDA_VISIBLE_DEVICES" in environ:
        return [g.strip() for g in environ["CUDA_VISIBLE_DEVICES"].split(",") if g.strip() and g.strip() != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(listing.splitlines()) if line.startswith("GPU ")]


def worker_env(index: int, workers: int, gpus: list[str]) -> dict[str, str]:
    """Environment variables for grading worker ``index`` of ``workers``."""
    env = {**threads_env(whole_machine=False), **GPU_MEMORY_GROWTH}
    if gpus:
        env["CUDA_VISIBLE_DEVICES"] = gpus[index % len(gpus)]
    return env


def uses_every_core(assignment) -> bool:
    """Whether grading a notebook of ``assignment`` uses every core by itself: an assignment with an evaluator (the
    CNN) trains a model in the kernel while the evaluator runs TensorFlow beside it."""
    return assignment.evaluator_ops is not None


def whole_machine_env(cores: int) -> dict[str, str]:
    """The thread variables of a notebook graded alone, on every core."""
    return {**dict.fromkeys(THREAD_VARIABLES, str(cores)), INTEROP_THREADS: "2"}


def threads_env(whole_machine: bool) -> dict[str, str]:
    """The thread variables of a notebook graded by a service of several slots: every core's for one whose
    grading uses every core (the CNN's), one thread beside the others."""
    if whole_machine:
        return whole_machine_env(usable_cores())
    return dict.fromkeys((*THREAD_VARIABLES, INTEROP_THREADS), "1")
