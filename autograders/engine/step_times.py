"""Where a notebook's grading time goes, step by step.

A class of 300 is graded in the time of 300 notebooks: knowing which step costs what (the kernel's start,
the student's cells, the checks, nbgrader's bookkeeping) is what tells a fixed cost from the notebook's own
work. Every result carries its steps' seconds (``NotebookResult.steps``, ``"steps"`` in ``--json``), and
``benchmarks/class_grading.py`` prints their means over a class.
"""

from __future__ import annotations

import contextlib
import time

# the steps in the order a notebook meets them; a step that did not happen is absent from a result's ``steps``
STEPS = {
    "read": "reading the submission (nbgrader's exporter: JSON made walkable)",
    "restore": "restoring the release's graded cells",
    "sandbox": "sandbox user, writable space and the private copy of the submission's folder",
    "kernel start": "starting the kernel (and, for a kernel started ahead, waiting for it)",
    "student cells": "running the student's cells",
    "checks": "the hidden checks, in the grader, calling into the kernel",
    "cleanup": "stopping the kernel, ending the sandbox user's processes, unmounting its space",
    "gradebook wait": "waiting for another worker's gradebook writes (the gradebook lock)",
    "nbgrader": "nbgrader's converter: its gradebook reads and writes, late penalties, the autograded copy",
}


class StepClock:
    """Seconds per step of one notebook's grading; a step timed twice (a kernel restarted) adds up."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str):
        assert name in STEPS, name
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)

    def add(self, name: str, seconds: float):
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def rounded(self) -> dict[str, float]:
        return {name: round(self.seconds[name], 3) for name in STEPS if name in self.seconds}
