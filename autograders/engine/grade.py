"""The grading engine: one notebook in, scored notebook and result out.

Both doors use this: ``nbgrader autograde`` through ``autograders.nbgrader_step``
and ``dlcourse grade`` through ``autograders.cli``.

1. restore the graded cells from the released assignment, by grade_id;
2. run the student's cells (not the test cells) in a fresh kernel;
3. with that kernel alive, run the hidden checks here, in the grader's process,
   reaching the student's code only through the kernel bridge;
4. write each test cell's score and feedback into its outputs.
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

from ..devices import visible_gpus
from .bridge import CheckProblem, StudentKernel
from .cells import is_test_cell
from .checks import run_checks
from .restore import restore_cells
from .runner import NotebookRunner
from .sandbox import Limits, unavailable_reason, warn_once
from .verdict import CellResult, cell_results, write_verdicts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GradingSettings:
    kernel_name: str = "python3"
    cell_timeout: float = 60.0  # seconds per student cell
    call_timeout: float = 30.0  # seconds per call a check makes into the student's code
    seed: int = 0  # seeds the hidden checks' random inputs; fixed so a grade is reproducible
    notebook_timeout: float = 900.0  # seconds for all the student cells of one notebook together
    sandbox: bool = True  # run kernels in the sandbox where the machine allows it (see sandbox.py)
    allow_network: bool = False  # the sandboxed kernel's network; off unless asked for

    def limits(self) -> Limits | None:
        """The sandbox's limits, or None for a plain kernel (not asked for, or not possible here: warned)."""
        if not self.sandbox:
            return None
        if reason := unavailable_reason():
            warn_once(reason)
            return None
        return Limits(network=self.allow_network)


@dataclass
class NotebookResult:
    notebook: str
    assignment: str | None
    student: str | None
    score: float = 0.0
    max_score: float = 0.0  # every point, the manually graded ones included
    manual_max: float = 0.0  # the points graded by hand in formgrader, not by the engine (written answers)
    cells: list[CellResult] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    device: str = "cpu"
    notes: list[str] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)  # every hidden check: grade_id, name, passed, message

    def to_json(self) -> dict:
        return asdict(self)


def kernel_env(student: str | None) -> dict:
    env = dict(os.environ)
    env["NBGRADER_EXECUTION"] = "autograde"
    # several grading kernels share a GPU: each takes memory as it needs it, not all of it up front
    env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    if student:
        # the student's id, as their own server would have it (per-student quiz variants use it)
        env["JUPYTERHUB_USER"] = student
    return env


@contextlib.contextmanager
def _kernel_for(nb, assignment, student, workdir, settings):
    """The notebook's student cells run in a fresh kernel, in ``workdir`` or a temporary one."""
    own_workdir = workdir is None
    if own_workdir:
        workdir = _prepare_workdir(assignment)
    try:
        student_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not is_test_cell(c)]
        with NotebookRunner(nb, student_cells, kernel_name=settings.kernel_name, workdir=workdir,
                            env=kernel_env(student), cell_timeout=settings.cell_timeout,
                            notebook_timeout=settings.notebook_timeout, limits=settings.limits()) as runner:
            yield runner
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def grade_notebook(nb, assignment, *, student=None, workdir=None, settings=GradingSettings(),
                   notebook_name="") -> NotebookResult:
    """Grade ``nb`` (modified in place) for ``assignment``.

    ``workdir`` is where the kernel runs; without one, a temporary folder with
    the assignment's student-visible files is made and removed afterwards.
    """
    started = time.monotonic()
    result = NotebookResult(notebook_name, assignment.name, student, max_score=assignment.max_score,
                            manual_max=assignment.manual_max)
    try:
        result.notes += _kernelspec_notes(nb, settings.kernel_name)
        result.notes += restore_cells(nb, assignment.released_nb)
        with _kernel_for(nb, assignment, student, workdir, settings) as runner:
            try:
                runner.run()
            except Exception as exc:  # no kernel at all: nothing of the student's can be checked
                log.exception("could not run %s", notebook_name)
                write_verdicts(nb, [], unavailable=f"the notebook could not be run ({exc})")
                result.error = f"the notebook could not be run: {exc}"
            else:
                kernel = StudentKernel(runner, call_timeout=settings.call_timeout)
                outcomes = run_checks(assignment.checks_file, kernel, settings.seed, student, assignment.source_dir)
                write_verdicts(nb, outcomes)
                result.device = _device(kernel)
                result.checks = [{"grade_id": o.grade_id, "name": o.name, "passed": o.passed, "message": o.message}
                                 for o in outcomes]
            result.notes += runner.problems
        result.cells = cell_results(nb)
        result.score = round(sum(c.score or 0.0 for c in result.cells), 4)
    finally:
        result.seconds = round(time.monotonic() - started, 2)
    return result


def _kernelspec_notes(nb, kernel_name) -> list[str]:
    """Whatever kernel a notebook names, it is graded in the course's: say so when they differ."""
    asked = nb.metadata.get("kernelspec", {}).get("name") if isinstance(nb.metadata.get("kernelspec"), dict) else None
    if asked is None:
        return [f"the notebook names no kernel; it was graded with the course's kernel ({kernel_name})"]
    if asked != kernel_name:
        return [f"the notebook asks for the kernel '{asked[:40]}'; it was graded with the course's ({kernel_name})"]
    return []


def _device(kernel) -> str:
    """What the kernel computed on; "unknown" when it cannot say and a GPU was visible to it."""
    try:
        return kernel.device()
    except CheckProblem:
        return "unknown" if visible_gpus() else "cpu"


def check_seeds(assignment, seeds, *, student="selftest", settings=GradingSettings()) -> dict[int, list]:
    """The hidden checks' outcomes on the instructor's own notebook, for each seed, from one run of it.

    A check that fails here for some seed would fail a correct student at random.
    """
    nb = nbformat.from_dict(assignment.source_nb)
    with _kernel_for(nb, assignment, student, None, settings) as runner:
        runner.run()
        kernel = StudentKernel(runner, call_timeout=settings.call_timeout)
        return {seed: run_checks(assignment.checks_file, kernel, seed, student, assignment.source_dir)
                for seed in seeds}


def _prepare_workdir(assignment) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix=f"dlcourse-{assignment.name}-"))
    for path in assignment.helper_files():
        target = workdir / path.relative_to(assignment.source_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return workdir
