"""The course's order, titles, time estimates and deadlines, read from ``course/schedule.toml``.

One file says in which order students work, how long each assignment takes and when it is due;
the hub records the due dates in nbgrader's gradebook, and the course page and the hub's home
page show the same table. A schedule that names an unknown assignment, leaves one out, or has a
date without a time zone is refused with the line to fix.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import default

from .errors import DlcourseError

SCHEDULE_FILE = "schedule.toml"
TABLE_MARKER = "<!-- schedule -->"  # where the course page gets its table
LATE_PENALTIES = ("none", "zero")  # nbgrader's LateSubmissionPlugin.penalty_method values


class ScheduleError(DlcourseError):
    """course/schedule.toml cannot be used as written (the message names the problem)."""


@dataclass(frozen=True)
class Scheduled:
    number: int
    name: str
    title: str
    hours: float
    due: dt.datetime

    @property
    def due_text(self) -> str:
        return self.due.strftime("%a %d %b %Y, %H:%M %Z")


@dataclass(frozen=True)
class Schedule:
    assignments: tuple[Scheduled, ...]
    late_penalty: str

    def due_dates(self) -> dict[str, dt.datetime]:
        """Due dates as nbgrader stores them: naive datetimes in UTC."""
        return {a.name: a.due.astimezone(dt.timezone.utc).replace(tzinfo=None) for a in self.assignments}

    @property
    def late_rule(self) -> str:
        if self.late_penalty == "zero":
            return ("A submission after its deadline scores 0. nbgrader grades your latest submission, so submitting "
                    "again after the deadline makes the assignment late: submit early, as often as you like, and "
                    "stop at the deadline.")
        return ("A submission after its deadline is graded as usual and marked late with how late it was; "
                "nbgrader grades your latest submission.")

    def markdown_table(self) -> str:
        rows = [f"| {a.number} | {a.title} (`{a.name}`) | {a.hours:g} h | {a.due_text} |" for a in self.assignments]
        total = sum(a.hours for a in self.assignments)
        return "\n".join(["| # | assignment (folder) | time, about | due |", "|---|---|---|---|", *rows,
                          f"| | all together | {total:g} h | |", "", f"**Late submissions.** {self.late_rule}"])


def read_schedule(course_root: Path | str, assignment_names: list[str]) -> Schedule:
    path = Path(course_root) / SCHEDULE_FILE
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ScheduleError(f"{path} is missing: it gives the course's order and due dates") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{path}: {exc}") from None
    penalty = data.get("late_penalty", "none")
    if penalty not in LATE_PENALTIES:
        raise ScheduleError(f"{path}: late_penalty must be one of {', '.join(LATE_PENALTIES)}, not {penalty!r}")
    entries = data.get("assignment")
    if not isinstance(entries, list) or not entries:
        raise ScheduleError(f"{path}: list the assignments as [[assignment]] tables, in course order")
    scheduled = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}, assignment {number}"
        missing = [key for key in ("name", "title", "hours", "due") if key not in entry]
        if missing:
            raise ScheduleError(f"{where}: missing {', '.join(missing)}")
        if entry["name"] not in assignment_names:
            raise ScheduleError(f"{where}: {entry['name']!r} is not an assignment of this course "
                                f"({', '.join(assignment_names)})")
        due = entry["due"]
        if not isinstance(due, dt.datetime) or due.tzinfo is None:
            raise ScheduleError(f"{where}: due must be a date and time with its time zone, e.g. 2027-01-17T23:59:00Z")
        if not isinstance(entry["hours"], (int, float)) or entry["hours"] <= 0:
            raise ScheduleError(f"{where}: hours must be a positive number")
        scheduled.append(Scheduled(number, entry["name"], str(entry["title"]), float(entry["hours"]), due))
    names = [a.name for a in scheduled]
    if duplicated := sorted({n for n in names if names.count(n) > 1}):
        raise ScheduleError(f"{path}: {', '.join(duplicated)} appear(s) more than once")
    if unscheduled := sorted(set(assignment_names) - set(names)):
        raise ScheduleError(f"{path}: no due date for {', '.join(unscheduled)}")
    return Schedule(tuple(scheduled), penalty)


class FillCourseSchedule(NbGraderPreprocessor):
    """A step of ``nbgrader generate_assignment``: the course page's schedule marker becomes the table."""

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        from .course import Course

        if not any(TABLE_MARKER in cell.source for cell in nb.cells):
            return nb, resources
        course = Course(CourseDirectory(config=self.config).root)
        table = read_schedule(course.root, course.assignment_names()).markdown_table()
        for cell in nb.cells:
            if cell.cell_type == "markdown" and TABLE_MARKER in cell.source:
                cell.source = cell.source.replace(TABLE_MARKER, table)
        return nb, resources


class ScheduledLatePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission penalty, with the method the course's schedule names (``late_penalty``)."""

    @default("penalty_method")
    def _penalty_method_default(self):
        from nbgrader.coursedir import CourseDirectory

        from .course import Course

        course = Course(CourseDirectory(config=self.config).root)
        return read_schedule(course.root, course.assignment_names()).late_penalty
