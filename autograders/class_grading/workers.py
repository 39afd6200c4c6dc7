"""Grade a class's jobs (``plan.py``) on parallel workers and collect their results.

A job in ``<course>/submitted/<student>/<assignment>/`` is graded through nbgrader's own
autograde pipeline (``nbgrader_door/autograde.py``), so its scores land in the course's
gradebook and formgrader, exactly as the autograde button would put them there. Any other
notebook is graded by the engine alone. Each worker is a process of its own with its own
kernels; the gradebook is written by one worker at a time (``gradebook_lock``).

Ctrl-C (or SIGTERM) stops a batch within seconds: the notebooks graded completely keep
their results, the one being graded and those not reached get none (``score`` None, an
``error`` that says so), and nbgrader's gradebook records nothing for them. Workers ignore
Ctrl-C themselves; the main process stops them with SIGTERM, which they turn into the
same KeyboardInterrupt.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import functools
import logging
import multiprocessing
import os
import signal
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from .. import terminal_log
from ..course import Course, CourseError
from ..engine import GradingInterrupted, GradingSettings, NotebookResult, grade_notebook
from ..engine.sanitize import Unreadable, read_submission
from ..engine.spare_kernels import SpareKernels
from ..nbgrader_door.autograde import autograde_submission
from ..process_env import INTEROP_THREADS, THREAD_VARIABLES
from ..regular_files import recorded_refusals
from . import devices
from .plan import Job

log = logging.getLogger(__name__)


STOP_WAIT_S = 20.0  # after Ctrl-C, how long the notebooks being graded get to end (they end within seconds)


def run(jobs: list[Job], course_root: Path, settings: GradingSettings, workers: int, on_done) -> bool:
    """Grade every job; ``on_done(job)`` is called as each finishes, in completion order.

    False when grading was interrupted: then every job has results, without a score where it was not done.
    """
    gpus = devices.visible_gpus()
    todo = [j for j in jobs if not j.error]
    for job in jobs:
        if job.error:
            job.results = job.failed(job.error)
            on_done(job)
    if workers == 1 or len(todo) <= 1:
        os.environ.update(devices.worker_env(0, 1, gpus))
        spares = SpareKernels()
        try:
            for job in todo:
                try:
                    job.results = _grade_with_threads(job, course_root, settings, _whole_machine(job, course_root),
                                                      spares)
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
                             initargs=(counter, pids, workers, gpus)) as pool:
        futures, waiting, collected = {}, Queue(todo), set()
        try:
            # as many notebooks at a time as there are workers, but a notebook that uses every core by itself
            # (``_whole_machine``) alone, with every core's threads
            while waiting or len(collected) < len(futures):
                busy = [job for f, job in futures.items() if f not in collected]
                while waiting and _fits(job := waiting.next(), busy, workers, course_root):
                    waiting.take(job)
                    whole = _whole_machine(job, course_root)
                    futures[pool.submit(_grade_in_worker, job, course_root, settings, whole)] = job
                    busy.append(job)
                for future in wait(futures.keys() - collected, return_when=FIRST_COMPLETED).done:
                    collected.add(future)
                    _collect(future, futures[future])
                    waiting.record(futures[future])
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


class Queue:
    """A batch's jobs waiting for a worker. The longest are started first, judged by how long each assignment's
    submissions took so far, so that a batch does not end with one worker grading a long notebook while the
    others have nothing left to grade. An assignment not started yet goes first (then it gets timed); ties keep
    the batch's order."""

    def __init__(self, jobs: list[Job]):
        self._waiting: dict[str, collections.deque[Job]] = {}
        for job in jobs:
            self._waiting.setdefault(job.assignment, collections.deque()).append(job)
        self._taken: dict[str, list[float]] = {}  # assignment started: [seconds, submissions graded]

    def __bool__(self):
        return bool(self._waiting)

    def next(self) -> Job:
        def longest_first(assignment):
            taken = self._taken.get(assignment)
            return (taken is None, taken[0] / taken[1] if taken and taken[1] else 0.0)
        return self._waiting[max(self._waiting, key=longest_first)][0]  # dicts keep the batch's order for ties

    def take(self, job: Job):
        jobs = self._waiting[job.assignment]
        jobs.popleft()
        if not jobs:
            del self._waiting[job.assignment]
        self._taken.setdefault(job.assignment, [0.0, 0])

    def record(self, job: Job):
        taken = self._taken.setdefault(job.assignment, [0.0, 0])
        taken[0] += sum(r.seconds for r in job.results)
        taken[1] += 1


def _whole_machine(job: Job, course_root: Path) -> bool:
    """Whether grading ``job`` uses every core by itself (``devices.uses_every_core``)."""
    try:
        return devices.uses_every_core(_course(course_root).assignment(job.assignment))
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


def _start_worker(counter, pids, workers, gpus):
    global _worker_spares
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    pids[index] = os.getpid()
    os.environ.update(devices.worker_env(index, workers, gpus))
    terminal_log.configure()  # a spawned process starts without the main process's logging
    # Ctrl-C reaches every process of the terminal's group: the main process decides, and stops workers with SIGTERM
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    _worker_spares = SpareKernels()
    atexit.register(_worker_spares.close)  # the pool ends its workers normally once the batch is done


def _grade_in_worker(job: Job, course_root: Path, settings: GradingSettings, whole_machine: bool
                     ) -> list[NotebookResult]:
    return _grade_with_threads(job, course_root, settings, whole_machine, _worker_spares)


def _grade_with_threads(job: Job, course_root: Path, settings: GradingSettings, whole_machine: bool,
                        spares: SpareKernels | None) -> list[NotebookResult]:
    """``grade_job``; ``whole_machine``: this notebook runs alone, its kernel with every core's threads."""
    share = {name: os.environ[name] for name in (*THREAD_VARIABLES, INTEROP_THREADS)}
    if whole_machine:
        os.environ.update(devices.threads_env(whole_machine=True))
    try:
        return grade_job(job, course_root, settings, spares=spares)
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
            return autograde_submission(job, Path(course_root), settings, overrides, spares)
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

