"""The class analytics of a course's gradebook: ``dlcourse report`` and the page on the hub's formgrader.

Scores, manual grades, due dates and late submissions come from nbgrader's gradebook (its API, so
any database nbgrader's config names); the hidden checks each submission failed, with the messages,
from the records the nbgrader door keeps beside each autograded notebook (``check_records``).
Everyone in the gradebook is in the class, submitted or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from . import check_records
from .analytics import AssignmentStats, ClassAnalytics, Failure, Submission, one_line
from .errors import UsageError


class NoGradebook(UsageError):
    """The course has no gradebook yet (nbgrader would make an empty one): nothing to report."""


NOT_AUTOGRADED = "nbgrader has no autograded notebook for it: grading it failed (formgrader's log says why)"


@dataclass(frozen=True)
class GradedNotebook:
    """A notebook of a submission, as the page links to it."""

    student: str
    assignment: str
    name: str
    id: str  # nbgrader's id of the submitted notebook (formgrader's URLs use it)
    autograded: Path  # where nbgrader put it, graded


def load(course_root: Path | str, link: Callable[[GradedNotebook], str | None]) -> ClassAnalytics:
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory

    from .nbgrader_door.config import course_config

    root = Path(course_root).resolve()
    # the course's nbgrader config may name another gradebook or folders; without one, nbgrader's defaults
    coursedir = CourseDirectory(config=course_config(root))
    coursedir.root = str(root)
    sqlite = coursedir.db_url.removeprefix("sqlite:///")
    if sqlite != coursedir.db_url and not Path(sqlite).is_file():
        raise NoGradebook(f"{course_root} has no gradebook ({sqlite}) yet: grade its submitted/ folder first "
                          "(dlcourse grade, or nbgrader autograde)")
    with Gradebook(coursedir.db_url) as gb:
        students = sorted(s.id for s in gb.students)
        assignments = sorted(gb.assignments, key=lambda a: (a.duedate is None, a.duedate or datetime.min, a.name))
        stats = [_assignment(a, coursedir, link) for a in assignments]
    return ClassAnalytics(students, stats)


def _assignment(assignment, coursedir, link) -> AssignmentStats:
    stats = AssignmentStats(assignment.name, assignment.duedate)
    for submitted in assignment.submissions:
        student = submitted.student.id
        folder = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment.name))
        submission = stats.submissions[student] = Submission(max_score=assignment.max_score,
                                                             seconds_late=submitted.total_seconds_late or 0.0)
        for notebook in submitted.notebooks:
            graded = GradedNotebook(student, assignment.name, notebook.name, notebook.id,
                                    folder / f"{notebook.name}.ipynb")
            submission.link = submission.link or link(graded)
            for grade in notebook.grades:
                submission.score += grade.score or 0.0
                if grade.auto_score is None and grade.manual_score is None:
                    submission.manual_pending += grade.max_score
            record = check_records.read(folder, notebook.name)
            if record is None:
                if not graded.autograded.is_file():  # nbgrader removes what it could not grade
                    submission.error = submission.error or NOT_AUTOGRADED
                continue
            checks, error = record
            submission.error = submission.error or error
            for check in checks:
                check_stats = stats.check(check.grade_id, check.name)
                check_stats.runs += 1
                if not check.passed:
                    check_stats.failures.append(Failure(student, one_line(check.message or ""), link(graded)))
    return stats
