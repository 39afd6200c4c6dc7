"""What an instructor wants to know in the minute after a deadline, computed from a graded class.

One model for both sources of grades, so that ``dlcourse grade --html``, ``dlcourse report`` and the
hub's page show the same page: the results of a grading run (``from_results``) or the course's
gradebook (``gradebook_analytics``). Per assignment: every submission's points, late or not, with
manual points pending or not, and every hidden check with the submissions that failed it and the
message each got; per class: who is at risk. Nothing here is markup: ``report_page`` escapes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

AT_RISK_BELOW = 0.5  # a student whose points average under this fraction of what was graded is at risk
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


@dataclass
class Submission:
    """One student's submission of one assignment (its notebooks together)."""

    score: float = 0.0  # the points given so far: the engine's, and the manual ones formgrader has given
    max_score: float = 0.0  # every point of the assignment
    manual_pending: float = 0.0  # points still waiting for a manual grade in formgrader
    seconds_late: float = 0.0
    error: str | None = None  # why it was not graded normally
    link: str | None = None  # where to open it (a relative URL)

    @property
    def graded_max(self) -> float:
        return self.max_score - self.manual_pending

    @property
    def fraction(self) -> float | None:
        """Its share of the points graded so far (None: nothing graded yet)."""
        return self.score / self.graded_max if self.graded_max > 0 else None


@dataclass
class Failure:
    student: str
    message: str
    link: str | None


@dataclass
class MessageGroup:
    """Failures whose messages differ at most in their numbers: one line of the report, with a count."""

    example: Failure
    count: int


@dataclass
class CheckStats:
    grade_id: str
    name: str
    runs: int = 0  # submissions it was run on
    failures: list[Failure] = field(default_factory=list)

    def message_groups(self) -> list[MessageGroup]:
        """The messages students got, most frequent first; each group's example is its first student's."""
        groups: dict[str, MessageGroup] = {}
        for failure in sorted(self.failures, key=lambda f: f.student):
            key = _NUMBER.sub("#", failure.message)
            if key in groups:
                groups[key].count += 1
            else:
                groups[key] = MessageGroup(failure, 1)
        return sorted(groups.values(), key=lambda g: -g.count)


@dataclass
class AssignmentStats:
    name: str
    due: datetime | None = None
    submissions: dict[str, Submission] = field(default_factory=dict)  # by student
    checks: dict[tuple[str, str], CheckStats] = field(default_factory=dict)  # by (grade_id, name)

    @property
    def collected(self) -> bool:
        """Submissions are in, or its due date has passed: a student without one has missed it. (Before that,
        a released assignment in the gradebook is still being worked on.)"""
        now = datetime.now(timezone.utc).replace(tzinfo=None)  # nbgrader keeps due dates in UTC, without a zone
        return bool(self.submissions) or (self.due is not None and self.due < now)

    def check(self, grade_id: str, name: str) -> CheckStats:
        return self.checks.setdefault((grade_id, name), CheckStats(grade_id, name))

    def fractions(self) -> list[float]:
        return [f for s in self.submissions.values() if (f := s.fraction) is not None]

    def failed_checks(self) -> list[CheckStats]:
        """Checks that someone failed, most failed first."""
        return sorted((c for c in self.checks.values() if c.failures),
                      key=lambda c: (-len(c.failures), c.grade_id, c.name))

    def passed_by_all(self) -> list[CheckStats]:
        return sorted((c for c in self.checks.values() if not c.failures), key=lambda c: (c.grade_id, c.name))


@dataclass
class AtRisk:
    student: str
    average: float | None  # over the assignments graded so far
    missing: list[str]  # assignments without a submission


@dataclass
class ClassAnalytics:
    students: list[str]  # everyone in the class, submitted or not
    assignments: list[AssignmentStats]  # in the course's order (due date, then name)

    @property
    def collected(self) -> list[AssignmentStats]:
        return [a for a in self.assignments if a.collected]

    def previous(self, assignment: AssignmentStats) -> AssignmentStats | None:
        """The assignment before this one that has graded submissions, to compare with."""
        index = self.assignments.index(assignment)
        return next((a for a in reversed(self.assignments[:index]) if a.fractions()), None)

    def average(self, student: str) -> float | None:
        fractions = [f for a in self.assignments if (s := a.submissions.get(student)) and (f := s.fraction) is not None]
        return sum(fractions) / len(fractions) if fractions else None

    def at_risk(self) -> list[AtRisk]:
        """Students who missed a submission or average under ``AT_RISK_BELOW``, the weakest first."""
        found = []
        for student in self.students:
            average = self.average(student)
            missing = [a.name for a in self.collected if student not in a.submissions]
            if missing or (average is not None and average < AT_RISK_BELOW):
                found.append(AtRisk(student, average, missing))
        return sorted(found, key=lambda r: (r.average if r.average is not None else -1.0, r.student))


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    return ordered[middle] if len(values) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def one_line(text) -> str:
    """A message as one line: the report groups and shows messages, not their layout."""
    return " ".join(str(text).split())


def from_results(results, link: Callable[[object], str | None] = lambda result: None) -> ClassAnalytics:
    """The analytics of ``dlcourse grade``'s results (``NotebookResult``); ``link(result)``: where to open one.

    The notebooks of one student's assignment add up; a notebook graded twice for the same student (from
    two places) counts once, as in the CSV. There is no roster here: the class is who was graded."""
    assignments: dict[str, AssignmentStats] = {}
    counted = set()
    for r in results:
        student, name = r.student or "(unknown student)", r.assignment or "(unknown assignment)"
        key = (student, name, Path(r.notebook).name)
        if key in counted:
            continue
        counted.add(key)
        stats = assignments.setdefault(name, AssignmentStats(name))
        submission = stats.submissions.setdefault(student, Submission(link=link(r)))
        if r.score is not None:
            submission.score += r.score
        submission.max_score += r.max_score
        submission.manual_pending += r.manual_max
        submission.error = submission.error or r.error
        for check in r.checks:
            stats_of_check = stats.check(check["grade_id"], check["name"])
            stats_of_check.runs += 1
            if not check["passed"]:
                stats_of_check.failures.append(Failure(student, one_line(check.get("message") or ""), link(r)))
    students = sorted({s for a in assignments.values() for s in a.submissions})
    return ClassAnalytics(students, [assignments[name] for name in sorted(assignments)])
