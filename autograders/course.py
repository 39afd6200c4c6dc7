"""The course on disk: its assignments, their source notebooks and their hidden checks."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import tempfile
from importlib.metadata import version
from pathlib import Path

import nbformat

from .errors import UsageError
from .engine.cells import grade_id, is_test_cell
from .ignored_files import is_ignored

ASSIGNMENTS_PACKAGE = Path(__file__).parent / "assignments"
_ANSWER_STUBS = Path(__file__).parent / "answer_stubs.py"  # read, not imported: importing it imports nbgrader
_RELEASE_NAME = re.compile(r"-[0-9a-f]{20}\.ipynb")  # after the assignment's name, in the release cache
COURSE_PAGE = "00_course_page"  # released first, like an assignment, without checks: the schedule and the rules


class CourseError(UsageError):
    """A course or assignment that cannot be used as given."""


class Assignment:
    def __init__(self, course: Course, name: str):
        self.course = course
        self.name = name
        self.source_dir = course.source_dir / name
        self.source_notebook = self.source_dir / f"{name}.ipynb"
        self.checks_file = ASSIGNMENTS_PACKAGE / name / "hidden_checks.py"
        evaluator_ops = ASSIGNMENTS_PACKAGE / name / "evaluator_ops.py"
        # what the assignment's evaluator runs (engine/evaluator.py), for assignments that have one
        self.evaluator_ops = evaluator_ops if evaluator_ops.is_file() else None

    def __repr__(self):
        return f"Assignment({self.name!r})"

    @functools.cached_property
    def source_nb(self):
        return nbformat.read(self.source_notebook, as_version=4)

    @functools.cached_property
    def released_nb(self):
        """The notebook as students receive it: solutions and hidden tests removed, as nbgrader releases it.

        Kept in the course's release cache by the source's content, so that a process grading one notebook
        reads it instead of importing nbgrader's preprocessors (0.8 CPU-s) before the student's cells can run.
        """
        source = self.source_notebook.read_bytes()
        # what makes a release besides the source: nbgrader's steps and the course's answer stubs
        makers = f"{version('nbgrader')} ".encode() + _ANSWER_STUBS.read_bytes()
        cached = self.course.release_cache / f"{self.name}-{hashlib.sha256(source + makers).hexdigest()[:20]}.ipynb"
        try:
            return nbformat.read(cached, as_version=4)
        except (OSError, ValueError):  # not kept yet, being replaced, or not readable by this account
            pass
        nb = _release(nbformat.reads(source.decode(), as_version=4))
        _keep(cached, nbformat.writes(nb), stale=[p for p in self.course.release_cache.glob(f"{self.name}-*.ipynb")
                                                  if _RELEASE_NAME.fullmatch(p.name[len(self.name):]) and p != cached])
        return nb

    @functools.cached_property
    def grade_ids(self) -> set[str]:
        return {gid for c in self.source_nb.cells if (gid := grade_id(c))}

    @functools.cached_property
    def max_score(self) -> float:
        return sum(float(c.metadata["nbgrader"].get("points", 0)) for c in self.source_nb.cells
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade"))

    @functools.cached_property
    def manual_max(self) -> float:
        """The points of graded cells that no test cell scores: nbgrader leaves them to a manual grade."""
        return self.max_score - sum(float(c.metadata["nbgrader"]["points"]) for c in self.source_nb.cells
                                    if is_test_cell(c))

    def helper_files(self) -> list[Path]:
        """Student-visible files that travel with the notebook (everything in the source folder but notebooks)."""
        return sorted(p for p in self.source_dir.rglob("*") if p.is_file() and p.suffix != ".ipynb" and not is_ignored(p))


class Course:
    def __init__(self, root: Path | str = "course"):
        self.root = Path(root).resolve()
        self.source_dir = self.root / "source"
        self.release_cache = self.root / ".dlcourse-cache" / "release"
        if not self.source_dir.is_dir():
            raise CourseError(f"{root} is not a course: it has no source/ folder (use --course DIR)")

    def assignment_names(self) -> list[str]:
        return sorted(p.name for p in self.source_dir.iterdir()
                      if (p / f"{p.name}.ipynb").is_file() and (ASSIGNMENTS_PACKAGE / p.name / "hidden_checks.py").is_file())

    @functools.cache
    def assignment(self, name: str) -> Assignment:
        if name not in self.assignment_names():
            known = ", ".join(self.assignment_names()) or "none"
            raise CourseError(f"unknown assignment '{name}' (this course has: {known})")
        return Assignment(self, name)

    def identify(self, notebook: Path, nb=None, assignment: str | None = None,
                 student: str | None = None) -> tuple[Assignment, str]:
        """Which assignment a notebook belongs to and whose it is.

        Assignment: ``assignment``, else the folder it sits in (nbgrader's
        ``submitted/<student>/<assignment>/``), else its file name, else the
        assignment sharing most grade_ids with it. Student: ``student``, else
        the folder above the assignment folder, else the notebook's folder.
        """
        notebook = Path(notebook).resolve()
        names = self.assignment_names()
        if assignment is None:
            for candidate in (notebook.parent.name, notebook.stem):
                if candidate in names:
                    assignment = candidate
                    break
        if assignment is None and nb is not None:
            ids = {gid for c in nb.cells if (gid := grade_id(c))}
            overlap = {n: len(ids & self.assignment(n).grade_ids) for n in names}
            best = max(overlap, key=overlap.get, default=None)
            if best and overlap[best]:
                assignment = best
        if assignment is None:
            raise CourseError(f"cannot tell which assignment {notebook.name} belongs to; use --assignment")
        if student is None:
            folder = notebook.parent
            student = folder.parent.name if folder.name == assignment else folder.name
        return self.assignment(assignment), student


def assignment_at(root: Path | str, name: str) -> Assignment:
    """``Course(root).assignment(name)``, its notebooks read and its release made once per process for as long as
    its source notebook stays as it is: a grading worker, or formgrader's server, grades many notebooks of it."""
    course = Course(root)
    try:
        stat = (course.source_dir / name / f"{name}.ipynb").stat()
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    except OSError:
        stamp = None  # not an assignment: ``Course.assignment`` says so
    return _assignment_at(course.root, name, stamp)


@functools.lru_cache(maxsize=64)
def _assignment_at(root: Path, name: str, stamp) -> Assignment:
    return Course(root).assignment(name)


def _release(nb):
    from nbgrader.preprocessors import ClearHiddenTests

    from .answer_stubs import ClearSolutionsWithAnswerStubs

    resources = {}
    for step in (ClearSolutionsWithAnswerStubs(), ClearHiddenTests()):
        nb, resources = step.preprocess(nb, resources)
    return nb


def _keep(path: Path, text: str, stale):
    """Write ``path`` whole (another process may read it meanwhile), readable by every account that grades the
    course (a student's release: nothing hidden), removing the ``stale`` versions it replaces. A course folder this
    process may not write in just goes without the cache."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in stale:
            old.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as tmp:
            tmp.write(text)
        os.chmod(tmp.name, 0o644)
        os.replace(tmp.name, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp.name)
