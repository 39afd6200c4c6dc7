"""Put a grading Job's shards into the course's gradebook: ``dlcourse k8s merge``.

First the proof that nothing is lost or graded twice: every shard 0..N-1 finished, all
saw the same class, and their graded submissions are a partition of it. Only then, for
each submission a shard graded through nbgrader, its gradebook entries (submission
time, every grade and comment, flags, late penalty) replace the course's entries for
that student and assignment, and its autograded notebooks replace the course's, so
formgrader, feedback and ``nbgrader export`` see what an in-place autograde would have
left. The course's own gradebook is written under the same lock as ``dlcourse grade``.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..nbgrader_door import gradebook_lock
from ..nbgrader_door.config import course_config
from ..course import Course
from ..errors import DlcourseError
from .shard_run import SHARD_FILE


class MergeError(DlcourseError):
    """Shards that cannot be merged as they are; the message says what is missing or wrong."""


@dataclass
class Merged:
    shards: int
    submissions: int  # graded through nbgrader, now in the course's gradebook
    results: list[dict]  # every shard's `dlcourse grade --json` results


def read_shards(run_dir: Path) -> list[tuple[Path, dict]]:
    """The finished shards of a run, checked to cover its class exactly once."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise MergeError(f"no grading run at {run_dir}")
    shards = []
    for path in sorted(run_dir.glob(f"shard-*/{SHARD_FILE}")):
        try:
            shards.append((path.parent, json.loads(path.read_text())))
        except (OSError, ValueError) as exc:
            raise MergeError(f"{path} is unreadable ({exc}); grade that shard again") from None
    if not shards:
        raise MergeError(f"no finished shard in {run_dir} (each pod writes shard-K/{SHARD_FILE} when it is done)")
    counts = {record["count"] for _, record in shards}
    if len(counts) != 1:
        raise MergeError(f"the shards in {run_dir} come from Jobs with different shard counts {sorted(counts)}")
    count = counts.pop()
    missing = sorted(set(range(count)) - {record["index"] for _, record in shards})
    if missing:
        raise MergeError(f"shard(s) {', '.join(map(str, missing))} of {count} have not finished: their pods failed "
                         "or still run (kubectl get pods -l app.kubernetes.io/name=dlcourse-grading); "
                         "merge once every shard is done")
    classes = {json.dumps(record["class"]) for _, record in shards}
    if len(classes) != 1:
        raise MergeError("the shards saw different classes (the submissions changed while the Job ran); "
                         "grade the class again")
    everyone = Counter(tuple(key) for key in shards[0][1]["class"])
    graded = Counter(tuple(key) for _, record in shards for key in record["graded"])
    twice = sorted(key for key, n in graded.items() if n > 1)
    lost = sorted(everyone - graded)
    if twice or lost:
        raise MergeError("the shards do not cover the class exactly once: "
                         + "; ".join(filter(None, [twice and f"graded twice: {_names(twice)}",
                                                   lost and f"not graded: {_names(lost)}"])))
    return shards


def _names(keys) -> str:
    return ", ".join(f"{student or '?'}/{assignment or '?'}" for assignment, student, _ in keys[:10]) + (
        f" and {len(keys) - 10} more" if len(keys) > 10 else "")


def merge(run_dir: Path, course_root: Path) -> Merged:
    from nbgrader.api import Gradebook

    shards = read_shards(run_dir)
    course = Course(course_root)
    results, submissions = [], 0
    with gradebook_lock.holding(course.root), Gradebook(course_db_url(course.root)) as target:
        # check every submission before changing any, so that a merge is all or nothing
        for step in (_check_submission, _copy_submission):
            for folder, record in shards:
                with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as source:
                    for assignment, student in record["gradebook"]:
                        step(source, target, assignment, student)
        for folder, record in shards:
            for assignment, student in record["gradebook"]:
                _copy_autograded(folder, course.root, student, assignment)
                submissions += 1
            results += json.loads((folder / "results.json").read_text())["results"]
    return Merged(len(shards), submissions, results)


def course_db_url(course_root: Path) -> str:
    """The gradebook the course's nbgrader uses (its nbgrader_config.py may point elsewhere than SQLite)."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=course_config(course_root))
    coursedir.root = str(course_root)
    return coursedir.db_url


def _check_submission(source, target, assignment: str, student: str):
    """The course's gradebook has the assignment with the notebooks and cells this submission was graded on."""
    from nbgrader.api import MissingEntry

    graded = source.find_submission(assignment, student)
    try:
        master = {nb.name: nb for nb in target.find_assignment(assignment).notebooks}
    except MissingEntry:
        raise MergeError(f"the course's gradebook has no assignment '{assignment}', which {student} was graded "
                         "on (was it removed since the Job ran?)") from None
    for nb in graded.notebooks:
        cells = master.get(nb.name)
        graded_cells = {cell.name for cell in cells.grade_cells + cells.task_cells} if cells else None
        commented = {cell.name for cell in cells.solution_cells + cells.task_cells} if cells else None
        if graded_cells != {g.name for g in nb.grades} or commented != {c.name for c in nb.comments}:
            raise MergeError(f"{student}/{assignment}/{nb.name}: the course's gradebook holds another version of "
                             "this notebook (the assignment was generated again since the Job ran); grade the "
                             "class again")


def _copy_submission(source, target, assignment: str, student: str):
    """The course's entries for (student, assignment) replaced by the shard's."""
    from nbgrader.api import MissingEntry

    graded = source.find_submission(assignment, student)
    person = graded.student
    target.update_or_create_student(student, first_name=person.first_name, last_name=person.last_name,
                                    email=person.email, lms_user_id=person.lms_user_id)
    try:
        target.remove_submission(assignment, student)
    except MissingEntry:
        pass
    copy = target.add_submission(assignment, student, timestamp=graded.timestamp, extension=graded.extension)
    notebooks = {nb.name: nb for nb in copy.notebooks}
    for nb in graded.notebooks:
        into = notebooks[nb.name]
        into.flagged, into.late_submission_penalty = nb.flagged, nb.late_submission_penalty
        _copy_fields(nb.grades, into.grades, ("auto_score", "manual_score", "extra_credit", "needs_manual_grade"))
        _copy_fields(nb.comments, into.comments, ("auto_comment", "manual_comment"))
    target.db.commit()


def _copy_fields(cells, into, fields):
    by_name = {cell.name: cell for cell in into}
    for cell in cells:
        for name in fields:
            setattr(by_name[cell.name], name, getattr(cell, name))


def _copy_autograded(folder: Path, course_root: Path, student: str, assignment: str):
    source = folder / "autograded" / student / assignment
    target = course_root / "autograded" / student / assignment
    if target.exists():
        shutil.rmtree(target)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
