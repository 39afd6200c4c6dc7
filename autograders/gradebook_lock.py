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
from pathlib import Path

_held = None  # the open lock file while this process holds the lock


@contextlib.contextmanager
def holding(course_root: Path):
    global _held
    with open(Path(course_root) / ".dlcourse-gradebook.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _held = handle
        try:
            yield
        finally:
            _held = None
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def released():
    """Let the lock go for the duration (a no-op when this process does not hold it, as in plain nbgrader)."""
    handle = _held
    if handle is None:
        yield
        return
    fcntl.flock(handle, fcntl.LOCK_UN)
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_EX)
