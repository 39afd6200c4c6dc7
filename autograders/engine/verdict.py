"""Write the hidden checks' verdict into the autograder test cells.

A test cell's outputs become a stdout stream with the feedback and one
``execute_result`` holding the score: nbgrader's ``determine_grade`` (which
``SaveAutoGrades`` uses) reads exactly that number, so the gradebook records the
score the engine computed, and ``dlcourse grade`` reads it back the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from nbformat.v4 import new_output
from nbgrader import utils

from .cells import grade_id, is_test_cell, points
from .checks import CheckOutcome


@dataclass
class CellResult:
    grade_id: str
    score: float | None  # None: waits for a manual grade
    max_score: float
    feedback: str


def score_of(passed: int, total: int, max_points: float) -> float:
    return max_points if passed == total else round(max_points * passed / total, 2)


def feedback_text(outcomes: list[CheckOutcome], score: float, max_points: float) -> str:
    passed = sum(o.passed for o in outcomes)
    if passed == len(outcomes):
        return f"All {passed} hidden checks passed: {max_points:g} of {max_points:g} points.\n"
    lines = [f"Hidden checks: {passed} of {len(outcomes)} passed, {score:g} of {max_points:g} points."]
    lines += [f"  ✓ {o.name}" for o in outcomes if o.passed]
    lines += [f"  ✗ {o.name}: {o.message}" for o in outcomes if not o.passed]
    return "\n".join(lines) + "\n"


def write_verdicts(nb, outcomes: list[CheckOutcome], unavailable: str | None = None):
    """Score every test cell from its checks; ``unavailable`` scores them all 0 with that reason."""
    by_cell = defaultdict(list)
    for outcome in outcomes:
        by_cell[outcome.grade_id].append(outcome)
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        max_points = points(cell)
        mine = by_cell.get(grade_id(cell))
        if unavailable or not mine:
            score, text = 0.0, f"Not graded: {unavailable or 'no hidden checks are defined for this cell'}.\n"
        else:
            score = score_of(sum(o.passed for o in mine), len(mine), max_points)
            text = feedback_text(mine, score, max_points)
        cell.outputs = [
            new_output("stream", name="stdout", text=text),
            new_output("execute_result", data={"text/plain": f"{score:g}"}, execution_count=None),
        ]
        cell.execution_count = None


def cell_results(nb) -> list[CellResult]:
    """Per graded cell, the score nbgrader records for it (manual cells: None)."""
    results = []
    for cell in nb.cells:
        if not utils.is_grade(cell):
            continue
        score, max_score = utils.determine_grade(cell)
        feedback = ""
        if is_test_cell(cell):
            feedback = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        elif score is None:
            feedback = "graded by the instructor"
        results.append(CellResult(grade_id(cell), score, max_score, feedback))
    return results
