"""nbgrader's autograde pipeline for one submission, the engine as its execute step: its scores land in the
course's gradebook, under the gradebook lock, exactly as formgrader's autograde button would put them there."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from ..class_grading.plan import Job
from ..engine import GradingInterrupted, GradingSettings, NotebookResult
from ..engine.sanitize import Unreadable, read_submission
from . import gradebook_lock
from .config import course_config


class _FirstError(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.message = None

    def emit(self, record):
        if self.message is None:
            self.message = record.getMessage().strip().splitlines()[0]


def _score_zero(db_url, job):
    """A submission nbgrader could not process scores 0 in the gradebook, instead of waiting forever."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission(job.assignment, job.student)
        except MissingEntry:
            return
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.auto_score is None and grade.manual_score is None:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
        gb.db.commit()


def autograde_submission(job: Job, course_root: Path, settings: GradingSettings, overrides,
                          spares) -> list[NotebookResult]:
    """nbgrader's autograde for one (student, assignment), the engine as its execute step."""
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    from .engine_step import AutogradeRun, GradingRun

    config = course_config(course_root)
    if overrides is not None:
        config.merge(overrides)
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course_root)
    coursedir.assignment_id, coursedir.student_id = job.assignment, job.student
    run = GradingRun(settings, spares)  # the caller's settings win over the course's config
    converter = AutogradeRun(run, coursedir=coursedir, config=config)
    converter.force = True  # grading again replaces this submission's results, and only them
    errors = _FirstError()
    converter.log.addHandler(errors)
    started = time.perf_counter()
    try:
        with gradebook_lock.holding(course_root) as run.lock:
            try:
                converter.start()
            except NbGraderException:
                if any(r.score is None for r in run.results):
                    return _named(job, run.results)  # graded, but not completely: nbgrader recorded nothing, and that stands
                _score_zero(coursedir.db_url, job)
                return job.failed(_unreadable(job.notebooks)
                                  or f"nbgrader could not autograde it: {errors.message or 'see the log'}")
    except KeyboardInterrupt:  # GradingInterrupted too: nbgrader stopped before recording this notebook
        shutil.rmtree(coursedir.format_path(coursedir.autograded_directory, job.student, job.assignment),
                      ignore_errors=True)
        raise GradingInterrupted(job.not_graded(_named(job, run.results))) from None
    finally:
        converter.log.removeHandler(errors)
        _time_nbgrader(run.results, time.perf_counter() - started, run.lock.waited if run.lock else 0.0)
    return _named(job, run.results)


def _time_nbgrader(results: list[NotebookResult], seconds: float, waited: float):
    """What nbgrader's converter cost the notebooks it graded, beside the engine's steps, and the gradebook lock's
    wait, shared among them."""
    engine = sum(sum(r.steps.values()) for r in results)
    for result in results:
        result.steps["gradebook wait"] = round(waited / len(results), 3)
        result.steps["nbgrader"] = round(max(0.0, seconds - waited - engine) / len(results), 3)


def _named(job: Job, results: list[NotebookResult]) -> list[NotebookResult]:
    """What the engine's step graded in nbgrader's pipeline, each named by its submitted file."""
    paths = {p.stem: p for p in job.notebooks}
    for result in results:
        result.notebook = str(paths.get(result.notebook, result.notebook))
    return results


def _unreadable(paths) -> str | None:
    for path in paths:
        try:
            read_submission(path)
        except Unreadable as exc:
            return str(exc)
    return None
