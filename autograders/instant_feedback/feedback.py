"""Two steps of nbgrader's pipeline that grading on arrival configures for one submission.

``LimitFeedback`` runs first in ``nbgrader generate_feedback``: it rewrites what the hidden checks wrote into
the test cells to what the assignment's policy shows before the due date (the score only, or the score and the
names of the failed checks), from the grading's own list of failed checks rather than from the text.

``ReplayGrades`` takes the engine's place in ``nbgrader autograde`` to put a submission graded earlier back
into the gradebook (the best one, when a later one scored less): its test cells get the verdicts of that
grading, kept by the service, so the gradebook holds exactly the scores its student was shown, without
running the notebook again.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Enum, Unicode

from ..engine.cells import grade_id, is_test_cell
from .policy import SHOWN


class LimitFeedback(NbGraderPreprocessor):
    """Test cells' outputs reduced to what the policy shows."""

    shown = Enum(tuple(SHOWN), default_value="messages", help="What the feedback shows of the hidden checks: "
                                                              f"{', '.join(SHOWN)}.").tag(config=True)
    failed_checks = Dict(help="The names of the failed hidden checks, by test cell grade_id.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if self.shown == "messages" or not is_test_cell(cell):
            return cell, resources
        score, max_score = utils.determine_grade(cell)
        score = score or 0.0
        failed = self.failed_checks.get(grade_id(cell), []) if self.shown == "failed_checks" else []
        if failed:
            text = "".join([f"{len(failed)} hidden check(s) failed, {score:g} of {max_score:g} points:\n",
                            *(f"  ✗ {name}\n" for name in failed)])
        elif score == max_score and self.shown == "failed_checks":
            text = f"All hidden checks passed: {score:g} of {max_score:g} points.\n"
        else:
            text = f"{score:g} of {max_score:g} points.\n"
        cell.outputs = [new_output("stream", name="stdout", text=text),
                        *(o for o in cell.outputs if o.output_type == "execute_result")]
        return cell, resources


def sources(nb) -> list[str]:
    return [cell.source for cell in nb.cells]


class ReplayGrades(NbGraderPreprocessor):
    """The verdicts of an earlier grading of the same notebook, from the folder the service kept them in."""

    folder = Unicode("", help="Folder holding the graded notebooks of the submission being put back.").tag(config=True)

    def preprocess(self, nb, resources):
        graded = nbformat.read(Path(self.folder) / f"{resources['nbgrader']['notebook']}.ipynb", as_version=4)
        if sources(graded) != sources(nb):
            raise ValueError(f"the grading kept in {self.folder} is of another notebook")
        return graded, resources
