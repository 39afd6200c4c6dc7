"""One submission through nbgrader's own pipeline, as formgrader takes it, in a worker process of the service.

The service (``service.py``) runs as the course's grader account and keeps one long-lived worker process
per core, so that nbgrader and the engine are imported once, not for every submission. For a submission a
worker: collects exactly that submission the strict way (``collect_submission``), autogrades it with
nbgrader's pipeline, whose execute step hands the notebook to root's grading service (the engine, sandboxed),
so the scores land in the gradebook; keeps the graded notebook, so that the submission can be put back into
the gradebook later without grading it again (``restore``); generates the feedback the policy shows and
releases it, audited, to that student only.

nbgrader's steps write a student's ``submitted/``, ``autograded/`` and ``feedback/`` folders, which formgrader's
collect and autograde write too, maybe at the same moment (an instructor autogrades while submissions
arrive). So a worker's steps write folders of their own (nbgrader's folder names are configurable) and the
result is moved into place at the end, where formgrader shows it: neither side finds its files removed or
half-written by the other.

A worker dies with the service (``PR_SET_PDEATHSIG``): a service killed and started again must not find an
orphan still writing the course's folders beside its new workers.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import logging
import os
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

from ..class_grading.plan import Job
from ..class_grading.workers import grade_job
from ..course import Course
from ..engine import GradingSettings
from ..nbgrader_door.grading_service import wait_until_listening
from ..hub.grader_exchange import AuditedReleaseFeedback, collect_submission
from ..nbgrader_door.config import course_config
from ..nbgrader_door.engine_step import GradeWithHiddenChecks
from . import folder_lock
from .feedback import LimitFeedback, ReplayGrades
from .journal import Outcome
from .policy import Policy

log = logging.getLogger(__name__)
GRADED_FOLDER = "instant_feedback/graded"  # in the course folder: each kept grading, by submission id
WORK_FOLDER = "instant_feedback/work"  # in the course folder: the steps' own folders, by submission id
NBGRADER_STEPS = ("submitted", "autograded", "feedback")  # the folders of a student's submission a worker writes
GRADING_SERVICE_WAIT = 120.0  # seconds a submission waits for root's grading service (the hub starting it) to answer
_PR_SET_PDEATHSIG = 1


def _coursedir(config, course_root: Path, assignment: str, student: str) -> CourseDirectory:
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course_root)
    coursedir.assignment_id, coursedir.student_id = assignment, student
    return coursedir


def kept_grading(course_root: Path, submission_id: int) -> Path:
    return Path(course_root) / GRADED_FOLDER / str(submission_id)


class Work:
    """One submission's run through nbgrader's steps, in folders of its own until ``install``."""

    def __init__(self, course_root: Path, request: dict):
        self.course_root, self.request = course_root, request
        self.assignment, self.student = request["assignment"], request["student"]
        self.folder = course_root / WORK_FOLDER / str(request["id"])
        shutil.rmtree(self.folder, ignore_errors=True)
        self.overrides = Config()
        for step in NBGRADER_STEPS:
            setattr(self.overrides.CourseDirectory, f"{step}_directory", f"{WORK_FOLDER}/{request['id']}/{step}")
        for step in (self.overrides.Autograde, self.overrides.GenerateFeedback):
            step.pre_convert_hook = step.post_convert_hook = None  # its own folders: no lock to take
        self.overrides.StrictCollect.lock_folders = False
        self.config = course_config(course_root)
        self.config.merge(self.overrides)

    def path(self, step: str, shared: bool = False) -> Path:
        """The student's folder of an nbgrader step: this run's own, or the course's (``shared``)."""
        return (self.course_root if shared else self.folder) / step / self.student / self.assignment

    def collect(self):
        """The submission, collected once root's grading service answers (after a hub's start, or its own restart,
        the queue may reach it first: a submission that arrives then must wait, not fail)."""
        service = self.config.GradeWithHiddenChecks.get("grading_service")
        if service and not wait_until_listening(service, GRADING_SERVICE_WAIT):
            raise RuntimeError(f"the hub's grading service did not answer within {GRADING_SERVICE_WAIT:g} s")
        collect_submission(self.config, self.assignment, self.student, folder=self.request["folder"])
        self.enter_in_gradebook()

    def enter_in_gradebook(self):
        """Make the submission's row in the gradebook, if it has none, before nbgrader's autograde looks for it.

        nbgrader's autograde looks a submission up and inserts it when missing, and so does formgrader's, holding
        this submission's folder lock (its pre-convert hook), not the gradebook lock: two first autogrades of one
        submission (formgrader's and this one) could both insert it, and one would fail on the gradebook's unique
        key. Inserting it here under the folder lock leaves each autograde finding the row, and only updating it.
        Not under the gradebook lock too: a class grading holds that one while its hook waits for a folder lock."""
        coursedir = _coursedir(self.config, self.course_root, self.assignment, self.student)
        timestamp = coursedir.get_existing_timestamp(str(self.path("submitted")))
        with folder_lock.holding(self.course_root, self.student, self.assignment), \
                Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            try:
                gb.find_submission(self.assignment, self.student)
            except MissingEntry:
                gb.update_or_create_student(self.student)  # as nbgrader's autograde would (a name off the roster)
                gb.add_submission(self.assignment, self.student, **({"timestamp": timestamp} if timestamp else {}))

    def autograde(self, execute: Config | None = None):
        overrides = copy.deepcopy(self.overrides)
        if execute is not None:
            overrides.merge(execute)
        notebook = self.path("submitted") / f"{self.assignment}.ipynb"
        max_score = Course(self.course_root).assignment(self.assignment).max_score
        return grade_job(Job([notebook], self.assignment, self.student, in_gradebook=True, max_score=max_score),
                         self.course_root, GradingSettings(), overrides)

    def install(self):
        """Move what the steps wrote to where formgrader and nbgrader look for it, replacing what was there."""
        with folder_lock.holding(self.course_root, self.student, self.assignment):
            for step in NBGRADER_STEPS:
                made, shared = self.path(step), self.path(step, shared=True)
                if not made.is_dir():
                    continue
                shared.parent.mkdir(parents=True, exist_ok=True)
                old = shared.with_name(f".{shared.name}.replaced-{self.request['id']}")
                with contextlib.suppress(FileNotFoundError):  # not there, or just removed by formgrader
                    os.rename(shared, old)
                os.rename(made, shared)
                shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def grade(course_root: Path, request: dict) -> Outcome:
    """Grade the submission ``request`` names (id, folder, student, assignment) and release its feedback, showing
    what ``request["shown_before_deadline"]`` allows before the assignment's due date."""
    work = Work(course_root, request)
    work.collect()
    results = work.autograde()
    if not results:
        work.install()
        return Outcome(0.0, Course(course_root).assignment(work.assignment).max_score,
                       reason=f"the submission holds no {work.assignment}.ipynb: submit the assignment's notebook")
    result = results[0]
    kept = kept_grading(course_root, request["id"])
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(work.path("autograded"), kept, ignore=_only_notebooks)
    failed = {}
    for check in result.checks:
        if not check["passed"]:
            failed.setdefault(check["grade_id"], []).append(check["name"])
    shown = Policy(shown_before_deadline=request["shown_before_deadline"]).shown(
        _due_date(work.config, course_root, work.assignment), datetime.now(timezone.utc))
    _generate_feedback(work, shown, failed)
    released = _release_feedback(work)
    work.install()
    manual = sum(cell.max_score for cell in result.cells if cell.score is None)
    return Outcome(result.score, result.max_score - manual, manual, result.error, released)


