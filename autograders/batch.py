"""Grade a whole class: plan the jobs, run them on parallel workers, collect results.

A notebook inside ``<course>/submitted/<student>/<assignment>/`` is graded through
nbgrader's own autograde pipeline (with the engine as its execute step), so its
scores land in the course's gradebook and formgrader, exactly as the autograde
button would put them there. Any other notebook is graded by the engine alone.
Each worker is a process of its own with its own kernels; the gradebook is
written by one worker at a time (``gradebook_lock``).

Ctrl-C (or SIGTERM) stops a batch within seconds: the notebooks graded completely keep
their results, the one being graded and those not reached get none (``score`` None, an
``error`` that says so), and nbgrader's gradebook records nothing for them. Workers ignore
Ctrl-C themselves; the main process stops them with SIGTERM, which they turn into the
same KeyboardInterrupt.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import dataclasses
import functools
import logging
import multiprocessing
import os
import shutil
import signal
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import devices, gradebook_lock, terminal_log
from .course import Course, CourseError
from .engine import GradingInterrupted, GradingSettings, NotebookResult, grade_notebook, not_graded
from .engine.grade import NOT_REACHED
from .engine.sanitize import read_notebook
from .engine.spare_kernels import SpareKernels
from .regular_files import recorded_refusals

log = logging.getLogger(__name__)


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


class _NotASubmission(ValueError):
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


STOP_WAIT_S = 20.0  # after Ctrl-C, how long the notebooks being graded get to end (they end within seconds)


def run(jobs: list[Job], course_root: Path, settings: GradingSettings, workers: int, on_done) -> bool:
    """Grade every job; ``on_done(job)`` is called as each finishes, in completion order.

    False when grading was interrupted: then every job has results, without a score where it was not done.
    """
    cores, gpus = devices.usable_cores(), devices.visible_gpus()
    todo = [j for j in jobs if not j.error]
    for job in jobs:
        if job.error:
            job.results = job.failed(job.error)
            on_done(job)
    if workers == 1 or len(todo) <= 1:
        os.environ.update(devices.worker_env(0, 1, cores, gpus))
        spares = SpareKernels()
        try:
            for job in todo:
                try:
                    job.results = grade_job(job, course_root, settings, spares=spares)
                except GradingInterrupted as stop:
                    job.results = stop.results
                    raise
                on_done(job)
        except KeyboardInterrupt:
            _not_reached(todo)
            return False
        finally:
            spares.close()
        return True
    context = multiprocessing.get_context("spawn")  # no forking a process that holds zmq sockets and threads
    counter, pids = context.Value("i", 0), context.Array("i", workers)
    with ProcessPoolExecutor(min(workers, len(todo)), mp_context=context, initializer=_start_worker,
                             initargs=(counter, pids, workers, cores, gpus)) as pool:
        futures, waiting, collected = {}, list(todo), set()
        try:
            # as many notebooks at a time as there are workers, but a notebook that uses every core by itself
            # (``_whole_machine``) alone, with every core's threads
            while waiting or len(collected) < len(futures):
                busy = [job for f, job in futures.items() if f not in collected]
                while waiting and _fits(waiting[0], busy, workers, course_root):
                    job = waiting.pop(0)
                    whole = _whole_machine(job, course_root)
                    futures[pool.submit(_grade_in_worker, job, course_root, settings, whole)] = job
                    busy.append(job)
                for future in wait(futures.keys() - collected, return_when=FIRST_COMPLETED).done:
                    collected.add(future)
                    _collect(future, futures[future])
                    on_done(futures[future])
        except KeyboardInterrupt:
            for pid in pids:
                if pid:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM)  # each ends its notebook as Ctrl-C would
            if wait([f for f in futures if f.running()], timeout=STOP_WAIT_S).not_done:
                for pid in pids:  # a worker that did not stop in time is not waited for
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            for future, job in futures.items():
                if future.done() and not future.cancelled() and not job.results:
                    with contextlib.suppress(KeyboardInterrupt):
                        _collect(future, job)
            pool.shutdown(wait=False, cancel_futures=True)
            _not_reached(todo)
            return False
    return True


def _whole_machine(job: Job, course_root: Path) -> bool:
    """Whether grading ``job`` uses every core by itself: an assignment with an evaluator (the CNN) trains a
    model in the kernel while the evaluator runs TensorFlow beside it."""
    try:
        return _course(course_root).assignment(job.assignment).evaluator_ops is not None
    except CourseError:
        return False


def _fits(job: Job, busy: list[Job], workers: int, course_root: Path) -> bool:
    if not busy:
        return True
    if _whole_machine(job, course_root) or any(_whole_machine(b, course_root) for b in busy):
        return False
    return len(busy) < workers


def _collect(future, job):
    try:
        job.results = future.result()
    except GradingInterrupted as stop:  # a worker was stopped (SIGTERM): the batch stops with it
        job.results = stop.results
        raise KeyboardInterrupt from None
    except Exception as exc:  # the worker itself died; report it and keep the batch going
        job.results = job.failed(f"the grading worker failed: {type(exc).__name__}: {exc}")


def _not_reached(jobs):
    for job in jobs:
        if not job.results:
            job.results = job.not_graded()


_worker_spares: SpareKernels | None = None  # a worker process's kernels started ahead, for its next notebook


def _start_worker(counter, pids, workers, cores, gpus):
    global _worker_spares
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    pids[index] = os.getpid()
    os.environ.update(devices.worker_env(index, workers, cores, gpus))
    terminal_log.configure()  # a spawned process starts without the main process's logging
    # Ctrl-C reaches every process of the terminal's group: the main process decides, and stops workers with SIGTERM
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    _worker_spares = SpareKernels()
    atexit.register(_worker_spares.close)  # the pool ends its workers normally once the batch is done


def _grade_in_worker(job: Job, course_root: Path, settings: GradingSettings, whole_machine: bool
                     ) -> list[NotebookResult]:
    """``grade_job`` in a worker; ``whole_machine``: this notebook runs alone, its kernel with every core's threads."""
    share = {name: os.environ[name] for name in devices.THREAD_VARIABLES + ("TF_NUM_INTEROP_THREADS",)}
    if whole_machine:
        os.environ.update({k: v for k, v in devices.worker_env(0, 1, devices.usable_cores(), []).items()
                           if k in share})
    try:
        return grade_job(job, course_root, settings, spares=_worker_spares)
    finally:
        os.environ.update(share)


