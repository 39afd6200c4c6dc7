"""The grading engine: one notebook in, scored notebook and result out.

Both doors use this: ``nbgrader autograde`` through ``autograders.nbgrader_door``
and ``dlcourse grade`` through ``autograders.cli``.

1. restore the graded cells from the released assignment, by grade_id;
2. run the student's cells (not the test cells) in a fresh kernel;
3. with that kernel alive, run the hidden checks here, in the grader's process,
   reaching the student's code only through the kernel bridge (and, for an
   assignment that has one, the grader's own computations through its evaluator);
4. write each test cell's score and feedback into its outputs.

All of it runs within one ``Deadline`` per notebook.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from ..class_grading.devices import visible_gpus
from ..process_env import GPU_MEMORY_GROWTH
from .bridge import CheckProblem, StudentKernel
from .cells import is_test_cell
from .checks import run_checks
from .deadline import Deadline
from .preload import AFTER_CELLS, Preload
from .evaluator import Evaluator
from .restore import restore_cells
from .sanitize import sanitize
from .runner import STUDENT_VARIABLE, NotebookRunner
from .settings import GradingSettings
from .spare_kernels import SpareKernels
from .step_times import StepClock
from .verdict import CellResult, cell_results, graded_by_hand, write_verdicts

log = logging.getLogger(__name__)
MAX_DEVICE_CHARS = 80  # "GPU:0 (NVIDIA H100 80GB HBM3)"; a kernel's answer is the student's to make up


@dataclass
class NotebookResult:
    notebook: str
    assignment: str | None
    student: str | None
    score: float | None = 0.0  # None: not graded (interrupted, or not every hidden check ran): see ``error``
    max_score: float = 0.0  # every point, the manually graded ones included
    manual_max: float = 0.0  # the points graded by hand in formgrader, not by the engine (written answers)
    cells: list[CellResult] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    device: str = "cpu"
    notes: list[str] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)  # every hidden check: grade_id, name, passed, message
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step (engine/step_times.py)

    def to_json(self) -> dict:
        return asdict(self)


INTERRUPTED = "grading was interrupted before every hidden check had run, so this notebook has no score"
NOT_REACHED = "not graded: grading was interrupted before this notebook's turn"


class GradingInterrupted(KeyboardInterrupt):
    """Grading stopped (Ctrl-C, or a signal turned into one) before it was done.

    A KeyboardInterrupt, so that nothing on the way (nbgrader's pipeline catches Exception)
    takes it for one notebook's failure. ``results``: what was graded completely, and the
    notebooks it did not finish, without a score.
    """

    def __init__(self, results: list[NotebookResult]):
        super().__init__(results)
        self.results = results


def not_graded(notebook: str, assignment, student, max_score: float, error: str) -> NotebookResult:
    return NotebookResult(notebook, assignment, student, score=None, max_score=max_score, error=error)


def kernel_env(student: str | None) -> dict:
    env = dict(os.environ)
    env["NBGRADER_EXECUTION"] = "autograde"
    env = {**GPU_MEMORY_GROWTH, **env}
    if student:
        # the student's id, as their own server would have it (per-student quiz variants use it)
        env[STUDENT_VARIABLE] = student
    return env


@contextlib.contextmanager
def _kernel_for(nb, assignment, student, workdir, settings, deadline, clock, spares=None, threads=None):
    """The notebook's student cells run in a fresh kernel (one of ``spares``, started ahead, if one fits), in
    ``workdir`` or a temporary one; the assignment's evaluator (if it has one) starts now, so that its imports
    run while the cells do."""
    own_workdir = workdir is None
    stack = contextlib.ExitStack()
    try:
        if own_workdir:
            workdir = _prepare_workdir(assignment)
        student_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not is_test_cell(c)]
        limits = settings.limits()
        env = {**kernel_env(student), **(threads or {})}
        evaluator = None
        if assignment.evaluator_ops is not None:
            evaluator = stack.enter_context(Evaluator(assignment.evaluator_ops, limits=limits, deadline=deadline,
                                                      env=env))
            with clock.step("sandbox"):
                evaluator.start()
        spare = spares.take(settings.kernel_name, env, limits) if spares is not None and limits else None
        runner = stack.enter_context(NotebookRunner(
            nb, student_cells, kernel_name=settings.kernel_name, workdir=workdir, env=env,
            cell_timeout=settings.cell_timeout, deadline=deadline, limits=limits, clock=clock, spare=spare))
        yield runner, evaluator
    finally:
        with clock.step("cleanup"):
            stack.close()
            if own_workdir and workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)


def grade_notebook(nb, assignment, *, student=None, workdir=None, settings=GradingSettings(),
                   notebook_name="", spares: SpareKernels | None = None, clock: StepClock | None = None,
                   threads: dict[str, str] | None = None) -> NotebookResult:
    """Grade ``nb`` (modified in place) for ``assignment``.

    ``workdir`` is where the kernel runs; without one, a temporary folder with
    the assignment's student-visible files is made and removed afterwards.
    ``spares``: the caller's kernels started ahead; this notebook may take one, and starts the next
    one once its cells have run. ``clock``: where its steps' seconds are added (``result.steps``).
    ``threads``: the thread variables of its kernels (``class_grading.devices``), over the process's own.
    """
    started = time.monotonic()
    clock = clock or StepClock()
    deadline = Deadline(settings.notebook_timeout)
    result = NotebookResult(notebook_name, assignment.name, student, max_score=assignment.max_score,
                            manual_max=assignment.manual_max)
    incomplete = []
    try:
        with clock.step("restore"):
            result.notes += sanitize(nb)
            result.notes += _kernelspec_notes(nb, settings.kernel_name)
            result.notes += restore_cells(nb, assignment.released_nb)
        with _kernel_for(nb, assignment, student, workdir, settings, deadline, clock, spares,
                         threads) as (runner, evaluator):
            preload = Preload(AFTER_CELLS if graded_by_hand(assignment.released_nb) else ()).start()
            try:
                runner.run()
                if spares is not None and runner.limits:  # the next notebook's kernel boots while the checks run
                    spares.start(settings.kernel_name, {**kernel_env(None), **(threads or {})}, runner.limits)
            except Exception as exc:  # no kernel at all: nothing of the student's can be checked
                log.exception("could not run %s", notebook_name)
                write_verdicts(nb, [], unavailable=f"the notebook could not be run ({exc})")
                result.error = f"the notebook could not be run: {exc}"
            else:
                kernel = StudentKernel(runner, call_timeout=settings.call_timeout)
                with clock.step("checks"):
                    outcomes, expected = run_checks(assignment.checks_file, kernel, settings.seed, student,
                                                    assignment.source_dir, evaluator)
                    incomplete = write_verdicts(nb, outcomes, expected)
                    result.device = _device(kernel)
                result.checks = [{"grade_id": o.grade_id, "name": o.name, "passed": o.passed, "message": o.message}
                                 for o in outcomes]
            runner.note_full_space()
            result.notes += runner.problems + runner.raised()
            if deadline.passed():
                result.notes.append(f"{deadline.note()}: what had not run by then scored 0")
            preload.wait()
        result.cells = cell_results(nb, assignment.released_nb, incomplete)
        if incomplete:
            result.score = None
            result.error = (f"not every hidden check of {', '.join(incomplete)} ran, so this notebook has no score")
        else:
            result.score = round(sum(c.score or 0.0 for c in result.cells), 4)
    except KeyboardInterrupt:
        result.score, result.error = None, INTERRUPTED
        result.cells = [CellResult(c.grade_id, None, c.max_score, f"Not graded: {INTERRUPTED}.\n")
                        for c in cell_results(assignment.released_nb, assignment.released_nb)]
        raise GradingInterrupted([result]) from None
    finally:
        result.seconds = round(time.monotonic() - started, 2)
        result.steps = clock.rounded()
    return result


def _kernelspec_notes(nb, kernel_name) -> list[str]:
    """Whatever kernel a notebook names, it is graded in the course's: say so when they differ."""
    spec = nb.metadata.get("kernelspec")
    asked = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(asked, str):
        return [f"the notebook names no kernel; it was graded with the course's kernel ({kernel_name})"]
    if asked != kernel_name:
        return [f"the notebook asks for the kernel {asked[:40]!r}; it was graded with the course's ({kernel_name})"]
    return []


def _device(kernel) -> str:
    """What the kernel says it computed on: a short line of text, else "unknown"; without an answer, "cpu"
    unless a GPU was visible to it."""
    try:
        device = kernel.device()
    except CheckProblem:
        return "unknown" if visible_gpus() else "cpu"
    if type(device) is not str or not 0 < len(device) <= MAX_DEVICE_CHARS or not device.isprintable():
        return "unknown"
    return device


def check_seeds(assignment, seeds, *, student="selftest", settings=GradingSettings()) -> dict[int, list]:
    """The hidden checks' outcomes on the instructor's own notebook, for each seed, from one run of it.

    A check that fails here for some seed would fail a correct student at random.
    """
    nb = nbformat.from_dict(assignment.source_nb)
    with _kernel_for(nb, assignment, student, None, settings, Deadline(None), StepClock()) as (runner, evaluator):
        runner.run()
        kernel = StudentKernel(runner, call_timeout=settings.call_timeout)
        return {seed: run_checks(assignment.checks_file, kernel, seed, student, assignment.source_dir, evaluator)[0]
                for seed in seeds}


def _prepare_workdir(assignment) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix=f"dlcourse-{assignment.name}-"))
    for path in assignment.helper_files():
        target = workdir / path.relative_to(assignment.source_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return workdir
