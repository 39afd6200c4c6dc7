"""The nbgrader door: a preprocessor that takes the place of nbgrader's ``Execute``.

``course/nbgrader_config.py`` calls :func:`use_grading_engine`, so
``nbgrader autograde`` (and formgrader's autograde button) grade with the same
engine as ``dlcourse grade``, while the rest of nbgrader's pipeline
(``SaveAutoGrades``, late penalties, feedback) stays as it is.
"""

import dataclasses

from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from . import check_records, gradebook_lock, quiet
from .course import Course
from .engine import GradingSettings, grade_notebook
from .grading_service import grade_remotely

_DEFAULTS = GradingSettings()


class GradeWithHiddenChecks(NbGraderPreprocessor):
    """Run the student's cells, then the assignment's hidden checks, and score the test cells."""

    kernel_name = Unicode(_DEFAULTS.kernel_name, help="Kernel to run submissions in.").tag(config=True)
    cell_timeout = Float(_DEFAULTS.cell_timeout, help="Seconds a student cell may run.").tag(config=True)
    call_timeout = Float(_DEFAULTS.call_timeout, help="Seconds one call from a check may run.").tag(config=True)
    seed = Integer(_DEFAULTS.seed, help="Seed of the hidden checks' random inputs.").tag(config=True)
    notebook_timeout = Float(_DEFAULTS.notebook_timeout,
                             help="Seconds all the student cells of one notebook may run.").tag(config=True)
    sandbox = Bool(_DEFAULTS.sandbox, help="Run kernels in the grading sandbox (unprivileged user, limits, "
                                           "no network) where the machine allows it.").tag(config=True)
    allow_network = Bool(_DEFAULTS.allow_network, help="Let sandboxed kernels reach the network.").tag(config=True)
    grading_service = Unicode("", help="Unix socket of the hub's grading service (autograders.grading_service): "
                                       "when set, notebooks are graded there, by root, in the sandbox, instead of "
                                       "in this process (which, as the course's grader account, cannot sandbox "
                                       "kernels).").tag(config=True)

    # what this process graded, for `dlcourse grade` running nbgrader's pipeline in its workers
    results = []

    def preprocess(self, nb, resources):
        quiet.settle()
        info = resources["nbgrader"]
        # the traits of this step are GradingSettings' fields, under the same names
        settings = GradingSettings(**{f.name: getattr(self, f.name) for f in dataclasses.fields(GradingSettings)})
        workdir = resources.get("metadata", {}).get("path")
        with gradebook_lock.released():
            if self.grading_service:
                result = grade_remotely(self.grading_service, nb, info["assignment"], student=info["student"],
                                        workdir=workdir, settings=settings, notebook_name=info["notebook"])
            else:
                assignment = Course(CourseDirectory(config=self.config).root).assignment(info["assignment"])
                result = grade_notebook(nb, assignment, student=info["student"], workdir=workdir,
                                        settings=settings, notebook_name=info["notebook"])
        GradeWithHiddenChecks.results.append(result)
        if workdir:  # nbgrader's autograde runs this step on the notebook in its autograded folder
            check_records.write(workdir, info["notebook"], result.checks, result.error)
        for note in result.notes:
            self.log.warning("%s/%s: %s", info["student"], info["notebook"], note)
        if result.error:
            self.log.error("%s/%s: %s", info["student"], info["notebook"], result.error)
        self.log.info("%s/%s: %g of %g points (%.1f s)", info["student"], info["notebook"],
                      result.score, result.max_score, result.seconds)
        return nb, resources


def use_grading_engine(c):
    """Point an nbgrader config ``c`` at the grading engine."""
    from nbgrader.converters import Autograde

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    if Execute not in default:
        raise RuntimeError("this nbgrader has no Execute step to replace; the grading engine cannot be installed")
    c.Autograde.autograde_preprocessors = [GradeWithHiddenChecks if step is Execute else step for step in default]
    # a release that would show students hidden material fails, and nbgrader removes what it wrote
    from nbgrader.converters import GenerateAssignment

    from .audit import RefuseLeakingRelease

    c.GenerateAssignment.preprocessors = [*GenerateAssignment.class_traits()["preprocessors"].default(),
                                          RefuseLeakingRelease]
    # deleted test cells come back from the gradebook, as the engine restores them for dlcourse grade
    c.OverwriteCells.add_missing_cells = True
    # the checks' records beside the autograded notebooks: never copied from a submission, never into feedback
    c.CourseDirectory.ignore = [*CourseDirectory.class_traits()["ignore"].default(), check_records.FOLDER]
