"""The course's nbgrader configuration: read one way, and what the course puts in it.

``course/nbgrader_config.py`` (and the one ``dlcourse hub`` writes) calls :func:`use_grading_engine`, so
``nbgrader autograde`` (and formgrader's autograde button) grade with the same engine as ``dlcourse grade``,
while the rest of nbgrader's pipeline (``SaveAutoGrades``, late penalties, feedback) stays as it is.

Every part of the grader that needs the course's settings (its gradebook, course id, exchange, the grading
service's socket) reads them with :func:`course_config`: the course folder's ``nbgrader_config.py`` and nothing
else (not the current folder's, the user's or the system's), so that a course grades the same wherever a
command is started.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from ..course import CourseError

CONFIG_FILE = "nbgrader_config.py"


def course_config(course_root: Path | str):
    """The course's nbgrader config (a traitlets ``Config``, empty without the file), the caller's own copy: read
    once per process, as a grading worker or a service reads it for every submission."""
    return copy.deepcopy(_read(Path(course_root).resolve()))


@functools.cache
def _read(root: Path):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not (root / CONFIG_FILE).is_file():
        return Config()
    return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()


def course_id(course_root: Path | str) -> str:
    """The nbgrader course id, from the course's nbgrader_config.py."""
    found = course_config(course_root).get("CourseDirectory", {}).get("course_id")
    if not found:
        raise CourseError(f"{Path(course_root) / CONFIG_FILE} sets no CourseDirectory.course_id")
    return found


def use_grading_engine(c):
    """Point an nbgrader config ``c`` at the grading engine."""
    from nbconvert.preprocessors.sanitize import SanitizeHTML
    from nbgrader.converters import Autograde, GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import ClearSolutions, Execute

    from .. import check_records
    from ..answer_stubs import ClearSolutionsWithAnswerStubs
    from ..feedback import use_offline_feedback
    from ..schedule import FillCourseSchedule, ScheduledLatePenalty
    from ..submission_markup import CleanMarkdown2HTML
    from .engine_step import GradeWithHiddenChecks, SubmissionExporter
    from .release_guard import RefuseLeakingRelease

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    if Execute not in default:
        raise RuntimeError("this nbgrader has no Execute step to replace; the grading engine cannot be installed")
    c.Autograde.autograde_preprocessors = [GradeWithHiddenChecks if step is Execute else step for step in default]
    # a submission's JSON may hold anything: nbgrader's steps see it made walkable, with notes
    c.Autograde.exporter_class = SubmissionExporter
    # a release that would show students hidden material fails, and nbgrader removes what it wrote;
    # answer cells are released as `q01 = ...`, so a fresh notebook runs top to bottom; the course page
    # gets the schedule's table
    c.GenerateAssignment.preprocessors = [
        *(ClearSolutionsWithAnswerStubs if step is ClearSolutions else step
          for step in GenerateAssignment.class_traits()["preprocessors"].default()),
        FillCourseSchedule, RefuseLeakingRelease]
    # late submissions cost what course/schedule.toml says
    c.AssignLatePenalties.plugin_class = ScheduledLatePenalty
    # feedback pages render their maths without the internet, plots fit the page, one score per check
    use_offline_feedback(c)
    # deleted test cells come back from the gradebook, as the engine restores them for dlcourse grade
    c.OverwriteCells.add_missing_cells = True
    # formgrader shows a submission as HTML on its own origin, where a script acts as the instructor (its API,
    # kernels and terminals of the grader account): the markup of a student's outputs and markdown source is shown
    # as text, scripts and SVG are dropped; and the HTML that markdown renders to is cleaned too, since
    # formgrader's template renders it without nbconvert's clean_html (links to javascript: ...)
    c.HTMLExporter.preprocessors = [SanitizeHTML]
    c.HTMLExporter.filters = {"markdown2html": CleanMarkdown2HTML}
    # the checks' records beside the autograded notebooks: never copied from a submission, never into feedback
    c.CourseDirectory.ignore = [*CourseDirectory.class_traits()["ignore"].default(), check_records.FOLDER]