def _only_notebooks(folder, names):
    return [n for n in names if not n.endswith(".ipynb")]


def _due_date(config, course_root: Path, assignment: str):
    with Gradebook(_coursedir(config, course_root, assignment, student="").db_url) as gradebook:
        try:
            return gradebook.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def _generate_feedback(work: Work, shown: str, failed: dict):
    config = copy.deepcopy(work.config)
    config.GenerateFeedback.preprocessors = [LimitFeedback,
                                             *GenerateFeedback.class_traits()["preprocessors"].default()]
    config.LimitFeedback.shown = shown
    config.LimitFeedback.failed_checks = failed
    converter = GenerateFeedback(coursedir=_coursedir(config, work.course_root, work.assignment, work.student),
                                 config=config)
    converter.start()


def _release_feedback(work: Work) -> str:
    """"released", or why not: feedback that would show hidden material stays in the course."""
    config = work.config
    releaser = AuditedReleaseFeedback(coursedir=_coursedir(config, work.course_root, work.assignment, work.student),
                                      authenticator=Authenticator(config=config), config=config)
    try:
        releaser.start()
    except ExchangeError as exc:
        return f"held back: {exc}"
    return "released"


def restore(course_root: Path, request: dict):
    """Put the submission ``request`` names back into the gradebook, with the verdicts of its kept grading."""
    work = Work(course_root, request)
    work.collect()
    replay = Config()
    replay.Autograde.autograde_preprocessors = [ReplayGrades if step is GradeWithHiddenChecks else step
                                                for step in work.config.Autograde.autograde_preprocessors]
    replay.ReplayGrades.folder = str(kept_grading(course_root, request["id"]))
    failed = [r.error for r in work.autograde(replay) if r.error]
    if failed:
        raise RuntimeError(failed[0])
    work.install()


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
