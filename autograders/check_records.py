"""Which hidden checks a graded notebook failed, and with what message, kept beside it for the class report.

nbgrader's gradebook keeps a score per test cell, not the checks behind it, and the autograded
notebook keeps them only as the feedback text a student reads. So the nbgrader door writes each
graded notebook's checks into a small JSON file in its autograded folder, under ``FOLDER``, which
``use_grading_engine`` adds to nbgrader's ignored files: a file of that name in a submission is not
copied into the autograded folder, and feedback never carries the record to the student. A record
lives and dies with its autograded notebook (nbgrader removes the folder when grading it fails).
It is still read as untrusted data: bounded, every field checked, messages bounded by ``plain``.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

FOLDER = ".dlcourse-checks"
MAX_RECORD_BYTES = 2 * 2**20  # a notebook's checks: a few hundred, each message at most 400 characters


@dataclass(frozen=True)
class CheckRecord:
    grade_id: str
    name: str
    passed: bool
    message: str | None = None


def write(autograded_folder: Path | str, notebook: str, checks: list[dict], error: str | None):
    """Record ``checks`` (a result's ``checks``) of ``notebook`` in its autograded folder, replacing any record.

    Without the sandbox the student's kernel ran in that folder: whatever it left at the record's place
    (a link, a file) is replaced, and nothing is written through a link."""
    parent = os.open(autograded_folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        folder = _own_folder(parent)
        try:
            name, temporary = f"{notebook}.json", f"{notebook}.json.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary, dir_fd=folder)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=folder)
            with os.fdopen(fd, "w") as handle:
                json.dump({"checks": checks, "error": error}, handle)
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        finally:
            os.close(folder)
    finally:
        os.close(parent)


def _own_folder(parent: int) -> int:
    with contextlib.suppress(FileExistsError):
        os.mkdir(FOLDER, 0o755, dir_fd=parent)
    try:
        return os.open(FOLDER, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
    except OSError:  # a link or a file in its place
        with contextlib.suppress(IsADirectoryError):
            os.unlink(FOLDER, dir_fd=parent)
        os.mkdir(FOLDER, 0o755, dir_fd=parent)
        return os.open(FOLDER, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)


def read(autograded_folder: Path | str, notebook: str) -> tuple[list[CheckRecord], str | None] | None:
    """The checks and the error recorded for ``notebook``; None when there is no usable record."""
    path = Path(autograded_folder) / FOLDER / f"{notebook}.json"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(MAX_RECORD_BYTES + 1)
    if len(raw) > MAX_RECORD_BYTES:
        return None
    try:
        data = json.loads(raw)
        checks = [CheckRecord(str(c["grade_id"]), str(c["name"]), c["passed"] is True,
                              None if c.get("message") is None else str(c["message"]))
                  for c in data["checks"]]
        error = data.get("error")
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    return checks, None if error is None else str(error)
