"""One writer at a time on a course's gradebook, across grading worker processes.

SQLite takes one writer at a time and nbgrader creates students and submissions
with check-then-insert, so two workers finishing together could collide. Each
worker holds this lock while nbgrader reads and writes the gradebook, and lets
it go while the engine runs the notebook and its checks: the slow part runs in
parallel, the bookkeeping in turn.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from pathlib import Path

class Holding:
    """The lock, held: whoever holds it hands this to the steps that may let it go for a while (``released``)."""

    def __init__(self, handle):
        self.handle = handle
        self.waited = 0.0  # seconds spent waiting for the lock, taken again after ``released`` included

    def take(self):
        started = time.perf_counter()
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        self.waited += time.perf_counter() - started

    @contextlib.contextmanager
    def released(self):
        """Let the lock go for the duration, and take it again."""
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        try:
            yield
        finally:
            self.take()


@contextlib.contextmanager
def holding(course_root: Path):
    """Hold the lock for the duration; the value (a ``Holding``) says how long it was waited for."""
    with open(Path(course_root) / ".dlcourse-gradebook.lock", "a") as handle:
        held = Holding(handle)
        held.take()
        try:
            yield held
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
