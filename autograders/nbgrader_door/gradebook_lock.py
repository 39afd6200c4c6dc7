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

_held = None  # the Holding while this process holds the lock


class Holding:
    def __init__(self, handle):
        self.handle = handle
        self.waited = 0.0  # seconds spent waiting for the lock, taken again after ``released`` included

    def take(self):
        started = time.perf_counter()
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        self.waited += time.perf_counter() - started


@contextlib.contextmanager
def holding(course_root: Path):
    """Hold the lock for the duration; the value (a ``Holding``) says how long it was waited for."""
    global _held
    with open(Path(course_root) / ".dlcourse-gradebook.lock", "a") as handle:
        _held = Holding(handle)
        _held.take()
        try:
            yield _held
        finally:
            _held = None
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def released():
    """Let the lock go for the duration (a no-op when this process does not hold it, as in plain nbgrader)."""
    held = _held
    if held is None:
        yield
        return
    fcntl.flock(held.handle, fcntl.LOCK_UN)
    try:
        yield
    finally:
        held.take()
