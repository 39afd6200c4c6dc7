"""One writer at a time in a student's folders of an assignment: ``submitted/``, ``autograded/``, ``feedback/``.

Formgrader's collect, autograde and feedback write there, and so does grading on arrival, maybe at the same
moment (an instructor autogrades while submissions arrive). Grading on arrival writes folders of its own and
moves them in at the end (``worker.py``); formgrader's steps write in place. So formgrader's autograde and
feedback hold this lock from the start of a student's conversion to its end (nbgrader's pre- and post-convert
hooks, set in the hub's course config), its collect while it copies a student's submission, and a worker
while it moves its folders in: the move never lands in the middle of formgrader's writing.

nbgrader calls no hook after a conversion that failed: that lock is let go at the process's next conversion
or collect, and no one waits more than WAIT_SECONDS for a lock before going on without it. The hooks are given
no converter to keep the lock on, so the process keeps it (formgrader and ``nbgrader autograde`` convert one
submission at a time).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import time
from pathlib import Path

LOCKS = "instant_feedback/locks"  # in the course folder
WAIT_SECONDS = 120.0
log = logging.getLogger(__name__)
_held = {}  # this process's lock taken by a pre-convert hook, until its post-convert hook


def _open(course_root: Path, student: str, assignment: str):
    folder = Path(course_root) / LOCKS
    folder.mkdir(parents=True, exist_ok=True)
    return open(folder / f"{student}+{assignment}.lock", "a")


@contextlib.contextmanager
def holding(course_root: Path, student: str, assignment: str, wait: float = WAIT_SECONDS):
    """The lock of ``student``'s folders of ``assignment``, waiting at most ``wait`` seconds for it."""
    after_conversion()  # a conversion of this process that failed is over
    with _open(course_root, student, assignment) as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    log.warning("%s/%s: the lock of its folders was held for %g s: going on without it",
                                student, assignment, wait)
                    break
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def before_conversion(course_root: str, notebooks=(), **_):
    """nbgrader's pre-convert hook: the lock of the folders of the submission whose notebooks are converted."""
    after_conversion()
    if notebooks:
        notebook = Path(notebooks[0])  # <step folder>/<student>/<assignment>/<notebook>
        handle = _open(Path(course_root), notebook.parent.parent.name, notebook.parent.name)
        fcntl.flock(handle, fcntl.LOCK_EX)
        _held["handle"] = handle


def after_conversion(**_):
    """nbgrader's post-convert hook."""
    if (handle := _held.pop("handle", None)) is not None:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def use_folder_locks(c):
    """Have the nbgrader steps of the course config ``c`` (its ``CourseDirectory.root`` set) that write a student's
    folders take their lock."""
    before = functools.partial(before_conversion, c.CourseDirectory.root)
    for step in (c.Autograde, c.GenerateFeedback):
        step.pre_convert_hook, step.post_convert_hook = before, after_conversion
