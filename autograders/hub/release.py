"""Generate and release the course's assignments into the exchange, as the grader account.

Run by ``dlcourse hub`` at every start (``python -m autograders.hub.release COURSE_DIR ROSTER``).
Idempotent: an assignment is generated again only when its source changed, and released
again only when what students would fetch changed; submissions, grades and feedback stay.
"""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from ..course import COURSE_PAGE, Course
from ..errors import DlcourseError
from ..ignored_files import IGNORED_FOLDERS
from ..nbgrader_door.config import course_config
from ..schedule import read_schedule
from .roster import read_roster


class ReleaseError(DlcourseError):
    pass


def _newest_change(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)


def _same_tree(a: Path, b: Path) -> bool:
    if not a.is_dir() or not b.is_dir():
        return False
    cmp = filecmp.dircmp(a, b, ignore=["timestamp.txt", *IGNORED_FOLDERS])
    return _dircmp_same(cmp)


def _dircmp_same(cmp: filecmp.dircmp) -> bool:
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(_dircmp_same(sub) for sub in cmp.subdirs.values())


def _check(outcome: dict, what: str):
    if not outcome.get("success"):
        raise ReleaseError(f"{what} failed:\n{outcome.get('error') or outcome.get('log')}")


def record_due_dates(gradebook: Gradebook, course: Course) -> list[str]:
    """The schedule's due dates into nbgrader's gradebook: formgrader lists the assignments by due date, and
    nbgrader marks late submissions against it. Returns the assignments in course order."""
    due = read_schedule(course.root, course.assignment_names()).due_dates()
    for name, duedate in due.items():
        gradebook.update_or_create_assignment(name, duedate=duedate)
    return list(due)


def release_course(course_dir: Path, roster_csv: Path, log=print) -> None:
    config = course_config(course_dir)
    coursedir = CourseDirectory(config=config)
    roster = read_roster(roster_csv)
    course = Course(course_dir)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        for member in roster.students:
            gradebook.update_or_create_student(member.id, first_name=member.first_name,
                                               last_name=member.last_name, email=member.email)
        order = record_due_dates(gradebook, course)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    outbound = Path(config.Exchange.root) / coursedir.course_id / "outbound"
    # the course page first (it has no hidden checks), then the assignments in course order
    for name in [COURSE_PAGE, *order]:
        source, release = course_dir / "source" / name, course_dir / "release" / name
        if not release.is_dir() or _newest_change(source) > _newest_change(release):
            _check(api.generate_assignment(name, force=True, create=True), f"generating {name}")
            log(f"generated {name}")
        if _same_tree(release, outbound / name):
            continue
        if (outbound / name).exists():
            # what students fetch changed: release again (fetched copies and submissions stay)
            api.config.ExchangeReleaseAssignment.force = True
        _check(api.release_assignment(name), f"releasing {name}")
        api.config.ExchangeReleaseAssignment.force = False
        log(f"released {name}")


if __name__ == "__main__":
    try:
        release_course(Path(sys.argv[1]), Path(sys.argv[2]))
    except ReleaseError as exc:
        sys.exit(f"dlcourse hub: {exc}")
