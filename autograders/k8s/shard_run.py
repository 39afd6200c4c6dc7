"""One pod's part of a grading Job: ``dlcourse k8s grade-shard``.

The pod copies the course (read-only on the shared volume) to its own scratch space and
runs ``dlcourse grade <copy>/submitted --shard K/N`` there: nbgrader's autograde pipeline
with the grading engine, into the copy's own SQLite gradebook, so no two pods ever write
one database file over a network filesystem. It then leaves, in ``<out>/shard-K/``:

- ``gradebook.db``: the copy's gradebook, holding this shard's fresh grades;
- ``autograded/<student>/<assignment>/``: nbgrader's graded notebooks, for formgrader and feedback;
- ``results.json``: ``dlcourse grade --json``'s report of the shard;
- ``shard.json``, written last: which submissions the whole class has and which this shard
  graded, so ``dlcourse k8s merge`` can prove the shards cover the class exactly once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..class_grading import plan, sharding
from ..errors import DlcourseError, UsageError
from ..course import Course
from ..engine import sandbox
from ..ignored_files import IGNORED_FOLDERS
from .grading_job import RUNS_FOLDER

SHARD_FILE = "shard.json"
# what a pod does not need of the course: other runs' results, earlier outputs, and the lock
_NOT_COPIED = shutil.ignore_patterns(RUNS_FOLDER, "autograded", "feedback", "release", ".dlcourse-gradebook.lock",
                                     *IGNORED_FOLDERS)


class ShardError(DlcourseError):
    """A shard that cannot be graded as asked; the message says why."""


def job_index(given: int | None, shards: int) -> int:
    """The shard's index: ``--index``, else the Job controller's ``JOB_COMPLETION_INDEX``."""
    if given is None:
        raw = os.environ.get("JOB_COMPLETION_INDEX")
        if raw is None:
            raise ShardError("no shard index: pass --index K, or run in a pod of an Indexed Job "
                             "(which sets JOB_COMPLETION_INDEX)")
        if not raw.isdigit():
            raise ShardError(f"JOB_COMPLETION_INDEX is '{raw}', not a shard index")
        given = int(raw)
    if not 0 <= given < shards:
        raise ShardError(f"shard index {given} is outside 0..{shards - 1} for --shards {shards}")
    return given


def copy_course(course_root: Path, scratch: Path) -> Path:
    # the same path in every pod, so that every pod sorts the class the same way
    target = scratch / "course"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(course_root, target, ignore=_NOT_COPIED, symlinks=True)
    return target.resolve()


def _portable(key: tuple[str, str, str], copy: Path) -> list[str]:
    """A job's key with the notebook's path relative to the course, as every pod and the merge see it."""
    assignment, student, notebook = key
    return [assignment, student, str(Path(notebook).relative_to(copy)) if notebook else ""]


def plan_class(course_root: Path) -> list:
    """The class as ``dlcourse grade <course>/submitted`` plans it: the same jobs, in any order."""
    try:
        notebooks = plan.find_notebooks([course_root / "submitted"])
    except UsageError as exc:
        raise ShardError(f"nothing to grade: {exc}") from None
    return plan.plan(notebooks, Course(course_root)).jobs


def grade_shard(course_root: Path, out_root: Path, shard: sharding.Shard, workers: int, scratch: Path,
                grade_options: list[str]) -> Path:
    """Grade ``shard`` of the course's class; returns the shard's result folder."""
    course = Course(course_root)
    if not (course.root / "submitted").is_dir():
        raise ShardError(f"{course.root} has no submitted/ folder: collect the submissions first "
                          "(nbgrader collect, or formgrader's collect button)")
    if "--no-sandbox" not in grade_options and (reason := sandbox.unavailable_reason()):
        # a pod without the sandbox would let student code read the hidden checks it holds: refuse
        raise ShardError(f"the grading sandbox is unavailable in this pod: {reason}. Give the pod the "
                         "securityContext `dlcourse k8s grading-job` writes (hub_config/kubernetes/README.md), "
                         "or pass --no-sandbox for trusted notebooks only")
    scratch.mkdir(parents=True, exist_ok=True)
    copy = copy_course(course.root, scratch)
    try:
        jobs = plan_class(copy)
        mine = sharding.select(jobs, shard)
        out_root.mkdir(parents=True, exist_ok=True)
        partial = out_root / f".shard-{shard.index}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        proc = subprocess.run([sys.executable, "-m", "autograders.cli", "grade", str(copy / "submitted"),
                               "--course", str(copy), "--shard", str(shard), "--workers", str(workers),
                               "--json", str(partial / "results.json"), *grade_options])
        if proc.returncode != 0:
            raise ShardError(f"dlcourse grade failed with exit code {proc.returncode} (its error is above)")
        graded = [(job.assignment, job.student) for job in mine if job.in_gradebook]
        shutil.copy2(copy / "gradebook.db", partial / "gradebook.db")
        for assignment, student in graded:
            source = copy / "autograded" / student / assignment
            if source.is_dir():
                shutil.copytree(source, partial / "autograded" / student / assignment, symlinks=True)
        record = {"index": shard.index, "count": shard.count,
                  "class": sorted(_portable(sharding.job_key(job), copy) for job in jobs),
                  "graded": sorted(_portable(sharding.job_key(job), copy) for job in mine),
                  "gradebook": sorted(map(list, graded))}
        (partial / SHARD_FILE).write_text(json.dumps(record, indent=1))
        final = out_root / f"shard-{shard.index}"
        shutil.rmtree(final, ignore_errors=True)
        partial.rename(final)  # the shard appears whole or not at all
        return final
    finally:
        shutil.rmtree(copy, ignore_errors=True)
