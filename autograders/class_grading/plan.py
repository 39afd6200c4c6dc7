"""Which jobs a class makes: one per notebook, or per (student, assignment) submission in the course's gradebook
tree, read strictly; and the notebooks a command's paths name."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..errors import DlcourseError, UsageError
from ..course import COURSE_PAGE, Course, CourseError
from ..engine import NotebookResult, not_graded
from ..engine.grade import NOT_REACHED
from ..ignored_files import is_ignored


@dataclass
class Job:
    notebooks: list[Path]
    assignment: str | None
    student: str | None
    in_gradebook: bool = False
    error: str | None = None
    max_score: float = 0.0
    manual_max: float = 0.0
    results: list[NotebookResult] = field(default_factory=list)

    @property
    def label(self):
        return f"{self.student or '?'}/{self.assignment or '?'}"

    def failed(self, message) -> list[NotebookResult]:
        return [NotebookResult(str(nb), self.assignment, self.student, max_score=self.max_score,
                               manual_max=self.manual_max, error=message) for nb in self.notebooks]

    def not_graded(self, graded=()) -> list[NotebookResult]:
        """``graded`` (results of some of its notebooks), and the rest of its notebooks without a score."""
        done = {r.notebook for r in graded}
        return [*graded, *(not_graded(str(nb), self.assignment, self.student, self.max_score, NOT_REACHED)
                           for nb in self.notebooks if str(nb) not in done)]


@dataclass
class Plan:
    jobs: list[Job]
    ignored: list[str]  # notebooks found but not graded, each with the reason


def plan(notebooks: list[Path], course: Course, assignment=None, student=None, use_gradebook=True) -> Plan:
    """One job per notebook, or per (student, assignment) submission for notebooks in the gradebook's tree.

    The course's ``submitted/`` tree is read strictly, as nbgrader lays it out: only
    ``<student>/<assignment>/<notebook>.ipynb`` for the notebook of the assignment's release, whose student
    is that folder's; any other notebook there is ignored and reported, so that no notebook in one
    student's folder can count twice, or count for someone else.
    """
    submitted = course.root / "submitted"
    jobs: dict = {}
    ignored = []
    for path in notebooks:
        lexical = Path(os.path.abspath(path))
        if lexical.is_relative_to(submitted):
            try:
                found, who = _submitted(lexical, lexical.relative_to(submitted).parts, course, assignment, student)
            except _NotASubmission as exc:
                ignored.append(f"{path}: {exc}")
                continue
            if use_gradebook:
                jobs.setdefault((who, found.name), Job([lexical], found.name, who, in_gradebook=True,
                                                       max_score=found.max_score, manual_max=found.manual_max))
            else:
                jobs[lexical] = Job([lexical], found.name, who, max_score=found.max_score, manual_max=found.manual_max)
            continue
        path = path.resolve()
        try:
            found, who = course.identify(path, _read_if_needed(path, course, assignment), assignment, student)
        except CourseError as exc:
            jobs[path] = Job([path], assignment, student, error=str(exc))
            continue
        jobs[path] = Job([path], found.name, who, max_score=found.max_score, manual_max=found.manual_max)
    return Plan(list(jobs.values()), ignored)


class _NotASubmission(DlcourseError):
    pass


def _submitted(path: Path, parts: tuple[str, ...], course: Course, assignment, student):
    """The assignment and student of a notebook in the course's ``submitted/`` tree, or why it is none."""
    names = course.assignment_names()
    if len(parts) != 3 or parts[1] not in names or parts[2] != course.assignment(parts[1]).source_notebook.name:
        raise _NotASubmission("not graded: the course's submitted/ folder holds <student>/<assignment>/"
                              "<assignment>.ipynb for the assignments' notebooks, nothing else")
    if assignment not in (None, parts[1]) or student not in (None, parts[0]):
        raise _NotASubmission(f"not graded: {parts[0]}'s {parts[1]}, not what --student/--assignment asked for")
    if path.is_symlink():
        raise _NotASubmission("not graded: a symbolic link, not a student's notebook")
    return course.assignment(parts[1]), parts[0]


def _read_if_needed(path, course, assignment):
    """The notebook, when neither ``--assignment`` nor its folder or file name tells its assignment."""
    names = course.assignment_names()
    if assignment or path.parent.name in names or path.stem in names:
        return None
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # unreadable: it will be reported when graded
        return None


def find_notebooks(paths) -> list[Path]:
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # the course page is released like an assignment but has nothing to grade
            inside = sorted(p for p in path.rglob("*.ipynb")
                            if not is_ignored(p) and COURSE_PAGE not in p.parts)
            if not inside:
                raise UsageError(f"no notebooks in {raw}")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {raw}")
    return found