def _stop_worker(signum, frame):
    """SIGTERM: stop the notebook being graded as Ctrl-C would; a worker grading nothing just ends."""
    while frame is not None:
        if frame.f_code is grade_job.__code__:
            raise KeyboardInterrupt
        frame = frame.f_back
    if _worker_spares is not None:
        _worker_spares.close()
    os._exit(0)


MAX_NOTEBOOK_BYTES = 50 * 2**20  # a submission is code and a few plots; more is output run wild


class Unreadable(ValueError):
    """A submission that cannot be graded at all: the message says why."""


def read_submission(path):
    """The notebook at ``path``, read once; ``Unreadable`` if it is too big or not a notebook."""
    size = Path(path).stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise Unreadable(f"the notebook is {size / 2**20:.0f} MB, over the {MAX_NOTEBOOK_BYTES // 2**20} MB limit "
                         "(clear its outputs and submit again)")
    try:
        return read_notebook(Path(path).read_text())
    except Exception as exc:
        raise Unreadable(f"not a readable notebook: {type(exc).__name__}: {str(exc)[:200]}") from None


def _unreadable(paths) -> str | None:
    for path in paths:
        try:
            read_submission(path)
        except Unreadable as exc:
            return str(exc)
    return None


def grade_job(job: Job, course_root: Path, settings: GradingSettings, overrides=None,
              spares: SpareKernels | None = None) -> list[NotebookResult]:
    """Grade one job in this process; raises nothing but GradingInterrupted, with what it graded. What the hub
    refused of a submission (its folder's refusals file) is told in the notes of its results. ``overrides``:
    nbgrader config merged into the course's for a job in the gradebook (grading on arrival puts a kept grading
    back this way). ``spares``: this process's kernels started ahead (``engine/spare_kernels.py``)."""
    results = _grade(job, course_root, settings, overrides, spares)
    for result in results:
        result.notes += [f"refused at submission: {line}" for line in recorded_refusals(Path(result.notebook).parent)]
    return results


