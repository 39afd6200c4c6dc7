"""One submission through nbgrader's own pipeline, as formgrader takes it, in a worker process of the service.

The service (``service.py``) runs as the course's grader account and keeps one long-lived worker process
per core, so that nbgrader and the engine are imported once, not for every submission. For a submission a
worker: collects exactly that submission the strict way (``collect_submission``), autogrades it with
nbgrader's pipeline, whose execute step hands the notebook to root's grading service (the engine, sandboxed),
so the scores land in the gradebook and formgrader shows them; keeps the graded notebook, so that the
submission can be put back into the gradebook later without grading it again (``restore``); generates the
feedback the policy shows and releases it, audited, to that student only.

A worker dies with the service (``PR_SET_PDEATHSIG``): a service killed and started again must not find an
orphan still writing the course's folders beside its new workers.
"""

from __future__ import annotations

import copy
import ctypes
import functools
import logging
import shutil
import signal
import traceback
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.auth import Authenticator
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError
from traitlets.config import Config

from ..batch import Job, grade_job
from ..course import Course
from ..engine import GradingSettings
from ..hub.grader_exchange import AuditedReleaseFeedback, collect_submission
from ..hub.release import course_config
from ..nbgrader_step import GradeWithHiddenChecks
from .feedback import LimitFeedback, ReplayGrades
from .journal import Outcome
from .policy import Policy

log = logging.getLogger(__name__)
GRADED_FOLDER = "instant_feedback/graded"  # in the course folder: each kept grading, by submission id
_PR_SET_PDEATHSIG = 1


@functools.cache
def _config(course_root: Path) -> Config:
    return course_config(course_root)


def _coursedir(config, course_root: Path, assignment: str, student: str) -> CourseDirectory:
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course_root)
    coursedir.assignment_id, coursedir.student_id = assignment, student
    return coursedir


def kept_grading(course_root: Path, submission_id: int) -> Path:
    return Path(course_root) / GRADED_FOLDER / str(submission_id)


def _autograde(course_root: Path, assignment: str, student: str, overrides: Config | None = None):
    notebook = course_root / "submitted" / student / assignment / f"{assignment}.ipynb"
    max_score = Course(course_root).assignment(assignment).max_score
    return grade_job(Job([notebook], assignment, student, in_gradebook=True, max_score=max_score), course_root,
                     GradingSettings(), overrides)


def grade(course_root: Path, request: dict) -> Outcome:
    """Grade the submission ``request`` names (id, folder, student, assignment) and release its feedback, showing
    what ``request["shown_before_deadline"]`` allows before the assignment's due date."""
    assignment, student = request["assignment"], request["student"]
    config = _config(course_root)
    collect_submission(config, assignment, student, folder=request["folder"])
    results = _autograde(course_root, assignment, student)
    if not results:
        return Outcome(0.0, Course(course_root).assignment(assignment).max_score,
                       reason=f"the submission holds no {assignment}.ipynb: submit the assignment's notebook")
    result = results[0]
    kept = kept_grading(course_root, request["id"])
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(course_root / "autograded" / student / assignment, kept, ignore=_only_notebooks)
    failed = {}
    for check in result.checks:
        if not check["passed"]:
            failed.setdefault(check["grade_id"], []).append(check["name"])
    shown = Policy(shown_before_deadline=request["shown_before_deadline"]).shown(
        _due_date(config, course_root, assignment), datetime.now(timezone.utc))
    _generate_feedback(config, course_root, assignment, student, shown, failed)
    manual = sum(cell.max_score for cell in result.cells if cell.score is None)
    return Outcome(result.score, result.max_score - manual, manual, result.error,
                   _release_feedback(config, course_root, assignment, student))


def _only_notebooks(folder, names):
    return [n for n in names if not n.endswith(".ipynb")]


def _due_date(config, course_root: Path, assignment: str):
    with Gradebook(_coursedir(config, course_root, assignment, student="").db_url) as gradebook:
        try:
            return gradebook.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def _generate_feedback(config, course_root: Path, assignment: str, student: str, shown: str, failed: dict):
    config = copy.deepcopy(config)
    config.GenerateFeedback.preprocessors = [LimitFeedback,
                                             *GenerateFeedback.class_traits()["preprocessors"].default()]
    config.LimitFeedback.shown = shown
    config.LimitFeedback.failed_checks = failed
    converter = GenerateFeedback(coursedir=_coursedir(config, course_root, assignment, student), config=config)
    converter.force = True  # this submission's feedback replaces the one of the last
    converter.start()


def _release_feedback(config, course_root: Path, assignment: str, student: str) -> str:
    """"released", or why not: feedback that would show hidden material stays in the course."""
    releaser = AuditedReleaseFeedback(coursedir=_coursedir(config, course_root, assignment, student),
                                      authenticator=Authenticator(config=config), config=config)
    try:
        releaser.start()
    except ExchangeError as exc:
        return f"held back: {exc}"
    return "released"


def restore(course_root: Path, request: dict):
    """Put the submission ``request`` names back into the gradebook, with the verdicts of its kept grading."""
    assignment, student = request["assignment"], request["student"]
    config = _config(course_root)
    collect_submission(config, assignment, student, folder=request["folder"])
    overrides = Config()
    overrides.Autograde.autograde_preprocessors = [ReplayGrades if step is GradeWithHiddenChecks else step
                                                   for step in config.Autograde.autograde_preprocessors]
    overrides.ReplayGrades.folder = str(kept_grading(course_root, request["id"]))
    failed = [r.error for r in _autograde(course_root, assignment, student, overrides) if r.error]
    if failed:
        raise RuntimeError(failed[0])


def forget(course_root: Path, submission_id: int):
    shutil.rmtree(kept_grading(course_root, submission_id), ignore_errors=True)


STEPS = {"grade": grade, "restore": restore}


def serve(connection, course_root: str):
    """A worker process: answers (step, request) from the service until the service goes."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    logging.basicConfig(level=logging.WARNING, format="[%(levelname)s %(asctime)s worker] %(message)s")
    root = Path(course_root)
    while True:
        try:
            step, request = connection.recv()
        except EOFError:
            return
        try:
            reply = {"outcome": STEPS[step](root, request)}
        except Exception as exc:  # the submission fails with a reason; the worker goes on
            log.error("%s of %s/%s failed:\n%s", step, request.get("student"), request.get("assignment"),
                      traceback.format_exc())
            reply = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        connection.send(reply)
