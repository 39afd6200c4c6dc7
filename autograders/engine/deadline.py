"""One time limit for everything the grading of one notebook does.

The student's cells, kernel starts and replays, every call a hidden check makes into the
kernel and the evaluation of a student's model all run against the same ``Deadline``:
each waits at most what is left of it, and once it has passed, what has not run yet is
not started (it scores 0, with a note). So a notebook that answers every call just under
its timeout still holds a grading worker for the notebook's limit, not for the sum of
all the timeouts.
"""

from __future__ import annotations

import time


class Deadline:
    def __init__(self, seconds: float | None):
        """``seconds`` from now; None: no limit."""
        self.seconds = seconds
        self._end = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float:
        return float("inf") if self._end is None else max(0.0, self._end - time.monotonic())

    def passed(self) -> bool:
        return self.left() <= 0

    def limit(self, timeout: float) -> float:
        """``timeout``, or what is left of the deadline if that is shorter."""
        return min(timeout, self.left())

    def note(self) -> str:
        return (f"the notebook's time limit of {self.seconds:g} s (its cells, the hidden checks' calls and the "
                "evaluation together) was used up")