def _grade(job: Job, course_root: Path, settings: GradingSettings, overrides, spares) -> list[NotebookResult]:
    results = []
    try:
        if job.in_gradebook:
            return _autograde_submission(job, Path(course_root), settings, overrides, spares)
        course = _course(course_root)
        for path in job.notebooks:
            try:
                nb = read_submission(path)
            except Unreadable as exc:  # not JSON, not a notebook, too big: it scores 0, the batch goes on
                results += Job([path], job.assignment, job.student, max_score=job.max_score,
                               manual_max=job.manual_max).failed(str(exc))
                continue
            results.append(grade_notebook(nb, course.assignment(job.assignment), student=job.student,
                                          settings=settings, notebook_name=str(path), spares=spares))
        return results
    except KeyboardInterrupt as stop:  # GradingInterrupted too
        raise GradingInterrupted(job.not_graded(results + getattr(stop, "results", []))) from None
    except Exception as exc:
        log.error("grading %s failed:\n%s", job.label, traceback.format_exc())
        return job.failed(f"{type(exc).__name__}: {exc}")


@functools.cache
def _course(course_root: Path) -> Course:
    return Course(course_root)


@functools.cache
def _course_config(course_root: Path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()


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


def _autograde_submission(job: Job, course_root: Path, settings: GradingSettings, overrides,
                          spares) -> list[NotebookResult]:
    """nbgrader's autograde for one (student, assignment), the engine as its execute step."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    from .nbgrader_step import GradeWithHiddenChecks

    config = copy.deepcopy(_course_config(course_root))  # the cached one stays as the course's file says
    for name, value in dataclasses.asdict(settings).items():
        setattr(config.GradeWithHiddenChecks, name, value)
    if overrides is not None:
        config.merge(overrides)
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course_root)
    coursedir.assignment_id, coursedir.student_id = job.assignment, job.student
    converter = Autograde(coursedir=coursedir, config=config)
    converter.force = True  # grading again replaces this submission's results, and only them
    errors = _FirstError()
    converter.log.addHandler(errors)
    GradeWithHiddenChecks.results.clear()
    GradeWithHiddenChecks.spares = spares
    started, lock = time.perf_counter(), None
    try:
        with gradebook_lock.holding(course_root) as lock:
            try:
                converter.start()
            except NbGraderException:
                if any(r.score is None for r in GradeWithHiddenChecks.results):
                    return _named(job)  # graded, but not completely: nbgrader recorded nothing, and that stands
                _score_zero(coursedir.db_url, job)
                return job.failed(_unreadable(job.notebooks)
                                  or f"nbgrader could not autograde it: {errors.message or 'see the log'}")
    except KeyboardInterrupt:  # GradingInterrupted too: nbgrader stopped before recording this notebook
        shutil.rmtree(coursedir.format_path(coursedir.autograded_directory, job.student, job.assignment),
                      ignore_errors=True)
        raise GradingInterrupted(job.not_graded(_named(job))) from None
    finally:
        converter.log.removeHandler(errors)
        GradeWithHiddenChecks.spares = None
        _time_nbgrader(GradeWithHiddenChecks.results, time.perf_counter() - started, lock.waited if lock else 0.0)
    return _named(job)


def _time_nbgrader(results: list[NotebookResult], seconds: float, waited: float):
    """What nbgrader's converter cost the notebooks it graded, beside the engine's steps, and the gradebook lock's
    wait, shared among them."""
    engine = sum(sum(r.steps.values()) for r in results)
    for result in results:
        result.steps["gradebook wait"] = round(waited / len(results), 3)
        result.steps["nbgrader"] = round(max(0.0, seconds - waited - engine) / len(results), 3)


def _named(job: Job) -> list[NotebookResult]:
    """What the engine's step graded in nbgrader's pipeline, each named by its submitted file."""
    from .nbgrader_step import GradeWithHiddenChecks

    results = list(GradeWithHiddenChecks.results)
    paths = {p.stem: p for p in job.notebooks}
    for result in results:
        result.notebook = str(paths.get(result.notebook, result.notebook))
    return results
