"""The engine as nbgrader's execute step: a preprocessor that takes the place of nbgrader's ``Execute``
(``config.use_grading_engine`` puts it there), and the exporter that reads a submission for it.
"""

import contextlib
from dataclasses import dataclass, field

from nbconvert.exporters import NotebookExporter
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Dict, Float, Integer, Unicode
from traitlets.config import Configurable

from .. import check_records, quiet
from ..course import assignment_at
from ..engine import SETTINGS, GradingInterrupted, GradingSettings, NotebookResult, grade_notebook
from ..engine.restore import restore_cells
from ..engine.sanitize import read_notebook, sanitize
from ..engine.spare_kernels import SpareKernels
from ..engine.step_times import StepClock
from ..errors import DlcourseError
from ..plain_text import plain
from . import gradebook_lock
from .grading_service import grade_remotely

_TRAITS = {str: Unicode, float: Float, int: Integer, bool: Bool}
# a configurable trait per grading setting, with its declared default and help (c.GradeWithHiddenChecks.<name>)
GradingSettingTraits = type("GradingSettingTraits", (Configurable,), {
    setting.name: _TRAITS[setting.type](setting.default, help=setting.described).tag(config=True)
    for setting in SETTINGS})


class SubmissionExporter(NotebookExporter):
    """nbgrader's exporter, reading a submission as the engine does: JSON of any shape, made walkable
    (``sanitize``), with exactly the release's graded cells (``restore_cells``: a cell a submission
    invented or duplicated is not graded), before nbgrader's own steps see it. What was wrong waits in
    ``notes`` for the grading step of the same notebook, which reports it."""

    notes = Dict(help="Per notebook name, what sanitize and restore_cells said about it.")
    clocks = Dict(help="Per notebook name, the seconds its reading took (engine/step_times.py).")

    def from_file(self, file_stream, resources=None, **kw):
        clock = StepClock()
        with clock.step("read"):
            nb = read_notebook(file_stream.read())
            notes = sanitize(nb)
        info = (resources or {}).get("nbgrader")
        if info:
            with clock.step("restore"):
                assignment = assignment_at(CourseDirectory(config=self.config).root, info["assignment"])
                notes += restore_cells(nb, assignment.released_nb)
            self.notes.setdefault(info["notebook"], []).extend(notes)
            self.clocks[info["notebook"]] = clock
        return self.from_notebook_node(nb, resources=resources, **kw)


@dataclass
class GradingRun:
    """One caller's run of nbgrader's autograde pipeline (``autograde.py``): what its engine step grades with, and
    what the step hands back. It lives on the converter that caller owns (``AutogradeRun``), so a run sees only its
    own results, whatever else the process runs."""

    settings: GradingSettings
    spares: SpareKernels | None = None  # the caller's kernels started ahead (engine/spare_kernels.py)
    lock: gradebook_lock.Holding | None = None  # the gradebook lock the caller holds, let go while the engine grades
    results: list[NotebookResult] = field(default_factory=list)


class AutogradeRun(Autograde):
    """nbgrader's autograde converter, carrying its caller's ``GradingRun`` to the engine step."""

    def __init__(self, grading_run: GradingRun, **kwargs):
        super().__init__(**kwargs)
        self.grading_run = grading_run


class GradeWithHiddenChecks(NbGraderPreprocessor, GradingSettingTraits):
    """Run the student's cells, then the assignment's hidden checks, and score the test cells."""

    grading_service = Unicode("", help="Unix socket of the hub's grading service (nbgrader_door/grading_service.py): "
                                       "when set, notebooks are graded there, by root, in the sandbox, instead of "
                                       "in this process (which, as the course's grader account, cannot sandbox "
                                       "kernels).").tag(config=True)

    def preprocess(self, nb, resources):
        quiet.settle()
        info = resources["nbgrader"]
        run = self._caller_run()
        settings = run.settings if run else GradingSettings(**{s.name: getattr(self, s.name) for s in SETTINGS})
        workdir = resources.get("metadata", {}).get("path")
        clock = getattr(self.parent, "clocks", {}).pop(info["notebook"], None) or StepClock()
        try:
            # the slow part runs without the caller's gradebook lock, nbgrader's bookkeeping with it
            with run.lock.released() if run and run.lock else contextlib.nullcontext():
                if self.grading_service:
                    result = grade_remotely(self.grading_service, nb, info["assignment"], student=info["student"],
                                            workdir=workdir, settings=settings, notebook_name=info["notebook"])
                    result.steps = {**clock.rounded(), **result.steps}
                else:
                    assignment = assignment_at(CourseDirectory(config=self.config).root, info["assignment"])
                    result = grade_notebook(nb, assignment, student=info["student"], workdir=workdir,
                                            settings=settings, notebook_name=info["notebook"],
                                            spares=run and run.spares, clock=clock)
        except GradingInterrupted as stop:
            self._report(stop.results[-1], info, run)
            raise  # a KeyboardInterrupt: nbgrader stops without recording anything for this notebook
        self._report(result, info, run)
        if workdir:  # nbgrader's autograde runs this step on the notebook in its autograded folder
            check_records.write(workdir, info["notebook"], result.checks, result.error)
        if result.score is None:
            # nbgrader would record a cell without a score as full marks: it must record nothing
            raise NotGraded(result.error)
        return nb, resources

    def _caller_run(self) -> GradingRun | None:
        """The run of the caller whose converter runs this step (its exporter's parent); None in plain nbgrader."""
        converter = getattr(self.parent, "parent", None)
        return converter.grading_run if isinstance(converter, AutogradeRun) else None

    def _report(self, result, info, run: GradingRun | None):
        result.notes[:0] = getattr(self.parent, "notes", {}).pop(info["notebook"], [])
        if run:
            run.results.append(result)
        # nbgrader's log is a terminal's (formgrader's goes to that of `dlcourse hub`): a submission's strings as text
        name = plain(f"{info['student']}/{info['notebook']}")
        for note in result.notes:
            self.log.warning("%s: %s", name, plain(note))
        if result.error:
            self.log.error("%s: %s", name, plain(result.error))
        score = "no score" if result.score is None else f"{result.score:g} of {result.max_score:g} points"
        self.log.info("%s: %s (%.1f s)", name, score, result.seconds)


class NotGraded(DlcourseError):
    """A notebook whose hidden checks did not all run: nbgrader must record no score for it."""
